"""`notice new`: a notice repository of one's own, built with the installed engine; and a
build that drops the pages of editions taken out of mkdocs.yml, and only those."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT

from notice_engine import scaffold
from notice_engine.cli import main

PIN = "privacy-notice-site==0.1.0"          # any requirement: these tests do not install it


def notice(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The `notice` command run inside a notice repository, as its editors run it."""
    return subprocess.run([sys.executable, "-m", "notice_engine.cli", *args], cwd=root,
                          capture_output=True, text=True, env=_without_git_overrides())


def _without_git_overrides() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def identity(monkeypatch, tmp_path):
    """A git identity of its own, whatever the machine's global config says."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Notice Editor\n"
                                     "\temail = editor@example.test\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def test_a_new_notice_builds_and_passes_its_checks(tmp_path, identity, capsys):
    root = tmp_path / "acme-notice"
    assert main(["new", str(root), "--engine", PIN]) == 0
    out = capsys.readouterr().out
    assert str(root) in out and "pip install -r requirements.txt" in out

    assert (root / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == PIN
    assert sorted(p.name for p in (root / "hooks").iterdir()) == ["mkdocs_hooks.py"]
    assert "custom_dir" not in (root / "mkdocs.yml").read_text(encoding="utf-8").split("#")[0]
    for name in ("README.md", "archive/README.md", ".gitignore", ".github/workflows/publish.yml",
                 "notice/notice.yml", "notice/introduction.md"):
        assert (root / name).is_file(), name
    assert not (root / "notice_engine").exists() and not (root / "locales").exists()
    assert git(root, "branch", "--show-current") == "main"
    assert git(root, "log", "--format=%s") == scaffold.FIRST_COMMIT

    built = notice(root, "build")
    assert built.returncode == 0, built.stderr
    page = (root / "site" / "us-en" / "index.html").read_text(encoding="utf-8")
    assert "Example Company Privacy Notice" in page
    assert "Content-Security-Policy" in page, "the engine's theme overrides, from the engine"
    assert (root / "site" / "us-en" / "assets" / "notice.css").is_file()
    assert 'href="#contact"' in page, "the starter's smart link"
    checked = notice(root, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert git(root, "status", "--porcelain") == "", ".gitignore covers what a build writes"


def test_a_notice_without_an_archive_folder_builds(tmp_path, identity):
    root = tmp_path / "acme"
    assert main(["new", str(root), "--engine", PIN]) == 0
    shutil.rmtree(root / "archive")
    built = notice(root, "build")
    assert built.returncode == 0, built.stderr


def test_from_file_imports_the_sections_instead_of_the_starter(tmp_path, identity):
    old = tmp_path / "old-notice.md"
    old.write_text("# Privacy at Acme\n\nLast updated: 1 May 2020\n\n## Who we are\n\n"
                   "Acme makes rope.\n\n## What we keep\n\nOrders, for seven years.\n\n"
                   "## Talk to us\n\nWrite to us at the shop.\n", encoding="utf-8")
    root = tmp_path / "acme"
    assert main(["new", str(root), "--engine", PIN, "--from", str(old)]) == 0
    assert sorted(p.name for p in (root / "notice").glob("*.md")) == [
        "talk-to-us.md", "what-we-keep.md", "who-we-are.md"]
    built = notice(root, "build")
    assert built.returncode == 0, built.stderr
    page = (root / "site" / "us-en" / "index.html").read_text(encoding="utf-8")
    assert "Orders, for seven years." in page and "Introduction" not in page


def test_a_folder_with_files_is_refused_and_left_as_it_was(tmp_path, capsys):
    root = tmp_path / "busy"
    root.mkdir()
    (root / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["new", str(root), "--engine", PIN]) == 1
    err = capsys.readouterr().err
    assert f"{root} is not empty (it holds notes.txt)" in err and "Fix:" in err
    assert "Traceback" not in err
    assert [p.name for p in root.iterdir()] == ["notes.txt"]


def test_a_failed_import_leaves_nothing_behind(tmp_path, capsys):
    root = tmp_path / "new"
    assert main(["new", str(root), "--engine", PIN, "--from", str(tmp_path / "missing.md")]) == 1
    assert "missing.md" in capsys.readouterr().err
    assert not root.exists()


def test_from_and_history_start_a_notice_with_its_published_past(tmp_path, identity):
    """`notice new DIR --from FILE --history REPO:PATH`: today's text in notice/, each day its
    words changed in the old repository a version in the archive, "Last Updated" the last."""
    website = tmp_path / "website"
    website.mkdir()
    git(website, "init", "-q", "-b", "main")
    texts = [("2019-08-15T09:00:00-07:00", "We keep orders."),
             ("2019-08-15T16:00:00-07:00", "We keep orders for seven years."),   # same day
             ("2020-02-01T23:30:00-08:00", "We keep orders for seven years.  "),  # spaces only
             ("2021-03-01T10:00:00-08:00", "We keep orders for five years.")]
    for when, words in texts:
        (website / "privacy.md").write_text(f"# Privacy at Acme\n\n## What we keep\n\n{words}\n\n"
                                            "## Talk to us\n\nWrite to the shop.\n",
                                            encoding="utf-8")
        git(website, "add", "-A")
        subprocess.run(["git", "commit", "-qm", f"Edit {when}"], cwd=website, check=True,
                       env={**os.environ, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when})
    root = tmp_path / "acme"
    assert main(["new", str(root), "--engine", PIN, "--from", str(website / "privacy.md"),
                 "--history", f"{website}:privacy.md"]) == 0
    assert sorted(p.name for p in (root / "archive").glob("*.md")) == [
        "2019-08-15.md", "2021-03-01.md", "README.md"]
    built = notice(root, "build")
    assert built.returncode == 0, built.stderr
    versions = json.loads((root / "site" / "us-en" / "versions.json").read_text(encoding="utf-8"))
    assert [v["date"] for v in versions["versions"]] == ["2021-03-01", "2019-08-15"]
    page = (root / "site" / "us-en" / "index.html").read_text(encoding="utf-8")
    assert 'Last Updated: <time datetime="2021-03-01">' in " ".join(page.split())
    assert "five years" in page


def test_timezone_dates_the_imported_history_and_goes_into_mkdocs_yml(tmp_path, identity):
    """A change committed at 01:30 on the 2nd in Paris was still the 1st in New York (the
    starter's zone): `--timezone` names the day before the history is imported, and is the
    notice's zone from then on."""
    website = tmp_path / "website"
    website.mkdir()
    git(website, "init", "-q", "-b", "main")
    for when, words in [("2020-05-04T10:00:00+02:00", "seven"),
                        ("2021-03-02T01:30:00+01:00", "five")]:
        (website / "privacy.md").write_text(f"# Privacy\n\n## Orders\n\nWe keep orders for "
                                            f"{words} years.\n", encoding="utf-8")
        git(website, "add", "-A")
        subprocess.run(["git", "commit", "-qm", "Edit"], cwd=website, check=True,
                       env={**os.environ, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when})
    days = {}
    for zone in ("Europe/Paris", None):
        root = tmp_path / f"acme-{zone or 'starter'}".replace("/", "-")
        options = ["--timezone", zone] if zone else []
        assert main(["new", str(root), "--engine", PIN, "--from", str(website / "privacy.md"),
                     "--history", f"{website}:privacy.md", *options]) == 0
        days[zone] = sorted(p.name for p in (root / "archive").glob("2*.md"))
        settings = (root / "mkdocs.yml").read_text(encoding="utf-8")
        assert f"    timezone: {zone or 'America/New_York'}     # the day" in settings
        assert notice(root, "check").returncode == 0
    assert days == {"Europe/Paris": ["2020-05-04.md", "2021-03-02.md"],
                    None: ["2020-05-04.md", "2021-03-01.md"]}


def test_an_unknown_timezone_is_refused_before_anything_is_made(tmp_path, capsys):
    root = tmp_path / "acme"
    with pytest.raises(SystemExit) as exited:
        main(["new", str(root), "--engine", PIN, "--timezone", "Mars/Olympus_Mons"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unknown timezone 'Mars/Olympus_Mons'" in err and "Europe/Paris" in err
    assert not root.exists()


def test_the_new_hook_is_the_one_the_package_ships():
    """One source of truth: the new repository's hook only imports the installed adapter."""
    hook = (scaffold.STARTER / "hooks" / "mkdocs_hooks.py").read_text(encoding="utf-8")
    assert "from notice_engine.mkdocs_adapter import *" in hook and "sys.path" not in hook


# --- the pin: where the running engine came from ---------------------------------------------

class _Installed:
    def __init__(self, direct_url: dict | None, version: str = "0.1.0"):
        self.direct_url, self.version = direct_url, version

    def read_text(self, name: str):
        return json.dumps(self.direct_url) if self.direct_url and name == "direct_url.json" else None


@pytest.mark.parametrize("direct_url, expected", [
    (None, "privacy-notice-site==0.1.0"),
    ({"url": "https://example.test/engine.git",
      "vcs_info": {"vcs": "git", "commit_id": "ab" * 20, "requested_revision": "v0.1.0"}},
     "privacy-notice-site @ git+https://example.test/engine.git@" + "ab" * 20),
    ({"url": "file:///wheels/privacy_notice_site-0.1.0-py3-none-any.whl",
      "archive_info": {"hashes": {"sha256": "cd" * 32}}},
     "privacy-notice-site @ file:///wheels/privacy_notice_site-0.1.0-py3-none-any.whl#sha256="
     + "cd" * 32),
])
def test_the_pin_follows_how_the_engine_was_installed(monkeypatch, direct_url, expected):
    monkeypatch.setattr(scaffold.metadata, "distribution", lambda name: _Installed(direct_url))
    assert scaffold.engine_requirement()[0] == expected


@pytest.fixture
def engine_checkout(tmp_path) -> Path:
    """A git checkout of the engine (pyproject.toml and the package), committed once."""
    root = tmp_path / "engine"
    shutil.copytree(PROJECT / "hooks" / "notice_engine", root / "hooks" / "notice_engine",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    shutil.copy2(PROJECT / "pyproject.toml", root / "pyproject.toml")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=Engine", "-c", "user.email=engine@example.test",
        "commit", "-q", "-m", "Engine")
    return root


def test_an_editable_checkout_is_pinned_at_its_commit(monkeypatch, engine_checkout):
    monkeypatch.setattr(scaffold.metadata, "distribution", lambda name: _Installed(
        {"url": engine_checkout.as_uri(), "dir_info": {"editable": True}}))
    requirement, warnings = scaffold.engine_requirement()
    sha = git(engine_checkout, "rev-parse", "HEAD")
    assert requirement == (f"privacy-notice-site @ git+file://localhost{engine_checkout.resolve()}"
                           f"@{sha}")
    assert warnings == []
    (engine_checkout / "hooks" / "notice_engine" / "cli.py").write_text("# edited\n")
    assert "uncommitted changes" in scaffold.engine_requirement()[1][0]


def test_an_engine_that_is_not_a_checkout_cannot_be_pinned(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(scaffold.metadata, "distribution", lambda name: _Installed(
        {"url": tmp_path.as_uri(), "dir_info": {"editable": True}}))
    assert main(["new", str(tmp_path / "new")]) == 1
    err = capsys.readouterr().err
    assert "--engine SPEC" in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()


def test_the_pin_installs_the_engine_with_everything_it_ships(engine_checkout, tmp_path):
    """pip installs the pinned commit for real (offline, from the temp checkout), and the
    installed engine carries its theme, catalogs and starter: a notice repository needs no copy."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pip") is None or importlib.util.find_spec("setuptools") is None:
        pytest.skip("pip and setuptools are needed to install the engine")
    requirement, _ = scaffold.checkout_requirement(engine_checkout)
    target = tmp_path / "installed"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                             "--no-build-isolation", "--no-index", "--disable-pip-version-check",
                             "--target", str(target), requirement],
                            capture_output=True, text=True, timeout=120,
                            env=_without_git_overrides())
    assert result.returncode == 0, result.stderr
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import notice_engine, pathlib; "
             "print(pathlib.Path(notice_engine.__file__).parent)")
    found = subprocess.run([sys.executable, "-S", "-c", probe, str(target)],
                           capture_output=True, text=True, check=True).stdout.strip()
    package = Path(found)
    assert package.is_relative_to(target)
    for shipped in ("theme/main.html", "theme/assets/notice.css", "templates/notice.html",
                    "locales/fr/LC_MESSAGES/messages.po", "mkdocs_adapter.py",
                    "starter/mkdocs.yml", "starter/gitignore", "starter/hooks/mkdocs_hooks.py",
                    "starter/github/workflows/publish.yml", "starter/notice/notice.yml"):
        assert (package / shipped).is_file(), shipped
