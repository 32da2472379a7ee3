"""Compare any two versions on a static site, with the redline `notice diff` prints.

No server and no diff in the browser: the build writes, per version, a small
list of its sections and a key of each one's text (`compare/v/<date>.json`),
and, per section, the redline of every pair of its distinct texts
(`compare/r/<key>.html`, made by `redline`, the one algorithm). A first-party
script (`assets/notice-compare.js`) fetches the two lists and the fragments of
the sections that differ, and lays them out as `redline.to_html` would.

A version adds one list, and fragments only for the sections it changed (one
per earlier distinct text of each); fragments are kept in the page store under
their content, so a rebuild makes none again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from . import buildstamp
from ..render import redline
from ..history.versions import EditionHistory

VERSIONS_DIR = "compare/v"
FRAGMENTS_DIR = "compare/r"
ID_PREFIX = "_changes-"


def section_key(section) -> str:
    """A short key of what a section says (its canonical text) under its id."""
    return hashlib.sha256(f"{section.id}\0{section.fingerprint}".encode()).hexdigest()[:20]


def fragment_name(old_key: str, new_key: str) -> str:
    """The file name of one section's redline from one text to another ("" for none; the
    keys carry the section id), which the script puts together from the two lists."""
    return f"{old_key or '0'}_{new_key or '0'}.html"


def version_list(version) -> str:
    """compare/v/<date>.json: the version's sections, in order, with the key of each."""
    return json.dumps({"date": version.date.isoformat(),
                       "sections": [[s.id, section_key(s)] for s in version.text.sections]},
                      separators=(",", ":")) + "\n"


def compare_files(history: EditionHistory, labels: Mapping[str, str], store=None) -> dict[str, str]:
    """Every file the compare page reads: one list per version, one fragment per pair of
    distinct texts of a section (in either order, as a text can come back)."""
    files = {f"{VERSIONS_DIR}/{v.date.isoformat()}.json": version_list(v)
             for v in history.versions}
    texts: dict[str, dict[str, object]] = {}          # section id -> key -> section
    runs: dict[str, list[str]] = {}                   # section id -> keys over time, "" absent
    ids = list(dict.fromkeys(s.id for v in history.versions for s in v.text.sections))
    for version in history.versions:
        present = {s.id: s for s in version.text.sections}
        for section_id in ids:
            section = present.get(section_id)
            key = section_key(section) if section else ""
            if section:
                texts.setdefault(section_id, {})[key] = section
            seen = runs.setdefault(section_id, [])
            if not seen or seen[-1] != key:
                seen.append(key)
    stamp = _labels_stamp(labels)
    for section_id, keys in runs.items():
        for old_key, new_key in _pairs(keys):
            name = fragment_name(old_key, new_key)
            files[f"{FRAGMENTS_DIR}/{name}"] = _fragment(
                store, stamp, name, texts[section_id].get(old_key),
                texts[section_id].get(new_key), labels)
    return files


def _pairs(keys: list[str]) -> set[tuple[str, str]]:
    """Each (earlier, later) pair of distinct texts a reader can pick ("": absent); the
    page always compares the older version with the newer."""
    return {(a, b) for i, a in enumerate(keys) for b in keys[i + 1:] if a != b}


def _fragment(store, stamp: str, name: str, old, new, labels: Mapping[str, str]) -> str:
    """One section's redline as `redline.to_html` shows it; "" when no word changed
    (a link target did): the page counts it with the unchanged sections."""
    key = f"compare {stamp} {name}"
    kept = store.get(key) if store else None
    if kept is not None:
        return kept[0]
    change = redline.compare([old] if old else [], [new] if new else []).sections[0]
    html = "" if change.status == redline.UNCHANGED else \
        redline.section_html(change, labels, ID_PREFIX, heading_level=3) + "\n"
    if store:
        store.put(key, html, "")
    return html


def _labels_stamp(labels: Mapping[str, str]) -> str:
    return hashlib.sha256(repr((buildstamp.engine_stamp(), sorted(labels.items())))
                          .encode()).hexdigest()[:16]
