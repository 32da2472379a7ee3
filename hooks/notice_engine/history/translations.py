"""Translations that lag their source, found from git history.

A translation is *stale* when its source section's text last changed in a
commit newer than the last commit that changed the translation. Only what a
reader sees counts: a reflow or a front-matter edit of the source does not
make its translations stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import NoticeError
from .versions import Repository
from ..sources.markdown import decode, front_matter
from ..sources.notice import NOTICE_DIR, Notice


@dataclass(frozen=True)
class Stale:
    section_id: str
    locale: str
    path: str
    source_changed: datetime        # the source's last change, which the translation lacks
    translated: datetime


def last_changes(repository: Repository) -> dict[str, datetime]:
    """For each section file, when its visible content last changed on the published branch."""
    blobs: dict[str, str] = {}
    seen: dict[str, str] = {}
    changed: dict[str, datetime] = {}
    for commit in repository.commits:
        if not commit.touched:
            continue
        for path, blob in commit.snapshot.files.items():
            if not (path.startswith(f"{NOTICE_DIR}/") and path.endswith(".md")):
                continue
            if blobs.get(path) == blob:
                continue                    # the same file as before: read only what changed
            blobs[path] = blob
            content = _visible(commit.snapshot.read(path))
            if seen.get(path) != content:
                seen[path] = content
                changed[path] = commit.landed
    return changed


def stale_translations(notice: Notice, repository: Repository) -> list[Stale]:
    changes = last_changes(repository)
    found = []
    for (section_id, locale), translation in notice.translations.items():
        source = notice.sections.get(section_id)
        if source is None or source.path not in changes or translation.path not in changes:
            continue                        # uncommitted: a draft, not yet a lag
        if changes[source.path] > changes[translation.path]:
            found.append(Stale(section_id, locale, translation.path, changes[source.path],
                               changes[translation.path]))
    return found


def _visible(data: bytes) -> str:
    """The file without its front matter, whitespace folded (an unreadable file as it is)."""
    try:
        lines = decode("", data).split("\n")
        return " ".join(" ".join(lines[front_matter("", lines).body_start:]).split())
    except NoticeError:
        return data.decode("utf-8", errors="replace")
