"""Commit trailers that steer versions: Notice-Change, Effective-Date, Notice-Summary
(and Notice-Summary-<language>, e.g. Notice-Summary-fr, for the editions in that language).

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
_LOCALISED_SUMMARY = re.compile(r"notice-summary-([a-z]{2,3}(?:[-_][a-z]{2,4})?)")
_TRAILER_LIKE = re.compile(r"^\s*(Notice[-_ ]Change|Effective[-_ ]Date|"
                           r"Notice[-_ ]Summary(?:[-_][^\s:]*)?)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Trailers:
    change: str = DEFAULT_KIND
    effective: date | None = None
    summary: str | None = None
    translated: tuple[tuple[str, str], ...] = ()     # (locale, summary) from Notice-Summary-xx

    def summary_in(self, locale: str) -> str | None:
        """The summary for readers of `locale`: its own (fr_CA, then fr), else the default."""
        by_locale = dict(self.translated)
        return next((by_locale[key] for key in summary_languages(locale) if key in by_locale),
                    self.summary)


def summary_languages(locale: str) -> tuple[str, str]:
    """The Notice-Summary-<language> keys that readers of `locale` read, most specific
    first: `fr_CA` reads fr_ca, then fr."""
    key = _locale_key(locale)
    return key, key.split("_")[0]


def _locale_key(locale: str) -> str:
    return locale.lower().replace("-", "_")


def _field(key: str) -> str | None:
    """The field a trailer key sets: change, effective, summary or summary:<locale>."""
    key = key.strip().lower()
    localised = _LOCALISED_SUMMARY.fullmatch(key)
    return f"summary:{_locale_key(localised.group(1))}" if localised else KEYS.get(key)


def parse(sha: str, message: str, parsed: str) -> Trailers:
    """`parsed` is git's `%(trailers:only,unfold)` output for the same message."""
    where = f"commit {sha[:12]}"
    block = _trailer_block(message) if parsed.strip() else {}
    values: dict[str, tuple[str, int]] = {}
    for raw in parsed.splitlines():
        key, _, value = raw.partition(":")
        field = _field(key)
        value = value.strip()
        line = next((n for n, (k, v) in block.items() if k == key.strip().lower() and v == value),
                    next(iter(block), 1))
        if not field and key.strip().lower().startswith("notice-summary-"):
            language = key.strip()[len("notice-summary-"):]
            raise NoticeError(f"{key.strip()}: {language!r} is not a language code", file=where,
                              line=line, fix="name the language as the editions do, e.g. "
                                             "Notice-Summary-fr or Notice-Summary-pt_BR")
        if not field:
            continue
        if field in values and values[field][0] != value:
            raise NoticeError(f"{key.strip()} is given twice with different values", file=where,
                              line=line, fix="keep one (amend the message before it is published)")
        values[field] = (value, line)
    _refuse_misplaced(message, where, {n for n, (key, _) in block.items() if _field(key)})
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
    translated = tuple((field.split(":", 1)[1], text) for field, (text, _) in values.items()
                       if field.startswith("summary:") and text)
    return Trailers(change=change, effective=effective, summary=summary, translated=translated)


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
                    "spelt Notice-Change, Effective-Date, Notice-Summary or "
                    "Notice-Summary-<language>")
