"""The engine's front door for a site generator: which pages an edition has, and their HTML.

The MkDocs hook calls `edition_pages` and only adapts the result; anything
else (another generator, a test) can call it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import dates, git_utils, page
from .config import NoticeConfig, from_extra
from .edition import render_edition
from .render import Renderer
from .sources import NOTICE_DIR, WorkTree, read_notice

_RENDERER = Renderer()           # one per process: `mkdocs serve` rebuilds reuse its cache


@dataclass(frozen=True)
class OutputPage:
    path: str                    # where the page goes, as a Markdown source path: index.md
    title: str
    html: str
    toc: list[dict]


def edition_pages(root: Path, extra_notice: dict | None, edition_id: str | None) -> list[OutputPage]:
    """Every page of one edition, read from the work tree."""
    config: NoticeConfig = from_extra(extra_notice, root)
    edition = config.edition(edition_id)
    notice = read_notice(WorkTree(root), config)
    text = render_edition(notice, edition, _RENDERER)
    landed = git_utils.last_commit_time(root, NOTICE_DIR)
    updated = dates.local_day(landed, edition.timezone) if landed else None
    return [OutputPage("index.md", text.title, page.current_page(text, updated), text.toc())]
