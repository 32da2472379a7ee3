"""Every artefact the engine caches, in one folder: `.cache/notice/` of the notice repository.

Each entry only saves time, so the folder is safe to delete. Entries that hold data
a later build trusts are sealed (core/sealed.py) and keyed by `engine_stamp()`, so
what another engine made is never reused. Every entry is reached through `at`, which
first makes sure the folder holds nothing but folders and regular files: a link
committed into it would send the build's writes wherever it points.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from .core.safe_paths import writable, writable_tree

ROOT = Path(".cache") / "notice"          # relative to the notice repository
RENDER_STORE = ROOT / "render.sqlite"     # rendered sections, shared by every build
PAGE_STORE = ROOT / "pages.sqlite"        # archived versions' pages
HISTORY_DIR = ROOT / "history"            # each edition's history walk (history/store.py)
BUILD_STAMPS = ROOT / "builds"            # what each edition's last build was made from
LOCK_FILE = ROOT / "build.lock"           # one build at a time (publish/buildlock.py)
PDF_CACHE = ROOT / "pdf"                  # each version's PDF (publish/pdf.py)

ENGINE = Path(__file__).resolve().parent  # notice_engine: code, templates, theme, catalogs

_CHECKED: set[str] = set()                # repositories whose cache this run has checked


def check_again() -> None:
    """A new run (a command, a preview's rebuild after a save) checks each cache folder
    again: a link may have appeared there since the last run of this process."""
    _CHECKED.clear()


def at(root: Path, entry: Path) -> Path:
    """Where `entry` (one of the paths above) is in the repository `root`, once its cache
    folder is known to hold no link or special file (`safe_paths.writable_tree`; a
    NoticeError names the first one). The whole folder is checked once a run (the edition
    processes a build forks inherit the parent's check, and nothing the engine writes is
    a link); the folders on the way to `entry`, every time."""
    key = os.path.abspath(root)
    if key not in _CHECKED:
        writable_tree(Path(root), ROOT, "its cache")
        _CHECKED.add(key)
    return writable(Path(root), entry, "its cache")     # folders, not files, on the way


class Digest:
    """A SHA-256 over labelled parts (lengths keep the parts apart) and whole folders."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, label: str, data: bytes) -> None:
        self._hash.update(f"{label}\0{len(data)}\0".encode() + data)

    def files(self, folders: list[Path]) -> None:
        found = [p for folder in folders if folder.is_dir() for p in folder.rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
        for path in sorted(found):
            self.add(str(path), path.read_bytes())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


@lru_cache(maxsize=1)
def engine_stamp() -> str:
    """The engine's code, templates, theme overrides and catalogs: what another engine
    made (a page, a history) is not reused."""
    digest = Digest()
    digest.files([ENGINE])
    return digest.hexdigest()
