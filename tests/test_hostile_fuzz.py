"""Whole hostile repositories (issue 13, item 9): whatever the commit dates, message bytes,
trailers, section bytes, mkdocs.yml values and cache files, every command gives a result
or a clear error, and never a traceback.

Each example is a real git repository in a temporary folder, and each command runs
in-process through `notice_engine.cli.main`, as the console script does: an exception
escaping it is what a user would see as a traceback.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE_EXTRA, NoticeRepo
from notice_engine.cli import main
from support.fuzz import fuzz

LAST_SECOND_OF_9999 = 253402300799
CSV = "email,name,locale,region\nanna@example.test,Anna,en,us\n"

junk = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.text(max_size=12),
                 st.lists(st.text(max_size=4), max_size=2),
                 st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2))
trailer_lines = st.lists(st.sampled_from([
    "Notice-Change: material", "Notice-Change: editorial", "Notice-Change: reviewed",
    "Notice-Change: sideways", "Effective-Date: 2025-02-30", "Effective-Date: 2024-06-01",
    "Effective-Date: 10000-01-01", "Notice-Summary: \u202eevil\u202c", "Notice-Summary: Plain.",
    "Notice-Summary-fr: Résumé.", "Notice-Summary-??: x", "notice-change:material"]),
    max_size=3)
message_bytes = st.one_of(st.binary(max_size=40), st.text(max_size=40).map(
    lambda t: t.encode("utf-8", "surrogatepass"))).map(lambda b: b.replace(b"\0", b""))
messages = st.tuples(message_bytes, st.one_of(st.just([]), trailer_lines)).map(
    lambda parts: parts[0] + (b"\n\n" + "\n".join(parts[1]).encode() if parts[1] else b""))
BEFORE_TODAY = 1893456000            # 2030-01-01, NOTICE_TODAY: later commits are refused
commit_dates = st.one_of(st.integers(0, BEFORE_TODAY), st.integers(0, BEFORE_TODAY),
                         st.integers(0, LAST_SECOND_OF_9999),
                         st.sampled_from([0, LAST_SECOND_OF_9999, LAST_SECOND_OF_9999 + 1]))
section_bodies = st.one_of(
    st.binary(max_size=60), st.just(b"# Contact\n\nWrite to us.\n"),
    st.text(max_size=60).map(lambda t: f"# Contact\n\n{t}\n".encode("utf-8", "surrogatepass")),
    st.sampled_from([b"# Contact\n\nWrite to us.\n", b"---\nregions: [mars]\n---\n# C\n",
                     b"# Contact\n\n[[nowhere]]\n", b"\xff\xfe# C\n"]))
settings_changes = st.dictionaries(
    st.sampled_from(["timezone", "language", "regions", "editions", "default_edition",
                     "edition_id", "edition_locale", "mail"]), junk, max_size=2)


@st.composite
def repositories(draw) -> dict:
    return {"settings": draw(st.one_of(st.just({}), st.just({}), settings_changes)),
            "commits": draw(st.lists(st.tuples(commit_dates, messages, section_bodies),
                                     min_size=1, max_size=3)),
            "cache": draw(st.binary(max_size=40))}


def hostile_extra(changes: dict) -> dict:
    extra = copy.deepcopy(BASE_EXTRA)
    extra["editions"] = [{"id": "us-en", "region": "us", "locale": "en"}]
    extra["mail"] = {"from": "privacy@example.test", "site_url": "https://example.test/"}
    for key, value in changes.items():
        if key == "edition_id":
            extra["editions"][0]["id"] = value
        elif key == "edition_locale":
            extra["editions"][0]["locale"] = value
        else:
            extra[key] = value
    return extra


def make_repository(root: Path, spec: dict) -> NoticeRepo:
    repo = NoticeRepo(root, hostile_extra(spec["settings"]))
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.manifest("intro", "contact")
    for stamp, message, body in spec["commits"]:
        (root / "notice" / "contact.md").write_bytes(body)
        (root / "message").write_bytes(message)
        repo.git("add", "-A", "notice", "mkdocs.yml")
        date = f"@{stamp} +0000"
        repo.git("commit", "-q", "--allow-empty", "--allow-empty-message", "-F", "message",
                 env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    return repo


def corrupt_caches(root: Path, data: bytes) -> None:
    """Every cache file overwritten, but SQLite's shared-memory and WAL files: this process
    still has them mapped (a user's next build is a new process, which does not)."""
    for path in (root / ".cache" / "notice").rglob("*"):
        if path.is_file() and not path.name.endswith(("-shm", "-wal")):
            path.write_bytes(data)


def run_clean(args: list[str], capsys) -> int:
    """One command in-process: an exception escaping main() is a traceback for the user."""
    code = main(args)
    out = capsys.readouterr()
    text = out.out + out.err
    assert code in (0, 1, 2, 3), (args, code, text)
    assert "Traceback" not in text, (args, text)
    assert code == 0 or "error" in text.lower() or "failed" in text.lower(), (args, text)
    return code


@settings(fuzz(8), suppress_health_check=[*fuzz(8).suppress_health_check,
                                         HealthCheck.function_scoped_fixture])
@given(spec=repositories())
def test_every_command_on_a_hostile_repository_gives_a_result_or_a_clear_error(spec, capsys):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        repo = make_repository(root, spec)
        csv = Path(folder) / "people.csv"
        csv.write_text(CSV)
        first = repo.git("rev-list", "--max-parents=0", "HEAD")[:8]
        base = ["--root", str(root)]
        run_clean(base + ["build", "--edition", "us-en"], capsys)
        corrupt_caches(root, spec["cache"])
        for command in (["build", "--edition", "us-en"], ["check"], ["versions"],
                        ["diff", first], ["notify", "--dry-run", "--recipients", str(csv)]):
            run_clean(base + command, capsys)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2030-01-01")
