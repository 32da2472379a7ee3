"""Machine-readable outputs: versions.json (with a hash of each text) and an Atom feed.

Both are derived from the history alone, never from the clock, so building the
same repository twice gives the same bytes.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape as _escape, quoteattr

from ..history.versions import EditionHistory, Version
from ..core.text_safety import neutralise


def escape(text: str) -> str:
    """XML text: escaped, and with no character XML forbids (a control character from any
    source would make the whole feed unreadable)."""
    return _escape(neutralise(text))


def version_url(version: Version, base: str = "") -> str:
    return f"{base}archive/{version.date.isoformat()}/"


def versions_json(history: EditionHistory, base_url: str = "", pdf: bool = False) -> str:
    current = history.current
    upcoming = history.upcoming
    return json.dumps({
        "edition": history.edition.id,
        "current": current.date.isoformat() if current else None,
        "upcoming": upcoming[0].date.isoformat() if upcoming else None,
        "versions": [_entry(v, base_url, pdf) for v in reversed(history.versions)],
    }, indent=2, ensure_ascii=False) + "\n"


def earlier_text_name(number: int) -> str:
    """The file beside notice.txt that keeps the version's text as it read before its
    `number`th editorial correction (1: as first published), so a receipt taken before a
    correction still checks: the published record only grows."""
    return f"notice.{number}.txt"


def _entry(version: Version, base_url: str, pdf: bool) -> dict:
    """One version; `sha256` is `sha256sum` of the file at `text` (canonical.py)."""
    url = version_url(version, base_url)
    landed = (version.landed or version.date).isoformat()
    return {
        "date": landed,          # kept for readers of earlier releases: the same as "landed"
        "landed": landed,        # the day it was published (a legacy version: its file's day)
        "effective": version.date.isoformat(),      # the day it takes effect (Version.date)
        "commit": version.commit,
        "change": version.change,
        "summary": version.summary,
        "sha256": version.sha256,
        "url": url,
        "text": f"{url}notice.txt",
        **({"pdf": f"{url}notice.pdf"} if pdf else {}),
        "corrections": [{"date": c.day.isoformat(), "commit": c.commit, "summary": c.summary,
                         "sha256": c.text.sha256, "replaces": c.previous.sha256,
                         "replaced_text": f"{url}{earlier_text_name(number)}"}
                        for number, c in enumerate(version.corrections, start=1)],
        "withdrawn": version.withdrawn.isoformat() if version.withdrawn else None,
    }


def _withdrawn_note(version: Version) -> str:
    return f" — withdrawn on {version.withdrawn.isoformat()}" if version.withdrawn else ""


def atom_feed(history: EditionHistory, title: str, base_url: str = "") -> str:
    """One entry per version, newest first; ids are stable URNs, dates are version dates."""
    edition = history.edition.id
    versions = list(reversed(history.versions))
    updated = f"{versions[0].date.isoformat()}T00:00:00Z" if versions else "1970-01-01T00:00:00Z"
    entries = []
    for version in versions:
        summary = version.summary or "Published before this archive was kept in git."
        entries.append(
            "  <entry>\n"
            f"    <id>urn:privacy-notice:{escape(edition)}:{version.date.isoformat()}</id>\n"
            f"    <title>{escape(title)} — {version.date.isoformat()} ({version.change})"
            f"{_withdrawn_note(version)}</title>\n"
            f"    <updated>{version.date.isoformat()}T00:00:00Z</updated>\n"
            f"    <link rel=\"alternate\" href={quoteattr(version_url(version, base_url))}/>\n"
            f"    <summary>{escape(summary)}</summary>\n"
            "  </entry>\n")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>urn:privacy-notice:{escape(edition)}</id>\n"
        f"  <title>{escape(title)}</title>\n"
        f"  <updated>{updated}</updated>\n"
        f"  <link rel=\"alternate\" href={quoteattr(base_url or './')}/>\n"
        "  <author><name>" + escape(title) + "</name></author>\n"
        + "".join(entries) + "</feed>\n")
