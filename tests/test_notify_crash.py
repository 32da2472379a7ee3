"""kill -9 in the middle of sending, then rerun: everyone gets the notice once.

`notice notify` runs as a real subprocess against a real SMTP server whose
handler holds its reply to chosen messages until the test has killed the
client: the server has the message, the client never learned it. That message
is the one SMTP cannot settle; the log must call it *unknown*, report it, not
resend it unasked, and resend it with the same Message-ID on --resend-unknown.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading

import pytest

from conftest import PROJECT
from support.mail import TODAY, notice_repo, write_csv
from support.mail import Sink, log_rows, mail_repo, people, smtp_server  # noqa: F401 (fixture)

from notice_engine.cli import main


class Holding(Sink):
    """Holds the reply to the messages numbered in `hold` (counting every message received)
    until `release` is set; `holding` says that `at_once` replies are held."""

    def __init__(self, hold: set[int], at_once: int = 1):
        super().__init__()
        self.hold, self.at_once, self.held = hold, at_once, 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def after_data(self, server, session, received):
        if len(self.received) in self.hold:
            self.held += 1
            if self.held == 1:
                self.release.clear()
            if self.held == self.at_once:
                self.holding.set()
            try:
                while not self.release.is_set():
                    await asyncio.sleep(0.01)
            finally:                    # also when the client's death cancels this handler
                self.held -= 1
        return None


def notice_cli(repo, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "notice_engine.cli", "--root", str(repo.root), "notify",
            "--recipients", str(repo.root / "people.csv"), *args]


def environment(url: str) -> dict:
    return {**os.environ, "NOTICE_SMTP_URL": url, "NOTICE_TODAY": TODAY,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT / "hooks"),
                                                        os.environ.get("PYTHONPATH")]))}


def run(repo, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(notice_cli(repo, url, *args), env=environment(url), capture_output=True,
                          text=True, timeout=120)


def kill_while_held(repo, sink: Holding, url: str, check_meanwhile=None) -> None:
    """Start a run, wait until the server holds a reply, SIGKILL the run, let the server go on."""
    process = subprocess.Popen(notice_cli(repo, url), env=environment(url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert sink.holding.wait(60), "the run never reached the held message"
        if check_meanwhile:
            check_meanwhile()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        sink.holding.clear()
        sink.release.set()
    assert process.returncode == -signal.SIGKILL


def test_killed_twice_rerun_then_resend_unknown(repo):
    write_csv(repo.root / "people.csv", people(12))
    sink = Holding(hold={5, 8})        # the 5th message of the first run, the 3rd of the second

    def second_run_refuses():
        result = run(repo, url)
        assert result.returncode == 1
        assert "another `notice notify` is already running with this send log" in result.stderr

    with smtp_server(sink) as url:
        kill_while_held(repo, sink, url, check_meanwhile=second_run_refuses)
        # All 12 were claimed in one synced batch before the first went out; the 5th was
        # marked sending before its DATA; the 7 after it were claimed, their DATA never begun
        # (the rerun plans them again: same boot of the machine, see sendlog.py)
        states = [r.state for r in log_rows(repo)]
        assert (states.count("sent"), states.count("sending"), states.count("claimed"),
                states.count("planned")) == (4, 1, 7, 0)

        kill_while_held(repo, sink, url)    # the rerun marks the first held one unknown, goes on
        result = run(repo, url)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "Summary: sent 4, skipped 6 (up to date), failed 0, retried 0, unknown 2" in \
            result.stdout
        assert "p00007@example.test (us-en, 2024-07-20): a previous run stopped while sending " \
               "it; it is unknown" in result.stderr
        assert "a previous run stopped before sending 4 message(s) it had claimed; they are " \
               "planned again" in result.stderr
        assert result.stdout.count("it may or may not have been delivered") == 2

        ids = sink.message_ids()
        assert len(ids) == 12 and set(ids.values()) == {1}     # everyone once, so far
        unknown = {r.recipient: r.message_id for r in log_rows(repo) if r.state == "unknown"}
        assert sorted(unknown) == ["p00004@example.test", "p00007@example.test"]

        assert run(repo, url).returncode == 3                  # still not resent unasked
        assert len(sink.received) == 12
        settled = run(repo, url, "--resend-unknown")
        assert settled.returncode == 0, settled.stdout + settled.stderr
        assert "Summary: sent 2, skipped 10 (up to date)" in settled.stdout

    ids = sink.message_ids()
    assert len(ids) == 12
    assert {mid for mid, n in ids.items() if n == 2} == set(unknown.values())   # same Message-ID
    assert {r.state for r in log_rows(repo)} == {"sent"}
    assert main(["--root", str(repo.root), "notify", "--status"]) == 0


def test_several_connections_killed_then_rerun(tmp_path, monkeypatch):
    """Three connections, each held after its message's DATA: three messages the server has
    and the client was never told of. They, and only they, are unknown; nothing is sent twice
    unasked, and the claimed rest goes out on the rerun."""
    monkeypatch.delenv("NOTICE_SMTP_URL", raising=False)
    repo = notice_repo(tmp_path / "repo", retry_limit=4, retry_backoff_seconds=0.001,
                       connections=3)
    write_csv(repo.root / "people.csv", people(12))
    sink = Holding(hold={3, 4, 5}, at_once=3)      # one on each connection: all three stop
    with smtp_server(sink) as url:
        kill_while_held(repo, sink, url)
        assert len(sink.sessions) == 3
        rows = log_rows(repo)
        states = [r.state for r in rows]
        assert (states.count("sent"), states.count("sending"), states.count("claimed")) == \
            (2, 3, 7)
        held = {r.rcpt[0] for r in sink.received[2:5]}
        assert {r.recipient for r in rows if r.state == "sending"} == held
        assert {r.recipient for r in rows if r.state == "sent"} == \
            {r.rcpt[0] for r in sink.received[:2]}

        result = run(repo, url)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "Summary: sent 7, skipped 2 (up to date), failed 0, retried 0, unknown 3" in \
            result.stdout
        ids = sink.message_ids()
        assert len(ids) == 12 and set(ids.values()) == {1}     # everyone once, so far
        assert {r.recipient for r in log_rows(repo) if r.state == "unknown"} == held

        settled = run(repo, url, "--resend-unknown")
        assert settled.returncode == 0, settled.stdout + settled.stderr
        assert "Summary: sent 3, skipped 9 (up to date)" in settled.stdout

    resent = {r.message_id for r in log_rows(repo) if r.recipient in held}
    assert {mid for mid, n in sink.message_ids().items() if n == 2} == resent
    assert {r.state for r in log_rows(repo)} == {"sent"}
