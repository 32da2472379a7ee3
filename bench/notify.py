"""Benchmark: `notice notify` sends 10,000 change notices to a local SMTP sink.

    .venv/bin/python bench/notify.py [--count N]

Builds a notice repository in a temporary folder (as the tests do), starts an
aiosmtpd server on 127.0.0.1 that only counts what it receives, runs `notice
notify` against it as a subprocess (rate limit off, send log on, so every
message is claimed and recorded as in production), and prints:

    messages_per_second: N     whole run: start-up, history, planning, sending
    peak_rss_mb: N             the notify process's peak resident memory
    plain_messages_per_second: N   a plain smtplib loop (its own process) sending the
                               very bytes the sink received, to the same sink, over one
                               connection: the limit for one process
    notify/plain: N            the ratio of the two rates

Needs the test dependencies (./dev test installs them).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT / "tests"), str(PROJECT / "hooks")]

from test_notify_compose import TODAY, notice_repo, write_csv  # noqa: E402
from test_notify_smtp import people, smtp_server  # noqa: E402


class Counting:
    """The fastest honest sink: accept, count, forget (keeping what it got, when asked, for the
    plain loop to send again)."""

    def __init__(self, keep: bool = False):
        self.count = 0
        self.kept: list[tuple[str, list[str], bytes]] | None = [] if keep else None

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.kept is not None:
            self.kept.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content))
        return f"250 2.0.0 Ok: queued as B{self.count}"


PLAIN_LOOP = """
import pickle, smtplib, sys, time
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "rb") as f:
    messages = pickle.load(f)
started = time.perf_counter()
with smtplib.SMTP(host, port) as conn:
    for sender, recipients, data in messages:
        conn.sendmail(sender, recipients, data)
print(time.perf_counter() - started)
"""


def plain_loop(messages, url: str, folder: Path) -> float:
    """Seconds a bare smtplib loop takes to send `messages` over one connection."""
    path = folder / "messages.pickle"
    path.write_bytes(pickle.dumps(messages))
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    result = subprocess.run([sys.executable, "-c", PLAIN_LOOP, host, port, str(path)],
                            capture_output=True, text=True, check=True)
    return float(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description="Send change notices to a local SMTP sink; "
                                                 "print messages per second and peak memory.")
    parser.add_argument("--count", type=int, default=10_000,
                        help="how many recipients (default: 10000)")
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory() as folder:
        repo = notice_repo(Path(folder) / "repo", rate_per_second=None)
        recipients = write_csv(repo.root / "people.csv", people(count))
        sink = Counting(keep=True)
        with smtp_server(sink) as url:
            env = {**os.environ, "NOTICE_SMTP_URL": url, "NOTICE_TODAY": TODAY,
                   "PYTHONPATH": str(PROJECT / "hooks")}
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "notice_engine.cli", "--root", str(repo.root), "notify",
                 "--recipients", str(recipients)], env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if result.returncode != 0 or sink.count != count:
                print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
                print(f"bench: expected {count} messages, the sink got {sink.count}",
                      file=sys.stderr)
                return 1
            plain = plain_loop(sink.kept, url, Path(folder))
    # ru_maxrss of children: the largest process this one waited for, the notify run (in KiB
    # on Linux, bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print(f"messages: {count}")
    print(f"seconds: {elapsed:.1f}")
    print(f"messages_per_second: {count / elapsed:.0f}")
    print(f"peak_rss_mb: {peak_mb:.0f}")
    print(f"plain_messages_per_second: {count / plain:.0f}")
    print(f"notify/plain: {plain / elapsed:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
