"""Hostile input (issue 13): nothing from a commit, a file, a cache or a setting can forge,
leak or write outside its place; every such input gives a result or a clear error."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from notice_engine.cli import main
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.render.sections import Renderer

SECRET = "forged@attacker.example"


def small_notice(repo, contact="Write to us."):
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.section("contact", "Contact", contact)
    repo.manifest("intro", "contact")


def run(repo, *args: str, capsys) -> tuple[int, str]:
    code = main(["--root", str(repo.root), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def site_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in sorted(site.rglob("*")) if p.is_file())


def history_of(repo, edition="us-en", today="2030-01-01"):
    from datetime import date
    config = repo.config()
    return edition_history(read_repository(repo.root), config, config.edition(edition),
                           Renderer(), date.fromisoformat(today))


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2030-01-01")


# --- 1. only regular files of the repository --------------------------------------------

def secret_section(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "secret.md"
    target.write_text(f"# Secret\n\nWrite to {SECRET}.\n", encoding="utf-8")
    return target


def linked_notice(repo, target: str) -> None:
    small_notice(repo)
    os.symlink(target, repo.root / "notice" / "zz.md")
    repo.manifest("intro", "contact", "zz")


def assert_refused(repo, capsys, what: str, path: str = "notice/zz.md") -> None:
    code, out = run(repo, "check", capsys=capsys)
    assert code == 1, out
    assert path in out and what in out and "Fix:" in out, out
    code, out = run(repo, "build", "--strict", "--edition", "us-en", capsys=capsys)
    assert code == 1 and "Traceback" not in out, out
    assert path in out and what in out, out
    site = repo.root / "site"
    assert not site.exists() or SECRET not in site_text(site)


def test_a_link_to_a_file_outside_the_repository_is_refused(repo, tmp_path, capsys):
    linked_notice(repo, str(secret_section(tmp_path / "elsewhere")))
    repo.commit("Link a file from elsewhere")
    assert_refused(repo, capsys, "symbolic link")


def test_a_link_inside_the_repository_is_refused(repo, capsys):
    secret_section(repo.root / "docs")
    linked_notice(repo, "../docs/secret.md")
    repo.commit("Link a file of the repository")
    assert_refused(repo, capsys, "symbolic link")


def test_a_linked_notice_folder_is_refused(repo, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    small_notice(repo)
    (repo.root / "notice").rename(elsewhere)
    secret_section(elsewhere)
    os.symlink(elsewhere, repo.root / "notice")
    assert_refused(repo, capsys, "symbolic link", path="notice")


def test_a_submodule_is_refused(repo, capsys):
    small_notice(repo)
    inner = repo.root / "notice" / "zz.md"
    inner.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=inner, check=True)
    (inner / "x").write_text(SECRET)
    subprocess.run(["git", "-c", "user.name=n", "-c", "user.email=n@example.test", "add", "x"],
                   cwd=inner, check=True)
    subprocess.run(["git", "-c", "user.name=n", "-c", "user.email=n@example.test", "commit",
                    "-qm", "inner"], cwd=inner, check=True)
    repo.manifest("intro", "contact", "zz")
    repo.commit("A submodule")
    assert "160000" in repo.git("ls-files", "-s", "notice/zz.md")
    assert_refused(repo, capsys, "submodule")


def test_a_link_in_an_old_commit_was_never_published(repo, tmp_path, capsys):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    linked_notice(repo, str(secret_section(tmp_path / "elsewhere")))
    linked = repo.commit("Link a file", date="2024-02-10T09:00:00+01:00")
    (repo.root / "notice" / "zz.md").unlink()
    repo.section("zz", "Extra", "Plain text.")
    repo.commit("A plain file", date="2024-03-10T09:00:00+01:00")
    past = history_of(repo)
    assert [v.date.isoformat() for v in past.versions] == ["2024-01-10", "2024-03-10"]
    assert any(linked[:12] in w and "notice/zz.md" in w and "symbolic link" in w
               for w in past.warnings), past.warnings
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0, out
    assert SECRET not in site_text(repo.root / "site")
    assert str(tmp_path / "elsewhere") not in site_text(repo.root / "site")


def test_a_linked_mkdocs_yml_is_refused(repo, tmp_path, capsys):
    small_notice(repo)
    repo.commit("First")
    outside = tmp_path / "other.yml"
    (repo.root / "mkdocs.yml").rename(outside)
    os.symlink(outside, repo.root / "mkdocs.yml")
    code, out = run(repo, "build", capsys=capsys)
    assert code == 1 and "mkdocs.yml" in out and "symbolic link" in out, out


def test_a_linked_legacy_version_is_refused(repo, tmp_path, capsys):
    small_notice(repo)
    (repo.root / "archive").mkdir()
    os.symlink(secret_section(tmp_path / "elsewhere"), repo.root / "archive" / "2020-01-01.md")
    repo.commit("First")
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 1 and "archive/2020-01-01.md" in out and "symbolic link" in out, out


# --- 2. git output read only through NUL-delimited formats -----------------------------

def test_a_record_separator_in_a_message_does_not_break_later_builds(repo, capsys):
    small_notice(repo)
    repo.commit("First\x1e with a record separator", date="2024-01-10T09:00:00+01:00")
    small_notice(repo, "Write to us by post.")
    repo.commit("Second", date="2024-02-10T09:00:00+01:00")
    assert [v.date.isoformat() for v in history_of(repo).versions] == ["2024-01-10", "2024-02-10"]
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0 and "Traceback" not in out, out


def test_a_fake_raw_diff_line_in_a_message_cannot_forge_the_archive(repo, capsys):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    forged = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo.root,
                            input=f"# Contact\n\nWrite to {SECRET}.\n", capture_output=True,
                            text=True, check=True).stdout.strip()
    repo.write("README.md", "About this repository.\n")
    zero = "0" * 40
    repo.commit(f"Docs\x1f\x1f\n:100644 100644 {zero} {forged} M\tnotice/contact.md\n",
                date="2024-02-10T09:00:00+01:00")
    assert [v.date.isoformat() for v in history_of(repo).versions] == ["2024-01-10"]
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0, out
    assert SECRET not in site_text(repo.root / "site")


HOSTILE_SUBJECT = "Clarify\x01 retention\x1b[31m \u202eevil\u202c\x7f\x85 periods"


def test_control_characters_in_a_subject_are_neutralised_everywhere(repo, capsys):
    small_notice(repo)
    repo.commit(HOSTILE_SUBJECT, date="2024-01-10T09:00:00+01:00")
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0, out
    site = repo.root / "site" / "us-en"
    feed = ET.parse(site / "feed.xml").getroot()          # well-formed XML
    summaries = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}summary")]
    assert summaries == ["Clarify\ufffd retention\ufffd[31m \ufffdevil\ufffd\ufffd\ufffd periods"]
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".txt"}:
            text = path.read_text(encoding="utf-8")
            for bad in "\x01\x1b\u202e\u202c\x7f\x85":
                assert bad not in text, (path, bad)


def test_a_bidi_control_in_a_trailer_is_refused_with_the_commit_and_line(repo, capsys):
    small_notice(repo)
    sha = repo.commit("Clarify\n\nNotice-Summary: We keep \u202elogs\u202c for 13 months.",
                      date="2024-01-10T09:00:00+01:00")
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 1, out
    assert f"commit {sha[:12]}:3:" in out and "U+202E" in out and "Fix:" in out, out
    code, out = run(repo, "check", capsys=capsys)
    assert code == 1 and f"commit {sha[:12]}:3:" in out, out


# --- 3. configured names that become paths; mkdocs.yml errors name their line ----------

def configured(tmp_path, editions=None, regions=None, mail=None):
    import copy

    from conftest import BASE_EXTRA, NoticeRepo

    extra = copy.deepcopy(BASE_EXTRA)
    if editions is not None:
        extra["editions"] = editions
    if regions is not None:
        extra["regions"] = regions
    extra["mail"] = {"from": "privacy@example.test", "site_url": "https://example.test/",
                     **(mail or {})}
    repo = NoticeRepo(tmp_path / "repo", extra)
    small_notice(repo)
    (repo.root / "archive").mkdir()
    repo.write("archive/README.md", "Versions before git.\n")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    return repo


def line_of(repo, text: str) -> int:
    lines = (repo.root / "mkdocs.yml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_a_duplicated_edition_id_names_its_line_and_the_fix(tmp_path, capsys):
    repo = configured(tmp_path, editions=[{"id": "eu-en", "region": "eu", "locale": "en"},
                                          {"id": "us-en", "region": "us", "locale": "en"},
                                          {"id": "eu-en", "region": "eu", "locale": "fr"}])
    code, out = run(repo, "build", capsys=capsys)
    assert code == 1
    assert f"mkdocs.yml:{id_lines(repo)[2]}: edition id 'eu-en' appears twice" in out and "Fix:" in out, out


def id_lines(repo) -> list[int]:
    """The lines of mkdocs.yml where an edition starts (`- id: …`)."""
    lines = (repo.root / "mkdocs.yml").read_text().splitlines()
    return [n for n, line in enumerate(lines, start=1) if line.lstrip().startswith("- id:")]


HOSTILE_EDITIONS = ["../archive", "/tmp/x", "..", "us-en/../../x", "US EN", "a\nb", ""]


def walk(folder: Path, allowed: tuple[Path, ...]) -> dict[str, tuple]:
    """Every path under `folder` with what it holds, but the `allowed` places, what is in
    them and the folders that lead to them (made when they are)."""
    found = {}
    for path in folder.rglob("*"):
        if any(path == a or a in path.parents or path in a.parents for a in allowed):
            continue
        stat = path.lstat()
        found[str(path)] = (stat.st_mode, stat.st_size,
                            None if path.is_dir() else stat.st_mtime_ns)
    return found


@pytest.mark.parametrize("hostile", HOSTILE_EDITIONS)
def test_an_edition_id_that_is_not_a_slug_is_refused_and_nothing_is_written_outside(
        tmp_path, capsys, hostile):
    absolute = str(tmp_path / "abs-target")
    hostile = absolute if hostile == "/tmp/x" else hostile
    repo = configured(tmp_path, editions=[{"id": "us-en", "region": "us", "locale": "en"},
                                          {"id": hostile, "region": "eu", "locale": "en"}])
    allowed = (repo.root / "site", repo.root / ".cache" / "notice")
    before = walk(tmp_path, allowed)
    csv = tmp_path / "people.csv"
    for command in (["build"], ["check"], ["versions"], ["notify", "--dry-run",
                                                          "--recipients", str(csv)]):
        csv.write_text("email,name,locale,region\nanna@example.test,Anna,en,us\n")
        before[str(csv)] = walk(tmp_path, allowed)[str(csv)]
        code, out = run(repo, *command, capsys=capsys)
        assert code in (1, 2) and "Traceback" not in out, (command, out)
        if hostile:
            assert f"edition id {hostile!r} is not a usable id" in out, out
            assert f"mkdocs.yml:{id_lines(repo)[1]}: " in out, out
        assert "Fix:" in out, out
    assert walk(tmp_path, allowed) == before
    assert not Path(absolute).exists()


@pytest.mark.parametrize("key, value", [("outbox", "../outside"), ("outbox", "/tmp/abs"),
                                        ("log", "../../sendlog.sqlite"), ("outbox", "archive"),
                                        ("log", "notice/log.sqlite"), ("outbox", ".git/x"),
                                        ("outbox", "site/outbox"), ("log", "site/log.sqlite"),
                                        ("log", "poetry"), ("outbox", "README.md")])
def test_mail_paths_stay_inside_the_repository_and_off_its_sources(tmp_path, capsys, key,
                                                                    value):
    repo = configured(tmp_path, mail={key: value})
    (repo.root / "README.md").write_text("# Read me\n")      # files a wrong setting could name
    (repo.root / "poetry.lock").write_text("# a lock file of another tool\n")
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,locale,region\nanna@example.test,Anna,en,us\n")
    before = walk(tmp_path, (repo.root / "site", repo.root / ".cache"))
    code, out = run(repo, "notify", "--recipients", str(csv), capsys=capsys)
    assert code == 1, out
    assert f"mkdocs.yml:{line_of(repo, key + ':')}: extra.notice.mail.{key}" in out, out
    assert "Fix:" in out
    assert walk(tmp_path, (repo.root / "site", repo.root / ".cache")) == before


def test_a_region_id_that_is_not_a_slug_is_refused_with_its_line(tmp_path, capsys):
    repo = configured(tmp_path, regions={"us": {"name": "US"}, "../eu": {"name": "EEA"}},
                      editions=[{"id": "us-en", "region": "us", "locale": "en"}])
    code, out = run(repo, "check", capsys=capsys)
    assert code == 2, out
    assert f"mkdocs.yml:{line_of(repo, '../eu')}: region id '../eu' is not a usable id" in out


def test_a_good_build_writes_only_into_its_places(tmp_path, capsys):
    repo = configured(tmp_path)
    marker = tmp_path / "marker"
    marker.write_text("the parent folder before the build\n")
    # and the caches' secret, made once in the git dir (see sealed.py): never in the site
    allowed = (repo.root / "site", repo.root / ".cache" / "notice",
               repo.root / ".git" / "notice-cache-key")
    before = walk(tmp_path, allowed)
    code, out = run(repo, "build", capsys=capsys)
    assert code == 0, out
    assert walk(tmp_path, allowed) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marker", "repo"]


# --- 8. headings keep their anchors whatever inline Markdown or HTML they hold ---------

HEADING_FORMS = {"contact": "Contact <em>us</em>", "security": "Data &amp; security",
                 "stars": r"Contact \*now\*", "styled": "Contact {: .important}"}
SUB_HEADINGS = {"write-to-us": "Write <b>to</b> us", "qa": "Q&amp;A",
                "stars-here": r"Stars \*here\*", "noted": "Noted {: .note}"}


@pytest.mark.parametrize("where", ["section titles", "sub-headings"])
def test_headings_with_inline_html_entities_escapes_and_attributes_keep_their_anchors(
        repo, capsys, where):
    """Section titles and sub-headings apart: the titles' lost anchors were the ones that
    check and build let through (ids of Markdown placeholders, `wzxhzdk…`)."""
    import re
    titles = HEADING_FORMS if where == "section titles" else {}
    subs = SUB_HEADINGS if where == "sub-headings" else {}
    for section_id, title in titles.items():
        repo.section(section_id, title, f"About {section_id}.")
    headings = "\n\n".join(f"## {title}\n\nText." for title in subs.values())
    links = " ".join(f"[[{anchor}]]" for anchor in [*titles, *subs])
    repo.section("links", "Links", f"See {links}.\n\n{headings}")
    repo.manifest("links", *titles)
    repo.commit("Headings of every kind", date="2024-01-10T09:00:00+01:00")
    code, out = run(repo, "check", capsys=capsys)
    assert code == 0, out
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0, out
    html = (repo.root / "site/us-en/index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert set(titles) | set(subs) <= ids, sorted(ids)
    assert not any("wzxhzdk" in i or "&" in i or "*" in i for i in ids), sorted(ids)
    targets = set(re.findall(r'href="#([^"]*)"', html))
    assert set(titles) | set(subs) <= targets
    assert targets <= ids, sorted(targets - ids)


# --- 10. no traceback: impossible dates, damaged build stamps, a foreign send log --------

@pytest.mark.parametrize("stamp", ["@253402300800 +0000", "@99999999999999 +0000"])
def test_a_commit_dated_after_year_9999_is_refused_naming_it(repo, capsys, stamp):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    small_notice(repo, "Write to us later.")
    sha = repo.commit("Far future", date=stamp)
    for command in (["build", "--edition", "us-en"], ["versions"], ["check"]):
        code, out = run(repo, *command, capsys=capsys)
        assert code in (1, 2) and "Traceback" not in out, (command, out)
        assert f"commit {sha[:12]}" in out and "Fix:" in out, (command, out)


def test_a_commit_dated_1970_builds(repo, capsys):
    small_notice(repo)
    repo.commit("At the epoch", date="@0 +0000")
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0, out
    assert [v.date.isoformat() for v in history_of(repo).versions] == ["1970-01-01"]


@pytest.mark.parametrize("stamp", ['{"fingerprint": 1, "built_for": 5, "valid_until": []}',
                                   '[1, 2, 3]', '"text"', 'null',
                                   '{"built_for": "2024-13-45", "warnings": 7}', '{{{'])
def test_a_damaged_build_stamp_is_rebuilt_not_a_traceback(repo, capsys, stamp):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
    assert code == 0, out
    stamps = list((repo.root / ".cache/notice/builds").glob("*.json"))
    assert stamps
    for path in stamps:
        path.write_text(stamp)
    for _ in range(2):
        code, out = run(repo, "build", "--edition", "us-en", capsys=capsys)
        assert code == 0 and "Traceback" not in out, out
    assert "Write to us." in (repo.root / "site/us-en/index.html").read_text()


@pytest.mark.parametrize("schema", [
    "CREATE TABLE people (name TEXT)",
    "CREATE TABLE deliveries (recipient TEXT, what TEXT)",
    "CREATE TABLE deliveries (recipient TEXT, edition TEXT, version TEXT, state TEXT)",
])
def test_a_send_log_of_another_schema_is_refused_clearly(tmp_path, capsys, schema):
    import sqlite3
    repo = configured(tmp_path)
    log = repo.root / ".notice" / "sendlog.sqlite"
    log.parent.mkdir()
    with sqlite3.connect(log) as db:
        db.execute(schema)
    before = log.read_bytes()
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,locale,region\nanna@example.test,Anna,en,us\n")
    for command in (["notify", "--recipients", str(csv)], ["notify", "--status"]):
        code, out = run(repo, *command, capsys=capsys)
        assert code == 1 and "Traceback" not in out, (command, out)
        assert "sendlog.sqlite" in out and "Fix:" in out, out
    assert log.read_bytes() == before, "a file this tool did not make is left as it was"
