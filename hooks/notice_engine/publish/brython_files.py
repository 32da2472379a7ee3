"""Brython on the site: the compare page runs the engine's own redline code in the browser.

Each edition serves, from `compare/js/`, `brython.js` as the installed `brython`
package ships it, and one bundle of the Python the page imports: the engine's
modules (publish/compare_browser.py, render/redline_core.py and their packages'
`__init__`, read from this very source tree) and only the standard-library modules
they load (STDLIB), taken from the package's `brython_stdlib.js` (5 MB, not served).
No CDN: every byte comes from the site.

Both file names carry what fixes their content (Brython's version; a hash of the
engine's sources), so the build makes each file once (see build.write_outputs) and a
browser never runs a stale copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

SCRIPTS_DIR = "compare/js"
ENGINE = Path(__file__).resolve().parent.parent          # hooks/notice_engine
ENTRY = "notice_engine.publish.compare_browser"          # what the page imports
# The standard-library modules that importing ENTRY loads, as Brython 3.15 runs them
# (read from `__BRYTHON__.imported` in Chromium). Brython's static finder would add every
# module any of them names anywhere (3.4 MB: doctest, pdb, asyncio...). One missing here
# fails the compare page's tests (tests/test_compare.py), so a new import cannot slip by.
STDLIB = ("__future__", "_collections", "_collections_abc", "_json", "_operator", "_py_abc",
          "_thread", "_weakref", "_weakrefset", "abc", "collections", "difflib", "enum", "heapq",
          "itertools", "json", "json.encoder", "keyword", "operator", "python_re", "re",
          "reprlib", "sys", "types")
# The engine's modules in the bundle (a package maps to its __init__.py), and the
# standard-library module the bundle serves from the engine instead (see its docstring).
OURS = {"notice_engine": "__init__.py", "notice_engine.render": "render/__init__.py",
        "notice_engine.render.redline_core": "render/redline_core.py",
        "notice_engine.publish": "publish/__init__.py", ENTRY: "publish/compare_browser.py",
        "_colorize": "publish/compare_colorize.py"}


def script_names() -> tuple[str, str]:
    """The two files' names under SCRIPTS_DIR: Brython, then the bundle."""
    return f"brython-{metadata.version('brython')}.js", f"redline-{_sources_hash()}.js"


def scripts() -> dict[str, Callable[[], str]]:
    """SCRIPTS_DIR/<name> -> a function that makes the file (called only when it is absent)."""
    runtime, bundle = script_names()
    return {f"{SCRIPTS_DIR}/{runtime}": _runtime, f"{SCRIPTS_DIR}/{bundle}": bundle_js}


def _runtime() -> str:
    return resources.files("brython").joinpath("data", "brython.js").read_text(encoding="utf-8")


def _sources_hash() -> str:
    """What fixes the bundle's bytes: Brython's version, the standard-library modules
    taken from it, and the engine's sources."""
    digest = hashlib.sha256(metadata.version("brython").encode())
    digest.update("\0".join(STDLIB).encode())
    for name, path in sorted(OURS.items()):
        digest.update(f"\0{name}\0".encode() + (ENGINE / path).read_bytes())
    return digest.hexdigest()[:16]


def bundle_js() -> str:
    """A script that adds to Brython's virtual file system the engine's modules and the
    standard-library modules they import (STDLIB), and nothing else."""
    from brython import list_modules                  # the build's, not the page's

    stdlib = list_modules.parse_stdlib(str(resources.files("brython").joinpath("data")))
    vfs: dict = {name: stdlib[name] for name in STDLIB}
    for name, path in OURS.items():
        source = (ENGINE / path).read_text(encoding="utf-8")
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        imports = sorted(list_modules.ModulesFinder().get_imports(source, package))
        vfs[name] = [".py", source, imports] + ([1] if path.endswith("__init__.py") else [])
    vfs["$timestamp"] = int(_sources_hash()[:12], 16)     # the key of Brython's module cache
    return ("(function () {\n__BRYTHON__.use_VFS = true;\n__BRYTHON__.update_VFS("
            + json.dumps(vfs, ensure_ascii=False, separators=(",", ":")) + ");\n})();\n")
