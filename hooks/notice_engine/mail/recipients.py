"""Recipients: a CSV (`email,name,locale,region`) read into checked rows, each with its edition.

A bad row is reported with its line and skipped; the others go on, so one typo
in a list of 50,000 customers does not hold back the other 49,999 (and the run's
exit code still says that someone was not reached).

Which edition a recipient reads (the first that exists wins):

1. the edition of their region in their locale (`eu` + `fr` -> `eu-fr`);
2. an edition of their region in their language (`fr_CA` -> `eu-fr`);
3. the first edition of their region, in whatever language: the text that
   applies to them legally matters more than the language;
4. the same three steps for the region it is `part_of` (`fr` -> `eu`), and up;
5. the default edition.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from ..config import Edition, NoticeConfig
from ..errors import NoticeError
from . import addresses

COLUMNS = ("email", "name", "locale", "region")


@dataclass(frozen=True)
class Recipient:
    mailbox: addresses.Mailbox
    name: str
    locale: str               # as babel spells it: fr_CA
    region: str
    edition: Edition
    line: int                 # where the row starts in the CSV
    fallback: str | None = None     # how the edition was chosen, when not an exact match

    @property
    def key(self) -> str:
        return self.mailbox.key


@dataclass
class RecipientList:
    recipients: list[Recipient]
    problems: list[NoticeError] = field(default_factory=list)   # one per skipped row


def read(path: Path, config: NoticeConfig) -> RecipientList:
    """Every valid row of the CSV; raises only if the file itself is unusable."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header(reader, path)
    result = RecipientList(recipients=[])
    seen: dict[str, int] = {}
    choose = functools.lru_cache(maxsize=None)(functools.partial(edition_for, config))
    line = reader.line_num + 1
    for row in _rows(reader, path):
        try:
            recipient = _recipient(dict(zip(header, row)), line, config, choose, seen)
        except ValueError as exc:
            result.problems.append(NoticeError(f"{exc}; row skipped", file=path, line=line))
        else:
            if recipient:
                seen[recipient.key] = line
                result.recipients.append(recipient)
        line = reader.line_num + 1
    return result


def _rows(reader, path: Path):
    """The CSV's rows; a file the csv module cannot split (a NUL byte) stops with its line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise NoticeError(f"the recipients file cannot be read as CSV: {exc}", file=path,
                          line=reader.line_num) from None


def edition_for(config: NoticeConfig, region: str, locale: Locale) -> tuple[Edition, str | None]:
    """The edition a reader in `region` with `locale` gets (see above), and, when it is not
    their region in their language, a note saying which it is instead."""
    asked = region
    while region:
        editions = [e for e in config.editions if e.region == region]
        choice = (next((e for e in editions if Locale.parse(e.locale) == locale), None)
                  or next((e for e in editions
                           if Locale.parse(e.locale).language == locale.language), None)
                  or next(iter(editions), None))
        if choice:
            if region == asked and Locale.parse(choice.locale).language == locale.language:
                return choice, None
            return choice, f"no {asked} edition in {locale}: nearest is {choice.id}"
        region = config.regions[region].part_of
    default = config.edition(None)
    return default, f"no edition for region {asked}: the default edition {default.id}"


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NoticeError(f"cannot read the recipients file: {exc.strerror}", file=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise NoticeError("the recipients file is not UTF-8", file=path, line=line,
                          fix="save it as UTF-8 (CSV UTF-8 in spreadsheet programs)") from None


def _header(reader, path: Path) -> list[str]:
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise NoticeError("the recipients file is empty", file=path, line=1,
                          fix=f"start it with the header row: {','.join(COLUMNS)}") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise NoticeError(f"the header row lacks column(s) {', '.join(missing)}", file=path,
                          line=1, fix=f"the first row names the columns: {','.join(COLUMNS)} "
                                      "(in any order; other columns are ignored)")
    return header


def _recipient(row: dict, line: int, config: NoticeConfig, choose,
               seen: dict[str, int]) -> Recipient | None:
    """One row checked; None for a blank line; ValueError saying what is wrong."""
    values = {c: row.get(c) for c in COLUMNS}
    if all(not (v or "").strip() for v in values.values()):
        return None
    if any(v is None for v in values.values()):
        raise ValueError(f"the row has {len(row)} field(s), fewer than the header names")
    for column in ("email", "name"):
        if addresses.has_line_break(values[column]):
            raise ValueError(f"the {column} contains a line break (header injection?)")
    try:
        mailbox = addresses.parse(values["email"])
    except addresses.AddressError as exc:
        raise ValueError(f"invalid email address {values['email'].strip()!r}: {exc}") from None
    if mailbox.key in seen:
        raise ValueError(f"duplicate address {str(mailbox)!r}, already on line {seen[mailbox.key]}")
    locale = _locale(values["locale"].strip())
    region = _region(values["region"].strip(), config)
    edition, fallback = choose(region, locale)
    return Recipient(mailbox=mailbox, name=values["name"].strip(), locale=str(locale),
                     region=region, edition=edition, line=line, fallback=fallback)


def _locale(value: str) -> Locale:
    if not value:
        raise ValueError("no locale (e.g. en, fr, fr_CA)")
    try:
        return Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(f"unknown locale {value!r} (use a code such as en, fr or fr_CA)") from None


def _region(value: str, config: NoticeConfig) -> str:
    for key in config.regions:
        if key.lower() == value.lower():
            return key
    known = ", ".join(config.regions)
    raise ValueError(f"unknown region {value!r} (known: {known})" if value
                     else f"no region (known: {known})")
