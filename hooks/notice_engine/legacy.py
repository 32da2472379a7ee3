"""Versions published before the notice came into git: `archive/<YYYY-MM-DD>.md`.

Each file is a whole notice as it was published. It is split into sections the
way `notice import` splits (same headings, same ids), so its redline into the
first git version compares section with section.
"""

from __future__ import annotations

import re
from datetime import date

from .config import Edition, NoticeConfig
from .edition import render_edition
from .errors import NoticeError
from .importer import split_notice
from .render import Renderer
from .slugs import slugify
from .sources import Manifest, Notice, parse_section, read_notice
from .variables import expand, flatten

ARCHIVE_DIR = "archive"
_VERSION_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.([a-z]{2,3}(?:_[A-Z]{2})?))?\.md$")


def versions(repository, config: NoticeConfig, edition: Edition, renderer: Renderer) -> list:
    """The legacy versions an edition shows, oldest first, from the newest commit's archive/."""
    from .history import Version       # history imports this module; Version is its type

    if not repository.commits:
        return []
    snapshot = repository.commits[-1].snapshot
    by_day: dict[date, str] = {}
    for name in snapshot.list(ARCHIVE_DIR):
        match = _VERSION_FILE.match(name)
        if not match:
            continue
        day = _day(match.group(1), f"{ARCHIVE_DIR}/{name}")
        locale = match.group(2) or config.language
        if locale == edition.locale or (locale == config.language and day not in by_day):
            by_day[day] = f"{ARCHIVE_DIR}/{name}"
    known = _known_ids(snapshot, config)
    found = []
    for day in sorted(by_day):
        path = by_day[day]
        notice = read_legacy(path, snapshot.read(path), config, known)
        text = render_edition(notice, edition, renderer)
        found.append(Version(date=day, landed=None, change="minor", summaries=[],
                             commit=None, text=text, legacy=True))
    return found


def read_legacy(path: str, data: bytes, config: NoticeConfig,
                known: dict[str, str] | None = None) -> Notice:
    """A whole-notice file as a Notice whose sections carry the ids `notice import` gives,
    mapped onto today's ids where a heading's slug is a section's title slug or alias."""
    split = split_notice(path, data)
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
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NoticeError(f"{text} is not a date", file=path,
                          fix="name legacy versions YYYY-MM-DD.md") from None
