#!/usr/bin/env python3
"""Build benchmark: a synthetic notice repository with a long history, built side by side.

Generates, in a temporary folder, a realistic notice repository (sections with
translations, regional sections, smart links, variables, a history of commits
spread over years with Notice-Change trailers), then measures:

  full                  `notice build` from a clean site folder and a clean cache
  rebuild               `notice build` again with nothing changed
  rebuild_after_commit  `notice build` after one new commit that changes one section
  floor                 plain MkDocs (same theme, no hooks) rendering as many pages
                        from ready-made Markdown: what the page count costs at least
  baseline              the per-version way: check out each version and run one
                        `mkdocs build` per edition, with a `git log` per file for dates
  peak RSS              memory of the full build
  growth                full-build time for several history lengths
  compare, pdf          what compare/ adds per new version, and a PDF per version

Figures go to stdout as `name: value` lines, progress to stderr. Run it with the
project's virtualenv (`./dev build` sets it up):

    .venv/bin/python bench/build.py                 # default sizes (takes a while)
    .venv/bin/python bench/build.py --runs 1 --no-growth
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import measure
from measure import (CPUS, FRONT_MATTER, PROJECT, added_costs, baseline_run, clean_env, floor_build,
                     full_build, notice_build, pages_of, prepare_floor, tree_bytes)
from preview import preview_seconds
from synthetic import (clone_at, commit_change, commit_files, edition_specs, git, log, make_history,
                       mkdocs_yml, write_repository)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/build.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[0] + "\n\n" + "\n\n".join(__doc__.split("\n\n")[1:3]),
        epilog="""\
output (stdout), one `name: value` line each:
  sections, versions, editions, words, cpus, pages       the sizes measured
  full_seconds                  notice build, clean site/ and no .cache/ (median of --runs)
  rebuild_seconds               notice build again, nothing changed
  rebuild_after_commit_seconds  notice build after one new commit changing one section
                                (in every edition), on top of the rebuild above
  floor_seconds                 hook-less MkDocs build of as many pages from ready-made
                                Markdown, same theme, navigation: notice + archive index
  full_cpu_seconds, floor_cpu_seconds   user + system CPU of those (all their processes)
  baseline_seconds              per-version builds, timed on the first K and scaled
  peak_rss_mb                   full build: largest sum of VmHWM over processes alive together
  peak_rss_largest_process_mb   full build: the largest single process (wait4 ru_maxrss)
  peak_pss_mb                   full build: largest sampled sum of Pss (pages shared after a
                                fork counted once): the memory the build really held
  growth_<N>                    full_seconds for a history of N versions (measured together)
  growth_editions_<E>           full_seconds with the first E editions, --versions versions
  seconds_per_added_version, seconds_per_added_edition   slopes of those growth lines
  archived_page_bytes, archived_version_bytes, compare_bytes_per_version   output sizes
  compare_added_seconds_at_<N>  compare/'s cost of one more version when there are N
  preview_seconds               notice serve: from saving a section to the page showing it
  full/floor, baseline/full, rebuild/full, rebuild_after_commit/full   the ratios
Notes (floor_note, baseline_note, rss_note) say how those were measured. Each run
measures full, rebuild, rebuild after commit, floor and baseline in turn, so a burst
of load from elsewhere on the machine does not fall on one kind only.

The engine (hooks/, with its theme and catalogs) is copied into the work folder at the start and every
build uses that copy, so a run measures one engine even if hooks/ is edited meanwhile.

Run it with the project's virtualenv: ./dev build once, then .venv/bin/python bench/build.py.
""")
    parser.add_argument("--sections", type=int, default=40, metavar="N",
                        help="sections in the notice (default: 40)")
    parser.add_argument("--words-per-section", type=int, default=200, metavar="N",
                        help="words per section in the source language (default: 200, "
                             "i.e. about 8,000 words for 40 sections)")
    parser.add_argument("--versions", type=int, default=200, metavar="N",
                        help="commits in the history, each a version or an editorial correction "
                             "(default: 200)")
    parser.add_argument("--editions", type=int, default=6, metavar="N",
                        help="editions: regions x locales en, fr, taken in the order us-en, "
                             "us-fr, eu-en, eu-fr, ca-en, ca-fr, ... (default: 6)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated notice and "
                        "history (default: 1)")
    parser.add_argument("--runs", type=int, default=3, metavar="N",
                        help="runs of each measurement; the median is printed (default: 3)")
    parser.add_argument("--baseline-versions", type=int, default=5, metavar="K",
                        help="versions the per-version baseline is timed on before scaling "
                             "linearly to --versions (default: 5)")
    parser.add_argument("--growth", default="25,50,100,200", metavar="N,N,...",
                        help="history lengths for the growth lines (default: 25,50,100,200)")
    parser.add_argument("--growth-editions", default="", metavar="E,E,...",
                        help="edition counts for the growth_editions lines, each a full build "
                             "of --versions versions (default: a third, two thirds and all "
                             "of --editions)")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth lines")
    parser.add_argument("--preview-edits", type=int, default=5, metavar="N",
                        help="edits timed for preview_seconds, through notice serve (default: "
                             "5; 0 skips it)")
    parser.add_argument("--pdf-versions", type=int, default=3, metavar="N",
                        help="how many versions' PDFs to time for pdf_seconds_per_version "
                             "(default: 3)")
    parser.add_argument("--workdir", type=Path, metavar="DIR",
                        help="generate and build here instead of a temporary folder "
                             "(must not exist or be empty); kept afterwards")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder and print where it is")
    args = parser.parse_args(argv)
    if args.sections < 3:
        parser.error("--sections must be at least 3")
    if args.versions < 1 or args.runs < 1 or args.baseline_versions < 1 or args.editions < 1:
        parser.error("--versions, --runs, --baseline-versions and --editions must be at least 1")
    try:
        args.growth = [] if args.no_growth else sorted(
            {int(v) for v in args.growth.split(",") if v})
    except ValueError:
        parser.error("--growth takes numbers separated by commas, e.g. 25,50,100,200")
    if any(v < 1 for v in args.growth):
        parser.error("--growth values must be at least 1")
    try:
        chosen = {int(v) for v in args.growth_editions.split(",") if v} or \
            {max(1, args.editions // 3), max(1, 2 * args.editions // 3), args.editions}
    except ValueError:
        parser.error("--growth-editions takes numbers separated by commas, e.g. 2,4,6")
    if any(not 1 <= v <= args.editions for v in chosen):
        parser.error("--growth-editions values must be between 1 and --editions")
    args.growth_editions = [] if args.no_growth else sorted(chosen)
    args.baseline_versions = min(args.baseline_versions, args.versions)
    return args


def snapshot_engine(work: Path) -> Path:
    """Copy the engine (hooks/, theme and catalogs included) into the work folder and use that copy
    for every build: the whole run measures one engine even if hooks/ is edited meanwhile."""
    dest = work / "engine"
    shutil.copytree(PROJECT / "hooks", dest / "hooks",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    measure.HOOKS, measure.THEME = dest / "hooks", dest / "hooks" / "notice_engine" / "theme"
    found = subprocess.run([sys.executable, "-c",
                            "import notice_engine; print(notice_engine.__file__)"],
                           capture_output=True, text=True, env=clean_env()).stdout.strip()
    if not Path(found).resolve().is_relative_to(measure.HOOKS.resolve()):
        raise SystemExit(f"bench/build.py: the builds would import notice_engine from {found!r}, "
                         f"not from the snapshot in {measure.HOOKS}")
    return measure.HOOKS


def preflight() -> None:
    missing = []
    for module in ("mkdocs", "material", "yaml", "markdown"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SystemExit(f"bench/build.py: {', '.join(missing)} not importable by "
                         f"{sys.executable}.\n"
                         "Run it with the project's virtualenv: ./dev build, then "
                         ".venv/bin/python bench/build.py")
    if shutil.which("git") is None:
        raise SystemExit("bench/build.py: git is not on PATH")


def median(values: list[float]) -> float:
    return statistics.median(values)


def slope(points: list[tuple[int, float]]) -> float:
    """Seconds per unit, least squares over the growth line."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def archive_sizes(site: Path, editions: list[dict]) -> dict[str, float]:
    """Mean bytes of an archived version's page, of its folder, and of compare/ per version."""
    pages, folders, compare = [], [], []
    for spec in editions:
        archive = [d for d in (site / spec["id"] / "archive").iterdir()
                   if d.is_dir() and (d / "index.html").is_file()]
        pages += [(d / "index.html").stat().st_size for d in archive]
        folders += [tree_bytes(d) for d in archive]
        folder = site / spec["id"] / "compare"        # less Brython and the bundle: once per edition
        compare.append((tree_bytes(folder) - tree_bytes(folder / "js")) / max(1, len(archive)))
    return {"page": statistics.mean(pages or [0]), "version": statistics.mean(folders or [0]),
            "compare": statistics.mean(compare or [0])}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    preflight()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        if any(args.workdir.iterdir()):
            raise SystemExit(f"--workdir {args.workdir} is not empty")
        work = args.workdir.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="notice-bench-"))
    return run_in(work, run_benchmark, args, keep=bool(args.workdir or args.keep))


def run_in(work: Path, measure_all, args: argparse.Namespace, keep: bool = False) -> int:
    """`measure_all(args, work)`, then `work` removed (unless kept) and its figures printed
    as `name: value` lines on stdout, what the README's tables and the smoke tests read."""
    try:
        figures = measure_all(args, work)
    finally:
        if keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for name, value in figures:
        print(f"{name}: {value}", flush=True)
    return 0


def run_benchmark(args: argparse.Namespace, work: Path) -> list[tuple[str, object]]:
    editions = edition_specs(args.editions)
    regions = list(dict.fromkeys(e["region"] for e in editions))
    log(f"engine: snapshot of {PROJECT / 'hooks'} in {snapshot_engine(work)}")
    total = max([args.versions, *args.growth])
    log(f"generating {args.sections} sections x {total} commits x {len(editions)} editions "
        f"(seed {args.seed}) in {work}")
    notice, plans = make_history(args.seed, args.sections, total, args.words_per_section, regions)
    shas = write_repository(work / "history", plans, mkdocs_yml(editions, regions, measure.HOOKS))
    repo = work / "repo"
    clone_at(work / "history", shas[args.versions - 1], repo)
    last = plans[args.versions - 1].when
    today = (max(p.when for p in plans) + timedelta(days=30)).date()
    words = sum(len(FRONT_MATTER.sub("", p.read_text(encoding="utf-8")).split())
                for p in (repo / "notice").glob("*.md") if p.name.count(".") == 1)
    workers = min(len(editions), CPUS)
    site = work / "site"

    base = git(repo, "rev-parse", "HEAD")
    # The new commit changes the first section, which is in every edition; its state after
    # --versions commits (the generator may have gone further for longer growth histories).
    at_base = notice if total == args.versions else make_history(
        args.seed, args.sections, args.versions, args.words_per_section, regions)[0]
    target = at_base[0]
    floor_root, scratch = work / "floor", work / "scratch"
    git(work, "clone", "-q", str(repo), str(scratch))
    order = git(scratch, "rev-list", "--reverse", "--first-parent", "HEAD").split()

    # Each run measures every kind once, in turn, so that a burst of load from elsewhere on
    # the machine falls on all of them alike rather than on one.
    fulls, rebuilds, after, floors, baselines = [], [], [], [], []
    pages: dict[str, list[str]] = {}
    floor_configs: list[Path] = []
    full_bytes = 0
    sizes: dict[str, float] = {}
    for i in range(args.runs):
        n = f"{i + 1}/{args.runs}"
        # full: clean site/ and no .cache/
        fulls.append(full_build(repo, site, today, f"full {n}", memory=True))
        if not pages:
            pages = pages_of(site, editions)
            full_bytes = sum(tree_bytes(site / e["id"]) for e in editions)
            sizes = archive_sizes(site, editions)
            floor_configs = prepare_floor(floor_root, repo, editions, pages)
        # rebuild: nothing changed
        rebuilds.append(notice_build(repo, site, today, f"rebuild {n}"))
        # rebuild after one new commit (then back to the base commit for the next run,
        # whose full build starts from a clean site and cache again)
        commit_change(repo, target, last + timedelta(days=10), seed=args.seed + 7919)
        after.append(notice_build(repo, site, today, f"rebuild after commit {n}"))
        git(repo, "reset", "-q", "--hard", base)
        # floor: hook-less MkDocs, same theme, same pages, ready-made Markdown
        shutil.rmtree(floor_root / "site", ignore_errors=True)
        floors.append(floor_build(floor_configs, workers, floor_root))
        log(f"floor {n}: {floors[-1].seconds:.2f}s")
        # baseline: the per-version way on the first K commits (scaled to all below)
        baselines.append(baseline_run(work / "baseline", scratch, order[: args.baseline_versions],
                                      editions, workers))
        log(f"baseline {n}: {baselines[-1]:.2f}s for {args.baseline_versions} versions")
    floor_bytes = tree_bytes(floor_root / "site")

    # growth: full builds of shorter (or longer) histories
    growth = []
    for count in args.growth:          # each measured here, so the line is measured together
        grown = work / f"repo-{count}"
        clone_at(work / "history", shas[count - 1], grown)
        runs = [full_build(grown, work / f"site-{count}", today,
                           f"growth {count} versions {i + 1}/{args.runs}").seconds
                for i in range(args.runs)]
        growth.append((count, median(runs)))
        shutil.rmtree(work / f"site-{count}", ignore_errors=True)

    # growth in editions: the same history, the first E editions in mkdocs.yml
    growth_editions = []
    for count in args.growth_editions:
        grown = work / f"repo-editions-{count}"
        clone_at(work / "history", shas[args.versions - 1], grown)
        commit_files(grown, {"mkdocs.yml": mkdocs_yml(editions[:count], regions, measure.HOOKS)},
                     last + timedelta(minutes=1), f"Publish {count} editions")
        runs = [full_build(grown, work / f"site-editions-{count}", today,
                           f"growth {count} editions {i + 1}/{args.runs}").seconds
                for i in range(args.runs)]
        growth_editions.append((count, median(runs)))
        shutil.rmtree(work / f"site-editions-{count}", ignore_errors=True)

    added = added_costs(repo, today, args.pdf_versions,
                        [n for n in args.growth if n <= args.versions] or [args.versions])
    previews = preview_seconds(repo, target.id, today, args.preview_edits) \
        if args.preview_edits else []

    full = median([r.seconds for r in fulls])
    rebuild = median([r.seconds for r in rebuilds])
    rebuild_after = median([r.seconds for r in after])
    floor = median([r.seconds for r in floors])
    baseline = median(baselines) / args.baseline_versions * args.versions
    page_count = sum(len(p) for p in pages.values())
    per_edition = ", ".join(f"{edition} {len(p)}" for edition, p in pages.items())

    def f(x: float) -> str:
        return f"{x:.2f}"

    figures: list[tuple[str, object]] = [
        ("sections", args.sections), ("versions", args.versions), ("editions", len(editions)),
        ("words", words), ("cpus", CPUS), ("pages", page_count),
        ("full_seconds", f(full)),
        ("full_cpu_seconds", f(median([r.cpu_seconds for r in fulls]))),
        ("rebuild_seconds", f(rebuild)),
        ("rebuild_after_commit_seconds", f(rebuild_after)),
        ("floor_seconds", f(floor)),
        ("floor_cpu_seconds", f(median([r.cpu_seconds for r in floors]))),
        ("floor_note", f"{page_count} pages ({per_edition}), navigation: the notice and the "
                       f"archive index; one hook-less MkDocs build per edition in one process "
                       f"with a pool of {workers} workers, as notice build does; output {floor_bytes / 1e6:.1f} MB vs "
                       f"{full_bytes / 1e6:.1f} MB for notice build"),
        ("baseline_seconds", f(baseline)),
        ("baseline_note", f"timed on first {args.baseline_versions} versions, scaled linearly "
                          f"(x{args.versions / args.baseline_versions:g} to {args.versions} "
                          f"versions); per version: git checkout, one git log per section file, "
                          f"one `mkdocs build` process per edition ({workers} at a time)"),
        ("peak_rss_mb", f"{max(r.tree_hwm_kb for r in fulls) / 1024:.0f}"),
        ("peak_rss_largest_process_mb", f"{max(r.largest_rss_kb for r in fulls) / 1024:.0f}"),
        ("peak_pss_mb", f"{max(r.sampled_pss_kb for r in fulls) / 1024:.0f}"),
        ("rss_note", "peak_rss_mb: the largest sum, over the build's processes alive at the "
                     "same time (polled every 50 ms), of each one's own peak RSS (VmHWM): an "
                     "upper bound of the concurrent peak; largest sampled sum of VmRSS: "
                     f"{max(r.sampled_rss_kb for r in fulls) / 1024:.0f} MB"),
    ]
    figures += [(f"growth_{count}", f(seconds)) for count, seconds in growth]
    figures += [(f"growth_editions_{count}", f(seconds)) for count, seconds in growth_editions]
    if len(growth) > 1:
        figures.append(("seconds_per_added_version", f"{slope(growth):.4f}"))
    if len(growth_editions) > 1:
        figures.append(("seconds_per_added_edition", f"{slope(growth_editions):.3f}"))
    figures += [
        ("archived_page_bytes", f"{sizes['page']:.0f}"),
        ("archived_version_bytes", f"{sizes['version']:.0f}"),
        ("compare_bytes_per_version", f"{sizes['compare']:.0f}"),
        ("bytes_note", "means over every edition of a full build: an archived version's "
                       "index.html, its whole folder (with notice.txt), and compare/ less its js/ "
                       f"divided by the edition's versions; the whole output {full_bytes / 1e6:.1f} MB"),
    ]
    figures += [(f"compare_added_seconds_at_{size}", f"{seconds:.4f}")
                for size, seconds in sorted(added["compare_added_at"].items(), key=lambda x: int(x[0]))]
    if previews:
        figures += [("preview_seconds", f(median(previews))),
                    ("preview_note", f"notice serve (edition {editions[0]['id']}): median of "
                                     f"{len(previews)} edits of {target.id}.md, from the save to "
                                     f"the page showing it (slowest {max(previews):.2f}s)")]
    figures += [
        ("compare_cold_seconds", f(added["compare_cold"])),
        ("compare_added_seconds_per_version", f"{added['compare_added']:.4f}"),
        ("compare_added_files_per_version", str(added["compare_added_files"])),
        ("compare_files", str(added["compare_files"])),
        ("compare_script_bytes", str(added["compare_script_bytes"])),
        ("compare_note", f"edition {added['edition']}: compare/ files for every version "
                         f"({added['compare_mb']:.1f} MB with Brython and the bundle, "
                         "compare_script_bytes, once per edition), made from nothing (cold), "
                         "then the cost and files the newest version adds to its predecessors' "
                         "ones; part of full_seconds"),
        ("pdf_seconds_per_version", f(added["pdf_each"])),
        ("pdf_cached_seconds_per_version", f"{added['pdf_cached_each']:.4f}"),
        ("pdf_note", f"notice build --pdf: WeasyPrint, {added['pdf_count']} newest versions of "
                     f"edition {added['edition']} rendered one after another ({added['pdf_pages']} "
                     "pages each on average), then again from .cache/notice/pdf/"),
    ]
    figures += [("full/floor", f(full / floor)), ("baseline/full", f(baseline / full)),
                ("rebuild/full", f(rebuild / full)),
                ("rebuild_after_commit/full", f(rebuild_after / full))]
    return figures


if __name__ == "__main__":
    sys.exit(main())
