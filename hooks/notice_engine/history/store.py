"""Edition histories kept between builds, so that a new commit costs one step of the walk.

The history after a commit depends only on that commit's first-parent ancestry,
the edition, the settings, the legacy versions and the engine. So each edition's
walk is kept with the commit it ended at, under a key of the rest, and a build
whose commits begin with those resumes it. Anything else (a rebase, an amended
commit, a changed setting, another engine) walks from the start. The files live
in `.cache/notice/history/`, which is safe to delete: it only saves time.

A kept walk is data, never code: JSON (schema `sealed.SCHEMA`), sealed with this
checkout's secret (see `sealed`). It holds rendered text, so a file changed outside
the engine, or copied from another checkout or branch's CI cache, fails its check and
the edition is walked from the start, with a one-line notice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from datetime import date
from pathlib import Path

from ..cache import engine_stamp
from ..core import sealed
from ..core.safe_paths import replace_file
from ..config import Edition
from ..render.edition import EditionText
from ..errors import NoticeError
from ..render.sections import RENDERER_VERSION, RenderedSection
from .versions import Correction, EditionHistory, Note, Version, Walk


_SEAL = re.compile(r"[0-9a-f]{64}")


class HistoryStore:
    """One file per edition: its seal on the first line, then the JSON it seals,
    [[schema, key, walked, tip], walk]: checked as read, never written out again to check."""

    def __init__(self, folder: Path, root: Path):
        """`root`: the checkout whose secret seals the files (see `sealed`)."""
        self.folder = folder
        self._seal = sealed.seal_for(root)

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
        if key is None or self._seal is None:
            return None
        try:
            seal, _, signed = self._path(edition_id).read_text(encoding="utf-8").partition("\n")
        except (OSError, ValueError):                # missing or not text: walked from the start
            return None
        if not _SEAL.fullmatch(seal):                            # an earlier engine's layout
            return None
        if not self._seal.valid(seal, signed):
            sealed.report(f"{self.folder.name}/{self._path(edition_id).name}")
            return None
        try:
            (schema, kept_key, walked, tip), body = json.loads(signed)
        except (ValueError, TypeError):                          # sealed, but of another shape
            return None
        if schema != sealed.SCHEMA or kept_key != key or not isinstance(walked, int) \
                or not 0 < walked <= len(commits) or commits[walked - 1].sha != tip:
            return None
        try:
            return _walk_from(body, walked)
        except (ValueError, TypeError, KeyError, IndexError):   # sealed, but by another engine
            return None

    def save(self, edition_id: str, key: str | None, walk, commits) -> None:
        """Keep the walk, atomically (a reader never sees half a file); a read-only or full
        disk only means the next build walks from the start."""
        if key is None or self._seal is None or not walk.walked:
            return
        signed = json.dumps([[sealed.SCHEMA, key, walk.walked, commits[walk.walked - 1].sha],
                             _walk_to(walk)])
        try:
            replace_file(self._path(edition_id), f"{self._seal.sign(signed)}\n{signed}".encode())
        except OSError:
            pass

    def _path(self, edition_id: str) -> Path:
        return self.folder / f"{edition_id}.json"


# --- the walk as JSON: shared texts and sections written once, referred to by index --------


def _walk_to(walk) -> dict:
    texts: dict[int, int] = {}
    sections: dict[int, int] = {}
    out: dict = {"texts": [], "sections": []}

    def section_ref(section: RenderedSection) -> int:
        if id(section) not in sections:
            sections[id(section)] = len(out["sections"])
            out["sections"].append([section.id, section.title, section.html,
                                    section.fingerprint, [list(h) for h in section.headings]])
        return sections[id(section)]

    def text_ref(text: EditionText) -> int:
        if id(text) not in texts:
            texts[id(text)] = len(out["texts"])
            out["texts"].append({
                "title": text.title, "sections": [section_ref(s) for s in text.sections],
                "aliases": {k: list(v) for k, v in text.aliases.items()},
                "jump_list": text.jump_list, "untranslated": list(text.untranslated),
                "source_language": text.source_language,
                "notes": [[n.message, n.file, n.line, n.fix] for n in text.notes]})
        return texts[id(text)]

    history = walk.history
    out["edition"] = dataclasses.asdict(history.edition, dict_factory=_json_dict)
    out["today"] = history.today.isoformat()
    out["reviewed"] = history.reviewed and history.reviewed.isoformat()
    out["warnings"] = [[str(w), getattr(w, "code", None)] for w in history.warnings]
    out["versions"] = [{
        "date": v.date.isoformat(), "landed": v.landed and v.landed.isoformat(),
        "change": v.change, "summaries": list(v.summaries), "commit": v.commit,
        "text": text_ref(v.text), "legacy": v.legacy,
        "withdrawn": v.withdrawn and v.withdrawn.isoformat(), "taken_back": v.taken_back,
        "corrections": [[c.day.isoformat(), c.commit, c.summary, text_ref(c.text),
                         text_ref(c.previous)] for c in v.corrections]}
        for v in history.versions]
    return out


def _walk_from(data: dict, walked: int):
    edition = Edition(**{**data["edition"], "regions": frozenset(data["edition"]["regions"]),
                         "languages": tuple(data["edition"]["languages"])})
    sections = [RenderedSection(id=i, title=t, html=h, fingerprint=f,
                                headings=tuple(tuple(x) for x in headings))
                for i, t, h, f, headings in data["sections"]]
    texts = [EditionText(
        edition=edition, title=t["title"], sections=tuple(sections[i] for i in t["sections"]),
        aliases={k: tuple(v) for k, v in t["aliases"].items()}, jump_list=t["jump_list"],
        untranslated=tuple(t["untranslated"]), source_language=t["source_language"],
        notes=tuple(NoticeError(m, file=f, line=line, fix=fix) for m, f, line, fix in t["notes"]))
        for t in data["texts"]]
    versions = [Version(
        date=date.fromisoformat(v["date"]),
        landed=v["landed"] and date.fromisoformat(v["landed"]), change=v["change"],
        summaries=list(v["summaries"]), commit=v["commit"], text=texts[v["text"]],
        legacy=v["legacy"], withdrawn=v["withdrawn"] and date.fromisoformat(v["withdrawn"]),
        taken_back=v.get("taken_back", False),
        corrections=[Correction(day=date.fromisoformat(day), commit=commit, summary=summary,
                                text=texts[text], previous=texts[previous])
                     for day, commit, summary, text, previous in v["corrections"]])
        for v in data["versions"]]
    history = EditionHistory(edition=edition, versions=versions,
                             today=date.fromisoformat(data["today"]),
                             reviewed=data["reviewed"] and date.fromisoformat(data["reviewed"]),
                             warnings=[Note(text, code) for text, code in data["warnings"]])
    return Walk(history, walked)


def _json_dict(items) -> dict:
    return {key: sorted(value) if isinstance(value, frozenset) else value
            for key, value in items}


def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)
