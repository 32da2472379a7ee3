"""Running builds and measuring them: time, CPU and memory of `notice build` and of the
floor and baseline it is compared with, and the added costs of compare/ and --pdf."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from synthetic import VARIABLES, clean_env_base, git, log

PROJECT = Path(__file__).resolve().parents[1]
HOOKS = PROJECT / "hooks"        # the hook and the engine; build.py points these at a snapshot
THEME = HOOKS / "notice_engine" / "theme"      # the engine's overrides (the hook adds them itself)
CPUS = os.cpu_count() or 1

# --- running and measuring ------------------------------------------------------------------

def clean_env(hooks: Path | None = None, **extra: str) -> dict:
    """The environment of a build: the engine snapshot (or `hooks`) first on the path."""
    env = clean_env_base(**extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hooks or HOOKS), env.get("PYTHONPATH")]))
    return env


@dataclass
class Run:
    seconds: float
    cpu_seconds: float = 0.0         # user + system time of the process and its descendants
    largest_rss_kb: int = 0          # ru_maxrss from wait4: the largest single process
    tree_hwm_kb: int = 0             # largest sum, over processes alive together, of VmHWM
    sampled_rss_kb: int = 0          # the largest sampled sum of VmRSS over the process tree
    sampled_pss_kb: int = 0          # the largest sampled sum of Pss: shared pages counted once


class TreeMemory(threading.Thread):
    """Polls /proc for a process and its descendants (the edition workers, git).

    At each sample it sums, over the processes alive then, their VmRSS and their own
    high-water marks (VmHWM). The largest sum of VmHWM bounds the concurrent peak from
    above without depending on catching the moment of the peak; the largest sum of VmRSS
    is what was actually seen. Both count once per process the pages that processes forked
    from one parent still share with it; the sum of their proportional set sizes (Pss,
    /proc/PID/smaps_rollup) counts each page once, so it is the memory the tree really held.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_hwm_sum = 0
        self.peak_rss_sum = 0
        self.peak_pss_sum = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            tree = self._tree()
            statuses = [s for s in map(_status, tree) if s]
            self.peak_pss_sum = max(self.peak_pss_sum, sum(map(_pss, tree)))
            self.peak_hwm_sum = max(self.peak_hwm_sum, sum(s.get("VmHWM", 0) for s in statuses))
            self.peak_rss_sum = max(self.peak_rss_sum, sum(s.get("VmRSS", 0) for s in statuses))
            self.done.wait(self.interval)

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
        return found


def _status(pid: int) -> dict[str, int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in f)
                    if k in ("VmHWM", "VmRSS")}
    except (OSError, ValueError):
        return {}


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except (OSError, ValueError):
        return 0


def run_timed(cmd: list[str], cwd: Path, env: dict, what: str, memory: bool = False) -> Run:
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        watcher = None
        if memory and Path("/proc/self/task").is_dir():
            watcher = TreeMemory(process.pid)
            watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if watcher:
            watcher.done.set()
            watcher.join()
        if process.returncode:
            out.seek(0)
            tail = out.read().decode(errors="replace")[-4000:]
            raise SystemExit(f"{what} failed (exit {process.returncode}): {' '.join(cmd)}\n{tail}")
    run = Run(seconds, largest_rss_kb=usage.ru_maxrss,
              cpu_seconds=usage.ru_utime + usage.ru_stime)
    if watcher:
        run.tree_hwm_kb = max(watcher.peak_hwm_sum, run.largest_rss_kb)
        run.sampled_rss_kb = watcher.peak_rss_sum
        run.sampled_pss_kb = watcher.peak_pss_sum
    return run


def notice_build(repo: Path, site: Path, today: date, what: str, memory: bool = False,
                 hooks: Path | None = None) -> Run:
    cmd = [sys.executable, "-m", "notice_engine.cli", "--root", str(repo), "build",
           "--site-dir", str(site)]
    run = run_timed(cmd, repo, clean_env(hooks, NOTICE_TODAY=today.isoformat()), what, memory)
    log(f"{what}: {run.seconds:.2f}s")
    return run


def clean_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".cache", ignore_errors=True)


def full_build(repo: Path, site: Path, today: date, what: str, memory: bool = False,
               hooks: Path | None = None) -> Run:
    shutil.rmtree(site, ignore_errors=True)
    clean_cache(repo)
    return notice_build(repo, site, today, what, memory, hooks)


def pages_of(site: Path, editions: list[dict]) -> dict[str, list[str]]:
    """Per edition, the folders (relative) that hold an index.html: one per page."""
    found = {}
    for spec in editions:
        base = site / spec["id"]
        found[spec["id"]] = sorted(str(p.parent.relative_to(base))
                                   for p in base.rglob("index.html"))
    return found


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- ready-made Markdown (floor and baseline) ----------------------------------------------

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_LINK = re.compile(r"\[\[([^\[\]|]+?)(?:\|([^\[\]]+?))?\]\]")
_VAR = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
_HEAD = re.compile(r"^(#{1,5}) (.*?)(?: \{#([\w-]+)\})?$", re.M)


def flat_variables(values: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flat_variables(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def edition_markdown(tree: Path, spec: dict, dated: bool) -> tuple[str, str]:
    """The edition's page as one Markdown document, read from a checked-out tree the way a
    hook-less site would assemble it; with `dated`, one `git log` per file for its date, as
    git-revision-date plugins do. Returns (title, markdown)."""
    import yaml

    manifest = yaml.safe_load((tree / "notice" / "notice.yml").read_text(encoding="utf-8"))
    values = flat_variables(VARIABLES)
    expand = lambda text: _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)  # noqa: E731
    chosen, titles = [], {}
    for section_id in manifest["sections"]:
        source = (tree / "notice" / f"{section_id}.md").read_text(encoding="utf-8")
        front = FRONT_MATTER.match(source)
        meta = yaml.safe_load(front.group(1)) if front else {}
        if meta.get("regions") and spec["region"] not in meta["regions"]:
            continue
        path = tree / "notice" / f"{section_id}.{spec['locale']}.md"
        if spec["locale"] == "en" or not path.exists():
            path = tree / "notice" / f"{section_id}.md"
        text = expand(FRONT_MATTER.sub("", path.read_text(encoding="utf-8")))
        for number, match in enumerate(_HEAD.finditer(text)):
            titles[section_id if number == 0 else match.group(3) or ""] = match.group(2)
        chosen.append((section_id, path, text))
    dates = []
    if dated:
        for _, path, _ in chosen:
            out = git(tree, "log", "-1", "--format=%cI", "--", str(path.relative_to(tree)))
            dates.append(out)
    title = expand(manifest["title"][spec["locale"]])
    parts = [f"# {title}"]
    if dates:
        parts.append(f"Last updated: {max(dates)[:10]}")
    for section_id, _, text in chosen:
        text = _LINK.sub(lambda m: f"[{m.group(2) or titles.get(m.group(1), m.group(1))}]"
                                   f"(#{m.group(1)})", text)
        first = True

        def heading(match: re.Match) -> str:
            nonlocal first
            anchor = section_id if first else match.group(3)
            first = False
            return f"#{match.group(1)} {match.group(2)}" + (f" {{#{anchor}}}" if anchor else "")

        parts.append(_HEAD.sub(heading, text).strip())
    return title, "\n\n".join(parts) + "\n"


def plain_mkdocs_config(folder: Path, spec: dict, site_name: str, site: Path,
                        nav: list[str] | None = None) -> Path:
    """A hook-less mkdocs.yml with the project's theme; docs in folder/docs."""
    import yaml

    config = {"site_name": site_name, "docs_dir": "docs", "site_dir": str(site),
              "use_directory_urls": True,
              "theme": {"name": "material", "custom_dir": str(THEME), "font": False,
                        "language": spec["locale"], "features": ["navigation.top", "toc.follow"]},
              "plugins": [],
              "markdown_extensions": ["attr_list", {"toc": {"permalink": True}}],
              "extra": {"generator": False}}
    if nav:
        config["nav"] = nav
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# The floor's driver: what `notice build` does minus the hooks. One Python process imports
# MkDocs and builds each edition's config in a process pool of the same size.
FLOOR_DRIVER = r"""
import sys
from concurrent.futures import ProcessPoolExecutor

def build(path):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    build(load_config(path))

if __name__ == "__main__":
    workers, configs = int(sys.argv[1]), sys.argv[2:]
    if len(configs) == 1:
        build(configs[0])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(build, configs))
"""


def floor_build(configs: list[Path], workers: int, cwd: Path) -> Run:
    return run_timed([sys.executable, "-c", FLOOR_DRIVER, str(workers), *map(str, configs)],
                     cwd, clean_env(), "floor build")


def mkdocs_builds(configs: list[Path], workers: int, what: str) -> float:
    """`mkdocs build` of each config as its own process, `workers` at a time; wall seconds."""
    env = clean_env()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(run_timed, [sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                                        str(c)], c.parent, env, f"{what} ({c.parent.name})")
                for c in configs]
        for job in jobs:
            job.result()
    return time.perf_counter() - started


def prepare_floor(root: Path, repo: Path, editions: list[dict],
                  pages: dict[str, list[str]]) -> list[Path]:
    """Per edition, the same page folders as notice build wrote, each holding the edition's
    current text as ready-made Markdown; returns the hook-less configs.

    The navigation lists the notice and the archive index only (the other pages are built
    all the same): MkDocs' automatic navigation would list every page on every page, a cost
    that grows with the square of the page count and that no notice site needs to pay."""
    configs = []
    for spec in editions:
        folder = root / spec["id"]
        title, text = edition_markdown(repo, spec, dated=False)
        for page in pages[spec["id"]]:
            path = folder / "docs" / ("" if page == "." else page) / "index.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("---\nhide: [navigation]\n---\n" + text, encoding="utf-8")
        nav = [f"{p}/index.md" if p != "." else "index.md" for p in pages[spec["id"]]
               if p in (".", "archive")]
        configs.append(plain_mkdocs_config(folder, spec, title, root / "site" / spec["id"], nav))
    return configs


def baseline_run(root: Path, scratch: Path, shas: list[str], editions: list[dict],
                 workers: int) -> float:
    """The per-version way, timed: for each version, check it out, assemble each edition's
    page with a `git log` per file for its date, and run one `mkdocs build` per edition."""
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    for number, sha in enumerate(shas, start=1):
        git(scratch, "checkout", "-q", "--detach", sha)
        configs = []
        for spec in editions:
            folder = root / f"v{number:03d}" / spec["id"]
            (folder / "docs").mkdir(parents=True)
            title, text = edition_markdown(scratch, spec, dated=True)
            (folder / "docs" / "index.md").write_text(text, encoding="utf-8")
            configs.append(plain_mkdocs_config(folder, spec, title, folder / "site"))
        mkdocs_builds(configs, workers, f"baseline v{number}")
    return time.perf_counter() - started


# --- the benchmark ----------------------------------------------------------------------------

ADDED_COST = r"""
import dataclasses, json, sys, tempfile, time
from pathlib import Path
from notice_engine.publish import compare, page_html as page, pdf
from notice_engine.config import load
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.render.sections import Renderer
from notice_engine.publish.build import write_outputs
from datetime import date

root, day, count = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), int(sys.argv[3])
config = load(root)
edition = config.editions[0]
past = edition_history(read_repository(root), config, edition, Renderer(), day)
scratch = Path(tempfile.mkdtemp())
earlier = dataclasses.replace(past, versions=past.versions[:-1])
site = scratch / "site"
def written():
    return {p: p.stat().st_size for p in (site / "compare").rglob("*") if p.is_file()}
started = time.perf_counter()
write_outputs(site, *compare.compare_files(earlier))
cold = time.perf_counter() - started
before = written()
started = time.perf_counter()
write_outputs(site, *compare.compare_files(past))
added = time.perf_counter() - started
after = written()
# The cost of one more version at several archive sizes: the mean of five additions
# ending at each size, every earlier file already written.
grown, site = {}, scratch / "grown"
for size in sorted({min(int(n), len(past.versions)) for n in sys.argv[4].split(",") if n}):
    first = max(1, size - 4)
    write_outputs(site, *compare.compare_files(
        dataclasses.replace(past, versions=past.versions[:first - 1])))
    started = time.perf_counter()
    for k in range(first, size + 1):
        write_outputs(site, *compare.compare_files(
            dataclasses.replace(past, versions=past.versions[:k])))
    grown[size] = (time.perf_counter() - started) / (size - first + 1)
label = page.edition_label(config, edition)
newest = past.versions[-count:]
timings, pages = [], 0
for attempt in (1, 2):
    started = time.perf_counter()
    for version in newest:
        cached = pdf.cached_pdf(scratch, pdf.pdf_document(past, version, label))
        if not cached.is_file():
            pdf._render_to_cache(cached, pdf.pdf_document(past, version, label),
                                 version.text.fingerprint)
            from pypdf import PdfReader
            pages += len(PdfReader(cached).pages)
    timings.append((time.perf_counter() - started) / len(newest))
print(json.dumps({"edition": edition.id, "compare_cold": cold, "compare_added": added,
                  "compare_added_files": len(after) - len(before), "compare_files": len(after),
                  "compare_mb": sum(after.values()) / 1e6,
                  "compare_script_bytes": sum(n for p, n in after.items() if p.parent.name == "js"),
                  "pdf_each": timings[0], "pdf_cached_each": timings[1],
                  "pdf_count": len(newest), "pdf_pages": pages // max(1, len(newest)),
                  "compare_added_at": grown}))
"""


def added_costs(repo: Path, today: date, pdf_versions: int, sizes: list[int]) -> dict:
    """What compare/ and --pdf add, measured in one process on the engine's snapshot;
    compare/'s cost of one more version also at each of `sizes` versions."""
    log("added cost of compare/ and of --pdf")
    result = subprocess.run([sys.executable, "-c", ADDED_COST, str(repo), today.isoformat(),
                             str(pdf_versions), ",".join(map(str, sizes))], cwd=repo, env=clean_env(), capture_output=True,
                            text=True, check=False)
    if result.returncode:
        raise SystemExit(f"measuring the added costs failed:\n{result.stderr}")

    return json.loads(result.stdout.strip().splitlines()[-1])
