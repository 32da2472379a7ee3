"""Versions published before the notice came into git: `archive/<YYYY-MM-DD>.md`.

Each file is a whole notice as it was published. It is split into sections the
way `notice import` splits (same headings, same ids), so its redline into the
first git version compares section with section.

A file belongs to editions by its name and front matter:

- `2023-06-15.md` is in the source language, `2023-06-15.fr.md` in French. An
  edition shows the legacy versions in its own language (`fr_CA` also reads `fr`)
  when there is any; an edition with none in its language shows the source
  language's, as it shows an untranslated section.
- `regions: [eu]`: only in editions of those regions (and regions part of them).
- `summary:` (and `summary-fr:` for French editions), `change: minor | material |
  editorial`: what the archive and versions.json say about the version.

Other front matter keys (a Jekyll or Hugo page's `title:`, `lastmod:`…) are the
imported page's own and are left alone. `.txt` files are read as plain text, as
`notice import` reads them, and `.html` files are converted to Markdown; any other
file but README.md is reported, never silently left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..render import html_policy
from ..config import Edition, NoticeConfig
from ..render.edition import render_edition
from ..errors import NoticeError, raise_all
from ..sources.importer import split_notice
from ..sources.markdown import decode, front_matter
from ..render.sections import Renderer
from ..core.slugs import slugify
from ..sources.notice import Manifest, Notice, parse_section, read_notice
from .dates import parse_day
from .trailers import summary_languages
from ..sources.variables import expand, flatten
from .versions import Version

ARCHIVE_DIR = "archive"
CHANGES = ("editorial", "minor", "material")
_VERSION_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.([a-z]{2,3}(?:_[A-Z]{2})?))?"
                           r"\.(md|txt|html)$")
_LOCALISED_SUMMARY = re.compile(r"^summary-([a-z]{2,3}(?:[-_][a-z]{2,4})?)$", re.IGNORECASE)
_NOT_VERSIONS = {"readme.md"}


@dataclass(frozen=True)
class LegacyFile:
    """One file of archive/ and what its name and front matter say."""

    path: str                           # repository-relative, for messages
    day: date                           # the version's date, from the file name
    locale: str                         # the language it is written in (name or default)
    regions: tuple[str, ...]            # front matter `regions:`; empty: every region
    change: str                         # front matter `change:` (one of CHANGES)
    summary: str | None                 # front matter `summary:`, shown in the archive
    summaries: dict[str, str]           # language key (fr, fr_ca) -> summary

    def summary_in(self, locale: str) -> str | None:
        return next((self.summaries[key] for key in summary_languages(locale)
                     if key in self.summaries), self.summary)

    def applies_to(self, regions: frozenset[str]) -> bool:
        return not self.regions or bool(set(self.regions) & regions)


def versions(repository, config: NoticeConfig, edition: Edition, renderer: Renderer,
             warnings: list[str] | None = None) -> list:
    """The legacy versions an edition shows, oldest first, from the newest commit's archive/.
    Files that are not versions are reported in `warnings`."""

    if not repository.commits:
        return []
    snapshot = repository.commits[-1].snapshot
    files = legacy_files(snapshot, config, warnings if warnings is not None else [])
    chosen = for_edition(files, config, edition)
    known = _known_ids(snapshot, config) if chosen else {}     # reads the whole notice: only if needed
    found = []
    for legacy in chosen:
        notice = read_legacy(legacy.path, snapshot.read(legacy.path), config, known)
        text = render_edition(notice, edition, renderer)
        if warnings is not None:
            warnings += html_policy.left_out(text.notes)
        summary = legacy.summary_in(edition.locale)
        found.append(Version(date=legacy.day, landed=None, change=legacy.change,
                             summaries=[summary] if summary else [], commit=None, text=text,
                             legacy=True))
    return found


def legacy_files(snapshot, config: NoticeConfig, warnings: list[str]) -> list[LegacyFile]:
    """Every version file of archive/, checked; all problems reported at once."""
    files, errors, seen = [], [], {}
    for name in snapshot.list(ARCHIVE_DIR):
        path = f"{ARCHIVE_DIR}/{name}"
        match = _VERSION_FILE.match(name)
        if not match:
            if name.lower() not in _NOT_VERSIONS:
                warnings.append(f"{path}: not a version, so not in the archive (name versions "
                                "YYYY-MM-DD.md, YYYY-MM-DD.fr.md, .txt or .html)")
            continue
        try:
            legacy = _legacy_file(path, match, snapshot.read(path), config)
        except NoticeError as exc:
            errors.append(exc)
            continue
        key = (legacy.day, legacy.locale)
        if key in seen:
            errors.append(NoticeError(f"two versions for {legacy.day} in {legacy.locale}: "
                                      f"{seen[key]} and {path}", file=path,
                                      fix="keep one file per day and language"))
        seen[key] = path
        files.append(legacy)
    raise_all(errors)
    return sorted(files, key=lambda f: f.day)


def for_edition(files: list[LegacyFile], config: NoticeConfig,
                edition: Edition) -> list[LegacyFile]:
    """The files in the edition's language (else the source language's) and regions."""
    languages = {edition.locale, edition.locale.split("_")[0]}
    own = [f for f in files if f.locale in languages]
    chosen = own or [f for f in files if f.locale == config.language]
    return [f for f in chosen if f.applies_to(edition.regions)]


def _legacy_file(path: str, match: re.Match, data: bytes, config: NoticeConfig) -> LegacyFile:
    day = _day(match.group(1), path)
    meta = front_matter(path, decode(path, data).split("\n")).data
    change = str(meta.get("change", "minor"))
    if change not in CHANGES:
        raise NoticeError(f"change: {change} is not a kind of change", file=path,
                          fix=f"use one of {', '.join(CHANGES)}")
    regions = meta.get("regions") or ()
    regions = (regions,) if isinstance(regions, str) else tuple(str(r) for r in regions)
    unknown = [r for r in regions if r not in config.regions]
    if unknown:
        raise NoticeError(f"unknown region(s) {', '.join(unknown)}", file=path,
                          fix=f"use regions of extra.notice.regions: {', '.join(config.regions)}")
    summaries = {m.group(1).lower().replace("-", "_"): str(value) for key, value in meta.items()
                 if (m := _LOCALISED_SUMMARY.match(str(key)))}
    summary = meta.get("summary")
    return LegacyFile(path=path, day=day, locale=match.group(2) or config.language,
                      regions=regions, change=change,
                      summary=str(summary) if summary is not None else None, summaries=summaries)


def read_legacy(path: str, data: bytes, config: NoticeConfig,
                known: dict[str, str] | None = None) -> Notice:
    """A whole-notice file as a Notice whose sections carry the ids `notice import` gives,
    mapped onto today's ids where a heading's slug is a section's title slug or alias."""
    split = split_notice(Path(path), data)
    values = flatten(config.variables)
    sections = {}
    for slug, markdown in split.files.items():
        section_id = (known or {}).get(slug, slug)
        if section_id in sections:
            section_id = slug
        sections[section_id] = parse_section(path, markdown.encode(), config.language, values,
                                             name=section_id)
    manifest = Manifest(path=path, titles={"*": expand(split.title, values, path)},
                        entries=tuple((i, 0) for i in sections), jump_list=split.jump_list)
    return Notice(manifest=manifest, sections=sections, record=True)


def _known_ids(snapshot, config: NoticeConfig) -> dict[str, str]:
    """Old names of today's sections: their title slugs and their aliases."""
    try:
        notice = read_notice(snapshot, config)
    except NoticeError:
        return {}
    known = {}
    for section in notice.sections.values():
        known[slugify(section.title)] = section.id
        for alias in section.aliases:
            known[alias] = section.id
    return known


def _day(text: str, path: str) -> date:
    day = parse_day(text)
    if day is None:
        raise NoticeError(f"{text} is not a date", file=path, fix="name legacy versions YYYY-MM-DD.md")
    return day
