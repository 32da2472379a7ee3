"""Compare any two versions on a static site, with the redline `notice diff` prints.

The comparison runs in the reader's browser, with the engine's own code: Brython
runs render/redline_core.py (the comparison and its drawing, the very file `notice
diff` and the archive page use) through publish/compare_browser.py; the page's
script (`assets/notice-compare.js`) only fetches data. The build writes:

- per version, the list of its sections with the key of each one's text
  (`compare/v/<date>.json`);
- per distinct text of a section, what the comparison reads of it: id, title and
  blocks of visible text (`compare/t/<key>.json`);
- Brython and the bundle of those modules (`compare/js/`, publish/brython_files.py).

Nothing is written per pair of versions or texts: a new version adds one list and
one file per section it changed, whatever the number of versions before it. A
section file's name fixes its content (the key hashes the section's id and
canonical text; the engine is part of the build's layout), so the build writes
these files itself, outside MkDocs, and makes only those its last build of the same
layout did not leave (see `build.write_outputs`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial

from . import brython_files, compare_browser
from ..render import redline
from ..history.versions import EditionHistory

PAGE = "compare/index.md"
VERSIONS_DIR = "compare/v"
TEXTS_DIR = "compare/t"
# The build's folders under compare/, each holding only what the current build lists;
# compare/r held an earlier build's redline of every pair of texts (none are made now).
FOLDERS = (VERSIONS_DIR, TEXTS_DIR, brython_files.SCRIPTS_DIR, "compare/r")


def section_key(section) -> str:
    """A short key of what a section says (its canonical text) under its id; a section
    object is shared by every version that holds its text, so each is hashed once."""
    key = _KEYS.get(id(section))
    if key is None or key[0] is not section:
        key = _KEYS[id(section)] = (section, hashlib.sha256(
            f"{section.id}\0{section.fingerprint}".encode()).hexdigest()[:20])
    return key[1]


_KEYS: dict[int, tuple[object, str]] = {}       # id(section) -> (section, key)


def version_list(version) -> str:
    """compare/v/<date>.json: the version's sections, in order, with the key of each."""
    return json.dumps({"date": version.date.isoformat(),
                       "sections": [[s.id, section_key(s)] for s in version.text.sections]},
                      separators=(",", ":")) + "\n"


def compare_files(history: EditionHistory
                  ) -> tuple[dict[str, str], dict[str, Callable[[], str]]]:
    """Every file the compare page reads: the lists (path -> text); and one file per
    distinct section text, plus Brython and the bundle (path -> a function that makes
    it: only files not on disk yet are made)."""
    lists: dict[str, str] = {}
    texts: dict[str, Callable[[], str]] = {}
    kept = {id(v): _VERSION_FILES[id(v)] for v in history.versions if id(v) in _VERSION_FILES}
    _VERSION_FILES.clear()                # only this history's versions stay held
    _VERSION_FILES.update(kept)
    for version in history.versions:
        path, text, sections = _version_files(version)
        lists[path] = text
        for section_path, section in sections:
            if section_path not in texts:
                texts[section_path] = partial(_section_file, section)
    return lists, {**texts, **brython_files.scripts()}


def _version_files(version) -> tuple[str, str, tuple[tuple[str, object], ...]]:
    """A version's list (path, text) and its sections' files (path, section), made once per
    version object: a process that builds again (`notice serve`) or adds a version to the
    same history pays only for the new one."""
    kept = _VERSION_FILES.get(id(version))
    if kept is None or kept[0] is not version:
        kept = _VERSION_FILES[id(version)] = (
            version, f"{VERSIONS_DIR}/{version.date.isoformat()}.json", version_list(version),
            tuple((f"{TEXTS_DIR}/{section_key(s)}.json", s) for s in version.text.sections))
    return kept[1], kept[2], kept[3]


_VERSION_FILES: dict[int, tuple] = {}       # id(version) -> (version, path, text, sections)


def _section_file(section) -> str:
    return compare_browser.section_file(redline.section_text(section))
