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
import subprocess
import sys
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
STOPS_BUILD = [p for p in PLACES if p.startswith((".cache", "site"))]
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


def plant(repo: NoticeRepo, places: list[tuple[str, bool]], victim: Path) -> list[str]:
    """At each place (outermost first), in place of what an earlier run left there: a link
    to a file or folder of `victim`, or (`wrong_kind`) a folder where a file goes or a file
    where a folder goes; committed. A place under one already planted cannot be made
    inside the repository and is left out. Returns the places planted."""
    planted = []
    for number, (place, wrong_kind) in enumerate(sorted(places, key=lambda p: p[0].count("/"))):
        path = repo.root / place
        if any(not (repo.root / ancestor).is_dir() or (repo.root / ancestor).is_symlink()
               for ancestor in _ancestors(place) if os.path.lexists(repo.root / ancestor)):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)          # git overwrites ignored files (.cache, site) on checkout
        path.unlink(missing_ok=True)
        folder = PLACES[place] == "folder"
        if wrong_kind and folder:
            path.write_text("a file where a folder goes\n")
        elif wrong_kind:
            path.mkdir()
            (path / "keep.txt").write_text("a folder where a file goes\n")
        else:
            target = victim / f"{'folder' if folder else 'file'}{number}"
            if folder:
                target.mkdir()
                (target / "keep.txt").write_text("keep me\n")
            else:
                target.write_text("keep me\n")
            os.symlink(target, path)
        planted.append(place)
    repo.git("add", "-f", *planted)
    repo.git("commit", "-q", "--allow-empty", "-m", "Links and misplaced files where the tool writes")
    return planted


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


def assert_outcome(code: int, text: str, planted: list[str], stopping: list[str],
                   links_only: bool) -> None:
    """Links only: refused, naming a link and how to fix it, exactly when one is on the way.
    Misplaced files and folders too: a result, or an error naming one of them with a fix."""
    refused = [place for place in planted if place in stopping]
    if links_only and not refused:
        assert code == 0, text
    elif code != 0 or links_only:
        assert code == 1, text
        assert "Fix:" in text and any(f"{place}: " in text for place in planted), (planted, text)
        if links_only:
            assert "symbolic link" in text, text


@settings(fuzz(30), suppress_health_check=[*fuzz(30).suppress_health_check,
                                          HealthCheck.function_scoped_fixture])
@given(places=st.lists(st.tuples(st.sampled_from(sorted(PLACES)), st.booleans()), min_size=1,
                      max_size=4, unique_by=lambda p: p[0]),
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
        planted = plant(repo, places, victim)
        links_only = not any(wrong_kind for _, wrong_kind in places)
        before = snapshot(victim)

        for _ in range(2):         # the second build is the one that reuses the first's files
            code, text = run(base + ["build"], capsys)
            assert_outcome(code, text, planted, STOPS_BUILD, links_only)
            if code == 0:
                page = repo.root / "site" / "us-en" / "index.html"
                assert page.is_file() and not page.is_symlink()
        code, text = run(base + ["notify", "--recipients", str(csv)], capsys)
        assert_outcome(code, text, planted, STOPS_NOTIFY, links_only)
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


def test_a_link_in_the_site_folder_stops_the_build(repo, tmp_path, capsys):
    """A page of an earlier build replaced by a link (to a file, or to a folder),
    or a link put beside the editions: an upload that follows links (`tar --dereference`,
    `aws s3 sync`) would publish what it points to. The build stops, naming it."""
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.manifest("intro")
    repo.commit("First")
    base = ["--root", str(repo.root), "build", "--edition", "us-en"]
    assert run(base, capsys)[0] == 0
    site = repo.root / "site"
    for number, (where, kind) in enumerate([("us-en/index.html", "file"),
                                            ("us-en/index.html", "folder"),
                                            ("secrets.txt", "file")]):
        elsewhere = tmp_path / f"elsewhere{number}"
        if kind == "folder":
            elsewhere.mkdir()
        else:
            elsewhere.write_bytes(b"<p>not the site's own</p>\n")
        link = site / where
        saved = link.read_bytes() if link.is_file() and not link.is_symlink() else None
        link.unlink(missing_ok=True)
        os.symlink(elsewhere, link)
        code, text = run(base, capsys)
        assert code == 1, text
        assert f"site/{where}: this is a symbolic link" in text and "Fix:" in text, text
        assert os.path.lexists(elsewhere) and (kind == "folder" or elsewhere.read_bytes()
                                               == b"<p>not the site's own</p>\n")
        link.unlink()
        if saved is not None:
            link.write_bytes(saved)
        assert run(base, capsys)[0] == 0


def test_a_plain_mkdocs_build_never_empties_a_folder_outside_its_place(repo, tmp_path):
    """Plain `mkdocs build` empties site_dir before writing: one that mkdocs.yml names
    outside the repository, on its sources or through a link is refused before that."""
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.manifest("intro")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep me\n")
    os.symlink(elsewhere, repo.root / "linked")
    (repo.root / "site").mkdir()
    os.symlink(elsewhere, repo.root / "site" / "linked")
    repo.commit("First")
    mkdocs_yml = repo.root / "mkdocs.yml"
    plain = mkdocs_yml.read_text(encoding="utf-8")
    for site_dir in ("../elsewhere", str(elsewhere), "archive", ".notice", "linked/us-en",
                     "site/linked"):
        mkdocs_yml.write_text(plain.replace("site_dir: site/us-en", f"site_dir: {site_dir}"),
                              encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=repo.root,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert "mkdocs.yml" in done.stderr or "site/linked: this is a symbolic link" in done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    mkdocs_yml.write_text(plain, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=repo.root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (repo.root / "site" / "us-en" / "index.html").is_file()
