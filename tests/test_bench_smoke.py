"""Smoke test of the build benchmark (bench/build.py) at a tiny size.

It checks that the benchmark runs end to end on a fresh checkout and prints every
figure as a `name: value` line; it asserts nothing about timings, which depend on
the machine.
"""

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow        # runs a benchmark in a child process

PROJECT = Path(__file__).resolve().parents[1]
BENCH = PROJECT / "bench" / "build.py"

NUMBERS = ["sections", "versions", "editions", "words", "cpus", "pages",
           "full_seconds", "full_cpu_seconds", "rebuild_seconds", "rebuild_after_commit_seconds",
           "floor_seconds", "floor_cpu_seconds", "baseline_seconds",
           "peak_rss_mb", "peak_rss_largest_process_mb", "peak_pss_mb",
           "full/floor", "baseline/full", "rebuild/full", "rebuild_after_commit/full",
           "compare_cold_seconds", "compare_added_seconds_per_version",
           "compare_added_files_per_version", "compare_files", "pdf_seconds_per_version",
           "pdf_cached_seconds_per_version", "growth_5", "growth_10", "growth_editions_1",
           "growth_editions_2", "seconds_per_added_version", "seconds_per_added_edition",
           "archived_page_bytes", "archived_version_bytes", "compare_bytes_per_version",
           "preview_seconds", "compare_script_bytes"]
SLOPES = ["seconds_per_added_version", "seconds_per_added_edition"]
NOTES = ["floor_note", "baseline_note", "rss_note", "compare_note", "pdf_note", "bytes_note",
         "preview_note"]


def test_bench_runs_small_and_prints_every_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--sections", "6", "--versions", "10", "--editions", "2",
         "--runs", "1", "--baseline-versions", "2", "--growth", "5,10", "--growth-editions", "1,2",
         "--preview-edits", "2", "--pdf-versions", "1",
         "--workdir", str(tmp_path / "bench")],
        cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    lines = [line for line in result.stdout.splitlines() if line.strip()]
    figures = {}
    for line in lines:
        match = re.fullmatch(r"([\w/]+): (.+)", line)
        assert match, f"not a `name: value` line: {line!r}"
        figures[match.group(1)] = match.group(2)

    for name in NUMBERS:
        assert name in figures, f"missing line `{name}: …` in:\n{result.stdout}"
        value = float(figures[name])
        assert math.isfinite(value), f"{name}: {figures[name]}"
        # A slope of noisy timings at this tiny size can come out below zero.
        assert value >= 0 or name in SLOPES, f"{name}: {figures[name]}"
    for name in NOTES:
        assert figures.get(name), f"missing line `{name}: …`"
    assert figures["baseline_note"].startswith("timed on first 2 versions, scaled linearly")
    assert [figures[k] for k in ("sections", "versions", "editions")] == ["6", "10", "2"]
    assert any(name.startswith("compare_added_seconds_at_") for name in figures)
    assert float(figures["archived_page_bytes"]) > 0
    assert float(figures["pages"]) > 2 * 2          # per edition: current, archive, versions
    assert "full 1/1" in result.stderr              # progress goes to stderr


def test_bench_help_documents_the_options():
    result = subprocess.run([sys.executable, str(BENCH), "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--sections", "--versions", "--editions", "--seed", "--runs",
                   "--baseline-versions", "--growth", "--growth-editions", "--no-growth",
                   "--preview-edits"):
        assert option in result.stdout


def test_engines_side_by_side_runs_small_and_prints_both_and_the_ratio(tmp_path):
    """bench/engines.py, with this engine on both sides (a copy of hooks/ as engine A)."""
    result = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "engines.py"), "--against",
         str(PROJECT / "hooks"), "--sections", "4", "--versions", "6", "--editions", "2",
         "--runs", "2"],
        cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = dict(line.split(": ", 1) for line in result.stdout.splitlines() if line.strip())
    for kind in ("full", "rebuild", "after_commit"):
        for unit in ("seconds", "cpu_seconds"):
            for side in ("A", "B", "B/A"):
                value = float(figures[f"{kind}_{unit}_{side}"])
                assert math.isfinite(value) and value > 0, f"{kind}_{unit}_{side}: {value}"
    for side in ("A", "B"):
        assert int(figures[f"peak_rss_mb_{side}"]) >= int(figures[f"peak_pss_mb_{side}"]) > 0
    assert "engine A: a copy of" in result.stderr


@pytest.mark.browser
def test_compare_page_bench_runs_on_a_built_site_and_prints_its_figures(sample_site):
    """bench/compare_page.py, once per pair in Chromium, on the sample site: every figure
    printed, each a time or a count of changed sections shown on the page."""
    result = subprocess.run([sys.executable, str(PROJECT / "bench" / "compare_page.py"),
                             str(sample_site), "--edition", "us-en", "--runs", "1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    figures = dict(re.findall(r"^(\w+): (\S+)$", result.stdout, re.M))
    for pair in ("oldest_newest", "newest_two"):
        for kind in ("cold", "warm"):
            assert math.isfinite(float(figures[f"compare_page_{pair}_{kind}_seconds"]))
        assert int(figures[f"compare_page_{pair}_sections_changed"]) > 0
