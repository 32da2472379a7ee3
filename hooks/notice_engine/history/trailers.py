"""Commit trailers that steer versions: Notice-Change, Effective-Date, Notice-Summary
(and Notice-Summary-<language>, e.g. Notice-Summary-fr, for the editions in that language).

Git parses the trailers (the last paragraph of a message, `Key: value`); this
module validates them. A trailer-like line git did *not* take as a trailer is an
error too: silently ignoring `Notice-Change: material` would skip an email.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import NoticeError, raise_all
from .dates import parse_day

KINDS = ("editorial", "minor", "material", "reviewed")
DEFAULT_KIND = "minor"
KEYS = {"notice-change": "change", "effective-date": "effective", "notice-summary": "summary"}
_LOCALISED_SUMMARY = re.compile(r"notice-summary-([a-z]{2,3}(?:[-_][a-z]{2,4})?)")
_TRAILER_LIKE = re.compile(r"^\s*(Notice[-_ ]Change|Effective[-_ ]Date|"
                           r"Notice[-_ ]Summary(?:[-_][^\s:]*)?)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Trailers:
    change: str = DEFAULT_KIND
    change_given: bool = False          # Notice-Change was written (or corrected), not defaulted
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


KEY_NAMES = {"change": "Notice-Change", "effective": "Effective-Date", "summary": "Notice-Summary"}
CORRECTIONS_FILE = "notice/corrections.yml"
_KEY_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*(?:[-_ ][A-Za-z0-9]+)*)\s*:(.*)$")


@dataclass(frozen=True)
class Problem:
    """A trailer that cannot be read. `field` is what a correction of the commit must set
    for the problem to be moot (None: only acknowledging its code will do)."""

    field: str | None
    error: NoticeError


def parse(sha: str, message: str, parsed: str) -> Trailers:
    """`parsed` is git's `%(trailers:only,unfold)` output for the same message."""
    found, problems = read(sha, message, parsed)
    raise_all([p.error for p in problems])
    return found


def read(sha: str, message: str, parsed: str) -> tuple[Trailers, list[Problem]]:
    """The trailers, and every problem with them; a field with a problem keeps its default.
    An empty `sha` is a message not yet committed (the commit-msg hook)."""
    where = _where(sha)
    problems: list[Problem] = []
    block = _trailer_block(message) if parsed.strip() else {}
    values: dict[str, tuple[str, int]] = {}
    taken: set[int] = set()
    for raw in parsed.splitlines():
        key, _, value = raw.partition(":")
        key, value = key.strip(), value.strip()
        field = _field(key)
        line = next((n for n, (k, v) in block.items()
                     if k == key.lower() and v == value and n not in taken), next(iter(block), 1))
        taken.add(line)
        if not field and key.lower().startswith("notice-summary-"):
            language = key[len("notice-summary-"):]
            problems.append(Problem(None, NoticeError(
                f"{key}: {language!r} is not a language code", file=where, line=line,
                code="N201", fix=correction_fix(sha, "name the language as the editions do, e.g. "
                                                "Notice-Summary-fr or Notice-Summary-pt_BR",
                                                {"summary-fr": value}))))
            continue
        if not field:
            problems += _unknown_key(sha, key, value, line)
            continue
        if field in values and values[field][0] != value:
            problems.append(Problem(field, NoticeError(
                f"{key} is given twice with different values", file=where, line=line,
                code="N201", fix=correction_fix(sha, "keep one", {_correction_key(field): value}))))
            continue
        values[field] = (value, line)
    problems += _misplaced(sha, message, taken)
    change, effective, summary = DEFAULT_KIND, None, None
    if "change" in values:
        text, line = values["change"]
        if text.lower() in KINDS:
            change = text.lower()
        else:
            guess = difflib.get_close_matches(text.lower(), KINDS, n=1, cutoff=0.5)
            problems.append(Problem("change", NoticeError(
                f"Notice-Change: {text!r} is not a kind of change", file=where, line=line,
                code="N201", fix=correction_fix(sha, f"use one of: {', '.join(KINDS)}",
                                                {"change": guess[0] if guess else DEFAULT_KIND}))))
    if "effective" in values:
        text, line = values["effective"]
        effective = parse_day(text)
        if effective is None:
            guess = _loose_date(text)
            problems.append(Problem("effective", NoticeError(
                f"Effective-Date: {text!r} is not a date", file=where, line=line, code="N201",
                fix=correction_fix(sha, "write it as YYYY-MM-DD, e.g. Effective-Date: 2025-01-31",
                                   {"effective": guess.isoformat() if guess else "YYYY-MM-DD"}))))
    if "summary" in values:
        summary = values["summary"][0] or None
    translated = tuple((field.split(":", 1)[1], text) for field, (text, _) in values.items()
                       if field.startswith("summary:") and text)
    return Trailers(change=change, change_given="change" in values, effective=effective,
                    summary=summary, translated=translated), problems


def correction_fix(sha: str, how: str, fields: dict[str, str | list[str]]) -> str:
    """The fix for a problem in a commit message: before the commit is pushed, `how`;
    once it is published, the lines of notice/corrections.yml that say what it meant
    (published history is never rewritten)."""
    if not sha:
        return how
    lines = "".join(f"\n    {key}: {_yaml_scalar(value)}" for key, value in fields.items())
    return (f"{how} (amend the message if the commit is not pushed yet); once it is published, "
            f"add to {CORRECTIONS_FILE}:\n  {sha[:12]}:{lines}")


def _where(sha: str) -> str:
    return f"commit {sha[:12]}" if sha else "the commit message"


def check_message(path: Path) -> list[NoticeError]:
    """The problems of a commit message not yet committed (a commit-msg hook's file), as
    git will read its trailers: found before the commit exists, they cost no correction."""
    from ..core import git as git_utils

    message = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                        if not line.startswith("#")) + "\n"
    parsed = git_utils.git(path.parent, "interpret-trailers", "--parse",
                           input=message.encode()).decode()
    found, problems = read("", message, parsed)
    return [p.error for p in problems]


def _yaml_scalar(value: str | list[str]) -> str:
    """`value` as YAML: plain when that reads back the same, else double-quoted."""
    import json

    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml_scalar, value)) + "]"
    plain = re.fullmatch(r"[A-Za-z0-9][\w .,/()'-]*", value) and not value.endswith(" ")
    return value if plain else json.dumps(value, ensure_ascii=False)


def _correction_key(field: str) -> str:
    """The corrections.yml key for a field: change, effective, summary, summary-<language>."""
    return field.replace("summary:", "summary-")


def _loose_date(text: str) -> date | None:
    """What a near-miss such as 2027-1-15 or 2027/01/15 most likely meant."""
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text.strip())
    try:
        return date(*map(int, match.groups())) if match else None
    except ValueError:
        return None


def _suggestion(key: str) -> str | None:
    """The field of ours that a misspelt key most likely means (Notice-Chnage: change)."""
    near = difflib.get_close_matches(_normal(key), list(KEYS), n=1, cutoff=0.75)
    return KEYS[near[0]] if near else None


def _normal(key: str) -> str:
    return re.sub(r"[-_ ]+", "-", key.strip().lower())


def _looks_ours(key: str) -> bool:
    return _normal(key).startswith("notice-") or _suggestion(key) is not None


def _unknown_key(sha: str, key: str, value: str, line: int) -> list[Problem]:
    """A key that looks like one of ours but is not: silently ignoring `Notice-Chnage:
    material` would publish a material change as minor, and email no one."""
    if not _looks_ours(key):
        return []
    field = _suggestion(key)
    known = ", ".join(KEY_NAMES.values()) + ", Notice-Summary-<language>"
    if field:
        value = value.lower() if field == "change" else value
        fix = correction_fix(sha, f"did you mean {KEY_NAMES[field]}? rename the key",
                             {field: value})
    else:
        fix = correction_fix(sha, f"spell the key as one of {known}", {"acknowledge": ["N202"]})
    return [Problem(field, NoticeError(f"unknown trailer key {key!r}" +
                                       (f": did you mean {KEY_NAMES[field]}?" if field else ""),
                                       file=_where(sha), line=line, code="N202",
                                       fix=fix))]


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


def _misplaced(sha: str, message: str, taken: set[int]) -> list[Problem]:
    """Lines that look like our trailers but that git did not read as trailers: out of the
    last paragraph, or a misspelt key in it."""
    problems = []
    last_paragraph = _trailer_block(message)
    for number, line in enumerate(message.splitlines(), start=1):
        if number in taken:
            continue
        keyed = _KEY_LINE.match(line) if number in last_paragraph else None
        if keyed and not _field(keyed.group(1)) and not \
                _normal(keyed.group(1)).startswith("notice-summary-"):
            problems += _unknown_key(sha, keyed.group(1), keyed.group(2).strip(), number)
        elif _TRAILER_LIKE.match(line):
            key, _, value = line.partition(":")
            field = _field(key)
            problems.append(Problem(field, NoticeError(
                f"{line.strip()!r} looks like a trailer but git does not read it as one",
                file=_where(sha), line=number, code="N203",
                fix=correction_fix(
                    sha, "trailers go in the message's last paragraph, one `Key: value` per line, "
                         "spelt Notice-Change, Effective-Date, Notice-Summary or "
                         "Notice-Summary-<language>",
                    {_correction_key(field): value.strip()} if field else
                    {"acknowledge": ["N203"]}))))
    return problems
