"""Render: one section's Markdown to HTML, each distinct text once.

A decade of versions repeats the same section text many times over; results are
cached by a hash of everything that shapes the HTML, so each distinct section
renders once however many versions and editions include it.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path

import markdown
from markdown.treeprocessors import Treeprocessor

from .slugs import slugify

EXTENSIONS = ["tables", "attr_list", "def_list", "fenced_code", "sane_lists", "admonition"]
_HEADING_TAGS = {f"h{n}" for n in range(1, 7)}
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>')
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RenderedSection:
    id: str
    title: str
    html: str
    fingerprint: str                    # normalised rendered HTML: what "changes what it renders" compares
    headings: tuple[tuple[int, str, str], ...]   # (page level, anchor, text)


class Renderer:
    """Markdown -> HTML with the notice's heading rules, memoised by content hash.

    The memo is shared by every version and edition a process renders and, with a
    store (`use_store`), by every build: editions build in separate processes, and a
    rebuild renders only section texts no build has seen.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}
        self._sections: dict[tuple[str, str], RenderedSection] = {}
        self._store: RenderStore | None = None
        self._ids = _HeadingIds()
        self._md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        self._md.treeprocessors.register(self._ids, "notice_heading_ids", 0)

    def section(self, section_id: str, title: str, body_markdown: str,
                headings: tuple[tuple[int, str, str], ...]) -> RenderedSection:
        """`headings` are (page level, anchor, text) for the title then each sub-heading, in order."""
        title_level, _, _ = headings[0]
        source = f"{'#' * title_level} {title}\n\n{body_markdown}"
        key = hashlib.sha256(repr((RENDERER_VERSION, source, headings)).encode()).hexdigest()
        if key not in self._cache:
            stored = self._store.get(key) if self._store else None
            if stored is None:
                self._ids.plan = list(headings)
                self._md.reset()
                rendered = self._md.convert(source)
                stored = (rendered, normalised_html(rendered))
                if self._store:
                    self._store.put(key, *stored)
            self._cache[key] = stored
        shared = self._sections.get((key, section_id))
        if shared is None:      # one object per distinct section, however many versions hold it
            rendered, fingerprint = self._cache[key]
            shared = self._sections[key, section_id] = RenderedSection(
                id=section_id, title=title, html=rendered, fingerprint=fingerprint,
                headings=headings)
        return shared

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def use_store(self, path: Path) -> None:
        """Keep rendered sections in an SQLite file too (safe to delete: it only saves time)."""
        if self._store is None or self._store.path != path:
            self._store = RenderStore(path)


# Part of every cache key: bump it when a change here alters the HTML of a given Markdown.
RENDERER_VERSION = f"2 markdown {markdown.__version__}"


class RenderStore:
    """Rendered sections on disk, shared by the processes of a build and by later builds.

    SQLite copes with two edition builds writing at once; a store that cannot be
    opened or written (read-only checkout, full disk) is simply not used.
    """

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS sections "
                             "(key TEXT PRIMARY KEY, html TEXT, fingerprint TEXT)")
        except (OSError, sqlite3.Error):
            self._db = None

    def get(self, key: str) -> tuple[str, str] | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT html, fingerprint FROM sections WHERE key = ?",
                                   (key,)).fetchone()
        except sqlite3.Error:
            return None
        return (row[0], row[1]) if row else None

    def put(self, key: str, html: str, fingerprint: str) -> None:
        if self._db is None:
            return
        try:
            self._db.execute("INSERT OR IGNORE INTO sections VALUES (?, ?, ?)",
                             (key, html, fingerprint))
        except sqlite3.Error:
            pass


def normalised_html(fragment: str) -> str:
    """The rendered HTML with whitespace folded and permalinks dropped.

    A reflow of the source does not change it; a changed word, link target or
    line break does: a reader would see those, so they are revisions.
    """
    return _SPACE.sub(" ", _PERMALINK.sub("", fragment)).strip()


class _HeadingIds(Treeprocessor):
    """Give headings their planned level and anchor; mark external links.

    Anchors come from the source outline (sources.outline), so a link can be
    checked, with its line number, before rendering. A planned anchor goes only
    to the heading whose text it was planned for: a heading the outline did not
    see (one inside a list or a quote) gets an id of its own, prefixed with the
    section's, and never takes the next heading's anchor.
    """

    plan: list[tuple[int, str, str]] = []

    def run(self, root: etree.Element) -> None:
        planned = list(self.plan)
        section_id = planned[0][1] if planned else "section"
        for element in list(root.iter()):
            if element.tag in _HEADING_TAGS:
                text = _folded("".join(element.itertext()))
                if planned and _folded(planned[0][2]) == text:
                    level, anchor, _ = planned.pop(0)
                else:
                    level = max(int(element.tag[1]), SUB_HEADING_LEVEL)
                    anchor = f"{section_id}-{slugify(text) or 'heading'}"
                element.tag = f"h{min(level, 6)}"
                element.set("id", anchor)
                permalink = etree.SubElement(element, "a", {"class": "headerlink",
                                                            "href": f"#{anchor}",
                                                            "title": "Permanent link"})
                permalink.text = "¶"
            elif element.tag == "a" and element.get("href", "").startswith(("http://", "https://")):
                element.set("rel", "noopener noreferrer")


SUB_HEADING_LEVEL = 3


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()
