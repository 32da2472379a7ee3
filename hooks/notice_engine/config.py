"""The notice's settings: `extra.notice` of mkdocs.yml, as plain engine objects.

Read once, validated here, so every later stage can trust regions, editions and
variables without re-checking them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import NoticeError, raise_all
from .core.safe_paths import read_regular_file
from .core.slugs import is_valid_id, slugify


@dataclass(frozen=True)
class Region:
    key: str
    names: dict          # locale -> name; "*" when one name serves every language
    part_of: str | None = None

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("*") or next(iter(self.names.values()))


@dataclass(frozen=True)
class Edition:
    """A region x a locale: one published page, e.g. `eu-fr`."""

    id: str
    region: str
    locale: str
    timezone: str
    date_format: str | None = None
    regions: frozenset[str] = frozenset()   # its region and every region it is part of
    languages: tuple[str, ...] = ()         # browser languages (BCP 47) the chooser sends here

    @property
    def hreflang(self) -> str:
        """The most specific language tag: `en-US`, or the locale when none is given."""
        return next((tag for tag in self.languages if "-" in tag), self.locale.replace("_", "-"))


@dataclass
class NoticeConfig:
    root: Path                       # the repository: mkdocs.yml, notice/, archive/
    language: str                    # the language the sections are written in
    timezone: str
    regions: dict[str, Region]
    editions: list[Edition]
    default_edition: str
    variables: dict = field(default_factory=dict)
    published: str | None = None     # the published site, for `notice build`'s record check

    @property
    def notice_dir(self) -> Path:
        return self.root / "notice"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    def edition(self, edition_id: str | None) -> Edition:
        wanted = edition_id or self.default_edition
        for edition in self.editions:
            if edition.id == wanted:
                return edition
        known = ", ".join(e.id for e in self.editions)
        raise NoticeError(f"unknown edition {wanted!r}", file=self.root / "mkdocs.yml",
                          fix=f"use one of: {known}")


# Keys of extra.notice that are settings; everything else is a variable for the text.
_SETTINGS = {"language", "timezone", "regions", "editions", "default_edition", "published"}
_NOTICE = ("extra", "notice")                       # where the settings are in mkdocs.yml


def from_extra(extra_notice: dict | None, root: Path) -> NoticeConfig:
    """Build the config from the `extra.notice` mapping of mkdocs.yml. Every problem is
    reported at once, each with the line of mkdocs.yml it is on and a fix."""
    source = _Source(root / "mkdocs.yml")
    data = extra_notice or {}
    if not isinstance(data, dict) or not data:
        raise source.error("mkdocs.yml has no `extra.notice` mapping", (),
                           fix="copy the `extra: notice:` block from the sample mkdocs.yml")
    errors: list[NoticeError] = []
    timezone = _timezone(data.get("timezone", "UTC"), source, ("timezone",), errors)
    regions = _regions(data.get("regions") or {}, source, errors)
    editions = _editions(data.get("editions") or [], regions, timezone, source, errors)
    default = data.get("default_edition") or (editions[0].id if editions else None)
    if editions and not (isinstance(default, str) and default in {e.id for e in editions}):
        errors.append(source.error(f"default_edition {default!r} is not one of the editions",
                                   ("default_edition",),
                                   fix="name one of the ids under extra.notice.editions"))
    language = data.get("language", "en")
    if not is_locale(language):
        errors.append(source.error(f"language {language!r} is not a language code",
                                   ("language",), fix="write it like en, fr or pt_BR"))
    raise_all(errors)
    variables = {k: v for k, v in data.items() if k not in _SETTINGS}
    published = data.get("published")
    return NoticeConfig(root=root, language=language, timezone=timezone,
                        regions=regions, editions=editions, default_edition=default,
                        variables=variables, published=str(published) if published else None)


def load(root: Path) -> NoticeConfig:
    """Read mkdocs.yml without MkDocs (the CLI's checks and the tests use this)."""
    path = root / "mkdocs.yml"
    try:
        raw = read_mkdocs_yml(read_regular_file(root, "mkdocs.yml").decode("utf-8"))
    except FileNotFoundError:
        raise NoticeError("no mkdocs.yml here", file=path,
                          fix="run the command from the notice repository's top folder") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise NoticeError(f"mkdocs.yml is not valid YAML: {getattr(exc, 'problem', exc)}",
                          file=path, line=mark.line + 1 if mark else None) from None
    extra = raw.get("extra") if isinstance(raw, dict) else None
    return from_extra(extra.get("notice") if isinstance(extra, dict) else None, root)


@lru_cache(maxsize=256)
def variables_in(mkdocs_yml: bytes) -> dict | None:
    """The text variables of a mkdocs.yml as it stood in some commit (None if unreadable).

    Cached: a history re-reads the same few versions of the file for every commit
    (callers must not change the dict they get)."""
    try:
        raw = read_mkdocs_yml(mkdocs_yml.decode("utf-8-sig"))
        notice = (raw.get("extra") or {}).get("notice") or {}
        return {k: v for k, v in notice.items() if k not in _SETTINGS}
    except (yaml.YAMLError, UnicodeDecodeError, AttributeError, ValueError, TypeError,
            RecursionError):
        return None


def read_mkdocs_yml(text: str):
    """mkdocs.yml as plain data, without MkDocs: its own tags (`!ENV`, `!relative`) read as
    None. Raises what PyYAML raises; callers say which file was wrong."""
    return yaml.load(text, Loader=_TolerantLoader) or {}


class _TolerantLoader(yaml.SafeLoader):
    pass


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


_LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")


def is_locale(value) -> bool:
    """A locale as the editions and translation files name them: en, fr, pt_BR."""
    return isinstance(value, str) and bool(_LOCALE.match(value))


def setting_error(root: Path, keys: tuple, message: str, fix: str | None = None) -> NoticeError:
    """An error about the setting at `keys` under extra.notice, with its mkdocs.yml line."""
    return _Source(root / "mkdocs.yml").error(message, keys, fix=fix)


class _Source:
    """mkdocs.yml, for messages: each setting's line, found by its key path under
    extra.notice (("editions", 2, "id")), so an error says where to look."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = key_lines(path)

    def line(self, keys: tuple) -> int | None:
        """The line of the setting, or of the nearest enclosing one that is written."""
        keys = _NOTICE + tuple(keys)
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return self.lines.get(keys)

    def error(self, message: str, keys: tuple, fix: str | None = None) -> NoticeError:
        return NoticeError(message, file=self.path, line=self.line(keys), fix=fix)


def key_lines(path: Path) -> dict[tuple, int]:
    """Every key path of a YAML file -> the line it starts on (1-based); empty when the
    file cannot be read. The last of duplicated keys wins, as it does when loading."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    return _key_lines_of(data)


@lru_cache(maxsize=16)
def _key_lines_of(data: bytes) -> dict[tuple, int]:
    try:
        node = yaml.compose(data.decode("utf-8-sig"), Loader=_TolerantLoader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}
    lines: dict[tuple, int] = {}
    pending = [((), node)]
    while pending:
        keys, node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines[keys + (key.value,)] = key.start_mark.line + 1
                    pending.append((keys + (key.value,), value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[keys + (index,)] = item.start_mark.line + 1
                pending.append((keys + (index,), item))
    return lines


def known_timezone(name: str) -> str:
    """`name`, if the tz database knows it: the one check of a timezone, wherever it is
    given (mkdocs.yml, `notice new --timezone`, `notice import --history --timezone`)."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise NoticeError(f"unknown timezone {name!r}",
                          fix="use an IANA name such as Europe/Paris or America/New_York") from None
    return str(name)


def _timezone(name, source: _Source, keys: tuple, errors: list[NoticeError]) -> str:
    try:
        return known_timezone(name)
    except NoticeError as error:
        errors.append(source.error(error.message, keys, fix=error.fix))
        return "UTC"


def _regions(data, source: _Source, errors: list[NoticeError]) -> dict[str, Region]:
    if not isinstance(data, dict):
        errors.append(source.error("extra.notice.regions must map region ids to settings",
                                   ("regions",), fix="write it as `regions: {us: {name: United "
                                                     "States}, eu: {name: EEA}}`"))
        return {}
    regions = {}
    for key, spec in data.items():
        where = ("regions", key)
        if not slug_problem(f"region id {key!r}", key, source, where, errors):
            continue
        spec = spec if isinstance(spec, dict) else {}
        name = spec.get("name", key)
        names = {str(k): str(v) for k, v in name.items()} if isinstance(name, dict) else {"*": str(name)}
        part_of = spec.get("part_of")
        regions[key] = Region(key=key, names=names,
                              part_of=str(part_of) if part_of is not None else None)
    for region in regions.values():
        if region.part_of and region.part_of not in regions:
            errors.append(source.error(
                f"region {region.key!r} is part_of unknown region {region.part_of!r}",
                ("regions", region.key, "part_of"),
                fix=f"define {region.part_of!r} under extra.notice.regions"))
    return regions


def slug_problem(what: str, value, source: _Source, keys: tuple,
                 errors: list[NoticeError]) -> bool:
    """Names that become folders or files (edition and region ids) must be slugs: `../x`
    or `/tmp/x` would write outside the site. True when `value` is one."""
    if isinstance(value, str) and is_valid_id(value):
        return True
    errors.append(source.error(
        f"{what} is not a usable id: ids name folders, so they are lower-case letters, digits "
        "and single hyphens", keys, fix=f"use an id such as {slugify(str(value)) or 'us-en'!r}"))
    return False


def _ancestry(region: str, regions: dict[str, Region]) -> frozenset[str]:
    seen = []
    while region and region not in seen:
        seen.append(region)
        region = regions[region].part_of if region in regions else None
    return frozenset(seen)


def _editions(data, regions: dict[str, Region], timezone: str, source: _Source,
              errors: list[NoticeError]) -> list[Edition]:
    if not isinstance(data, list) or not data:
        errors.append(source.error(
            "extra.notice.editions must list at least one edition", ("editions",),
            fix="list at least one edition, e.g. {id: us-en, region: us, locale: en}"))
        return []
    editions, seen = [], set()
    for index, spec in enumerate(data):
        where = ("editions", index)
        spec = spec if isinstance(spec, dict) else {}
        edition_id, region, locale = spec.get("id"), spec.get("region"), spec.get("locale")
        if not (edition_id and region and locale):
            errors.append(source.error("an edition needs id, region and locale", where,
                                       fix="write it as {id: us-en, region: us, locale: en}"))
            continue
        if not slug_problem(f"edition id {edition_id!r}", edition_id, source,
                            where + ("id",), errors):
            continue
        if not is_locale(locale):
            errors.append(source.error(f"edition {edition_id!r}: {locale!r} is not a locale",
                                       where + ("locale",), fix="write it like en, fr or pt_BR"))
            continue
        if not isinstance(region, str) or region not in regions:
            errors.append(source.error(
                f"edition {edition_id!r} names unknown region {region!r}", where + ("region",),
                fix=f"define it under extra.notice.regions (known: {', '.join(regions)})"))
            continue
        if edition_id in seen:
            errors.append(source.error(f"edition id {edition_id!r} appears twice",
                                       where + ("id",), fix="give each edition its own id"))
            continue
        seen.add(edition_id)
        languages = spec.get("languages") or [str(locale).replace("_", "-")]
        editions.append(Edition(
            id=edition_id, region=region, locale=str(locale),
            timezone=_timezone(spec.get("timezone", timezone), source, where + ("timezone",),
                               errors),
            date_format=str(spec["date_format"]) if spec.get("date_format") else None,
            regions=_ancestry(region, regions),
            languages=tuple(str(t) for t in (languages if isinstance(languages, list)
                                             else [languages]))))
    return editions
