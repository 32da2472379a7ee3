"""Benchmark: `notice notify` sends 10,000 change notices to a local SMTP sink.

    .venv/bin/python bench/notify.py [--count N]

Builds a notice repository in a temporary folder (as the tests do), starts an
aiosmtpd server on 127.0.0.1 that only counts what it receives, runs `notice
notify` against it as a subprocess (rate limit off, send log on, so every
message is claimed and recorded as in production), and prints:

    messages_per_second: N     whole run: start-up, history, planning, sending
    peak_rss_mb: N             the notify process's peak resident memory

Needs the test dependencies (./dev test installs them).
"""

from __future__ import annotations

import argparse
import os
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
    """The fastest honest sink: accept, count, forget."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return f"250 2.0.0 Ok: queued as B{self.count}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Send change notices to a local SMTP sink; "
                                                 "print messages per second and peak memory.")
    parser.add_argument("--count", type=int, default=10_000,
                        help="how many recipients (default: 10000)")
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory() as folder:
        repo = notice_repo(Path(folder) / "repo", rate_per_second=None)
        recipients = write_csv(repo.root / "people.csv", people(count))
        sink = Counting()
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
            print(f"bench: expected {count} messages, the sink got {sink.count}", file=sys.stderr)
            return 1
    # ru_maxrss of children: the largest process this one waited for, the notify run (in KiB
    # on Linux, bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print(f"messages: {count}")
    print(f"seconds: {elapsed:.1f}")
    print(f"messages_per_second: {count / elapsed:.0f}")
    print(f"peak_rss_mb: {peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
