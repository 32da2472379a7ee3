"""Sources: the notice as it stands in one tree (the work tree, or later any commit).

A `Tree` is anything that can list a folder and read a file, so the same code
reads the working copy for `mkdocs serve` and an old commit for the archive,
without a checkout. Reading validates: every problem names its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from . import markdown as markdown_source
from ..config import NoticeConfig, is_locale
from ..errors import NoticeError, raise_all
from .markdown import YAML_FAILURES, decode, yaml_error
from ..core.safe_paths import listed_files, read_regular_file
from ..core.slugs import is_valid_anchor, is_valid_id, slugify
from .variables import expand, flatten

NOTICE_DIR = "notice"
MANIFEST = "notice.yml"
# `published-broken-links`: anchors that the text linked to, broken, when it was published
# elsewhere (written by `notice import`): a record is kept as it was, with a warning.
FRONT_MATTER_KEYS = {"aliases", "regions", "published-broken-links"}


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
        return listed_files(self.root, folder)

    def read(self, path: str) -> bytes:
        """Regular files only: a link or anything outside the repository is refused."""
        return read_regular_file(self.root, path)


@dataclass(frozen=True)
class CommitTree:
    """The files of one commit, read through git without a checkout (a pull request's base)."""

    root: Path
    commit: str

    def list(self, folder: str) -> list[str]:
        from ..core.git import GitError, git

        try:
            out = git(self.root, "ls-tree", "-z", "--name-only", f"{self.commit}:{folder}")
        except GitError:                    # no such folder at that commit
            return []
        return sorted(name for name in out.decode().split("\0") if name)

    def read(self, path: str) -> bytes:
        from ..core.git import GitError, git

        try:
            return git(self.root, "cat-file", "blob", f"{self.commit}:{path}")
        except GitError:
            raise FileNotFoundError(path) from None


@dataclass(frozen=True)
class Heading:
    """A heading inside a section, with the anchor the page gives it."""

    level: int          # as written in the file
    text: str           # as a reader sees it: inline Markdown stripped
    anchor: str
    line: int
    end_line: int = 0   # its last line (a setext heading's underline)
    source: str = ""    # its inline Markdown, as written (links and emphasis kept)


@dataclass(frozen=True, eq=False)
class Section:
    """One file of `notice/`: a section in one language.

    Compared by identity: reading a history gives one object per distinct file (see
    `_parse_cached`), and the render memos key on it, where a hash of every field per
    lookup cost more than the work they save."""

    id: str
    locale: str
    path: str                       # repository-relative, for messages
    title: str                      # as a reader sees it (navigation, smart links' text)
    body: str                       # the Markdown after the title line
    body_line: int                  # line number of the body's first line in the file
    title_line: int
    aliases: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    headings: tuple[Heading, ...] = ()   # the title heading first, then sub-headings
    published_broken_links: frozenset[str] = frozenset()   # see FRONT_MATTER_KEYS
    notes: tuple[NoticeError, ...] = ()  # warnings found while reading (kept template syntax)

    @property
    def title_markdown(self) -> str:
        """The title as written, so its links and emphasis show on the page as they did on
        the page it was imported from."""
        return (self.headings[0].source if self.headings else "") or self.title

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
        """The title in `locale` (or its language: `fr` for `fr_CA`), else the one given."""
        return (self.titles.get(locale) or self.titles.get(locale.split("_")[0])
                or self.titles.get("*") or next(iter(self.titles.values())))

    def has_title(self, locale: str) -> bool:
        """A title for this locale, or one title for every language (`title: Text`)."""
        return bool({locale, locale.split("_")[0], "*"} & set(self.titles))


@dataclass
class Notice:
    """Everything `notice/` says at one point in time."""

    manifest: Manifest
    sections: dict[str, Section]                          # source language, manifest order
    translations: dict[tuple[str, str], Section] = field(default_factory=dict)  # (id, locale)
    record: bool = False        # a version published before git: kept as it was, broken links too

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
    text = decode(path, data)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except YAML_FAILURES as exc:
        raise yaml_error(exc, path, 0) from None
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
    if locale and not is_locale(locale):
        raise NoticeError(f"{locale!r} is not a locale suffix", file=path,
                          fix="name translations like `contact.fr.md` or `contact.pt_BR.md`")
    if not is_valid_id(section_id):
        raise NoticeError(f"{section_id!r} is not a valid section id", file=path,
                          fix=f"rename the file to {slugify(section_id) or 'a-slug'}.md "
                              "(lower-case words joined by hyphens)")
    lines = decode(path, data).split("\n")
    meta = front_matter(path, lines)
    start = meta.body_start
    notes: list[NoticeError] = []
    lines[start:] = expand("\n".join(lines[start:]), values, path, start + 1, notes).split("\n")
    headings = outline(lines[start:], first_line=start + 1, section_id=section_id)
    title_index = next((i for i in range(start, len(lines)) if lines[i].strip()), len(lines))
    if not headings or headings[0].line != title_index + 1:
        raise NoticeError("a section starts with its title heading", file=path,
                          line=title_index + 1, fix="make the first line `# Section title`")
    for heading in headings:
        if heading.anchor.startswith("_"):
            raise NoticeError(f"the anchor {heading.anchor!r} starts with _, which the page keeps "
                              "for its own parts (the redline is #_changes)", file=path,
                              line=heading.line, fix=f"use {{#{slugify(heading.anchor)}}}")
    body_index = headings[0].end_line        # the line after the title (and its underline)
    while body_index < len(lines) and not lines[body_index].strip():
        body_index += 1
    return Section(id=section_id, locale=locale or source_language, path=path,
                   title=headings[0].text,
                   body="\n".join(lines[body_index:]).rstrip("\n") + "\n",
                   body_line=body_index + 1, title_line=title_index + 1,
                   aliases=_string_list(meta.data, "aliases", path),
                   regions=_string_list(meta.data, "regions", path),
                   published_broken_links=frozenset(
                       a.lstrip("#") for a in _string_list(meta.data, "published-broken-links", path)),
                   headings=tuple(headings), notes=tuple(notes))


def outline(lines: list[str], first_line: int, section_id: str) -> list[Heading]:
    """Every heading (markdown_source reads them as the renderer will); the first is the title.

    The title's anchor is the section id; a sub-heading's is `{#explicit}` or
    the slug of its text: the same anchors in every version and edition.
    """
    found = markdown_source.headings("\n".join(lines), first_line)
    return [Heading(level=h.level, text=h.text, line=h.line, end_line=h.end_line, source=h.source,
                    anchor=section_id if i == 0 else (h.explicit_id or slugify(h.text)))
            for i, h in enumerate(found)]


def front_matter(path: str, lines: list[str]) -> markdown_source.FrontMatter:
    """A section's front matter: only the keys sections take."""
    meta = markdown_source.front_matter(path, lines)
    for key in meta.data:
        if key not in FRONT_MATTER_KEYS:
            raise NoticeError(f"unknown front matter key {key!r}", file=path,
                              line=meta.key_lines.get(key, 2),
                              fix=f"sections take only {', '.join(sorted(FRONT_MATTER_KEYS))}")
    return meta


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
            if not is_valid_anchor(alias):
                errors.append(NoticeError(f"alias {alias!r} is not a valid anchor", file=section.path,
                                          fix="letters, digits, - and _, not starting with _"))
            elif alias in owner and owner[alias] != section.path:
                errors.append(NoticeError(f"duplicate id {alias!r}: also used by {owner[alias]}",
                                          file=section.path,
                                          fix="remove the alias or rename one of the two"))
            else:
                owner[alias] = section.path
    return errors
