"""The example CI's steps, run as its shell commands (not GitHub) in temporary repositories:
a pull request is checked and its redline written; the published branch is built."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT, NoticeRepo

WORKFLOWS = [PROJECT / "examples/ci/github-actions-publish.yml",
             PROJECT / "hooks/notice_engine/starter/github/workflows/publish.yml"]
GITHUB = {"github.base_ref": "main", "github.event.pull_request.number": "7",
          "github.token": "token"}


def run_job(workflow: Path, job: str, repo: NoticeRepo, tmp_path: Path) -> list[int]:
    """Each `run:` step of the job in the repository, as GitHub's runner would (bash -e),
    with `notice` (and `./dev notice`) the engine under test and `gh` a stand-in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "notice").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m notice_engine.cli "$@"\n')
    (bin_dir / "gh").write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path}/gh.log"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    spec = yaml.safe_load(workflow.read_text())["jobs"][job]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NOTICE_TODAY": "2024-12-31",
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
           "PYTHONPATH": str(PROJECT / "hooks")}
    codes = []
    for step in spec["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        step_env = {k: expand(v) for k, v in {**spec.get("env", {}), **step.get("env", {})}.items()}
        command = expand(step["run"]).replace("./dev notice", "notice")
        result = subprocess.run(["bash", "-e", "-c", command], cwd=repo.root,
                                env={**env, **step_env}, capture_output=True, text=True)
        codes.append(result.returncode)
        if result.returncode:
            break
    return codes


def expand(text: str) -> str:
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: GITHUB[m.group(1)], text)


def published_repo(root: Path) -> NoticeRepo:
    repo = NoticeRepo(root)
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.section("contact", "Contact", "Write to us.")
    repo.manifest("intro", "contact")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.git("remote", "add", "origin", str(root))
    repo.git("fetch", "-q", "origin")
    return repo


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=["example", "starter"])
def test_pull_requests_are_reviewed_and_only_the_published_branch_publishes(workflow, tmp_path):
    spec = yaml.safe_load(workflow.read_text())
    assert "pull_request" in spec[True] and spec[True]["push"]["branches"] == ["main"]
    assert "pull_request" in spec["jobs"]["review"]["if"]
    assert "refs/heads/main" in spec["jobs"]["publish"]["if"]
    assert not any("upload" in str(s.get("name", "")).lower() for s in spec["jobs"]["review"]["steps"])

    repo = published_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "feature")
    repo.section("contact", "Contact", "Write to us by email.")
    repo.commit("Email\n\nNotice-Change: material", date="2024-02-10T09:00:00+01:00")
    assert run_job(workflow, "review", repo, tmp_path) == [0, 0, 0]
    redline = (repo.root / "redline.md").read_text()
    assert "## us-en: origin/main" in redline and "<ins>us by email.</ins>" in redline
    assert "--body-file redline.md" in (tmp_path / "gh.log").read_text()
    assert not (repo.root / "site").exists()

    repo.section("contact", "Contact", "Write to us by post.")
    repo.commit("Post\n\nNotice-Chnage: minor", date="2024-02-11T09:00:00+01:00")
    assert run_job(workflow, "review", repo, tmp_path)[-1] == 1     # the typo stops the PR

    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "feature~1", "-m", "Merge: email",
             env={"GIT_COMMITTER_DATE": "2024-02-12T09:00:00+01:00"})
    assert run_job(workflow, "publish", repo, tmp_path) == [0, 0, 0]
    assert "Write to us by email." in (repo.root / "site/us-en/index.html").read_text()


def test_check_base_ignores_what_the_base_already_had(tmp_path, capsys):
    from notice_engine.cli import main

    repo = published_repo(tmp_path / "repo")
    repo.section("contact", "Contact", "Old mistake.")
    repo.commit("Old\n\nNotice-Summary-gr: Email.", date="2024-01-11T09:00:00+01:00")
    repo.git("fetch", "-q", "origin")
    repo.git("checkout", "-q", "-b", "feature")
    repo.section("contact", "Contact", "New text.")
    sha = repo.commit("New\n\nNotice-Summary-xx: Hm.", date="2024-02-10T09:00:00+01:00")
    os.environ["NOTICE_TODAY"] = "2024-12-31"
    try:
        assert main(["--root", str(repo.root), "check", "--base", "origin/main"]) == 0
    finally:
        del os.environ["NOTICE_TODAY"]
    out = capsys.readouterr().out
    assert f"warning N209: commit {sha[:12]}: Notice-Summary-xx" in out
    assert "Notice-Summary-gr" not in out
