"""`notice import --history`: past versions from a git repository or a folder into archive/,
and the legacy versions' conventions (language, regions, summary, change).

Every repository here is a real one built in a temp folder with real commit dates;
the corpora tests replay real notices' histories (read at test time from
../shared/corpora, or $NOTICE_SHARED/corpora) into such repositories.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markdown_it import MarkdownIt

import conftest
from conftest import BASE_EXTRA, NoticeRepo
from notice_engine.cli import main
from notice_engine.errors import NoticeError
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.history.importer import import_history
from notice_engine.sources.importer import split_notice
from notice_engine.sources.markdown import front_matter, visible_words, without_front_matter
from notice_engine.render.sections import Renderer

LA = "America/Los_Angeles"
LA_EXTRA = {**BASE_EXTRA, "timezone": LA}
TODAY = date(2026, 11, 30)


# --- helpers -------------------------------------------------------------------


def run_git(root: Path, *args: str, date: str | None = None, input: bytes | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.test",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.test"}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    result = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=env,
                            input=input, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().strip()


def commit(root: Path, message: str, date: str) -> None:
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "--allow-empty", "-F", "-", date=date, input=message.encode())


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text, encoding="utf-8")


def archive(root: Path) -> dict[str, str]:
    folder = root / "archive"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())} \
        if folder.is_dir() else {}


def notice_text(*paragraphs: str) -> str:
    return "# Privacy Notice\n\n## Who we are\n\n" + "\n\n".join(paragraphs) + \
        "\n\n## Contact\n\nWrite to us.\n"


# --- (a) a git repository ------------------------------------------------------

HOSTILE = "Evil\x01 subject \x1e\x1f with separators"
HOSTILE_BODY = "\n\n:100644 100644 " + "a" * 40 + " " + "b" * 40 + " M\tdocs/privacy.md\n"


@pytest.fixture
def source_repo(tmp_path) -> Path:
    """A notice's history: same-day changes, whitespace, a rename, a merge, a hostile
    message, a deletion and restore, and commits late in the evening in California."""
    root = tmp_path / "src:repo"            # a `:` in the repository's own path
    root.mkdir()
    run_git(root, "init", "-q", "-b", "main")
    write(root, "notice.md", notice_text("We are Example."))
    commit(root, "First version", "2024-01-10T09:00:00-08:00")
    write(root, "notice.md", notice_text("We are Example Inc."))
    commit(root, "Morning change", "2024-01-15T09:00:00-08:00")
    write(root, "notice.md", notice_text("We are Example Inc. of Springfield."))
    commit(root, "Afternoon change", "2024-01-15T17:00:00-08:00")
    write(root, "notice.md", notice_text("We  are Example   Inc.\nof Springfield.   "))
    commit(root, "Reflow", "2024-01-20T10:00:00-08:00")
    (root / "docs").mkdir()
    run_git(root, "mv", "notice.md", "docs/privacy.md")
    commit(root, "Move the notice", "2024-02-01T10:00:00-08:00")
    run_git(root, "checkout", "-q", "-b", "side")
    write(root, "docs/privacy.md", notice_text("We are Example Inc. of Springfield, USA."))
    commit(root, "Side edit", "2024-02-03T10:00:00-08:00")
    run_git(root, "checkout", "-q", "main")
    write(root, "README.md", "Other things.\n")
    commit(root, "Other file", "2024-02-04T10:00:00-08:00")
    run_git(root, "merge", "-q", "--no-ff", "-m", "Merge side", "side",
            date="2024-02-10T23:30:00-08:00")            # 2024-02-11 in UTC
    write(root, "docs/privacy.md", notice_text("We are Example Inc. of Springfield, USA.",
                                               "We never sell data."))
    commit(root, HOSTILE + HOSTILE_BODY, "2024-03-01T10:00:00-08:00")
    run_git(root, "rm", "-q", "docs/privacy.md")
    commit(root, "Remove by mistake", "2024-03-05T10:00:00-08:00")
    run_git(root, "checkout", "HEAD~1", "--", "docs/privacy.md")
    commit(root, "Restore", "2024-03-06T10:00:00-08:00")
    text = notice_text("We are Example Inc. of Springfield, USA.", "We never sell data.",
                       "Late addition.")
    write(root, "docs/privacy.md", text)
    commit(root, "Late change", "2024-03-09T23:30:00-08:00")   # 2024-03-10 in UTC
    return root


def test_git_history_becomes_one_version_per_day_the_words_changed(source_repo, tmp_path):
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    result = import_history(f"{source_repo}:docs/privacy.md", notice.root)
    files = archive(notice.root)
    assert list(files) == ["2024-01-10.md", "2024-01-15.md", "2024-02-10.md", "2024-03-01.md",
                           "2024-03-09.md"]
    assert result.versions == 9 and result.folded == 1 and result.skipped == 3
    assert [p.name for p in result.written] == list(files) and result.unchanged == []
    summaries = {name: front_matter("", text.split("\n")).data["summary"] for name, text in files.items()}
    assert summaries == {
        "2024-01-10.md": "First version", "2024-01-15.md": "Morning change; Afternoon change",
        "2024-02-10.md": "Merge side", "2024-03-01.md": "Evil subject with separators",
        "2024-03-09.md": "Late change"}
    # Each file is the day's last text, front matter first; the words are kept.
    assert files["2024-01-15.md"].endswith(notice_text("We are Example Inc. of Springfield."))
    assert visible_words(files["2024-03-09.md"]) == visible_words(
        (source_repo / "docs/privacy.md").read_text())
    assert all(split_notice(Path(f"archive/{n}"), t.encode()).files for n, t in files.items())


def test_the_notices_timezone_decides_the_day(source_repo, tmp_path):
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    import_history(f"{source_repo}:docs/privacy.md", notice.root, timezone="UTC")
    assert list(archive(notice.root)) == ["2024-01-10.md", "2024-01-15.md", "2024-01-16.md",
                                          "2024-02-11.md", "2024-03-01.md", "2024-03-10.md"]


def test_a_bare_clone_and_a_language(source_repo, tmp_path):
    bare = tmp_path / "bare.git"
    run_git(tmp_path, "clone", "-q", "--bare", str(source_repo), str(bare))
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    import_history(f"{bare}:docs/privacy.md", notice.root, locale="fr")
    assert list(archive(notice.root))[0] == "2024-01-10.fr.md"
    assert len(archive(notice.root)) == 5


def test_existing_archive_files_are_never_overwritten_silently(source_repo, tmp_path):
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    source = f"{source_repo}:docs/privacy.md"
    import_history(source, notice.root)
    again = import_history(source, notice.root)             # identical files: fine
    assert again.written == [] and len(again.unchanged) == 5
    write(notice.root, "archive/2024-01-15.md", "# Edited by hand\n\n## A\n\nText.\n")
    write(notice.root, "archive/2024-03-01.txt", "Privacy Notice\n\nA\n\nText.\n")
    with pytest.raises(NoticeError) as failure:
        import_history(source, notice.root)
    message = str(failure.value)
    assert "2024-01-15.md" in message and "2024-03-01.txt" in message and "--replace" in message
    assert (notice.root / "archive/2024-01-15.md").read_text().startswith("# Edited by hand")
    replaced = import_history(source, notice.root, replace=True)
    assert [p.name for p in replaced.written] == ["2024-01-15.md"]


@pytest.mark.parametrize("source, problem", [
    ("{tmp}/nowhere:notice.md", "neither a folder nor REPO:PATH"),
    ("{notice}:notice.md", "not a git repository"),
    ("{src}:missing.md", "missing.md is not in HEAD's history"),
])
def test_bad_sources_are_errors_with_a_fix(source_repo, tmp_path, source, problem, capsys):
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    (tmp_path / "plain").mkdir()
    source = source.format(tmp=tmp_path, notice=tmp_path / "plain", src=source_repo)
    assert main(["--root", str(notice.root), "import", "--history", source]) == 1
    error = capsys.readouterr().err
    assert problem in error and "Fix:" in error and "Traceback" not in error


def test_cli_import_history(source_repo, tmp_path, capsys):
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    assert main(["--root", str(notice.root), "import", "--history",
                 f"{source_repo}:docs/privacy.md"]) == 0
    out = capsys.readouterr().out
    assert "5 written" in out and "3 changed no visible word" in out and "1 folded" in out
    assert main(["--root", str(notice.root), "import"]) == 1
    assert "notice import needs FILE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "--history SOURCE" in capsys.readouterr().out


# --- (b) a folder of dated files -----------------------------------------------


def test_folder_of_dated_files(tmp_path):
    folder = tmp_path / "old"
    write(folder, "2019-08-15.md", "---\ntitle: Privacy Notice\nchange: material\n---\n"
          + notice_text("We are Example."))
    write(folder, "2019-09-01.txt", "Privacy Notice\n\nWho we are\n\nWe are Example Ltd.\n\n"
                                    "Contact\n\nWrite to us.\n")
    write(folder, "2019-10-01.html",
          "<html><head><title>Privacy Notice</title></head><body><h1>Privacy Notice</h1>"
          "<h2>Who we are</h2><p>We are <strong>Example</strong> Ltd &amp; co.<br>Springfield</p>"
          "<h2>Contact</h2><ul><li>Write to <a href='mailto:x@example.test'>us</a>.</li></ul>"
          "</body></html>")
    write(folder, "2019-10-01.fr.md", notice_text("Nous sommes Example."))
    write(folder, "2019-11-01.md", "# Privacy Notice\n\n## Who we are\n\nWe are **Example** "
                                   "Ltd &amp; co.  \nSpringfield\n\n## Contact\n\n"
                                   "- Write to [us](mailto:x@example.test).\n")
    write(folder, "notes.txt", "Not a version.\n")
    notice = NoticeRepo(tmp_path / "notice", LA_EXTRA)
    result = import_history(str(folder), notice.root)
    files = archive(notice.root)
    assert list(files) == ["2019-08-15.md", "2019-09-01.txt", "2019-10-01.fr.md", "2019-10-01.md"]
    assert result.skipped == 1                  # 2019-11-01 reads like 2019-10-01
    assert any("notes.txt" in w for w in result.warnings)
    assert any("2019-08-15.md" in w and "sets change" in w for w in result.warnings)
    assert files["2019-09-01.txt"].startswith("Privacy Notice")        # no summary, as written
    converted = files["2019-10-01.md"]
    assert visible_words(converted) == ["Privacy", "Notice", "Who", "we", "are", "We", "are", "Example",
                                        "Ltd", "&", "co.", "Springfield", "Contact", "Write",
                                        "to", "us."]
    assert "**Example**" in converted and "[us](mailto:x@example.test)" in converted
    for name, text in files.items():
        assert split_notice(Path(f"archive/{name}"), text.encode()).files


# --- legacy versions per language and region -----------------------------------


@pytest.fixture
def legacy_repo(tmp_path) -> NoticeRepo:
    extra = {**BASE_EXTRA, "editions": BASE_EXTRA["editions"] + [
        {"id": "eu-fr", "region": "eu", "locale": "fr"}]}
    repo = NoticeRepo(tmp_path / "repo", extra)
    repo.section("who-we-are", "Who we are", "We are Example.")
    repo.section("contact", "Contact", "Write to us.")
    repo.manifest("who-we-are", "contact")
    repo.write("archive/README.md", "Not a version.\n")
    repo.write("archive/2020-01-01.md", "---\nsummary: First published\nsummary-fr: Première "
               "publication\nchange: material\ntitle: Privacy Notice\nlastmod: 2019-12-31\n---\n"
               "# Privacy Notice\n\n## Who we are\n\nWe were Example.\n\n## Contact\n\n"
               "Write to us.\n")
    repo.write("archive/2020-01-01.fr.md", "# Avis\n\n## Qui sommes-nous\n\nNous étions "
               "Example.\n\n## Contact\n\nÉcrivez-nous.\n")
    repo.write("archive/2020-03-01.txt", "---\nsummary: Plain text\n---\nPrivacy Notice\n\n"
               "Who we are\n\nWe were Example Ltd.\n\nContact\n\nWrite to us.\n")
    repo.write("archive/2020-06-01.md", "---\nregions: [eu]\nchange: editorial\n---\n"
               "# Privacy Notice\n\n## Who we are\n\nWe were Example EU.\n\n## Contact\n\n"
               "Write to us.\n")
    repo.write("archive/old-notice.pdf", "not a version")
    repo.commit("The notice", date="2024-03-01T10:00:00+01:00")
    return repo


def history_of(repo: NoticeRepo, edition: str):
    config = repo.config()
    return edition_history(read_repository(repo.root), config, config.edition(edition),
                           Renderer(), TODAY)


def test_legacy_versions_by_language_region_summary_and_change(legacy_repo):
    us, eu, fr = (history_of(legacy_repo, e) for e in ("us-en", "eu-en", "eu-fr"))
    legacy_of = {name: [(v.date.isoformat(), v.change, v.summary) for v in h.versions if v.legacy]
                 for name, h in (("us", us), ("eu", eu), ("fr", fr))}
    assert legacy_of["us"] == [("2020-01-01", "material", "First published"),
                               ("2020-03-01", "minor", "Plain text")]
    assert legacy_of["eu"] == legacy_of["us"] + [("2020-06-01", "editorial", "")]
    assert legacy_of["fr"] == [("2020-01-01", "minor", "")]        # its own language only
    assert any("archive/old-notice.pdf" in w for w in us.warnings)
    assert not any("README" in w for w in us.warnings)


def test_legacy_summary_in_the_editions_language(legacy_repo):
    legacy_repo.write("archive/2020-01-01.fr.md", "---\nsummary: First\nsummary-fr: Première "
                      "publication\n---\n# Avis\n\n## Qui\n\nNous.\n")
    legacy_repo.commit("fr summary", date="2024-03-02T10:00:00+01:00")
    fr = history_of(legacy_repo, "eu-fr")
    assert fr.versions[0].summary == "Première publication"


@pytest.mark.parametrize("name, text, problem", [
    ("2020-02-01.md", "---\nchange: huge\n---\n# N\n\n## A\n\nB.\n", "not a kind of change"),
    ("2020-02-01.md", "---\nregions: [mars]\n---\n# N\n\n## A\n\nB.\n", "unknown region"),
    ("2020-02-30.md", "# N\n\n## A\n\nB.\n", "is not a date"),
])
def test_bad_legacy_files_are_errors_naming_the_file(legacy_repo, name, text, problem):
    legacy_repo.write(f"archive/{name}", text)
    legacy_repo.commit("bad", date="2024-03-02T10:00:00+01:00")
    with pytest.raises(NoticeError) as failure:
        history_of(legacy_repo, "us-en")
    assert f"archive/{name}" in str(failure.value) and problem in str(failure.value)


def test_the_archive_index_and_versions_json_show_legacy_summaries(legacy_repo):
    assert main(["--root", str(legacy_repo.root), "build", "--edition", "eu-en"]) == 0
    site = legacy_repo.root / "site" / "eu-en"
    data = json.loads((site / "versions.json").read_text())
    legacy_entries = [v for v in data["versions"] if v["commit"] is None]
    assert [(v["date"], v["change"], v["summary"]) for v in legacy_entries] == [
        ("2020-06-01", "editorial", ""), ("2020-03-01", "minor", "Plain text"),
        ("2020-01-01", "material", "First published")]
    assert "First published" in (site / "archive/index.html").read_text()


# --- (c) real notices' histories ------------------------------------------------

CORPORA = ["apache-privacy-policy", "letsencrypt-privacy-policy/en",
           "mozilla-focus-privacy-notice/en", "login-gov-privacy-act-statement/en",
           "mozilla-websites-privacy-notice/en"]


def corpora_dir() -> Path:
    candidates = [Path(conftest.PROJECT).parent / "shared" / "corpora"]
    if os.environ.get("NOTICE_SHARED"):
        candidates.append(Path(os.environ["NOTICE_SHARED"]) / "corpora")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    pytest.skip("the real notices are not here: neither ../shared/corpora beside this checkout "
                "nor $NOTICE_SHARED/corpora exists")


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|ul|ol|br|hr|tr|td|th|table|thead|tbody|blockquote|pre|"
                        r"h[1-6]|dd|dt)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_ORACLE = MarkdownIt("commonmark").enable("table")


_ATTRIBUTE_LIST = re.compile(r"\{:[^}\n]*\}|\{#[\w-]+\}")


def oracle_words(data: bytes) -> list[str]:
    """What a reader sees, written apart from the engine: markdown-it-py, tags out, and
    kramdown's attribute lists out (the sites that published them never showed them)."""
    text = data.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    rendered = _ORACLE.render(_ATTRIBUTE_LIST.sub("", _FRONT_MATTER.sub("", text, count=1)))
    return html.unescape(_ANY_TAG.sub("", _BLOCK_TAG.sub(" ", rendered))).split()


def expected_days(entries: list[dict], folder: Path, zone: str) -> list[str]:
    """The days (in `zone`) after which the words differ from those of the day before."""
    final: dict[str, list[str]] = {}
    for entry in entries:
        if entry["file"]:
            day = datetime.fromisoformat(entry["date"]).astimezone(ZoneInfo(zone)).date()
            final[day.isoformat()] = oracle_words((folder / entry["file"]).read_bytes())
    days, previous = [], None
    for day, words in final.items():
        if words != previous:
            days.append(day)
            previous = words
    return days


def replay(entries: list[dict], folder: Path, root: Path) -> str:
    """The first-parent line as a repository of its own; returns the file's final path."""
    run_git(root, "init", "-q", "-b", "main")
    path = None
    for entry in entries:
        if path and path != entry["path"] and (root / path).exists():
            run_git(root, "rm", "-q", path)
        path = entry["path"]
        if entry["file"]:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((folder / entry["file"]).read_bytes())
        elif (root / path).exists():
            run_git(root, "rm", "-q", path)
        commit(root, entry["subject"] or "(no subject)", entry["date"])
    return path


@pytest.fixture
def notice_copy(tmp_path) -> Path:
    """A notice repository of its own: the sample notice without its archive (not yet a git
    repository: each test commits it after every corpus date)."""
    root = tmp_path / "notice"
    shutil.copytree(Path(conftest.PROJECT) / "examples" / "sample-notice", root,
                    ignore=shutil.ignore_patterns("__pycache__", "archive"))
    return root


@pytest.mark.parametrize("corpus", CORPORA)
def test_real_history_imports_every_day_the_words_changed(corpus, tmp_path, notice_copy):
    folder = corpora_dir() / corpus
    entries = [e for e in json.loads((folder / "history.json").read_text()) if e["first_parent"]]
    source = tmp_path / "source"
    source.mkdir()
    path = replay(entries, folder, source)
    result = import_history(f"{source}:{path}", notice_copy)
    files = archive(notice_copy)
    assert [name.removesuffix(".md") for name in files] == expected_days(entries, folder, LA)
    assert result.versions == sum(1 for e in entries if e["file"])
    # Every word of each day's last text is in its archive file.
    for name, text in files.items():
        assert visible_words(text) == oracle_words(without_front_matter(text).encode())


BUILDS = ["apache-privacy-policy", "letsencrypt-privacy-policy/en", "mozilla-focus-privacy-notice/en",
          "login-gov-privacy-act-statement/en", "mozilla-websites-privacy-notice/en"]


@pytest.mark.parametrize("corpus", BUILDS)
def test_real_history_builds(corpus, tmp_path, notice_copy, monkeypatch, capsys):
    folder = corpora_dir() / corpus
    entries = [e for e in json.loads((folder / "history.json").read_text()) if e["first_parent"]]
    source = tmp_path / "source"
    source.mkdir()
    path = replay(entries, folder, source)
    import_history(f"{source}:{path}", notice_copy)
    run_git(notice_copy, "init", "-q", "-b", "main")
    commit(notice_copy, "The notice", "2026-11-24T10:00:00-08:00")
    monkeypatch.setenv("NOTICE_TODAY", "2026-11-30")
    assert main(["--root", str(notice_copy), "build", "--edition", "us-en",
                 "--site-dir", str(tmp_path / "site")]) == 0
    data = json.loads((tmp_path / "site/us-en/versions.json").read_text())
    legacy_days = [v["date"] for v in data["versions"] if v["commit"] is None]
    assert legacy_days == sorted((name.removesuffix(".md") for name in archive(notice_copy)),
                                 reverse=True)
    # Every in-page link on every page lands, but for those the original already had broken
    # (kept as published, and listed in the build's warnings).
    kept_broken = set(re.findall(r"kept as published: link to #(\S+):", capsys.readouterr().err))
    for page in (tmp_path / "site/us-en").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        missing = {href for href in re.findall(r'href="#([^"]+)"', html)
                   if href not in ids and not href.startswith("__")} - kept_broken
        assert not missing, f"{page}: {sorted(missing)}"


def test_notice_new_dates_a_real_history_in_the_timezone_it_is_given(tmp_path):
    """`notice new --from <today's text> --history REPO:PATH --timezone Europe/Paris` on Let's
    Encrypt's real history: the archive's days are the days the words changed in Paris,
    which for this notice are not the days in New York (the starter's timezone)."""
    corpus = "letsencrypt-privacy-policy/en"
    folder = corpora_dir() / corpus
    entries = [e for e in json.loads((folder / "history.json").read_text()) if e["first_parent"]]
    source = tmp_path / "source"
    source.mkdir()
    path = replay(entries, folder, source)
    root = tmp_path / "acme"
    assert main(["new", str(root), "--engine", "privacy-notice-site==0.1.0", "--no-git",
                 "--from", str(source / path), "--history", f"{source}:{path}",
                 "--timezone", "Europe/Paris"]) == 0
    days = [name.removesuffix(".md") for name in archive(root) if name != "README.md"]
    assert days == expected_days(entries, folder, "Europe/Paris")
    assert days != expected_days(entries, folder, "America/New_York")
