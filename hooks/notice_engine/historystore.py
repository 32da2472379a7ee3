"""Edition histories kept between builds, so that a new commit costs one step of the walk.

The history after a commit depends only on that commit's first-parent ancestry,
the edition, the settings, the legacy versions and the engine. So each edition's
walk is kept with the commit it ended at, under a key of the rest, and a build
whose commits begin with those resumes it. Anything else (a rebase, an amended
commit, a changed setting, another engine) walks from the start. The files live
in `.cache/notice/history/`, which is safe to delete: it only saves time. They are
pickles, trusted like the build's own code: `.cache/` is never committed, and a CI
cache of it must be one that only the publishing branch writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import sys
import tempfile
from pathlib import Path

from .buildstamp import engine_stamp
from .render import RENDERER_VERSION

HISTORY_DIR = Path(".cache") / "notice" / "history"


class HistoryStore:
    """One file per edition: a header (key, commits walked, the last one), then the walk."""

    def __init__(self, folder: Path):
        self.folder = folder

    def key(self, config, edition, legacy_versions, corrections: str = "") -> str | None:
        """Everything besides the commits that shapes an edition's history (the digest of
        notice/corrections.yml too); None if the settings cannot be written down exactly
        (then nothing is kept)."""
        try:
            settings = json.dumps(dataclasses.asdict(config), default=_plain)
        except (TypeError, ValueError):
            return None
        legacy = [(v.date.isoformat(), v.text.sha256, v.change, v.summaries)
                  for v in legacy_versions]
        return hashlib.sha256(repr((engine_stamp(), RENDERER_VERSION, sys.version, settings,
                                    edition.id, legacy, corrections)).encode()).hexdigest()

    def resume(self, edition_id: str, key: str | None, commits):
        """The kept walk of the edition, if it was made under `key` over a prefix of `commits`."""
        if key is None:
            return None
        try:
            with open(self._path(edition_id), "rb") as f:
                kept_key, walked, tip = pickle.load(f)          # a small header first
                if kept_key != key or not 0 < walked <= len(commits) \
                        or commits[walked - 1].sha != tip:
                    return None
                walk = pickle.load(f)
        except Exception:           # missing, truncated, from another Python: walk afresh
            return None
        return walk if walk.walked == walked else None

    def save(self, edition_id: str, key: str | None, walk, commits) -> None:
        """Keep the walk, atomically (a reader never sees half a file); a read-only or full
        disk only means the next build walks from the start."""
        if key is None or not walk.walked:
            return
        path, written = self._path(edition_id), None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", delete=False) as f:
                written = Path(f.name)
                pickle.dump((key, walk.walked, commits[walk.walked - 1].sha), f,
                            protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(walk, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(written, path)
        except OSError:
            if written:
                written.unlink(missing_ok=True)

    def _path(self, edition_id: str) -> Path:
        return self.folder / f"{edition_id}.pickle"


def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)
