"""Recipients: a CSV (`email,name,locale,region`), or rows from a plugin, read into checked
rows, each with its edition.

A bad row is reported with its line and skipped; the others go on, so one typo
in a list of 50,000 customers does not hold back the other 49,999 (and the run's
exit code still says that someone was not reached).

A list of a million rows is never held in memory (`Recipients`): the source is
read once to check every row, before anything is sent, then again, streaming, to
plan and send; only the addresses seen (to refuse duplicates) are kept during the
first pass. A plugin is therefore called once per pass and must yield the same
rows each time; a row that was valid and no longer is stops the run.

A plugin is a function `rows(options: dict[str, str]) -> Iterable[Mapping[str, str]]`
yielding mappings with the CSV's columns. It is named by an entry point in the group
`notice.recipients` (this package registers `jsonl`, which reads JSON Lines), or as
`module:function`. Its rows are checked exactly as a CSV's are.

Which edition a recipient reads (the first that exists wins):

1. the edition of their region in their locale (`eu` + `fr` -> `eu-fr`);
2. an edition of their region in their language (`fr_CA` -> `eu-fr`);
3. the first edition of their region, in whatever language: the text that
   applies to them legally matters more than the language;
4. the same three steps for the region it is `part_of` (`fr` -> `eu`), and up;
5. the default edition.

A row with no region reads the default edition (extra.notice.mail.missing_region:
default), or is reported and skipped (`skip`): customer lists often lack one.
"""

from __future__ import annotations

import csv
import functools
import importlib
import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from babel import Locale, UnknownLocaleError

from ..config import Edition, NoticeConfig
from ..errors import NoticeError
from . import addresses, headers

COLUMNS = ("email", "name", "locale", "region")
DEFAULT, SKIP = "default", "skip"          # extra.notice.mail.missing_region
MAX_NAME = 200                  # characters: a display name, not a letter
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
PLUGIN_GROUP = "notice.recipients"


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


@dataclass(frozen=True)
class Plugin:
    """A recipient source other than a CSV: its name (an entry point or module:function) and
    the options it is given."""

    name: str
    options: dict = field(default_factory=dict)


class Recipients:
    """The recipients of a CSV file or of a plugin, read in passes: `check` first (every row,
    the bad ones reported), then iterating yields the good rows' recipients, reading the
    source again each time. `edition`: only the recipients whose edition it is."""

    def __init__(self, source: Path | Plugin, config: NoticeConfig,
                 missing_region: str = DEFAULT, edition: str | None = None):
        self.source, self.config, self.missing_region = source, config, missing_region
        self.wanted = config.edition(edition).id if edition else None
        self.problems: list[NoticeError] = []       # one per skipped row
        self.editions: dict[str, Edition] = {}      # of the recipients
        self.count = 0                              # recipients (of the wanted edition)
        self._skipped: set[int] = set()             # row numbers reported
        self._choose = functools.lru_cache(maxsize=None)(functools.partial(edition_for, config))

    def check(self) -> list[NoticeError]:
        """Read every row once; raises only if the source itself is unusable."""
        seen: dict[str, int] = {}                   # address -> the row it was first on
        for number, row in self._numbered():
            try:
                recipient = self._recipient(number, row)
                if recipient and recipient.key in seen:
                    raise ValueError(f"duplicate address {str(recipient.mailbox)!r}, already "
                                     f"on line {seen[recipient.key]}")
            except ValueError as exc:
                self.problems.append(self._problem(number, f"{exc}; row skipped"))
                self._skipped.add(number)
                continue
            if recipient:
                seen[recipient.key] = number
                if self.wanted in (None, recipient.edition.id):
                    self.editions[recipient.edition.id] = recipient.edition
                    self.count += 1
        return self.problems

    def __iter__(self) -> Iterator[Recipient]:
        """The recipients of the rows `check` found good, read again."""
        for number, row in self._numbered():
            if number in self._skipped:
                continue
            try:
                recipient = self._recipient(number, row)
            except ValueError as exc:
                raise self._problem(number, f"{exc}, though the row was valid when this run "
                                            "checked it: the recipients changed while it was "
                                            "reading them; run again") from None
            if recipient and self.wanted in (None, recipient.edition.id):
                yield recipient

    def _recipient(self, number: int, row) -> Recipient | None:
        return _recipient(row, number, self.config, self._choose, self.missing_region)

    def _numbered(self) -> Iterator[tuple[int, object]]:
        if isinstance(self.source, Plugin):
            return _plugin_rows(self.source)
        return _csv_rows(self.source)

    def _problem(self, number: int, message: str) -> NoticeError:
        if isinstance(self.source, Plugin):
            return NoticeError(message, file=f"recipients from {self.source.name}, row {number}")
        return NoticeError(message, file=self.source, line=number)


def load(source: Path | Plugin, config: NoticeConfig,
         missing_region: str = DEFAULT) -> RecipientList:
    """The recipients of a CSV file or of a plugin, in a list (a small one: see Recipients)."""
    found = Recipients(source, config, missing_region)
    problems = found.check()
    return RecipientList(recipients=list(found), problems=problems)


def read(path: Path, config: NoticeConfig, missing_region: str = DEFAULT) -> RecipientList:
    """Every valid row of the CSV; raises only if the file itself is unusable."""
    return load(path, config, missing_region)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """The CSV's rows, numbered by the line they start on, read as a stream."""
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise NoticeError(f"cannot read the recipients file: {exc.strerror}", file=path) from None
    with stream:
        reader = csv.reader(stream)
        try:
            header = _header(reader, path)
            line = reader.line_num + 1
            for row in _rows(reader, path):
                yield line, dict(zip(header, row))
                line = reader.line_num + 1
        except UnicodeDecodeError:
            raise NoticeError("the recipients file is not UTF-8", file=path,
                              line=_first_undecodable_line(path),
                              fix="save it as UTF-8 (CSV UTF-8 in spreadsheet programs)") from None


def _first_undecodable_line(path: Path) -> int:
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _plugin_rows(plugin: Plugin) -> Iterator[tuple[int, object]]:
    """The plugin's rows, numbered from 1, keys lower-cased; raises if it cannot be found or
    fails."""
    rows = _plugin_function(plugin.name)
    try:
        for number, row in enumerate(rows(dict(plugin.options)), start=1):
            if isinstance(row, Mapping):
                row = {str(k).strip().lower(): None if v is None else str(v)
                       for k, v in row.items()}
            yield number, row
    except NoticeError:
        raise
    except Exception as exc:        # the plugin's own failure: nothing is sent
        raise NoticeError(f"the recipient source failed: {type(exc).__name__}: {exc}",
                          file=f"recipients from {plugin.name}",
                          fix="fix the source (or its options) and run again; "
                              "nothing was sent") from None


def json_lines(options: dict) -> Iterator[dict]:
    """The `jsonl` plugin: one JSON object per line of the file `path`; a blank line is an
    empty row, so row numbers are line numbers."""
    if "path" not in options:
        raise NoticeError("the jsonl recipient source needs --recipients-option path=FILE")
    path = Path(options["path"])
    for number, line in enumerate(_decode(path).splitlines(), start=1):
        try:
            yield json.loads(line) if line.strip() else {}
        except ValueError as exc:
            raise NoticeError(f"not JSON: {exc}", file=path, line=number) from None


def _plugin_function(name: str):
    found = [e for e in metadata.entry_points(group=PLUGIN_GROUP) if e.name == name]
    try:
        if found:
            return found[0].load()
        if ":" in name:
            module, _, attribute = name.partition(":")
            return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise NoticeError(f"cannot load the recipient source {name!r}: {exc}",
                          fix="check that its package is installed in this environment") from None
    known = sorted(e.name for e in metadata.entry_points(group=PLUGIN_GROUP))
    raise NoticeError(f"no recipient source {name!r}",
                      fix=f"name an installed one ({', '.join(known)}) or a module:function")


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
    if not asked:
        return default, f"no region: the default edition {default.id}"
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


def _recipient(row, line: int, config: NoticeConfig, choose,
               missing_region: str) -> Recipient | None:
    """One row checked; None for a blank line; ValueError saying what is wrong."""
    if not isinstance(row, Mapping):
        raise ValueError(f"the row is a {type(row).__name__}, not a mapping of the columns")
    values = {c: row.get(c) for c in COLUMNS}
    if all(not (v or "").strip() for v in values.values()):
        return None
    missing = [c for c, v in values.items() if v is None]
    if missing:
        raise ValueError(f"the row has no {', '.join(missing)} (it has {len(row)} field(s), "
                         "fewer than the header names)")
    for column in ("email", "name"):
        if addresses.has_line_break(values[column]):
            raise ValueError(f"the {column} contains a line break (header injection?)")
    name = check_name(values["name"].strip())
    try:
        mailbox = addresses.parse(values["email"])
    except addresses.AddressError as exc:
        raise ValueError(f"invalid email address {values['email'].strip()!r}: {exc}") from None
    locale = _locale(values["locale"].strip())
    region = _region(values["region"].strip(), config, missing_region)
    edition, fallback = choose(region, locale)
    return Recipient(mailbox=mailbox, name=name, locale=_locale_name(locale),
                     region=region, edition=edition, line=line, fallback=fallback)


def check_name(value: str) -> str:
    """A display name that cannot smuggle anything into a header or mislead a reader."""
    if len(value) > MAX_NAME:
        raise ValueError(f"the name is {len(value)} characters long, over the limit of "
                         f"{MAX_NAME}")
    if headers.has_encoded_word(value):
        raise ValueError("the name holds an RFC 2047 encoded-word (=?…?=), which mail programs "
                         "would decode into other text (header injection?)")
    if value.isascii() and value.isprintable():        # the usual name: nothing to look for
        return value
    for char in value:
        if unicodedata.category(char) == "Cc":
            raise ValueError(f"the name contains the control character U+{ord(char):04X}")
        if char in BIDI_CONTROLS:
            raise ValueError(f"the name contains the bidirectional control U+{ord(char):04X}, "
                             "which can make text read differently from what it is")
    return value


@functools.lru_cache(maxsize=4096)
def _locale_name(locale: Locale) -> str:
    return str(locale)


@functools.lru_cache(maxsize=4096)
def _locale(value: str) -> Locale:
    if not value:
        raise ValueError("no locale (e.g. en, fr, fr_CA)")
    try:
        return Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(f"unknown locale {value!r} (use a code such as en, fr or fr_CA)") from None


def _region(value: str, config: NoticeConfig, missing_region: str) -> str:
    """The region's key as configured; "" (the default edition) for a row without one, unless
    extra.notice.mail.missing_region is `skip`."""
    if not value and missing_region == DEFAULT:
        return ""
    for key in config.regions:
        if key.lower() == value.lower():
            return key
    known = ", ".join(config.regions)
    raise ValueError(f"unknown region {value!r} (known: {known})" if value
                     else f"no region (known: {known}; extra.notice.mail.missing_region is skip)")
