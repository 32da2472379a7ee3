"""Render: one section's Markdown to HTML, each distinct text once.

A decade of versions repeats the same section text many times over; results are
cached by a hash of everything that shapes the HTML, so each distinct section
renders once however many versions and editions include it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import markdown_it
import mdit_py_plugins
import nh3

from . import html_policy
from ..core import sealed
from .canonical import section_text
from ..sources.markdown import has_raw_html, inline_text, new_parser, parse
from ..core.slugs import slugify


@dataclass(frozen=True)
class RenderedSection:
    id: str
    title: str
    html: str
    fingerprint: str                    # canonical text (canonical.py): what "changes what it renders" compares
    headings: tuple[tuple[int, str, str], ...]   # (page level, anchor, text)


class Renderer:
    """Markdown -> HTML with the notice's heading rules, memoised by content hash.

    The memo is shared by every version and edition a process renders and, with a
    store (`use_store`), by every build: editions build in separate processes, and a
    rebuild renders only section texts no build has seen.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}
        self._asked: dict[tuple, RenderedSection] = {}   # one object per distinct section
        self._store: RenderStore | None = None
        self._md = new_parser()
        self._md.add_render_rule("heading_close", _heading_close)
        self._md.add_render_rule("link_open", _link_open)

    def section(self, section_id: str, title_markdown: str, body_markdown: str,
                headings: tuple[tuple[int, str, str], ...]) -> RenderedSection:
        """`headings` are (page level, anchor, text) for the title then each sub-heading, in
        order; the title's text there is the plain one, `title_markdown` what the page shows."""
        asked = (section_id, title_markdown, body_markdown, headings)
        known = self._asked.get(asked)
        if known is not None:   # a history asks again for every version that holds the section
            return known
        title_level, _, title = headings[0]
        source = f"{'#' * title_level} {title_markdown}\n\n{body_markdown}"
        key = hashlib.sha256(repr((RENDERER_VERSION, source, headings)).encode()).hexdigest()
        if key not in self._cache:
            stored = self._store.get(key) if self._store else None
            if stored is None:
                tokens = parse(source)
                _place_headings(tokens, headings)
                rendered = self._md.renderer.render(tokens, self._md.options, {})
                if has_raw_html(tokens):        # markdown-it's own output needs no sanitiser
                    rendered = html_policy.sanitise(rendered)
                stored = (rendered, section_text(rendered))
                if self._store:
                    self._store.put(key, *stored)
            self._cache[key] = stored
        rendered, fingerprint = self._cache[key]
        shared = self._asked[asked] = RenderedSection(
            id=section_id, title=title, html=rendered, fingerprint=fingerprint,
            headings=headings)
        return shared

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def use_store(self, path: Path, root: Path) -> None:
        """Keep rendered sections in an SQLite file too (safe to delete: it only saves time)."""
        if self._store is None or self._store.path != path:
            self._store = RenderStore(path, root)

    def close_store(self) -> None:
        """Close the store (the memo stays): before a fork, which must not share its connection."""
        if self._store is not None:
            self._store.close()
            self._store = None


# Part of every cache key: bump it when a change here alters the HTML of a given Markdown.
RENDERER_VERSION = f"5 canonical nh3 {nh3.__version__} markdown-it {markdown_it.__version__} plugins {mdit_py_plugins.__version__}"


class RenderStore:
    """Rendered sections on disk, shared by the processes of a build and by later builds.

    Each row is sealed (see `sealed`): a row changed outside the engine, or written by
    another checkout, fails its check and is rendered afresh, so an edited store cannot
    change a page or its SHA-256. SQLite copes with two edition builds writing at once;
    a store that cannot be opened or written (read-only checkout, full disk), or a
    checkout with no place for a secret, is simply not used.
    """

    TABLE = f"sections_v{sealed.SCHEMA}"

    def __init__(self, path: Path, root: Path):
        """`root`: the checkout whose secret seals the rows."""
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._seal = sealed.seal_for(root)
        if self._seal is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # A row lost to a power cut is rendered again; an fsync per row cost a full
            # build seconds. WAL with NORMAL still never leaves the file corrupt.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {self.TABLE} "
                             "(key TEXT PRIMARY KEY, html TEXT, fingerprint TEXT, seal TEXT)")
        except (OSError, sqlite3.Error):
            self._db = None

    def get(self, key: str) -> tuple[str, str] | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(f"SELECT html, fingerprint, seal FROM {self.TABLE} "
                                   "WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        html, fingerprint, seal = row
        if not (isinstance(html, str) and isinstance(fingerprint, str)
                and self._seal.valid(seal, key, html, fingerprint)):
            sealed.report(self.path.name)
            return None
        return html, fingerprint

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def put(self, key: str, html: str, fingerprint: str) -> None:
        if self._db is None:
            return
        try:        # REPLACE: a row that failed its check is mended
            self._db.execute(f"INSERT OR REPLACE INTO {self.TABLE} VALUES (?, ?, ?, ?)",
                             (key, html, fingerprint, self._seal.sign(key, html, fingerprint)))
        except sqlite3.Error:
            pass


def _place_headings(tokens, plan: tuple[tuple[int, str, str], ...]) -> None:
    """Give headings their planned page level and anchor, in order.

    The plan comes from the same reader (markdown_source.headings) over the same
    text, so the nth heading here is the nth heading there. A heading the plan
    lacks gets an id of its own, prefixed with the section's.
    """
    planned = list(plan)
    section_id = planned[0][1] if planned else "section"
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        if planned:
            level, anchor, _ = planned.pop(0)
        else:
            level = max(int(token.tag[1]), SUB_HEADING_LEVEL)
            anchor = f"{section_id}-{slugify(inline_text(tokens[index + 1])) or 'heading'}"
        token.tag = tokens[_closing(tokens, index)].tag = f"h{min(level, 6)}"
        token.attrSet("id", anchor)


def _closing(tokens, index: int) -> int:
    return next(i for i in range(index + 1, len(tokens)) if tokens[i].type == "heading_close")


def _heading_close(renderer, tokens, index, options, env) -> str:
    """Every heading ends with a permalink to itself (¶), as MkDocs' toc extension does."""
    anchor = next(t.attrGet("id") for t in reversed(tokens[:index]) if t.type == "heading_open")
    return (f'<a class="headerlink" href="#{anchor}" title="Permanent link">¶</a>'
            f"</{tokens[index].tag}>\n")


def _link_open(renderer, tokens, index, options, env) -> str:
    """Links that leave the site do not tell it who followed them."""
    href = str(tokens[index].attrGet("href") or "")
    if href.startswith(("http://", "https://")):
        tokens[index].attrSet("rel", "noopener noreferrer")
    return renderer.renderToken(tokens, index, options, env)


SUB_HEADING_LEVEL = 3
