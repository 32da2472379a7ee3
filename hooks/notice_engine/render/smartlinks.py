"""Smart links: cross-references that never break.

`[[contact]]` becomes a link titled with that section's title in the page's
language; `[[contact|write to us]]` keeps the given text. Both, and every
plain `[text](#anchor)` link, are checked against the anchors the edition's
page really has; an unknown target fails with its file, line and the nearest ids.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from ..sources import markdown as markdown_source
from ..errors import NoticeError, raise_all
from ..sources.notice import Section

_SMART_LINK = re.compile(r"\[\[([^\[\]|]+?)(?:\|([^\[\]]+?))?\]\]")


@dataclass(frozen=True)
class Target:
    """Where a smart link lands and what it is called."""

    anchor: str
    title: str


def targets(sections: list[Section]) -> dict[str, Target]:
    """Every name a link may use on one page: section ids, aliases and sub-heading anchors.

    `sections` are the page's sections in its language, so titles are localised.
    """
    found: dict[str, Target] = {}
    for section in sections:
        found[section.id] = Target(section.id, section.title)
        for name, target in _names_in(section):
            found.setdefault(name, target)
    return found


@lru_cache(maxsize=20_000)
def _names_in(section: Section) -> tuple[tuple[str, Target], ...]:
    """A section's other names, once per distinct section (a history lists the same
    section on hundreds of versions' pages): aliases, sub-headings, block ids."""
    return (*((alias, Target(section.id, section.title)) for alias in section.aliases),
            *((h.anchor, Target(h.anchor, h.text)) for h in section.headings[1:]),
            *((anchor, Target(anchor, section.title))
              for anchor in markdown_source.block_ids(section.body)))


@dataclass(frozen=True)
class Resolved:
    body: str                                  # Markdown with every smart link made a link
    notes: tuple[NoticeError, ...] = ()        # broken links kept in a published record


def resolve(section: Section, on_page: dict[str, Target], elsewhere: dict[str, str],
            record: bool = False) -> Resolved:
    """The section's body with smart links turned into Markdown links, every link checked.

    `elsewhere` maps ids that exist in the notice but not on this page (regional
    sections of other editions) to a reason, so the error can say why. A link
    that was already broken where the text was published (`record`: a legacy
    version; or listed in `published-broken-links:`) is kept, with a note.
    """
    errors: list[NoticeError] = []
    notes: list[NoticeError] = []
    for link in markdown_source.links(section.body, section.body_line):
        anchor = link.target[1:] if link.target.startswith("#") else None
        if not anchor or anchor in on_page:
            continue
        problem = _unknown(f"link to #{anchor}", anchor, section, link.line, on_page, elsewhere)
        if record or anchor in section.published_broken_links:
            notes.append(NoticeError(f"kept as published: {problem.message}", file=problem.file,
                                     line=problem.line, fix="the link was already broken where "
                                     "this text was published; correct it in a new version"))
        else:
            errors.append(problem)
    code = markdown_source.code_lines(section.body)
    out = []
    for index, line in enumerate(section.body.split("\n")):
        number = section.body_line + index
        out.append(line if index in code else _SMART_LINK.sub(
            lambda m: _link(m, section, number, on_page, elsewhere, errors), line))
    raise_all(errors)
    return Resolved("\n".join(out), tuple(notes))


def _link(match: re.Match, section: Section, line: int, on_page: dict[str, Target],
          elsewhere: dict[str, str], errors: list[NoticeError]) -> str:
    name, text = match.group(1).strip(), match.group(2)
    target = on_page.get(name)
    if target is None:
        errors.append(_unknown(f"smart link [[{name}]]", name, section, line, on_page, elsewhere))
        return match.group(0)
    label = text.strip() if text else target.title.replace("[", r"\[").replace("]", r"\]")
    return f"[{label}](#{target.anchor})"


def _unknown(what: str, name: str, section: Section, line: int,
             on_page: dict[str, Target], elsewhere: dict[str, str]) -> NoticeError:
    if name in elsewhere:
        return NoticeError(f"{what} points to a section that is not on this page: {elsewhere[name]}",
                           file=section.path, line=line, code="N101",
                           fix="give this section the same `regions:`, or link with plain text")
    near = difflib.get_close_matches(name, on_page, n=3, cutoff=0.5)
    hint = f"nearest existing ids: {', '.join(near)}" if near else \
        f"existing ids include: {', '.join(list(on_page)[:6])}"
    return NoticeError(f"{what}: no such section or heading", file=section.path, line=line,
                       fix=hint, code="N101")
