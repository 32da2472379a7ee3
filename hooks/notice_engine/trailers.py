"""Commit trailers that steer versions: Notice-Change, Effective-Date, Notice-Summary.

Git parses the trailers (the last paragraph of a message, `Key: value`); this
module validates them. A trailer-like line git did *not* take as a trailer is an
error too: silently ignoring `Notice-Change: material` would skip an email.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import NoticeError

KINDS = ("editorial", "minor", "material", "reviewed")
DEFAULT_KIND = "minor"
KEYS = {"notice-change": "change", "effective-date": "effective", "notice-summary": "summary"}
_TRAILER_LIKE = re.compile(r"^\s*(Notice[-_ ]Change|Effective[-_ ]Date|Notice[-_ ]Summary)\s*:",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Trailers:
    change: str = DEFAULT_KIND
    effective: date | None = None
    summary: str | None = None


def parse(sha: str, message: str, parsed: str) -> Trailers:
    """`parsed` is git's `%(trailers:only,unfold)` output for the same message."""
    where = f"commit {sha[:12]}"
    block = _trailer_block(message) if parsed.strip() else {}
    values: dict[str, tuple[str, int]] = {}
    for raw in parsed.splitlines():
        key, _, value = raw.partition(":")
        field = KEYS.get(key.strip().lower())
        if not field:
            continue
        value = value.strip()
        line = next((n for n, (k, v) in block.items() if k == key.strip().lower() and v == value),
                    next(iter(block), 1))
        if field in values and values[field][0] != value:
            raise NoticeError(f"{key.strip()} is given twice with different values", file=where,
                              line=line, fix="keep one (amend the message before it is published)")
        values[field] = (value, line)
    _refuse_misplaced(message, where, {n for n, (key, _) in block.items() if key in KEYS})
    change, effective, summary = DEFAULT_KIND, None, None
    if "change" in values:
        change, line = values["change"]
        change = change.lower()
        if change not in KINDS:
            raise NoticeError(f"Notice-Change: {values['change'][0]!r} is not a kind of change",
                              file=where, line=line, fix=f"use one of: {', '.join(KINDS)}")
    if "effective" in values:
        text, line = values["effective"]
        try:
            effective = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
        except ValueError:
            effective = None
        if effective is None:
            raise NoticeError(f"Effective-Date: {text!r} is not a date", file=where, line=line,
                              fix="write it as YYYY-MM-DD, e.g. Effective-Date: 2025-01-31")
    if "summary" in values:
        summary = values["summary"][0] or None
    return Trailers(change=change, effective=effective, summary=summary)


def _trailer_block(message: str) -> dict[int, tuple[str, str]]:
    """The message's last paragraph, where git reads trailers: line number -> (key, value)."""
    lines = message.rstrip("\n").split("\n")
    start = len(lines)
    while start > 0 and lines[start - 1].strip():
        start -= 1
    block = {}
    for number in range(start + 1, len(lines) + 1):
        key, colon, value = lines[number - 1].partition(":")
        if colon and start > 0:             # the subject line alone is never a trailer block
            block[number] = (key.strip().lower(), " ".join(value.split()))
    return block


def _refuse_misplaced(message: str, where: str, taken: set[int]) -> None:
    for number, line in enumerate(message.splitlines(), start=1):
        if _TRAILER_LIKE.match(line) and number not in taken:
            raise NoticeError(
                f"{line.strip()!r} looks like a trailer but git does not read it as one",
                file=where, line=number,
                fix="trailers go in the message's last paragraph, one `Key: value` per line, "
                    "spelt Notice-Change, Effective-Date or Notice-Summary")
