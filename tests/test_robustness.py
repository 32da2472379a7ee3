"""Awkward repositories build correctly or fail clearly (DEVELOPERS: bad input never loses work)."""

import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from notice_engine.cli import main
from notice_engine.errors import NoticeError
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.render.sections import Renderer


def versions(repo, edition="us-en", today="2030-01-01"):
    from datetime import date
    config = repo.config()
    past = edition_history(read_repository(repo.root), config, config.edition(edition),
                           Renderer(), date.fromisoformat(today))
    return [v.date.isoformat() for v in past.versions]


def small_notice(repo, contact="Write to us."):
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.section("contact", "Contact", contact)
    repo.manifest("intro", "contact")


def test_a_repository_with_no_commits_builds_a_draft(repo, monkeypatch):
    small_notice(repo)
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert "Draft — not published" in (repo.root / "site/us-en/index.html").read_text()


def test_a_detached_head_builds_with_a_warning(repo, capsys, monkeypatch):
    small_notice(repo)
    first = repo.commit("First", date="2024-01-10T09:00:00+01:00")
    small_notice(repo, "Write to us by email.")
    repo.commit("Second", date="2024-02-10T09:00:00+01:00")
    repo.git("checkout", "-q", first)
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert "HEAD is detached" in capsys.readouterr().err
    assert versions(repo) == ["2024-01-10"]


def test_a_merge_heavy_history_dates_each_change_by_its_merge(repo):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    for month in range(2, 8):
        repo.git("checkout", "-q", "-b", f"topic-{month}")
        small_notice(repo, f"Write to us, version {month}.")
        repo.commit(f"Change {month}", date=f"2024-0{month}-01T09:00:00+01:00")
        repo.git("checkout", "-q", "main")
        repo.write(f"other-{month}.txt", "main moves on\n")
        repo.commit(f"Unrelated {month}", date=f"2024-0{month}-02T09:00:00+01:00")
        stamp = f"2024-0{month}-15T09:00:00+01:00"
        repo.git("merge", "-q", "--no-ff", f"topic-{month}", "-m", f"Merge {month}",
                 env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    assert versions(repo) == ["2024-01-10"] + [f"2024-0{m}-15" for m in range(2, 8)]


def test_a_section_deleted_and_re_added_keeps_its_id_and_dates(repo):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    (repo.root / "notice/contact.md").unlink()
    repo.manifest("intro")
    repo.commit("Drop contact", date="2024-02-10T09:00:00+01:00")
    small_notice(repo)
    repo.commit("Contact is back", date="2024-03-10T09:00:00+01:00")
    assert versions(repo) == ["2024-01-10", "2024-02-10", "2024-03-10"]


def test_crlf_and_bom_sections_render_like_plain_ones(repo):
    small_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    path = repo.root / "notice/contact.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    repo.commit("Windows editor", date="2024-02-10T09:00:00+01:00")
    assert versions(repo) == ["2024-01-10"], "line endings and a BOM change nothing a reader sees"


def test_non_utf8_bytes_fail_clearly(repo, capsys):
    small_notice(repo)
    (repo.root / "notice/contact.md").write_bytes("# Contact\n\nCaf\xe9\n".encode("latin-1"))
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 1
    err = capsys.readouterr().err
    assert "notice/contact.md:3: not valid UTF-8" in err and "save the file as UTF-8" in err


def fast_import(repo, commits: int, notice_every: int) -> int:
    """Write a long history in one `git fast-import` stream; return the notice changes made."""
    start = datetime(2000, 1, 1, 9, tzinfo=timezone.utc)
    lines, changes = [], 0
    files = {p.relative_to(repo.root).as_posix(): p.read_bytes()
             for p in (repo.root / "notice").iterdir()}
    files["mkdocs.yml"] = (repo.root / "mkdocs.yml").read_bytes()
    for n in range(commits):
        when = int((start + timedelta(hours=n)).timestamp())
        body = {}
        if n == 0:
            body = dict(files)
        elif n % notice_every == 0:
            changes += 1
            body["notice/contact.md"] = f"# Contact\n\nWrite to us, change {changes}.\n".encode()
        else:
            body[f"src/file-{n % 7}.txt"] = f"commit {n}\n".encode()
        message = f"Commit {n}".encode()
        lines.append(b"commit refs/heads/main\n")
        lines.append(f"committer Bot <bot@example.test> {when} +0000\n".encode())
        lines.append(f"data {len(message)}\n".encode() + message + b"\n")
        for path, data in body.items():
            lines.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.root, input=b"".join(lines),
                   check=True)
    repo.git("reset", "-q", "--hard", "main")
    return changes


def test_a_10000_commit_history_builds_every_version(repo):
    small_notice(repo)
    changes = fast_import(repo, commits=10_000, notice_every=100)
    assert repo.git("rev-list", "--count", "HEAD") == "10000"
    dates = versions(repo)
    assert len(dates) == changes + 1
    assert dates == sorted(dates) and len(set(dates)) == len(dates)


def test_a_misplaced_archive_file_name_is_not_a_version(repo):
    small_notice(repo)
    repo.write("archive/notes-2019.md", "# Not a version\n")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert versions(repo) == ["2024-01-10"]


def test_an_invalid_legacy_date_fails_clearly(repo):
    small_notice(repo)
    repo.write("archive/2019-02-30.md", "# Old\n\n## Intro\n\nText.\n")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    with pytest.raises(NoticeError, match="archive/2019-02-30.md: 2019-02-30 is not a date"):
        versions(repo)
