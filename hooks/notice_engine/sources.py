"""Sources: the notice as it stands in one tree (the work tree, or later any commit).

A `Tree` is anything that can list a folder and read a file, so the same code
reads the working copy for `mkdocs serve` and an old commit for the archive,
without a checkout. Reading validates: every problem names its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from .config import NoticeConfig
from .errors import NoticeError, raise_all
from .slugs import is_valid_id, slugify
from .variables import expand, flatten

NOTICE_DIR = "notice"
MANIFEST = "notice.yml"
FRONT_MATTER_KEYS = {"aliases", "regions"}

_HEADING = re.compile(r"^(#{1,6})(?!#)[ \t]*(.*?)[ \t]*#*[ \t]*$")   # `#word` is a heading too
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_ATTR_ID = re.compile(r"[ \t]*\{[ \t]*#([\w-]+)[^}]*\}[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")


class Tree(Protocol):
    """Read access to one state of the repository."""

    def list(self, folder: str) -> list[str]:
        """File names directly inside `folder` (repository-relative)."""

    def read(self, path: str) -> bytes:
        """The bytes of a repository-relative file; FileNotFoundError if absent."""


@dataclass(frozen=True)
class WorkTree:
    """The files on disk: what `mkdocs serve` previews."""

    root: Path

    def list(self, folder: str) -> list[str]:
        directory = self.root / folder
        if not directory.is_dir():
            return []
        return sorted(p.name for p in directory.iterdir() if p.is_file())

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()


@dataclass(frozen=True)
class Heading:
    """A heading inside a section, with the anchor the page gives it."""

    level: int          # as written in the file
    text: str           # inline Markdown stripped
    anchor: str
    line: int


@dataclass(frozen=True)
class Section:
    """One file of `notice/`: a section in one language."""

    id: str
    locale: str
    path: str                       # repository-relative, for messages
    title: str
    body: str                       # the Markdown after the title line
    body_line: int                  # line number of the body's first line in the file
    title_line: int
    aliases: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    headings: tuple[Heading, ...] = ()   # the title heading first, then sub-headings

    def applies_to(self, regions: frozenset[str]) -> bool:
        """A section without `regions:` is in every edition."""
        return not self.regions or bool(set(self.regions) & regions)


@dataclass(frozen=True)
class Manifest:
    path: str
    titles: dict[str, str]          # locale -> notice title ("*" when one title for all)
    entries: tuple[tuple[str, int], ...]   # (section id, line)
    jump_list: str | None = None

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get("*") or next(iter(self.titles.values()))


@dataclass
class Notice:
    """Everything `notice/` says at one point in time."""

    manifest: Manifest
    sections: dict[str, Section]                          # source language, manifest order
    translations: dict[tuple[str, str], Section] = field(default_factory=dict)  # (id, locale)

    def text_of(self, section_id: str, locale: str) -> Section:
        """The section in `locale`, or in the source language when not translated."""
        return self.translations.get((section_id, locale), self.sections[section_id])


def read_notice(tree: Tree, config: NoticeConfig) -> Notice:
    """Read and validate the manifest and every section file of `notice/`."""
    errors: list[NoticeError] = []
    values = flatten(config.variables)
    values_key = tuple(sorted(values.items()))
    manifest = read_manifest(tree, values)
    sections: dict[str, Section] = {}
    translations: dict[tuple[str, str], Section] = {}
    unreadable: set[str] = set()          # already reported: not "missing" as well
    for name in tree.list(NOTICE_DIR):
        if name == MANIFEST or not name.endswith(".md"):
            continue
        try:
            section = _parse_cached(f"{NOTICE_DIR}/{name}", tree.read(f"{NOTICE_DIR}/{name}"),
                                    config.language, values_key)
        except NoticeError as exc:
            errors.append(exc)
            unreadable.add(name.split(".", 1)[0])
            continue
        if section.locale == config.language:
            sections[section.id] = section
        else:
            translations[(section.id, section.locale)] = section

    listed: dict[str, int] = {}
    for section_id, line in manifest.entries:
        if section_id in listed:
            errors.append(NoticeError(f"section {section_id!r} is listed twice (first at line "
                                      f"{listed[section_id]})", file=manifest.path, line=line,
                                      fix="remove one of the two entries")); continue
        listed[section_id] = line
        if section_id not in sections and section_id not in unreadable:
            errors.append(NoticeError(f"section {section_id!r} has no file "
                                      f"{NOTICE_DIR}/{section_id}.md", file=manifest.path, line=line,
                                      fix="create the file, or remove the entry"))
    for section in sections.values():
        if section.id not in listed:
            errors.append(NoticeError(f"this section is not listed in {manifest.path}",
                                      file=section.path, line=1,
                                      fix=f"add `- {section.id}` under `sections:` where it belongs"))
    for (section_id, locale), translation in translations.items():
        if section_id not in sections and section_id not in unreadable:
            errors.append(NoticeError(f"translation of a section that does not exist "
                                      f"({NOTICE_DIR}/{section_id}.md)", file=translation.path,
                                      fix="rename it after its source section, or delete it"))
    if manifest.jump_list and manifest.jump_list not in listed:
        errors.append(NoticeError(f"jump_list names {manifest.jump_list!r}, which is not a listed "
                                  "section", file=manifest.path, fix="name one of the sections"))
    errors += _check_regions(sections, translations, config)
    errors += _check_ids_unique(sections)
    raise_all(errors)
    ordered = {section_id: sections[section_id] for section_id, _ in manifest.entries}
    return Notice(manifest=manifest, sections=ordered, translations=translations)


@lru_cache(maxsize=20_000)
def _parse_cached(path: str, data: bytes, language: str,
                  values_key: tuple[tuple[str, str], ...]) -> Section:
    """A history of hundreds of commits re-reads mostly unchanged files: parse each once.
    (Sections are frozen, so sharing one between commits is safe.)"""
    return parse_section(path, data, language, dict(values_key))


def read_manifest(tree: Tree, values: dict[str, str]) -> Manifest:
    path = f"{NOTICE_DIR}/{MANIFEST}"
    try:
        data = tree.read(path)
    except FileNotFoundError:
        raise NoticeError("the manifest is missing", file=path,
                          fix="create it with `title:` and `sections:` (or run `notice import`)") from None
    return _manifest_cached(path, data, tuple(sorted(values.items())))


@lru_cache(maxsize=1024)
def _manifest_cached(path: str, data: bytes, values_key: tuple[tuple[str, str], ...]) -> Manifest:
    """The manifest rarely changes across a history: parse each distinct one once."""
    values = dict(values_key)
    text = _decode(path, data)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except YAML_FAILURES as exc:
        raise _yaml_error(exc, path, 0) from None
    if not isinstance(node, yaml.MappingNode):
        raise NoticeError("the manifest must be a mapping with `title:` and `sections:`",
                          file=path, line=1)
    fields = {key.value: value for key, value in node.value}
    unknown = set(fields) - {"title", "sections", "jump_list"}
    if unknown:
        raise NoticeError(f"unknown key {sorted(unknown)[0]!r} in the manifest", file=path,
                          fix="the manifest takes title, sections and jump_list")
    sections_node = fields.get("sections")
    if not isinstance(sections_node, yaml.SequenceNode) or not sections_node.value:
        raise NoticeError("the manifest has no `sections:` list", file=path,
                          line=sections_node.start_mark.line + 1 if sections_node else None,
                          fix="list the section ids (file names without .md) in reading order")
    entries = []
    for item in sections_node.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.ScalarNode) or not is_valid_id(item.value):
            raise NoticeError("a section entry must be a section id such as `contact`",
                              file=path, line=line)
        entries.append((item.value, line))
    titles = data.get("title") or "Privacy Notice"
    titles = titles if isinstance(titles, dict) else {"*": titles}
    titles = {str(k): expand(str(v), values, path, fields["title"].start_mark.line + 1 if "title" in fields else 1)
              for k, v in titles.items()}
    jump_list = fields.get("jump_list")
    return Manifest(path=path, titles=titles, entries=tuple(entries),
                    jump_list=jump_list.value if jump_list is not None else None)


def parse_section(path: str, data: bytes, source_language: str,
                  values: dict[str, str], name: str | None = None) -> Section:
    """One section file: optional front matter, a `# Title` line, then the body.

    `name` (id, or id.locale) defaults to the file name; legacy versions pass it.
    """
    name = name or path.rsplit("/", 1)[-1][: -len(".md")]
    section_id, _, locale = name.partition(".")
    if locale and not _LOCALE.match(locale):
        raise NoticeError(f"{locale!r} is not a locale suffix", file=path,
                          fix="name translations like `contact.fr.md` or `contact.pt_BR.md`")
    if not is_valid_id(section_id):
        raise NoticeError(f"{section_id!r} is not a valid section id", file=path,
                          fix=f"rename the file to {slugify(section_id) or 'a-slug'}.md "
                              "(lower-case words joined by hyphens)")
    lines = _decode(path, data).split("\n")
    meta, start = _front_matter(path, lines)
    lines[start:] = expand("\n".join(lines[start:]), values, path, start + 1).split("\n")
    title_index = start
    while title_index < len(lines) and not lines[title_index].strip():
        title_index += 1
    match = _HEADING.match(lines[title_index]) if title_index < len(lines) else None
    if not match:
        raise NoticeError("a section starts with its title heading", file=path,
                          line=title_index + 1, fix="make the first line `# Section title`")
    headings = outline(lines[start:], first_line=start + 1, section_id=section_id)
    for heading in headings:
        if heading.anchor.startswith("_"):
            raise NoticeError(f"the anchor {heading.anchor!r} starts with _, which the page keeps "
                              "for its own parts (the redline is #_changes)", file=path,
                              line=heading.line, fix=f"use {{#{slugify(heading.anchor)}}}")
    body_index = title_index + 1
    while body_index < len(lines) and not lines[body_index].strip():
        body_index += 1
    return Section(id=section_id, locale=locale or source_language, path=path,
                   title=_inline_text(_ATTR_ID.sub("", match.group(2))),
                   body="\n".join(lines[body_index:]).rstrip("\n") + "\n",
                   body_line=body_index + 1, title_line=title_index + 1,
                   aliases=_string_list(meta, "aliases", path),
                   regions=_string_list(meta, "regions", path),
                   headings=tuple(headings))


def outline(lines: list[str], first_line: int, section_id: str) -> list[Heading]:
    """The ATX headings outside code fences; the first is the section title.

    The title's anchor is the section id; a sub-heading's is `{#explicit}` or
    the slug of its text: the same anchors in every version and edition.
    """
    headings, fence = [], None
    for index, line in enumerate(lines):
        number = first_line + index
        fence_match = _FENCE.match(line)
        if fence_match:
            fence = None if fence == fence_match.group(1) else (fence or fence_match.group(1))
            continue
        if fence:
            continue
        match = _HEADING.match(line)
        if match:
            level, raw = len(match.group(1)), match.group(2)
        elif _starts_setext(lines, index):            # `Title` over `=====` or `-----`
            level, raw = (1 if lines[index + 1].lstrip()[0] == "=" else 2), line.strip()
        else:
            continue
        explicit = _ATTR_ID.search(raw)
        text = _inline_text(_ATTR_ID.sub("", raw))
        if not headings:
            anchor = section_id
        else:
            anchor = explicit.group(1) if explicit else slugify(text)
        headings.append(Heading(level=level, text=text, anchor=anchor, line=number))
    return headings


def _starts_setext(lines: list[str], index: int) -> bool:
    """A line that opens a block and is underlined is a heading (as Python-Markdown reads it)."""
    return (index + 1 < len(lines) and bool(_SETEXT.match(lines[index + 1]))
            and bool(lines[index].strip()) and (index == 0 or not lines[index - 1].strip())
            and not _HEADING.match(lines[index]))


def _front_matter(path: str, lines: list[str]) -> tuple[dict, int]:
    """Parse `---` front matter; return it and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise NoticeError("front matter opened on line 1 is never closed", file=path, line=1,
                          fix="end it with a line of three dashes: ---")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except YAML_FAILURES as exc:
        raise _yaml_error(exc, path, 1) from None
    if not isinstance(meta, dict):
        raise NoticeError("front matter must be `key: value` lines", file=path, line=2)
    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            line = next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 2)
            raise NoticeError(f"unknown front matter key {key!r}", file=path, line=line,
                              fix=f"sections take only {', '.join(sorted(FRONT_MATTER_KEYS))}")
    return meta, end + 1


def _string_list(meta: dict, key: str, path: str) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise NoticeError(f"`{key}:` must be a list of names", file=path,
                          fix=f"write it as `{key}: [a, b]`")
    return tuple(str(v) for v in value)


def _check_regions(sections, translations, config: NoticeConfig) -> list[NoticeError]:
    errors = []
    for section in [*sections.values(), *translations.values()]:
        for region in section.regions:
            if region not in config.regions:
                errors.append(NoticeError(f"unknown region {region!r}", file=section.path,
                                          fix=f"use one of: {', '.join(config.regions)} "
                                              "(regions are defined in mkdocs.yml, extra.notice.regions)"))
    for (section_id, _), translation in translations.items():
        source = sections.get(section_id)
        if source and translation.regions and set(translation.regions) != set(source.regions):
            errors.append(NoticeError("a translation's regions differ from its source's",
                                      file=translation.path,
                                      fix=f"set regions in {source.path} only"))
    return errors


def _check_ids_unique(sections: dict[str, Section]) -> list[NoticeError]:
    """Section ids and aliases share one namespace: an alias may not shadow another section."""
    owner: dict[str, str] = {section_id: section.path for section_id, section in sections.items()}
    errors = []
    for section in sections.values():
        for alias in section.aliases:
            if not is_valid_id(alias):
                errors.append(NoticeError(f"alias {alias!r} is not a valid id", file=section.path))
            elif alias in owner and owner[alias] != section.path:
                errors.append(NoticeError(f"duplicate id {alias!r}: also used by {owner[alias]}",
                                          file=section.path,
                                          fix="remove the alias or rename one of the two"))
            else:
                owner[alias] = section.path
    return errors


def _decode(path: str, data: bytes) -> str:
    """UTF-8 (a BOM is tolerated), line endings normalised to \\n."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NoticeError(f"not valid UTF-8 (byte {exc.start})", file=path, line=line,
                          fix="save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# PyYAML reports most mistakes as YAMLError, but an impossible date (`2024-02-30`), a
# mistyped tag (`!!int x`) or absurd nesting escape as ValueError and friends.
YAML_FAILURES = (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError)


def _yaml_error(exc: Exception, path: str, line_offset: int) -> NoticeError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
    return NoticeError(f"malformed YAML: {problem}", file=path,
                       line=mark.line + 1 + line_offset if mark else None,
                       fix="check the indentation and quoting on that line")


_INLINE_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`]")


def _inline_text(markdown: str) -> str:
    """Heading text as a reader sees it: links reduced to their text, emphasis marks dropped."""
    return _INLINE_MARKUP.sub(lambda m: m.group(1) or "", markdown).strip()
