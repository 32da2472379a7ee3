"""Smoke test of the change-notice benchmark (bench/notify.py) at a tiny size: it runs end to
end and prints every figure; nothing is asserted about timings."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow        # runs a benchmark in a child process

PROJECT = Path(__file__).resolve().parents[1]


def test_bench_notify_runs_small_and_prints_every_figure():
    result = subprocess.run([sys.executable, str(PROJECT / "bench" / "notify.py"), "--count", "20"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = dict(re.fullmatch(r"([\w/]+): (.+)", line).groups()
                   for line in result.stdout.splitlines() if line.strip())
    assert figures["messages"] == "20"
    for name in ("seconds", "messages_per_second", "peak_rss_mb", "plain_messages_per_second",
                 "notify/plain"):
        assert float(figures[name]) >= 0, name
