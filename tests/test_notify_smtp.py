"""Sending over SMTP to real aiosmtpd servers on 127.0.0.1: once each, retries, failures, drops.

The servers' handlers misbehave on purpose (4xx then accept, a 550 for one
recipient, a dropped connection, a lost reply) and record what they accept, so
each test counts deliveries by Message-ID (the servers live in tests/support/mail.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import itertools
import ssl
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from notice_engine.cli import main
from notice_engine.errors import NoticeError
from notice_engine.mail import sendlog
from notice_engine.mail.compose import Composed
from notice_engine.mail.transport import SENT, Pacer, SmtpSender, SmtpUrl
from notice_engine.mail.progress import Progress
from support.mail import (PEOPLE, Sink, free_port, log_rows, mail_repo, notify,  # noqa: F401
                          parts, people, smtp_server, write_csv)                # (fixtures)

# --------------------------------------------------------------------------- servers


# --------------------------------------------------------------------------- a good server

def test_several_connections_each_recipient_once(repo, notify):
    """With `connections: 3`, the messages are spread over three connections at once, and
    each recipient still gets exactly one."""
    repo.extra["mail"]["connections"] = 3
    repo.write_mkdocs_yml()
    write_csv(repo.root / "people.csv", people(30))

    class Slow(Sink):
        """Answers each message after a while, so one connection alone could not keep up."""

        async def after_data(self, server, session, received):
            await asyncio.sleep(0.05)
            return None

    sink = Slow()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
    assert code == 0, out + err
    assert "Summary: sent 30, skipped 0 (up to date), failed 0" in out
    assert len(sink.sessions) == 3
    assert all(sink.in_session(s) >= 1 for s in sink.sessions)
    rows = log_rows(repo)
    assert sink.message_ids() == Counter(r.message_id for r in rows)
    assert set(sink.message_ids().values()) == {1} and {r.state for r in rows} == {"sent"}


def test_each_recipient_once_over_one_connection(repo, notify):
    write_csv(repo.root / "people.csv", people(3, *PEOPLE))

    class Watching(Sink):
        """Notes what the run had printed when the first message arrived."""
        printed_before_first = None

        async def after_data(self, server, session, received):
            if len(self.received) == 1:
                self.printed_before_first = notify.capsys.readouterr()
            return None

    sink = Watching()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
        assert code == 0, out + err
        assert "Summary: sent 6, skipped 0 (up to date), failed 0, retried 0, unknown 0" in out
        assert "30-day notice period" in sink.printed_before_first.err    # warned before sending
        code, out, _ = notify(url)
        assert code == 0 and "Summary: sent 0, skipped 6 (up to date)" in out

    assert len(sink.received) == 6 and len(sink.sessions) == 1
    rows = log_rows(repo)
    assert sink.message_ids() == Counter(r.message_id for r in rows)
    assert {r.state for r in rows} == {"sent"} and all("queued as Q" in r.reply for r in rows)
    assert all(r.attempts == 1 and r.sent_at for r in rows)

    jean = sink.by_recipient()["jean@xn--bcher-kva.example"]       # the IDN goes as punycode
    assert jean.mail_from == "privacy@examplary.test" and jean.options == []
    message = jean.message
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "e=jean@xn--bcher-kva.example" in message["List-Unsubscribe"]
    assert message["Date"] and message["Message-ID"].startswith("<notice.eu-fr.2024-07-20.")
    text, html = parts(message)
    assert "{+Nous n'utilisons aucun cookie de suivi.+}" in text
    assert "<ins" in html and "aucun cookie de suivi.</ins>" in html


def test_status_reads_the_log_without_sending(repo, notify, capsys):
    write_csv(repo.root / "people.csv", people(2))
    assert main(["--root", str(repo.root), "notify", "--status"]) == 1
    assert "no send log yet" in capsys.readouterr().err
    with smtp_server(Sink()) as url:
        notify(url)
    sendlog_rows = log_rows(repo)
    assert main(["--root", str(repo.root), "notify", "--status"]) == 0
    out = capsys.readouterr().out
    assert "us-en        2024-07-20" in out and len(sendlog_rows) == 2
    assert "Not sent" not in out


# --------------------------------------------------------------------------- a difficult server

class Flaky(Sink):
    """Answers 421 to the first MAIL, 451 to the first RCPT, 452 to the first DATA."""

    def __init__(self):
        super().__init__()
        self.refusals = {"mail": ["421 4.7.0 Too busy, closing"], "rcpt": ["451 4.7.1 Greylisted"],
                         "data": ["452 4.3.1 Insufficient storage"]}

    def _next(self, stage: str) -> str | None:
        with self.lock:
            return self.refusals[stage].pop(0) if self.refusals[stage] else None

    def on_mail(self, server, session):
        return self._next("mail")       # after a 421 the client must not use the connection

    def on_rcpt(self, address):
        return self._next("rcpt")

    def on_data(self, server, session):
        return self._next("data")


def test_temporary_failures_are_retried_then_accepted(repo, notify):
    write_csv(repo.root / "people.csv", people(4))
    sink = Flaky()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
    assert code == 0, out + err
    assert "Summary: sent 4, skipped 0 (up to date), failed 0, retried 3, unknown 0" in out
    assert sorted(sink.message_ids().values()) == [1, 1, 1, 1]
    assert len(sink.sessions) == 2                  # 421 means "closing": a new connection
    rows = log_rows(repo)
    assert sorted(r.attempts for r in rows) == [1, 1, 1, 4]
    assert {r.state for r in rows} == {"sent"}


class Refusing(Sink):
    """550 for one mailbox, 451 for ever for another."""

    def on_rcpt(self, address):
        if address.startswith("p00001@"):
            return "550 5.1.1 <p00001@example.test>: no such user"
        if address.startswith("p00002@"):
            return "451 4.3.0 Mailbox busy"
        return None


def test_permanent_failures_are_recorded_reported_and_retried_only_on_a_rerun(repo, notify):
    write_csv(repo.root / "people.csv", people(5))
    sink = Refusing()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
        assert code == 3, out + err
        assert "Summary: sent 3, skipped 0 (up to date), failed 2, retried 3, unknown 0" in out
        assert "p00001@example.test (line 3, us-en 2024-07-20): 550 5.1.1" in out
        assert "p00002@example.test (line 4, us-en 2024-07-20): 451 4.3.0 Mailbox busy " \
               "(gave up after 4 attempts)" in out
        assert "Not everyone was reached (exit code 3)" in out
        states = {r.recipient: (r.state, r.reply) for r in log_rows(repo)}
        assert states["p00001@example.test"] == ("failed",
                                                 "550 5.1.1 <p00001@example.test>: no such user")
        assert [r.state for r in log_rows(repo)].count("sent") == 3

        code, out, _ = notify(url)        # a rerun tries the failed ones, no one else
        assert code == 3 and "Summary: sent 0, skipped 3 (up to date), failed 2" in out
    assert len(sink.received) == 3 and set(sink.message_ids().values()) == {1}


class Dropping(Sink):
    """Drops the connection (no reply at all) at the third MAIL of every connection."""

    def on_mail(self, server, session):
        if self.in_session(session) == 2:
            server.transport.abort()
            return "421 never seen"
        return None


def test_connection_dropped_between_messages_is_reopened(repo, notify):
    write_csv(repo.root / "people.csv", people(7))
    sink = Dropping()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
    assert code == 0, out + err
    assert "sent 7" in out and "unknown 0" in out
    assert sorted(sink.message_ids().values()) == [1] * 7
    assert len(sink.sessions) == 4                  # 2 + 2 + 2 + 1


class LosingReply(Sink):
    """Takes the third message, then drops the connection before answering."""

    async def after_data(self, server, session, received):
        if len(self.received) == 3:
            server.transport.abort()
        return None


def test_a_lost_reply_is_unknown_reported_and_resent_only_on_request(repo, notify):
    write_csv(repo.root / "people.csv", people(5))
    sink = LosingReply()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
        assert code == 3, out + err
        assert "Summary: sent 4, skipped 0 (up to date), failed 0, retried 0, unknown 1" in out
        assert "p00002@example.test (us-en 2024-07-20): the connection was lost after the " \
               "message was sent" in out and "--resend-unknown" in out
        code, out, _ = notify(url)                  # not resent by default, still reported
        assert code == 3 and "sent 0, skipped 4" in out and "unknown 1" in out
        assert len(sink.received) == 5
        code, out, _ = notify(url, "--resend-unknown")
        assert code == 0 and "Summary: sent 1, skipped 4" in out
    counts = sink.message_ids()
    assert len(counts) == 5 and sorted(counts.values()) == [1, 1, 1, 1, 2]
    resent = [r for r in sink.received if counts[r.message["Message-ID"]] == 2]
    assert {r.rcpt[0] for r in resent} == {"p00002@example.test"}
    assert {r.state for r in log_rows(repo)} == {"sent"}


# --------------------------------------------------------------------------- addresses

def test_non_ascii_local_part_needs_smtputf8(repo, notify):
    write_csv(repo.root / "people.csv", people(1, ("jörg@example.test", "Jörg", "de", "eu")))
    plain = Sink()
    with smtp_server(plain, enable_SMTPUTF8=False) as url:
        code, out, _ = notify(url)
    assert code == 3 and "sent 1" in out and "failed 1" in out
    assert "jörg@example.test (line 3, eu-en 2024-07-20): jörg@example.test has non-ASCII " \
           "characters before the @, which needs SMTPUTF8, and the server does not offer it" in out
    assert [r.rcpt for r in plain.received] == [["p00000@example.test"]]

    capable = Sink()
    with smtp_server(capable, enable_SMTPUTF8=True) as url:
        code, out, _ = notify(url)
    assert code == 0 and "sent 1, skipped 1" in out
    (jorg,) = capable.received
    assert jorg.rcpt == ["jörg@example.test"] and "SMTPUTF8" in jorg.options
    assert jorg.message["To"].addresses[0].username == "jörg"


# --------------------------------------------------------------------------- connection settings

@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), trusted through SSL_CERT_FILE."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate: {exc}")
    return cert, key


def test_starttls_and_login(repo, notify, monkeypatch, certificate):
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    write_csv(repo.root / "people.csv", people(2))
    sink = Sink()
    with smtp_server(sink, scheme="smtp+starttls", tls_context=context, require_starttls=True,
                     auth_required=True, authenticator=authenticator) as url:
        url = url.replace("://", "://mailer@")
        monkeypatch.setenv("NOTICE_SMTP_PASSWORD", "wrong")
        code, _, err = notify(url)
        assert code == 1 and "refused the login: 535" in err and "wrong" not in err
        assert {r.state for r in log_rows(repo)} == {"planned"}       # nothing went out
        monkeypatch.setenv("NOTICE_SMTP_PASSWORD", "s3cret")
        code, out, err = notify(url)
    assert code == 0, out + err
    assert len(sink.received) == 2 and logins[-1] == (b"mailer", b"s3cret")


def test_unreachable_server_stops_the_run_and_keeps_the_rest_planned(repo, notify):
    write_csv(repo.root / "people.csv", people(3))
    code, out, err = notify(f"smtp://127.0.0.1:{free_port()}")
    assert code == 3, out + err
    assert "Stopped: cannot reach the SMTP server: smtp://127.0.0.1:" in out
    assert "3 message(s) not attempted stay planned" in out
    assert {r.state for r in log_rows(repo)} == {"planned"}


def test_a_second_run_on_the_same_log_refuses(repo, notify):
    write_csv(repo.root / "people.csv", people(1))
    with sendlog.SendLog.open(repo.root / ".notice" / "sendlog.sqlite"):
        code, _, err = notify("smtp://127.0.0.1:1")
        assert code == 1 and "another `notice notify` is already running with this send log" in err
        assert sendlog.is_locked(repo.root / ".notice" / "sendlog.sqlite")


def test_smtp_urls():
    url = SmtpUrl.parse("smtp+starttls://me%40corp:p%2Fw@mail.example.com")
    assert (url.scheme, url.host, url.port, url.user, url.password) == (
        "smtp+starttls", "mail.example.com", 587, "me@corp", "p/w")
    assert "p/w" not in repr(url) and str(url) == "smtp+starttls://me@corp@mail.example.com:587"
    assert SmtpUrl.parse("smtps://u@h.example", "pw").port == 465
    assert SmtpUrl.parse("smtps://u@h.example", "pw").password == "pw"
    assert SmtpUrl.parse("smtp://127.0.0.1:2525").port == 2525
    assert SmtpUrl.from_env({}) is None
    for bad, message in [("http://h.example", "must start with smtp://"),
                         ("smtp://u:pw@mail.example.com", "unencrypted"),
                         ("smtps://u@h.example", "no password"),
                         ("smtp://h.example:99999", "not a valid URL")]:
        with pytest.raises(NoticeError, match=message):
            SmtpUrl.parse(bad)


def test_lines_starting_with_a_dot_arrive_as_written():
    """DATA ends at a line holding a lone dot, so every line starting with one is sent with
    another (RFC 5321 4.5.2); the server takes it off again."""
    class Raw(Sink):
        async def handle_DATA(self, server, session, envelope):
            self.received.append(envelope.original_content)
            return "250 OK"

    bodies = [b"Subject: a\r\n\r\nplain\r\n", b"Subject: b\r\n\r\n.\r\nafter a lone dot\r\n",
              b".Subject: c\r\n\r\n..two\r\n.one"]
    sink = Raw()
    with smtp_server(sink) as url:
        sender = SmtpSender(SmtpUrl.parse(url))
        outcomes = [sender.send(Composed(delivery=None, data=data, subject="", sender="a@x.test",
                                         recipient="b@x.test", smtputf8=False, preview=None))
                    for data in bodies]
        sender.close()
    assert [o.state for o in outcomes] == [SENT] * 3
    assert sink.received == bodies[:2] + [bodies[2] + b"\r\n"]


def test_pacer_spaces_messages_evenly():
    now, slept = [100.0], []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    now[0] += 1.0                 # a slow message: no catching up in a burst afterwards
    pacer.wait()
    pacer.wait()
    assert slept == [0.25, 0.25, 0.25]
    Pacer(None, sleep=lambda s: pytest.fail("no limit, no sleep")).wait()


def test_send_log_states(tmp_path):
    path = tmp_path / "log" / "sendlog.sqlite"
    row = sendlog.Row(recipient="a@example.test", edition="us-en", version="2024-07-20",
                      covers=("2024-05-15", "2024-07-20"), since="2024-01-10", message_id="<m@x>")
    with sendlog.SendLog.open(path) as log:
        log.record_plan([row], [])
        log.record_plan([dataclasses.replace(row, covers=("x",))], [])     # planned once only
        assert [(r.state, r.covers) for r in log.rows()] == [("planned", row.covers)]
        log.claim([(row.key, False)], "boot-1")
        with pytest.raises(RuntimeError, match="cannot be claimed"):
            log.claim([(row.key, False)], "boot-1")
        log.start(row.key)                         # its DATA is about to go out
    with sendlog.SendLog.open(path) as log:       # a new run: the sending row is unknown
        ((stuck, state),) = log.recover("boot-1")
        assert stuck.key == row.key and state == "unknown" and log.rows()[0].state == "unknown"
        with pytest.raises(RuntimeError):
            log.claim([(row.key, False)], "boot-1")    # not without --resend-unknown
        log.claim([(row.key, True)], "boot-1")
        log.start(row.key)
        log.mark(row.key, "sent", "250 ok")
        (done,) = log.rows()
        assert (done.state, done.attempts, done.reply) == ("sent", 2, "250 ok") and done.sent_at
        assert log.counts() == {("us-en", "2024-07-20"): Counter(sent=1)}


def test_claims_a_stopped_run_left_are_settled_by_the_boot_they_were_made_in(tmp_path):
    """Claimed, DATA never started: planned again on the same boot of the machine (its
    unsynced *sending* marker would have survived a kill); unknown after a restart (a power
    cut may have lost it)."""
    path = tmp_path / "sendlog.sqlite"
    rows = [sendlog.Row(recipient=f"{n}@example.test", edition="us-en", version="2024-07-20",
                        covers=("2024-07-20",), since=None, message_id=f"<{n}@x>")
            for n in "ab"]
    with sendlog.SendLog.open(path) as log:
        log.record_plan(rows, [])
        log.claim([(rows[0].key, False)], "boot-1")
        log.claim([(rows[1].key, False)], "boot-2")
    with sendlog.SendLog.open(path) as log:
        settled = {row.recipient: state for row, state in log.recover("boot-1")}
        assert settled == {"a@example.test": "planned", "b@example.test": "unknown"}
        assert {r.recipient: (r.state, r.attempts) for r in log.rows()} == {
            "a@example.test": ("planned", 0), "b@example.test": ("unknown", 0)}
    assert sendlog.settled_state(dataclasses.replace(rows[0], state="claimed", boot=None),
                                 None) == "unknown"      # no boot id to compare: unknown


def test_a_send_log_of_the_previous_release_is_upgraded(tmp_path):
    import sqlite3
    path = tmp_path / "sendlog.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE deliveries (recipient TEXT NOT NULL, edition TEXT NOT NULL,
            version TEXT NOT NULL, covers TEXT NOT NULL, since TEXT, message_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed',
                                                 'unknown', 'superseded')),
            attempts INTEGER NOT NULL DEFAULT 0, reply TEXT, planned_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (recipient, edition, version));
        CREATE INDEX deliveries_state ON deliveries (state);
        INSERT INTO deliveries VALUES ('a@example.test', 'us-en', '2024-07-20', '2024-07-20',
            NULL, '<a@x>', 'sent', 1, '250 ok', 't', 't', 't');
        INSERT INTO deliveries VALUES ('b@example.test', 'us-en', '2024-07-20', '2024-07-20',
            NULL, '<b@x>', 'planned', 0, NULL, 't', 't', NULL);""")
    db.close()
    with sendlog.SendLog.open(path) as log:
        assert [(r.recipient, r.state, r.outbox) for r in log.rows()] == [
            ("a@example.test", "sent", None), ("b@example.test", "planned", None)]
        log.written([(("b@example.test", "us-en", "2024-07-20"), "outbox/b.eml")])
        assert log.rows("written")[0].outbox == "outbox/b.eml"


def test_progress_bar_on_a_terminal_and_lines_in_a_log():
    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    clock = itertools.count().__next__             # one second per look at the clock
    log = Stream(tty=False)
    progress = Progress(2500, log, "sending", clock=clock)
    for _ in range(2500):
        progress.step()
    progress.finish()
    lines = log.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "sending: 1000/2500", "sending: 2000/2500", "sending: 2500/2500"]
    assert "/s, ETA " in lines[0]

    terminal = Stream(tty=True)
    progress = Progress(3, terminal, "sending", clock=itertools.count(0, 10).__next__)
    for _ in range(3):
        progress.step()
    progress.finish()
    assert terminal.getvalue().count("\r") == 4 and terminal.getvalue().endswith("\n")
    assert "[##############################] 3/3" in terminal.getvalue()
    assert "ETA 0:00:00" in terminal.getvalue()
