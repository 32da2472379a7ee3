"""Redline: what changed between two versions of a notice, word by word.

The archive page, the change-notice email, the compare page and `notice diff A B`
all show the same comparison, so it is computed once as plain data (`Redline`) and
then drawn as HTML (`to_html`, from templates/redline.html) or as text (`to_terminal`,
`to_markdown`, `to_text`, from templates/redline.txt).

The comparison and the HTML live in `redline_core`, which the compare page also
runs in the reader's browser (with Brython); this module adds what only the build
and the commands need: cutting a section's HTML into blocks of visible text
(`blocks_of`), the redline's words in the reader's language (`labels`), and the
text forms (templates/redline.txt).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import Protocol

from .. import i18n, templating
from ..i18n import N_
from .redline_core import (  # noqa: F401  (the redline's API, for its callers)
    ADDED, CHANGED, DELETE, EQUAL, INSERT, REMOVED, UNCHANGED, BlockChange, Op, Redline,
    SectionChange, SectionText, gap_label, sections_label, sections_with_gaps, under_heading,
    with_gaps, _STATUS_LABELS, _needs_gap)
from . import redline_core

# The one table of the redline's words, for the page, the email and the terminal: English
# here (what `notice diff` prints), in the reader's language through `labels(locale)`.
DEFAULT_LABELS: dict[str, str] = {
    "inserted": N_("inserted"),
    "deleted": N_("deleted"),
    "unchanged": N_("unchanged"),
    "added_section": N_("new section"),
    "removed_section": N_("section removed"),
    "unchanged_blocks": N_("{n} unchanged paragraphs"),
    "unchanged_block": N_("1 unchanged paragraph"),   # optional singular; falls back to the plural
    "unchanged_sections": N_("{n} sections unchanged"),
    "unchanged_section": N_("1 section unchanged"),   # likewise
    "legend_inserted": N_("added text"),
    "legend_deleted": N_("removed text"),
    "no_changes": N_("No change to the text."),
}


def labels(locale: str) -> dict[str, str]:
    """The redline's words in the reader's language (an untranslated one stays English)."""
    gettext = i18n.translations(locale).gettext
    return {key: gettext(text) for key, text in DEFAULT_LABELS.items()}


_SPACE = re.compile(r"\s+")


class SectionLike(Protocol):
    """What compare() reads of a section (a render.RenderedSection, for one)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def html(self) -> str: ...


# --------------------------------------------------------------------------- blocks of HTML

# Elements that start or end a block of text. Containers (ul, table, div...)
# are listed too: text that sits directly in them, e.g. "item two" before a
# nested list, then stands as a block of its own instead of running into the
# next item.
_BLOCK_TAGS = frozenset("""
    address article aside blockquote body caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main
    nav ol p pre section summary table tbody td tfoot th thead tr ul
""".split())
_INVISIBLE_TAGS = frozenset({"script", "style", "template", "head", "title"})


class _BlockText(HTMLParser):
    """Collect visible text, cut into blocks at every block-level tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._pieces: list[str] = []
        self._in_permalink = False
        self._invisible_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth += 1
        elif tag == "a" and "headerlink" in (dict(attrs).get("class") or "").split():
            self._in_permalink = True       # the "¶" after each heading is not text
        elif tag in _BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self._pieces.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INVISIBLE_TAGS and tag != "a":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth = max(0, self._invisible_depth - 1)
        elif tag == "a":
            self._in_permalink = False
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._in_permalink and not self._invisible_depth:
            self._pieces.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._pieces)).strip()
        self._pieces = []
        if text:
            self.blocks.append(text)


def blocks_of(fragment: str) -> list[str]:
    """The visible text of each block of an HTML fragment, in reading order.

    Whitespace is folded (a reflow of the source is not a change) and entities
    are decoded, so the text is what a reader sees. Heading permalinks are left
    out. Empty blocks are dropped.
    """
    return list(_blocks_cached(fragment))


@lru_cache(maxsize=4096)
def _blocks_cached(fragment: str) -> tuple[str, ...]:
    """An archive compares the same section HTML again and again: parse each once."""
    parser = _BlockText()
    parser.feed(fragment)
    parser.close()
    return tuple(parser.blocks)


def compare(old: Sequence[SectionLike], new: Sequence[SectionLike]) -> Redline:
    """Compare two versions of a notice, section by section (redline_core.compare), each
    section read as its blocks of visible text."""
    return redline_core.compare([section_text(s) for s in old], [section_text(s) for s in new])


def section_text(section: SectionLike) -> SectionText:
    """What a comparison reads of a section: id, title, and its HTML's blocks of text."""
    return SectionText(section.id, section.title, _blocks_cached(section.html))


# --------------------------------------------------------------------------- HTML

def to_html(redline: Redline, labels: Mapping[str, str] | None = None, **options) -> str:
    """The redline as an HTML fragment (redline_core.to_html, drawn from
    templates/redline.html), in these labels or English: a translated plural and no
    singular ("12 sections unchanged") lets the plural serve."""
    return redline_core.to_html(redline, full_labels(labels or {}), html_pieces(), **options)


def full_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Every word the redline draws: those given, English for the others, and an empty
    singular beside a given plural (so the translated plural serves for one)."""
    given = dict(labels)
    for plural, singular in (("unchanged_blocks", "unchanged_block"),
                             ("unchanged_sections", "unchanged_section")):
        if plural in given and singular not in given:
            given[singular] = ""
    return {**DEFAULT_LABELS, **given}


def html_drawing(labels: Mapping[str, str]) -> dict:
    """What the compare page hands redline_core.to_html in the browser: every word in the
    page's language and the HTML pieces."""
    return {"labels": full_labels(labels), "pieces": html_pieces()}


@lru_cache(maxsize=None)
def html_pieces() -> dict[str, str]:
    """templates/redline.html's pieces, read once."""
    source = (templating.TEMPLATES_DIR / templating.REDLINE_PIECES).read_text(encoding="utf-8")
    return redline_core.read_pieces(source)


@lru_cache(maxsize=None)
def _template(name: str):
    """templates/redline.txt, loaded once (drawn for every change notice)."""
    return templating.environment().get_template(name)


# --------------------------------------------------------------------------- terminal

def to_terminal(redline: Redline, *, color: bool) -> str:
    """The redline for `notice diff` (templates/redline.txt): changed sections, each run of
    unchanged ones as one line.

    Without colour, deletions read `[-text-]` and insertions `{+text+}` (the
    convention of `git diff --word-diff`), so the output survives a pipe or a
    log file.
    """
    return _draw_text(redline, "terminal", color=color)


def to_markdown(redline: Redline) -> str:
    """The redline as GitHub-flavoured Markdown, for a pull-request comment: changed
    sections only, deletions in <del>, insertions in <ins> (GitHub shows both)."""
    return _draw_text(redline, "markdown")


def to_text(redline: Redline, labels: Mapping[str, str], width: int) -> str:
    """The redline as an email's plain-text part: a legend, then changed sections with
    deletions `[-…-]` and insertions `{+…+}`, wrapped at `width`, in the reader's words."""
    def wrapped(text: str) -> list[str]:
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]

    drawn = _render_text(redline, "email", labels, wrapped=wrapped)
    return drawn[:-1]         # each line ends in a newline; the part's text does not


def _draw_text(redline: Redline, form: str, **context) -> str:
    drawn = _render_text(redline, form, DEFAULT_LABELS, **context)
    return drawn.rstrip("\n")     # no final newline: callers print() it


def _render_text(redline: Redline, form: str, labels: Mapping[str, str], **context) -> str:
    return _template("redline.txt").render(
        redline=redline, form=form, labels=labels, sections_label=sections_label,
        gap_label=gap_label, with_gaps=with_gaps, under_heading=under_heading,
        sections_with_gaps=sections_with_gaps, status_labels=_STATUS_LABELS,
        needs_gap=_needs_gap, **{"color": False, **context})
