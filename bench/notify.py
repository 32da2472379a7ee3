"""Benchmark: `notice notify` sends 10,000 change notices to a local SMTP sink.

    .venv/bin/python bench/notify.py [--count N] [--dry-run-rows N]

Builds a notice repository in a temporary folder (as the tests do), starts an
aiosmtpd server on 127.0.0.1 that only counts what it receives, runs `notice
notify` against it as a subprocess (rate limit off, send log on, so every
message is claimed and recorded as in production), and prints:

    messages_per_second: N     whole run: start-up, history, planning, sending
    cpu_seconds: N             the notify process's user + system CPU time
    peak_rss_mb: N             the notify process's peak resident memory
    plain_messages_per_second: N   a plain smtplib loop (its own process) sending the
                               very bytes the sink received, to the same sink, over one
                               connection: the limit for one process
    plain_cpu_seconds: N       that loop's CPU time
    notify/plain: N            the ratio of the two rates
    notify/plain_cpu: N        the ratio of the two CPU times, plain / notify (on a machine
                               busy with other work, steadier than the rates)

With --dry-run-rows N (e.g. 1000000), it also writes a recipients file of N rows
and times `notice notify --dry-run` on it (every row checked, planned against the
send log the run above left, and listed):

    dry_run_rows: N
    dry_run_seconds: N
    dry_run_peak_rss_mb: N

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


class Child:
    """CPU time and peak memory of the child processes run in a `with` block."""

    def __enter__(self):
        self._before = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc):
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu_seconds = (after.ru_utime + after.ru_stime
                            - self._before.ru_utime - self._before.ru_stime)
        # ru_maxrss of children: the largest process this one waited for so far (KiB on
        # Linux, bytes on macOS): measure the largest one first
        self.peak_mb = after.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def notice_notify(repo, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notice_engine.cli", "--root", str(repo.root),
                           "notify", *args], env=env, capture_output=True, text=True)


def write_rows(path: Path, count: int) -> Path:
    """A recipients file of `count` rows, written as a stream (a million rows: ≈ 50 MB)."""
    regions = ("us", "eu", "fr")
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("email,name,locale,region\n")
        for n in range(count):
            f.write(f"c{n:07d}@customer{n % 97}.example,Customer {n},en,{regions[n % 3]}\n")
    return path


def dry_run(repo, env: dict, rows: int) -> dict[str, str]:
    recipients = write_rows(repo.root / "million.csv", rows)
    env = {k: v for k, v in env.items() if k != "NOTICE_SMTP_URL"}
    started = time.perf_counter()
    with Child() as child:
        result = notice_notify(repo, env, "--recipients", str(recipients), "--dry-run")
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bench: the dry run failed:\n{result.stdout[-2000:]}\n"
                         f"{result.stderr[-2000:]}")
    return {"dry_run_rows": str(rows), "dry_run_seconds": f"{elapsed:.1f}",
            "dry_run_peak_rss_mb": f"{child.peak_mb:.0f}"}


def main() -> int:
    parser = argparse.ArgumentParser(description="Send change notices to a local SMTP sink; "
                                                 "print messages per second and peak memory.")
    parser.add_argument("--count", type=int, default=10_000,
                        help="how many recipients (default: 10000)")
    parser.add_argument("--dry-run-rows", type=int, metavar="N",
                        help="also time `notice notify --dry-run` on a generated recipients "
                             "file of N rows (e.g. 1000000), and its peak memory")
    args = parser.parse_args()
    count = args.count
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        repo = notice_repo(Path(folder) / "repo", rate_per_second=None)
        recipients = write_csv(repo.root / "people.csv", people(count))
        sink = Counting(keep=True)
        env = {**os.environ, "NOTICE_TODAY": TODAY, "PYTHONPATH": str(PROJECT / "hooks")}
        if args.dry_run_rows:       # first: ru_maxrss is the largest child's so far
            figures.update(dry_run(repo, env, args.dry_run_rows))
        with smtp_server(sink) as url:
            env["NOTICE_SMTP_URL"] = url
            started = time.perf_counter()
            with Child() as notify:
                result = notice_notify(repo, env, "--recipients", str(recipients))
            elapsed = time.perf_counter() - started
            if result.returncode != 0 or sink.count != count:
                print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
                print(f"bench: expected {count} messages, the sink got {sink.count}",
                      file=sys.stderr)
                return 1
            with Child() as loop:
                plain = plain_loop(sink.kept, url, Path(folder))
    print(f"messages: {count}")
    print(f"seconds: {elapsed:.1f}")
    print(f"messages_per_second: {count / elapsed:.0f}")
    print(f"cpu_seconds: {notify.cpu_seconds:.1f}")
    print(f"peak_rss_mb: {notify.peak_mb:.0f}")
    print(f"plain_messages_per_second: {count / plain:.0f}")
    print(f"plain_cpu_seconds: {loop.cpu_seconds:.1f}")
    print(f"notify/plain: {plain / elapsed:.2f}")
    print(f"notify/plain_cpu: {loop.cpu_seconds / max(notify.cpu_seconds, 1e-9):.2f}")
    for name, value in figures.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
