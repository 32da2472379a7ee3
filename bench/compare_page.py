#!/usr/bin/env python3
"""How long the compare page takes in Chromium to show its first comparison.

The page runs the engine's redline code under Brython: the first comparison pays for
loading Brython and the bundle, compiling the modules to JavaScript, then the
comparison itself. Serves a built site (e.g. one `bench/build.py --workdir DIR` left in
DIR/site) on localhost, opens `<edition>/compare/?from=A&to=B` in Debian's Chromium
and times, from the navigation to the redline on screen:

  cold   a fresh browser context (nothing cached: no HTTP cache, no Brython module cache)
  warm   the same pair again in that context (HTTP cache and Brython's compiled modules)

for the oldest version against the newest (most sections changed) and the newest two.

    .venv/bin/python bench/compare_page.py DIR/site --edition us-en --runs 3
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/compare_page.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site folder (with <edition>/compare/)")
    parser.add_argument("--edition", default=None, help="edition id (default: the first found)")
    parser.add_argument("--runs", type=int, default=3, help="fresh contexts per pair (median)")
    args = parser.parse_args()
    edition = args.edition or sorted(p.parent.parent.name for p in args.site.glob("*/compare/v"))[0]
    dates = sorted(p.stem for p in (args.site / edition / "compare" / "v").glob("*.json"))
    if len(dates) < 2:
        raise SystemExit(f"{args.site / edition}: fewer than two versions to compare")
    sections = len(json.loads((args.site / edition / "compare" / "v" / f"{dates[-1]}.json")
                              .read_text(encoding="utf-8"))["sections"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(args.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/{edition}/compare/"
    from playwright.sync_api import sync_playwright

    print(f"edition: {edition}\nversions: {len(dates)}\nsections: {sections}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("NOTICE_CHROMIUM", "/usr/bin/chromium"), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            for name, (older, newer) in (("oldest_newest", (dates[0], dates[-1])),
                                         ("newest_two", (dates[-2], dates[-1]))):
                cold, warm, changed = [], [], 0
                for _ in range(args.runs):
                    context = browser.new_context()
                    try:
                        page = context.new_page()
                        page.set_default_timeout(120_000)
                        for timings in (cold, warm):
                            started = time.perf_counter()
                            page.goto(f"{base}?from={older}&to={newer}")
                            page.wait_for_selector("#_compare-result .redline")
                            timings.append(time.perf_counter() - started)
                        changed = page.locator("#_compare-result .redline-section").count()
                    finally:
                        context.close()
                print(f"compare_page_{name}_cold_seconds: {statistics.median(cold):.2f}")
                print(f"compare_page_{name}_warm_seconds: {statistics.median(warm):.2f}")
                print(f"compare_page_{name}_sections_changed: {changed}")
        finally:
            browser.close()
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
