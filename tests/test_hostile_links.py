"""Nothing the tool writes goes through a link (issue 13: never follow a symbolic link out
of the repository). A link committed where `notice build` or `notice notify` writes — the
cache, the site, the outbox, the send log — either stops the command, naming the link, or
is replaced by the file the command writes; whatever the link points to is never written,
truncated or removed.

Each example is a real git repository with the links committed (`git add -f`, as a hostile
pull request would), and each command runs in-process through `notice_engine.cli.main`.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE_EXTRA, NoticeRepo
from notice_engine.cli import main
from support.fuzz import fuzz

CSV = "email,name,locale,region\nanna@example.test,Anna,en,us\n"

# Where the commands write, and whether a link there is a file's or a folder's place.
# Those that stop a command (and which one): a link on the way to what it writes. The
# others are the final file or folder itself, which the command replaces whole.
PLACES = {
    ".cache": "folder", ".cache/notice": "folder", ".cache/notice/build.lock": "file",
    ".cache/notice/render.sqlite": "file", ".cache/notice/render.sqlite-wal": "file",
    ".cache/notice/pages": "folder", ".cache/notice/history": "folder",
    ".cache/notice/builds": "folder",
    "site": "folder", "site/index.html": "file", "site/.us-en.building": "folder",
    "site/.us-en.previous": "folder", "site/us-en": "folder",
    "outbox": "folder", "outbox/index.html": "file",
    ".notice": "folder", ".notice/sendlog.sqlite": "file",
    ".notice/sendlog.sqlite.lock": "file", ".notice/sendlog.sqlite-wal": "file",
}
STOPS_BUILD = [p for p in PLACES if p.startswith(".cache") or p == "site"]
STOPS_NOTIFY = [p for p in PLACES if p.startswith((".notice", "outbox")) and p != "outbox/index.html"]


def notice_repo(root: Path) -> NoticeRepo:
    extra = copy.deepcopy(BASE_EXTRA)
    extra["editions"] = [{"id": "us-en", "region": "us", "locale": "en"}]
    extra["mail"] = {"from": "privacy@example.test", "site_url": "https://example.test/"}
    repo = NoticeRepo(root, extra)
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.section("contact", "Contact", "Write to us.")
    repo.manifest("intro", "contact")
    repo.commit("First", date="2024-01-10T09:00:00+00:00")
    return repo


def plant_links(repo: NoticeRepo, places: list[str], victim: Path) -> list[str]:
    """A link at each place (outermost first) to a file or folder of `victim`, committed,
    in place of what an earlier run left there; a place under one already linked cannot
    be made inside the repository and is left out. Returns the places linked."""
    linked = []
    for number, place in enumerate(sorted(places, key=lambda p: p.count("/"))):
        path = repo.root / place
        if any((repo.root / ancestor).is_symlink() for ancestor in _ancestors(place)):
            continue
        if PLACES[place] == "folder":
            target = victim / f"folder{number}"
            target.mkdir()
            (target / "keep.txt").write_text("keep me\n")
        else:
            target = victim / f"file{number}.txt"
            target.write_text("keep me\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)          # git overwrites ignored files (.cache, site) on checkout
        path.unlink(missing_ok=True)
        os.symlink(target, path)
        linked.append(place)
    repo.git("add", "-f", *linked)
    repo.git("commit", "-q", "-m", "Links where the tool writes")
    return linked


def _ancestors(place: str) -> list[str]:
    parts = place.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`, links not followed: files with their bytes."""
    found: dict[str, bytes | str] = {}
    for directory, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(directory) / name
            relative = str(path.relative_to(folder))
            found[relative] = ("link" if path.is_symlink() else
                               path.read_bytes() if path.is_file() else "folder")
    return found


def run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text, (args, text)
    return code, text


def assert_outcome(code: int, text: str, linked: list[str], stopping: list[str]) -> None:
    """Refused, naming a link and how to fix it, exactly when a link is on the way."""
    refused = [place for place in linked if place in stopping]
    if refused:
        assert code == 1, text
        assert "symbolic link" in text and "Fix:" in text, text
        assert any(f"{place}: " in text for place in refused), (refused, text)
    else:
        assert code == 0, text


@settings(fuzz(10), suppress_health_check=[*fuzz(10).suppress_health_check,
                                          HealthCheck.function_scoped_fixture])
@given(places=st.lists(st.sampled_from(sorted(PLACES)), min_size=1, max_size=4, unique=True),
       built_first=st.booleans())
def test_links_where_the_tool_writes_never_lead_it_outside_the_repository(
        places, built_first, capsys, monkeypatch):
    monkeypatch.delenv("NOTICE_SMTP_URL", raising=False)
    with tempfile.TemporaryDirectory() as folder:
        repo = notice_repo(Path(folder) / "repo")
        base = ["--root", str(repo.root)]
        csv = Path(folder) / "people.csv"
        csv.write_text(CSV)
        if built_first:           # caches, site and outbox already there, as on a maintainer's machine
            assert run(base + ["build"], capsys)[0] == 0
            assert run(base + ["notify", "--recipients", str(csv)], capsys)[0] == 0
        victim = Path(folder) / "elsewhere"
        victim.mkdir()
        linked = plant_links(repo, places, victim)
        before = snapshot(victim)

        for _ in range(2):         # the second build is the one that reuses the first's files
            code, text = run(base + ["build"], capsys)
            assert_outcome(code, text, linked, STOPS_BUILD)
            if code == 0:
                page = repo.root / "site" / "us-en" / "index.html"
                assert page.is_file() and not page.is_symlink()
        code, text = run(base + ["notify", "--recipients", str(csv)], capsys)
        assert_outcome(code, text, linked, STOPS_NOTIFY)
        assert snapshot(victim) == before


def test_a_linked_build_lock_is_refused_and_its_target_kept(repo, tmp_path, capsys):
    """The case that truncated a file outside the repository: the lock file is opened for
    writing and emptied on every build."""
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.manifest("intro")
    victim = tmp_path / "bashrc"
    victim.write_text("export KEEP=me\n")
    (repo.root / ".cache" / "notice").mkdir(parents=True)
    os.symlink(victim, repo.root / ".cache" / "notice" / "build.lock")
    repo.git("add", "-f", ".cache/notice/build.lock")
    repo.commit("First")
    code, text = run(["--root", str(repo.root), "build"], capsys)
    assert code == 1, text
    assert ".cache/notice/build.lock: this is a symbolic link" in text, text
    assert "git rm --cached .cache/notice/build.lock" in text, text
    assert victim.read_text() == "export KEEP=me\n"


def test_an_import_replaces_a_linked_section_file_and_keeps_its_target(repo, tmp_path, capsys):
    victim = tmp_path / "elsewhere.md"
    victim.write_text("keep me\n")
    (repo.root / "notice").mkdir()
    os.symlink(victim, repo.root / "notice" / "introduction.md")
    source = tmp_path / "old-notice.md"
    source.write_text("# Privacy Notice\n\n## Introduction\n\nWe keep your data safe.\n")
    code, text = run(["--root", str(repo.root), "import", str(source), "--replace"], capsys)
    assert code == 0, text
    written = repo.root / "notice" / "introduction.md"
    assert written.is_file() and not written.is_symlink()
    assert "We keep your data safe." in written.read_text()
    assert victim.read_text() == "keep me\n"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2030-01-01")
