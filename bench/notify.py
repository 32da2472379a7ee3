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
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT / "tests"), str(PROJECT / "hooks")]

from support.mail import TODAY, notice_repo, write_csv  # noqa: E402
from support.mail import people  # noqa: E402


class Counting:
    """The fastest honest sink: accept, count, forget (keeping what it got, when asked, for the
    plain loop to send again)."""

    def __init__(self, keep: bool = False):
        self.count = 0
        self.connections = 0
        self.kept: list[tuple[str, list[str], bytes]] | None = [] if keep else None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1           # once per connection (smtplib says EHLO once)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.kept is not None:
            self.kept.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content))
        return f"250 2.0.0 Ok: queued as B{self.count}"


def serve_sink(port: int) -> None:
    """One sink process (`--serve-sink PORT`): an aiosmtpd server on 127.0.0.1:PORT, sharing
    the port with its siblings (SO_REUSEPORT: the kernel spreads connections over them), keeping
    what it receives. Commands on stdin, answers on stdout: `count` (messages, connections),
    `dump PATH` (pickle what it kept, stop keeping)."""
    import asyncio
    import resource
    import socket
    import threading

    from aiosmtpd.smtp import SMTP

    sink = Counting(keep=True)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)

    def commands():
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "count":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                print(sink.count, sink.connections, usage.ru_utime + usage.ru_stime, flush=True)
            elif command == "dump":
                Path(argument).write_bytes(pickle.dumps(sink.kept))
                sink.kept = None
                print("ok", flush=True)
        os._exit(0)                     # stdin closed: the bench is done with this sink

    async def serve():
        loop = asyncio.get_running_loop()
        await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), sock=listener)
        print("ready", flush=True)
        threading.Thread(target=commands, daemon=True).start()
        await asyncio.Event().wait()

    asyncio.run(serve())


class Sinks:
    """`processes` sink processes on one port of 127.0.0.1, apart from the bench and from the
    sender, so that the sink's own CPU is not taken from either (and, with several, not the
    limit being measured)."""

    def __init__(self, processes: int):
        import socket
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # reserves a free port
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        self.port = holder.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.children = [subprocess.Popen(
            [sys.executable, __file__, "--serve-sink", str(self.port)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1) for _ in range(processes)]
        for child in self.children:
            if child.stdout.readline().strip() != "ready":
                raise SystemExit("bench: a sink process did not start")
        holder.close()

    def _ask(self, command: str) -> list[str]:
        for child in self.children:
            child.stdin.write(command + "\n")
        return [child.stdout.readline().strip() for child in self.children]

    def counts(self) -> tuple[int, int, float]:
        """Messages received, connections accepted and CPU seconds used so far, by all the
        sink processes."""
        answers = [answer.split() for answer in self._ask("count")]
        return (sum(int(m) for m, _, _ in answers), sum(int(c) for _, c, _ in answers),
                sum(float(cpu) for _, _, cpu in answers))

    def kept(self, folder: Path) -> list[tuple[str, list[str], bytes]]:
        paths = [folder / f"kept{n}.pickle" for n in range(len(self.children))]
        for child, path in zip(self.children, paths):
            child.stdin.write(f"dump {path}\n")
        for child in self.children:
            child.stdout.readline()
        return [message for path in paths for message in pickle.loads(path.read_bytes())]

    def close(self) -> None:
        for child in self.children:
            child.stdin.close()
            child.wait(30)


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


def plain_loop(messages, url: str, folder: Path) -> tuple[float, Child]:
    """Seconds a bare smtplib loop takes to send `messages` over one connection, and its
    process."""
    path = folder / "messages.pickle"
    path.write_bytes(pickle.dumps(messages))
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    loop = run_child([sys.executable, "-c", PLAIN_LOOP, host, port, str(path)])
    if loop.returncode != 0:
        raise SystemExit(f"bench: the plain loop failed:\n{loop.stderr}")
    return float(loop.stdout), loop


@dataclass
class Child:
    """A finished child process: its output, and its own CPU time and peak memory (wait4)."""

    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float
    peak_mb: float


def run_child(args: list[str], env: dict | None = None) -> Child:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss: KiB on Linux, bytes on macOS
        return Child(process.returncode, out.read(), err.read(),
                     usage.ru_utime + usage.ru_stime,
                     usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024))


def notice_notify(repo, env: dict, *args: str) -> Child:
    return run_child([sys.executable, "-m", "notice_engine.cli", "--root", str(repo.root),
                      "notify", *args], env)


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
    result = notice_notify(repo, env, "--recipients", str(recipients), "--dry-run")
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bench: the dry run failed:\n{result.stdout[-2000:]}\n"
                         f"{result.stderr[-2000:]}")
    return {"dry_run_rows": str(rows), "dry_run_seconds": f"{elapsed:.1f}",
            "dry_run_cpu_seconds": f"{result.cpu_seconds:.1f}",
            "dry_run_peak_rss_mb": f"{result.peak_mb:.0f}"}


def main() -> int:
    parser = argparse.ArgumentParser(description="Send change notices to a local SMTP sink; "
                                                 "print messages per second and peak memory.")
    parser.add_argument("--count", type=int, default=10_000,
                        help="how many recipients (default: 10000)")
    parser.add_argument("--connections", type=int, default=4,
                        help="extra.notice.mail.connections for the notify run (default: 4)")
    parser.add_argument("--sink-processes", type=int, default=2,
                        help="sink processes sharing the port (default: 2)")
    parser.add_argument("--dry-run-rows", type=int, metavar="N",
                        help="also time `notice notify --dry-run` on a generated recipients "
                             "file of N rows (e.g. 1000000), and its peak memory")
    parser.add_argument("--serve-sink", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        serve_sink(args.serve_sink)
        return 0
    count = args.count
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        repo = notice_repo(Path(folder) / "repo", rate_per_second=None,
                           connections=args.connections)
        recipients = write_csv(repo.root / "people.csv", people(count))
        env = {**os.environ, "NOTICE_TODAY": TODAY, "PYTHONPATH": str(PROJECT / "hooks"),
               "NOTICE_SMTP_URL": ""}
        sinks = Sinks(args.sink_processes)
        try:
            env["NOTICE_SMTP_URL"] = sinks.url
            sink_cpu_before = sinks.counts()[2]          # (starting up)
            started = time.perf_counter()
            notify = notice_notify(repo, env, "--recipients", str(recipients))
            elapsed = time.perf_counter() - started
            received, connections, sink_cpu = sinks.counts()
            if notify.returncode != 0 or received != count:
                print(notify.stdout, notify.stderr, sep="\n", file=sys.stderr)
                print(f"bench: expected {count} messages, the sink got {received}",
                      file=sys.stderr)
                return 1
            plain, loop = plain_loop(sinks.kept(Path(folder)), sinks.url, Path(folder))
        finally:
            sinks.close()
        if args.dry_run_rows:       # against the send log the run above left
            figures.update(dry_run(repo, env, args.dry_run_rows))
    rate, plain_rate = count / elapsed, count / plain
    print(f"messages: {count}")
    print(f"seconds: {elapsed:.1f}")
    print(f"messages_per_second: {rate:.0f}")
    print(f"connections: {connections}")
    print(f"messages_per_second_per_connection: {rate / connections:.0f}")
    print(f"cpu_seconds: {notify.cpu_seconds:.1f}")
    print(f"peak_rss_mb: {notify.peak_mb:.0f}")
    print(f"sink_processes: {args.sink_processes}")
    print(f"sink_cpu_seconds: {sink_cpu - sink_cpu_before:.1f}")
    print(f"plain_messages_per_second: {plain_rate:.0f}")
    print(f"plain_cpu_seconds: {loop.cpu_seconds:.1f}")
    print(f"notify/plain: {rate / plain_rate:.2f}")
    print(f"notify/plain_cpu: {loop.cpu_seconds / max(notify.cpu_seconds, 1e-9):.2f}")
    for name, value in figures.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
