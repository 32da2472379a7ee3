#!/usr/bin/env python3
"""Two engines side by side: did a change make the build slower?

Builds one synthetic notice repository (the generator of `bench/build.py`) with this
checkout's engine and with another commit's, taking turns in every run (A then B, then B
then A), so that load from elsewhere on the machine falls on both alike. Each run measures,
for each engine: a full build from a clean site and cache, a rebuild with nothing changed,
and a rebuild after one new commit changing one section. Prints the medians and B / A.

  .venv/bin/python bench/engines.py --against 0c5f92c^1      # before the change, then now
  .venv/bin/python bench/engines.py --against 0c5f92c^1 --engine 0c5f92c   # one merge

An engine named by a commit is `git archive`d from this repository (hooks/ only) into the
work folder; both run in this virtualenv, so both read the same dependencies.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from datetime import timedelta
from pathlib import Path

import measure
from build import median, preflight, run_in, snapshot_engine
from synthetic import (clone_at, commit_change, commit_files, edition_specs, git, log,
                       make_history, mkdocs_yml, write_repository)

KINDS = ("full", "rebuild", "after_commit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/engines.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", required=True, metavar="REV",
                        help="the other engine (A): a commit of this repository, or another "
                             "checkout's hooks/ folder")
    parser.add_argument("--engine", metavar="REV",
                        help="engine B likewise (default: this checkout, as it is)")
    parser.add_argument("--sections", type=int, default=40, metavar="N")
    parser.add_argument("--versions", type=int, default=200, metavar="N")
    parser.add_argument("--editions", type=int, default=6, metavar="N")
    parser.add_argument("--runs", type=int, default=3, metavar="N",
                        help="runs of each measurement per engine; medians printed (default: 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    preflight()
    return run_in(Path(tempfile.mkdtemp(prefix="notice-engines-")), compare_engines, args)


def compare_engines(args: argparse.Namespace, work: Path) -> list[tuple[str, object]]:
    current = snapshot_engine(work)                       # this checkout, as it is
    if args.engine:
        current = _engine_at(args.engine, work / "engine-b", "B")
    other = _engine_at(args.against, work / "other", "A")
    engines = {"A": other, "B": current}
    editions = edition_specs(args.editions)
    regions = list(dict.fromkeys(e["region"] for e in editions))
    notice, plans = make_history(args.seed, args.sections, args.versions, 200, regions)
    shas = write_repository(work / "history", plans, mkdocs_yml(editions, regions, current))
    last = plans[-1].when
    today = (last + timedelta(days=30)).date()
    repos = {}
    for name, hooks in engines.items():      # the same history; each mkdocs.yml names its hook
        repos[name] = work / f"repo-{name}"
        clone_at(work / "history", shas[-1], repos[name])
        commit_files(repos[name], {"mkdocs.yml": mkdocs_yml(editions, regions, hooks)},
                     last + timedelta(minutes=1), f"Build with engine {name}")
    runs: dict[tuple[str, str], list[measure.Run]] = {}
    for i in range(args.runs):
        for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
            repo, hooks, site = repos[name], engines[name], work / f"site-{name}"
            what = f"{name} {i + 1}/{args.runs}"
            base = git(repo, "rev-parse", "HEAD")
            measured = [measure.full_build(repo, site, today, f"full {what}", True, hooks),
                        measure.notice_build(repo, site, today, f"rebuild {what}", hooks=hooks)]
            commit_change(repo, notice[0], last + timedelta(days=10), seed=args.seed + 7919)
            measured.append(measure.notice_build(repo, site, today, f"after commit {what}",
                                                 hooks=hooks))
            git(repo, "reset", "-q", "--hard", base)
            for kind, run in zip(KINDS, measured):
                runs.setdefault((name, kind), []).append(run)
    figures: list[tuple[str, object]] = [("engine_A", args.against),
                                         ("engine_B", args.engine or "this checkout")]
    for kind in KINDS:
        for unit, value in (("seconds", lambda r: r.seconds), ("cpu_seconds",
                                                                lambda r: r.cpu_seconds)):
            a, b = (median([value(r) for r in runs[(n, kind)]]) for n in ("A", "B"))
            figures += [(f"{kind}_{unit}_A", round(a, 2)), (f"{kind}_{unit}_B", round(b, 2)),
                        (f"{kind}_{unit}_B/A", round(b / a, 2) if a else "n/a")]
    peaks = {n: max(r.tree_hwm_kb for r in runs[(n, "full")]) // 1024 for n in ("A", "B")}
    pss = {n: max(r.sampled_pss_kb for r in runs[(n, "full")]) // 1024 for n in ("A", "B")}
    figures += [("peak_rss_mb_A", peaks["A"]), ("peak_rss_mb_B", peaks["B"]),
                ("peak_pss_mb_A", pss["A"]), ("peak_pss_mb_B", pss["B"])]
    return figures


def _engine_at(rev: str, dest: Path, side: str) -> Path:
    """hooks/ as it was at `rev`, unpacked from this repository's history (or copied, when
    `rev` is another checkout's hooks/ folder)."""
    if (Path(rev) / "notice_engine").is_dir():
        shutil.copytree(rev, dest / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
        log(f"engine {side}: a copy of {rev}")
        return dest / "hooks"
    dest.mkdir(parents=True)
    try:
        archive = subprocess.run(["git", "-C", str(measure.PROJECT), "archive", "--format=tar",
                                  rev, "hooks"], capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"bench/engines.py: no engine at {rev!r}: "
                         f"{exc.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    log(f"engine {side}: {rev} in {dest / 'hooks'}")
    return dest / "hooks"


if __name__ == "__main__":
    sys.exit(main())
