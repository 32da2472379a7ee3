"""The notice's settings: `extra.notice` of mkdocs.yml, as plain engine objects.

Read once, validated here, so every later stage can trust regions, editions and
variables without re-checking them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import NoticeError
from .safe_paths import read_regular_file


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
_SETTINGS = {"language", "timezone", "regions", "editions", "default_edition"}


def from_extra(extra_notice: dict | None, root: Path) -> NoticeConfig:
    """Build the config from the `extra.notice` mapping of mkdocs.yml."""
    source = root / "mkdocs.yml"
    data = dict(extra_notice or {})
    if not data:
        raise NoticeError("mkdocs.yml has no `extra.notice` section", file=source,
                          fix="copy the `extra: notice:` block from the sample mkdocs.yml")
    timezone = _timezone(data.get("timezone", "UTC"), source)
    regions = _regions(data.get("regions") or {}, source)
    editions = _editions(data.get("editions") or [], regions, timezone, source)
    default = data.get("default_edition") or editions[0].id
    if default not in {e.id for e in editions}:
        raise NoticeError(f"default_edition {default!r} is not one of the editions", file=source,
                          fix="name one of the ids under extra.notice.editions")
    variables = {k: v for k, v in data.items() if k not in _SETTINGS}
    return NoticeConfig(root=root, language=str(data.get("language", "en")), timezone=timezone,
                        regions=regions, editions=editions, default_edition=default,
                        variables=variables)


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
    return from_extra((raw.get("extra") or {}).get("notice"), root)


@lru_cache(maxsize=256)
def variables_in(mkdocs_yml: bytes) -> dict | None:
    """The text variables of a mkdocs.yml as it stood in some commit (None if unreadable).

    Cached: a history re-reads the same few versions of the file for every commit
    (callers must not change the dict they get)."""
    try:
        raw = read_mkdocs_yml(mkdocs_yml.decode("utf-8-sig"))
        notice = (raw.get("extra") or {}).get("notice") or {}
    except (yaml.YAMLError, UnicodeDecodeError, AttributeError, ValueError, TypeError,
            RecursionError):
        return None
    return {k: v for k, v in notice.items() if k not in _SETTINGS}


def read_mkdocs_yml(text: str):
    """mkdocs.yml as plain data, without MkDocs: its own tags (`!ENV`, `!relative`) read as
    None. Raises what PyYAML raises; callers say which file was wrong."""
    return yaml.load(text, Loader=_TolerantLoader) or {}


class _TolerantLoader(yaml.SafeLoader):
    pass


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _timezone(name: str, source: Path) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise NoticeError(f"unknown timezone {name!r} in extra.notice.timezone", file=source,
                          fix="use an IANA name such as Europe/Paris or America/New_York") from None
    return str(name)


def _regions(data: dict, source: Path) -> dict[str, Region]:
    regions = {}
    for key, spec in data.items():
        spec = spec or {}
        name = spec.get("name", key)
        names = {str(k): str(v) for k, v in name.items()} if isinstance(name, dict) else {"*": str(name)}
        regions[str(key)] = Region(key=str(key), names=names, part_of=spec.get("part_of"))
    for region in regions.values():
        if region.part_of and region.part_of not in regions:
            raise NoticeError(f"region {region.key!r} is part_of unknown region {region.part_of!r}",
                              file=source, fix=f"define {region.part_of!r} under extra.notice.regions")
    return regions


def _ancestry(region: str, regions: dict[str, Region]) -> frozenset[str]:
    seen = []
    while region and region not in seen:
        seen.append(region)
        region = regions[region].part_of if region in regions else None
    return frozenset(seen)


def _editions(data: list, regions: dict[str, Region], timezone: str, source: Path) -> list[Edition]:
    if not data:
        raise NoticeError("extra.notice.editions is empty", file=source,
                          fix="list at least one edition, e.g. {id: us-en, region: us, locale: en}")
    editions, seen = [], set()
    for spec in data:
        edition_id, region, locale = spec.get("id"), spec.get("region"), spec.get("locale")
        if not (edition_id and region and locale):
            raise NoticeError(f"edition {spec!r} needs id, region and locale", file=source)
        if region not in regions:
            raise NoticeError(f"edition {edition_id!r} names unknown region {region!r}", file=source,
                              fix=f"define it under extra.notice.regions (known: {', '.join(regions)})")
        if edition_id in seen:
            raise NoticeError(f"edition id {edition_id!r} appears twice", file=source)
        seen.add(edition_id)
        editions.append(Edition(id=edition_id, region=region, locale=str(locale),
                                timezone=_timezone(spec.get("timezone", timezone), source),
                                date_format=spec.get("date_format"),
                                regions=_ancestry(region, regions),
                                languages=tuple(str(t) for t in spec.get("languages") or
                                                [str(locale).replace("_", "-")])))
    return editions
