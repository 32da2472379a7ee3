"""The preview's delay: from saving a section file to `notice serve` serving the updated page.

`notice serve` is started as a subprocess on a free local port; once it serves the page,
a word is added to a section file of the edition and the page is fetched every 10 ms
until it shows that word, several times over. What is timed is what an editor waits
for: the watcher noticing the save, the rebuild, the page being served.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from measure import clean_env
from synthetic import log

POLL = 0.01


def preview_seconds(repo: Path, section_id: str, today: date, edits: int) -> list[float]:
    """Seconds from each save to the served page showing it (the file is put back after)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    source = repo / "notice" / f"{section_id}.md"
    original = source.read_text(encoding="utf-8")
    with tempfile.TemporaryFile() as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "notice_engine.cli", "--root", str(repo), "serve",
             "--dev-addr", f"127.0.0.1:{port}"],
            cwd=repo, env=clean_env(NOTICE_TODAY=today.isoformat()), stdout=out,
            stderr=subprocess.STDOUT)
        try:
            started = time.perf_counter()
            _wait_for(url, lambda page: True, server, out, timeout=900)
            log(f"preview: server up in {time.perf_counter() - started:.1f}s")
            timings = []
            for number in range(edits):
                marker = f"previewedit{number}word"
                source.write_text(original.rstrip("\n") + f" {marker}.\n", encoding="utf-8")
                saved = time.perf_counter()
                _wait_for(url, lambda page: marker in page, server, out, timeout=300)
                timings.append(time.perf_counter() - saved)
                log(f"preview edit {number + 1}/{edits}: {timings[-1]:.2f}s")
            return timings
        finally:
            source.write_text(original, encoding="utf-8")
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for(url: str, shown, server: subprocess.Popen, out, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            out.seek(0)
            raise SystemExit(f"notice serve stopped (exit {server.returncode}):\n"
                             f"{out.read().decode(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if shown(response.read().decode("utf-8", errors="replace")):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(POLL)
    raise SystemExit(f"preview: {url} did not show the change within {timeout:.0f}s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
