"""One edition's page: the sections its region includes, in its language, rendered.

This is where smart links are resolved, because what a link may point to
depends on the page: a regional section exists in some editions only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from . import canonical, html_policy, smartlinks
from ..sources import markdown as markdown_source
from ..config import Edition
from ..errors import NoticeError, raise_all
from .sections import RenderedSection, Renderer
from ..sources.notice import Notice, Section

SECTION_LEVEL = 2                # the notice title is the page's h1; sections are h2


@dataclass(frozen=True)
class EditionText:
    """What one edition says at one point in time."""

    edition: Edition
    title: str
    sections: tuple[RenderedSection, ...]
    aliases: dict[str, tuple[str, ...]]        # section id -> old ids that still resolve
    jump_list: str | None                      # the section that ends with the jump list
    untranslated: tuple[str, ...] = ()         # section ids shown in the source language
    source_language: str = "en"
    notes: tuple[NoticeError, ...] = field(default=(), compare=False)   # warnings: kept template
    #                                          syntax, kept broken links (see smartlinks.resolve)

    @property
    def fingerprint(self) -> str:
        """The canonical text (canonical.py): two versions differ iff it differs; published
        as archive/<date>/notice.txt, so anyone can check its SHA-256 in versions.json."""
        return canonical.notice_text(self.title, (s.fingerprint for s in self.sections))

    @cached_property
    def sha256(self) -> str:
        """`sha256sum notice.txt`: what versions compare (kept, unlike the long text)."""
        return canonical.digest(self.fingerprint)

    def reads_like(self, other: EditionText) -> bool:
        """Same words in the same order, links and images leading to the same places: what
        differs is only form, which a revision without a kind of its own folds as editorial."""
        return (self.title.split() == other.title.split()
                and [w for s in self.sections for w in canonical.reading(s.html)]
                == [w for s in other.sections for w in canonical.reading(s.html)])

    def toc_entries(self):
        """(level, anchor, name) of every heading, in order: what the table of contents shows."""
        return (heading for section in self.sections for heading in section.headings)

    def toc(self) -> list[dict]:
        """Nested headings as (level, id, name, children) dicts, ready for any theme."""
        root: list[dict] = []
        stack: list[tuple[int, list]] = [(0, root)]
        for section in self.sections:
            for level, anchor, name in section.headings:
                while stack[-1][0] >= level:
                    stack.pop()
                token = {"level": level, "id": anchor, "name": name, "children": []}
                stack[-1][1].append(token)
                stack.append((level, token["children"]))
        return root


def included(notice: Notice, edition: Edition) -> list[Section]:
    """The source-language sections this edition's region includes, in manifest order."""
    return [s for s in notice.sections.values() if s.applies_to(edition.regions)]


def localised(notice: Notice, section: Section, locale: str) -> Section:
    """The section in `locale`, carrying its source's aliases, regions and sub-heading anchors.

    A translation's sub-headings take the source's anchors (by position, when
    the outlines match), so `#withdrawing-consent` works in every language.
    """
    text = notice.text_of(section.id, locale)
    return section if text is section else _localised(section, text)


@lru_cache(maxsize=20_000)
def _localised(section: Section, text: Section) -> Section:
    """One object per (source, translation) pair, however many versions hold both: the
    memos below key on sections by identity."""
    headings = text.headings
    if len(headings) == len(section.headings):
        headings = tuple(dataclasses.replace(h, anchor=s.anchor)
                         for h, s in zip(headings, section.headings))
    return dataclasses.replace(text, aliases=section.aliases, regions=section.regions,
                               headings=headings)


def render_edition(notice: Notice, edition: Edition, renderer: Renderer, *,
                   committed: bool = False) -> EditionText:
    """Resolve links and render every section the edition includes.

    Raw HTML outside the allow-list (html_policy) stops new text; in text that was
    already published (`committed`: a past commit; or a legacy record) it is left out of
    the page with a note, since the record cannot be changed."""
    published = committed or notice.record
    sections = [localised(notice, s, edition.locale) for s in included(notice, edition)]
    on_page = smartlinks.targets(sections)
    present = {s.id for s in sections}
    elsewhere = {s.id: f"{s.id!r} is only in regions {', '.join(s.regions)}"
                 for s in notice.sections.values() if s.id not in present}
    for section in notice.sections.values():
        if section.id not in present:
            for alias in section.aliases:
                elsewhere.setdefault(alias, elsewhere[section.id])
    errors: list[NoticeError] = []
    notes: list[NoticeError] = []
    rendered = []
    links = _page_links((tuple(on_page.items()), tuple(elsewhere.items()), notice.record))
    for section in sections:
        try:
            resolved = _resolved(section, links)
        except NoticeError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
            continue
        notes += [*section.notes, *resolved.notes]
        html_problems = _raw_html_problems(section)
        if published:
            notes += [html_policy.removed_note(problem) for problem in html_problems]
        else:
            errors += html_problems
        rendered.append(renderer.section(section.id, section.title_markdown, resolved.body,
                                         _plan(section)))
    errors += _duplicate_anchors(sections)
    raise_all(errors)
    if not notice.manifest.has_title(edition.locale):
        notes.append(NoticeError(
            f"edition {edition.id} has no title in {edition.locale!r}: it shows "
            f"{notice.manifest.title(edition.locale)!r}", file=notice.manifest.path,
            fix=f"add `{edition.locale}: …` under `title:`"))
    return EditionText(
        edition=edition, title=notice.manifest.title(edition.locale), sections=tuple(rendered),
        aliases={s.id: s.aliases for s in sections if s.aliases},
        jump_list=notice.manifest.jump_list if notice.manifest.jump_list in present else None,
        untranslated=tuple(s.id for s in sections if s.locale != edition.locale),
        source_language=next(iter(notice.sections.values())).locale if notice.sections else "en",
        notes=tuple(notes))


@lru_cache(maxsize=20_000)
def _raw_html_problems(section: Section) -> tuple[NoticeError, ...]:
    """Raw HTML outside the allow-list, with its line: once per distinct section."""
    return tuple(problem for line, fragment in markdown_source.raw_html(section.body,
                                                                         section.body_line)
                 for problem in html_policy.problems(fragment, section.path, line))


@dataclass(frozen=True, eq=False)
class _PageLinks:
    """What links on one page may lead to; one object per distinct page (`_page_links`)."""

    on_page: dict[str, smartlinks.Target]
    elsewhere: dict[str, str]
    record: bool


@lru_cache(maxsize=64)          # a walk meets one page's links after another
def _page_links(key: tuple) -> _PageLinks:
    """Hashed once per version, rather than once per section with every lookup below."""
    on_page, elsewhere, record = key
    return _PageLinks(dict(on_page), dict(elsewhere), record)


@lru_cache(maxsize=20_000)
def _resolved(section: Section, links: _PageLinks) -> smartlinks.Resolved:
    """Smart links resolved; a history re-resolves the same section on the same page for
    every commit that left both alone, so each (section, page links) is done once."""
    return smartlinks.resolve(section, links.on_page, links.elsewhere, links.record)


def _plan(section: Section) -> tuple[tuple[int, str, str], ...]:
    """Page level, anchor and text of each heading: the title becomes h2, the rest follow."""
    shift = SECTION_LEVEL - section.headings[0].level
    return tuple((max(SECTION_LEVEL, h.level + shift) if i else SECTION_LEVEL, h.anchor, h.text)
                 for i, h in enumerate(section.headings))


def _duplicate_anchors(sections: list[Section]) -> list[NoticeError]:
    """Two headings with one anchor would make links land on the wrong one: refuse."""
    seen: dict[str, Section] = {}
    errors = []
    for section in sections:
        names = [(h.anchor, h.line) for h in section.headings] + [(a, 1) for a in section.aliases]
        for anchor, line in names:
            if anchor in seen:
                errors.append(NoticeError(
                    f"duplicate id {anchor!r}: {seen[anchor].path} has it too", file=section.path,
                    line=line, fix=f"give the heading its own id, e.g. `## Heading {{#{section.id}-"
                                   f"{anchor}}}`, or rename one"))
            else:
                seen[anchor] = section
    return errors
