"""Outbox runs are recorded like sends (issue 14, 5): a rerun writes only new messages,
`--status` reports them, a later run with SMTP settings sends them (they were composed,
not delivered), and a dry run prints every warning the real run prints."""

from __future__ import annotations

import os
import re
import sqlite3

import pytest
from support.mail import PEOPLE, outbox_messages, write_csv
from support.mail import Sink, log_rows, mail_repo, notify, smtp_server  # noqa: F401 (fixtures)

from notice_engine.cli import main
from notice_engine.mail import sendlog


def eml_files(repo) -> list[str]:
    return sorted(p.name for p in (repo.root / "outbox").glob("*.eml"))


def test_an_outbox_rerun_writes_only_new_messages_and_status_reports_them(repo, notify, capsys):
    write_csv(repo.root / "people.csv", PEOPLE[:2])
    code, out, _ = notify(None)
    assert code == 0 and "Summary: written 2" in out
    first = eml_files(repo)
    assert len(first) == 2
    assert {(r.state, r.outbox) for r in log_rows(repo)} == {
        ("written", f"outbox/{name}") for name in first}

    write_csv(repo.root / "people.csv", PEOPLE)                 # one more recipient
    code, out, _ = notify(None)
    assert code == 0, out
    assert "1 message(s) to write" in out
    assert "Summary: written 1, skipped 0 (up to date)" in out and "already in the outbox 2" in out
    assert len(eml_files(repo)) == 3 and set(first) < set(eml_files(repo))
    index = (repo.root / "outbox" / "index.html").read_text(encoding="utf-8")
    assert "3 in the outbox" in index and index.count('.eml">') == 3

    (repo.root / "outbox" / first[0]).unlink()                  # a deleted file is written again
    code, out, _ = notify(None)
    assert "Summary: written 1" in out and len(eml_files(repo)) == 3

    assert main(["--root", str(repo.root), "notify", "--status"]) == 0
    status = capsys.readouterr().out
    assert re.search(r"us-en\s+2024-07-20\S*(\s+\d+){8}", status)
    assert "Not sent (3):" in status and "written" in status and "in the outbox: outbox/" in status


def test_written_messages_are_sent_by_a_later_smtp_run_with_the_same_message_id(repo, notify):
    write_csv(repo.root / "people.csv", PEOPLE)
    assert notify(None)[0] == 0
    written = {k: m["Message-ID"] for k, m in outbox_messages(repo).items()}
    sink = Sink()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
        assert code == 0, out + err
        assert "Summary: sent 3, skipped 0 (up to date)" in out
        assert notify(url)[1].count("sent 0, skipped 3") == 1
    assert {r.rcpt[0]: r.message["Message-ID"] for r in sink.received} == written
    assert {r.state for r in log_rows(repo)} == {"sent"}
    notify.monkeypatch.delenv("NOTICE_SMTP_URL")
    code, out, _ = notify(None)
    assert code == 0 and "Summary: written 0, skipped 3 (up to date)" in out


def test_a_newer_version_supersedes_a_written_message_and_its_file(repo, notify):
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    assert notify(None)[0] == 0
    (old,) = eml_files(repo)
    repo.section("retention", "Retention", "We keep records for one year.")
    repo.manifest("intro", "contact", "cookies", "retention")
    repo.commit("Retention\n\nNotice-Change: material\nEffective-Date: 2024-08-20",
                date="2024-06-25T09:00:00+02:00")
    code, out, _ = notify(None)
    assert code == 0 and "Summary: written 1" in out
    (new,) = eml_files(repo)                       # the old file went with its row
    assert new != old
    states = sorted((r.version.split("+")[0], r.state, r.covers and len(r.covers))
                    for r in log_rows(repo))
    assert states == [("2024-07-20", "superseded", 1), ("2024-08-20", "written", 2)]


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning: ")]


@pytest.mark.parametrize("smtp", [False, True])
def test_a_dry_run_prints_every_warning_the_real_run_prints(repo, notify, smtp):
    """With an invalid row, the notice period, and what a killed run left (one message
    sending, others claimed): the same warnings, in the same order."""
    write_csv(repo.root / "people.csv", [*PEOPLE, ("bad@", "B", "en", "us"),
                                         ("x@example.test", "X", "en", "us"),
                                         ("y@example.test", "Y", "en", "us")])
    sink = Sink()
    with smtp_server(sink) as url:
        assert notify(url, "--edition", "eu-fr")[0] == 3     # one sent, one bad row
        log_path = repo.root / ".notice" / "sendlog.sqlite"
        with sendlog.SendLog.open(log_path) as log:        # what a killed run leaves
            rows = log.rows()
            plan = [sendlog.Row(recipient=f"{n}@example.test", edition="us-en",
                                version=rows[0].version, covers=rows[0].covers, since=None,
                                message_id=f"<{n}@x>") for n in "xy"]
            log.record_plan(plan, [])
            log.claim([(r.key, False) for r in plan], sendlog.boot_id())
            log.start(plan[0].key)
        url = url if smtp else None
        if not smtp:
            notify.monkeypatch.delenv("NOTICE_SMTP_URL")
        dry = notify(url, "--dry-run")
        real = notify(url)
    assert warnings(dry[2]) == warnings(real[2])
    said = "\n".join(warnings(real[2]))
    assert "bad@" in said and "30-day notice period" in said
    assert "x@example.test (us-en, 2024-07-20): a previous run stopped while sending it; " \
           "it is unknown" in said
    assert "a previous run stopped before sending 1 message(s) it had claimed" in said


@pytest.mark.parametrize("named", ["absolute", "relative", "folder"])
def test_a_send_log_row_naming_anything_but_its_message_is_never_removed_or_read(
        repo, notify, tmp_path, named):
    """The send log is data like any other (copied from elsewhere, or committed by anyone):
    a row whose outbox path leads out of the outbox names nothing the tool removes or reads."""
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    assert notify(None)[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "message.eml"
    victim.write_bytes(b"Subject: SECRET-SUBJECT\n\nkeep me\n")
    victim.with_suffix(".html").write_text("keep me", encoding="utf-8")
    recorded = {"absolute": str(victim), "folder": os.path.relpath(elsewhere, repo.root),
                "relative": os.path.relpath(victim, repo.root)}[named]
    with sqlite3.connect(repo.root / ".notice" / "sendlog.sqlite") as db:
        assert db.execute("UPDATE deliveries SET outbox = ?", (recorded,)).rowcount == 1
    repo.section("retention", "Retention", "We keep records for one year.")
    repo.manifest("intro", "contact", "cookies", "retention")
    repo.commit("Retention\n\nNotice-Change: material\nEffective-Date: 2024-08-20",
                date="2024-06-25T09:00:00+02:00")
    code, out, err = notify(None)                  # supersedes the row: its "file" would go
    assert code == 0 and "Traceback" not in out + err, out + err
    assert victim.read_bytes() == b"Subject: SECRET-SUBJECT\n\nkeep me\n"
    assert victim.with_suffix(".html").read_text(encoding="utf-8") == "keep me"
    assert any("-2024-08-20-" in name for name in eml_files(repo))     # the new one written
    assert "SECRET-SUBJECT" not in (repo.root / "outbox" / "index.html").read_text(encoding="utf-8")


def test_a_send_log_committed_to_git_is_named_as_a_risk(repo, notify):
    """Whoever can commit could mark a recipient as sent: the run says the log is in git."""
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    code, _, err = notify(None)
    assert code == 0 and "is committed to git" not in err
    repo.git("add", "-f", ".notice/sendlog.sqlite")
    repo.git("commit", "-q", "-m", "The send log")
    code, _, err = notify(None)
    assert code == 0
    assert "warning: the send log .notice/sendlog.sqlite is committed to git" in err, err


def test_status_never_prints_a_send_log_field_raw(repo, notify, capsys):
    """A forged row's escape sequence or line break never reaches the terminal."""
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    assert notify(None)[0] == 0
    forged = "c@example.test\x1b[2J\nwritten  FAKE-LINE sent OK \u202e"
    with sqlite3.connect(repo.root / ".notice" / "sendlog.sqlite") as db:
        db.execute("UPDATE deliveries SET recipient = ?, outbox = ?", (forged, "outbox/x\x1b[31m.eml"))
    capsys.readouterr()
    assert main(["--root", str(repo.root), "notify", "--status"]) == 0
    status = capsys.readouterr().out
    assert "\x1b" not in status and "\u202e" not in status
    assert not any(line.startswith("written  FAKE-LINE") for line in status.splitlines()), status
    assert "c@example.test\ufffd[2J\ufffdwritten  FAKE-LINE" in status, status
