"""Import an existing notice: split one file into the section files of `notice/`.

`notice import FILE` is how a company brings the notice it already publishes
(a Markdown export, or the plain text copied off its website) into this
project: one Markdown file per section plus `notice.yml`, the manifest giving
the title and the order of the sections.

A privacy notice is a legal text, so the import only moves words around and
adds Markdown markup; it never rewrites, drops or reorders a sentence. The one
thing it leaves out on purpose is a "Last updated: ..." line at the top: the
site prints its own date from git history. Whatever it could not carry over
cleanly is reported as a warning rather than guessed at silently.

Section ids come from `slugs.slugify`, the function the page uses for its
anchors, so links written against the old page keep working.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import markdown as markdown_source
from ..core.safe_paths import replace_file, writable
from ..errors import NoticeError
from .html_markdown import html_to_markdown
from ..core.slugs import github_slug, is_valid_anchor, is_valid_id, slugify

DEFAULT_TITLE = "Privacy Notice"
INTRODUCTION = "Introduction"
JUMP_LIST_SECTION = "smart links"
MANIFEST_NAME = "notice.yml"
MANIFEST_COMMENT = (
    "# The notice: its title and the order of its sections"
    " (ids = file names in this folder).\n"
)

# A line break inside a paragraph (an address). Python-Markdown, which MkDocs
# uses, only knows two trailing spaces as a hard break; a trailing backslash
# would be printed as a backslash.
HARD_BREAK = "  "

# How far into the text before the first section a "Last updated" line is
# looked for: far enough for a title, a subtitle and the date, not further.
DATE_LINE_PARAGRAPHS = 3

# A plain-text heading is a short line: longer ones are sentences that lack
# a full stop (a link label, "... see our Cookie Notice").
HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 14

_DATE_LINE = re.compile(
    r"^[\s*_>]*(last\s+updated|last\s+revised|last\s+modified|effective\s+date|effective\s*:)",
    re.IGNORECASE,
)
_TITLE_WORDS = re.compile(r"privacy|notice|policy", re.IGNORECASE)
_URL_OR_EMAIL = re.compile(r"(https?://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)
_SENTENCE_END = (".", ":", ";", ",", "!", "?")
_PLAIN_BULLET = "•"

_LIST_ITEM = re.compile(r"^ {0,3}([-*+]|\d+[.)])[ \t]")
_ORDERED_LIST_NUMBER = re.compile(r"^(\d+)\.(?=\s)")
_SMART_SYNTAX = ("[[", "{{", "{%")

_SOURCE_SECTION_FILE = re.compile(r"^([^.]+)\.md$")
_TRANSLATION_FILE = re.compile(r"^([^.]+)\.([a-z]{2,3}(?:_[A-Z]{2})?)\.md$")


@dataclass
class ImportResult:
    """What an import did, for the command to print."""

    title: str
    sections: list[tuple[str, str]]  # (id, title) in notice order
    removed: list[Path]  # stale section files deleted by --replace
    warnings: list[str]  # "path:line: what to check", one per finding


class ImportFailed(NoticeError):
    """The import cannot go ahead; nothing was written.

    Like every NoticeError it names the file and line, so an editor or
    terminal can jump to the spot, and says what to do next.
    """

    def __init__(self, path: Path, problem: str, remedy: str, line: int | None = None):
        self.path = path
        super().__init__(problem, file=path, line=line, fix=remedy)


@dataclass
class _Line:
    """One line of text and the source line it came from, for messages."""

    number: int
    text: str


@dataclass
class _Heading:
    """A Markdown heading found at `index` in the list of lines."""

    index: int
    level: int
    text: str        # as a reader sees it
    span: int        # lines it takes: 1 for `# Title`, 2 for a setext title + underline
    source: str = ""          # its inline Markdown
    anchor: str | None = None  # the anchor the page it was published on gave it


@dataclass
class _Section:
    title: str
    number: int  # source line of its heading
    body: list[_Line] = field(default_factory=list)  # Markdown lines
    source: str = ""                 # the title's inline Markdown
    anchor: str | None = None        # its anchor on the page it was published on
    aliases: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)   # already broken when published


@dataclass
class _Document:
    """A parsed notice before it becomes files, whatever the input format."""

    title: str | None
    preamble: list[_Line]  # Markdown lines before the first section heading
    sections: list[_Section]
    warnings: list[str]
    title_anchor: str | None = None  # the notice title's anchor where it was published
    anchors: set[str] = field(default_factory=set)  # every anchor the published page had


@dataclass
class SplitNotice:
    """A notice split into section files, before anything is written."""

    title: str
    files: dict[str, str]            # section id -> the section file's Markdown, in notice order
    titles: dict[str, str]           # section id -> section title
    jump_list: str | None
    warnings: list[str]

    @property
    def manifest(self) -> str:
        return _manifest_text(self.title, list(self.files), self.jump_list)


def split_notice(source: Path, data: bytes | None = None) -> SplitNotice:
    """Split a whole notice (the file at `source`, or `data` read from elsewhere) into sections.

    `notice import` writes the result to notice/; the archive reads legacy
    versions through it, so old and new versions get the same section ids.
    """
    source = Path(source)
    lines = _read_lines(source, data)
    if _is_html(source, lines):         # a saved web page or a CMS export: read as Markdown
        markdown = html_to_markdown("\n".join(line.text for line in lines))
        lines = [_Line(n, text) for n, text in enumerate(markdown.split("\n"), start=1)]
        document = _parse_markdown(source, lines)
    elif _is_markdown(source, lines):
        document = _parse_markdown(source, lines)
    else:
        document = _parse_plain_text(source, lines)
    sections = _with_introduction(document)
    if not sections:
        raise ImportFailed(
            source, "there is no text besides the notice title", "Import the file that holds the notice text"
        )
    ids = _assign_ids(sections)
    _keep_published_anchors(document, sections, ids)
    warnings = document.warnings + _smart_syntax_warnings(source, lines)
    warnings += _empty_section_warnings(source, sections)
    if not document.sections:
        warnings.append(
            f'{source}: no section headings found, only the notice title; the whole text became one section,'
            f' "{sections[0].title}"'
        )
    return SplitNotice(
        title=document.title or DEFAULT_TITLE,
        files={section_id: _section_markdown(section) for section_id, section in zip(ids, sections)},
        titles={section_id: section.title for section_id, section in zip(ids, sections)},
        jump_list=_jump_list(ids, sections),
        warnings=warnings,
    )


def import_notice(source: Path, notice_dir: Path, *, replace: bool = False,
                  language: str | None = None) -> ImportResult:
    """Split the notice in `source` into section files in `notice_dir`.

    `language`, the notice's source language, keys the title (`title: {en: …}`), so an
    edition in another language is told it has no title of its own.
    Everything is read and checked before anything is written, so a failed
    import (ImportFailed) leaves the folder as it was.
    """
    notice_dir = writable(Path(notice_dir).parent, Path(notice_dir).name, "the sections")
    split = split_notice(source)
    _refuse_existing_notice(notice_dir, replace)
    notice_dir.mkdir(parents=True, exist_ok=True)
    for section_id, markdown in split.files.items():
        _write(notice_dir / f"{section_id}.md", markdown)
    _write(notice_dir / MANIFEST_NAME, _manifest_text(
        {language: split.title} if language else split.title, list(split.files), split.jump_list))
    ids = list(split.files)
    removed = _remove_stale_sections(notice_dir, ids)
    return ImportResult(
        title=split.title,
        sections=list(split.titles.items()),
        removed=removed,
        warnings=split.warnings + _kept_translation_warnings(notice_dir, ids),
    )


# --- Reading -----------------------------------------------------------------


def _read_lines(source: Path, data: bytes | None = None) -> list[_Line]:
    """The file's lines, numbered as an editor numbers them.

    Only UTF-8 is accepted: guessing another encoding could turn a curly
    quote into the wrong letter in a legal text without anyone noticing.
    """
    try:
        data = source.read_bytes() if data is None else data
    except FileNotFoundError:
        raise ImportFailed(source, "no such file", "Check the path and run the import again") from None
    except IsADirectoryError:
        raise ImportFailed(source, "this is a folder, not a file", "Give the path of the notice file itself") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFailed(
            source,
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} at byte offset {error.start})",
            "Save the file as UTF-8 and run the import again",
            line=line,
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportFailed(source, "the file is empty", "Import the file that holds the notice text")
    return [_Line(number, line) for number, line in enumerate(text.split("\n"), start=1)]


def _is_html(source: Path, lines: list[_Line]) -> bool:
    """HTML by its extension, or a file that opens as an HTML document."""
    if source.suffix.lower() in (".html", ".htm"):
        return True
    first = next((line.text.strip().lower() for line in lines if line.text.strip()), "")
    return first.startswith(("<!doctype html", "<html"))


def _is_markdown(source: Path, lines: list[_Line]) -> bool:
    """Markdown by its extension, or, for a file named neither `.md` nor
    `.txt`, by its content: front matter or headings.

    A `.txt` file is plain text even when a line starts with `#`: such a
    line is text there, and is escaped to stay text.
    """
    suffix = source.suffix.lower()
    if suffix in (".md", ".markdown"):
        return True
    if suffix == ".txt":
        return False
    if lines[0].text.strip() == "---":
        return True
    return bool(_markdown_headings(lines))


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines."""
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line.text.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _find_date_line(paragraphs: list[list[_Line]]) -> _Line | None:
    """The "Last updated ..." line among the first few paragraphs, if any."""
    for paragraph in paragraphs[:DATE_LINE_PARAGRAPHS]:
        for line in paragraph:
            if _DATE_LINE.match(line.text):
                return line
    return None


def _date_line_note(source: Path, line: _Line) -> str:
    """Say what was left out: it is the only text an import drops on purpose."""
    return f'{source}:{line.number}: left out "{line.text.strip()}": the site prints its own date'


def _section_body(preamble: list[_Line], sections: list[_Section]) -> list[_Line]:
    """Where text goes: the last section opened, or the preamble before any."""
    return sections[-1].body if sections else preamble


# --- Markdown ----------------------------------------------------------------


def _parse_markdown(source: Path, lines: list[_Line]) -> _Document:
    """Split Markdown at its section headings; deeper headings stay inside."""
    front_matter_title, lines = _split_front_matter(source, lines)
    headings = _markdown_headings(lines)
    if not headings:            # a notice of one part (or a template): every word in one section
        return _Document(front_matter_title, lines, [], [])
    opens = not any(line.text.strip() for line in lines[: headings[0].index])
    title_heading, section_level = _title_and_section_level(headings, opens)
    if title_heading and front_matter_title and front_matter_title != title_heading.text:
        # The page showed the front matter's title above this heading: both stay.
        title_heading, section_level = _title_and_section_level(headings, opens_document=False)
    dropped = _markdown_date_line_numbers(lines, headings, title_heading, section_level)

    preamble: list[_Line] = []
    sections: list[_Section] = []
    by_index = {heading.index: heading for heading in headings}
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = by_index.get(index)
        if heading is None:
            if line.number not in dropped:
                _section_body(preamble, sections).append(line)
            index += 1
            continue
        if heading is title_heading:
            pass
        elif heading.level <= section_level:
            sections.append(_Section(heading.text, line.number, source=heading.source,
                                     anchor=heading.anchor))
        else:
            level = _relative_level(heading.level, section_level)
            _section_body(preamble, sections).append(_Line(line.number, _sub_heading(heading, level)))
        index += heading.span

    warnings = []
    date_line = next((line for line in lines if line.number in dropped and line.text.strip()), None)
    if date_line:
        warnings.append(_date_line_note(source, date_line))
    title = front_matter_title or (title_heading.text if title_heading else None)
    text = "\n".join(line.text for line in lines)
    anchors = set(_published_anchors(markdown_source.headings(text)))
    return _Document(title, preamble, sections, warnings,
                     title_anchor=title_heading.anchor if title_heading else None,
                     anchors=anchors | set(markdown_source.block_ids(text)))


def _sub_heading(heading: _Heading, level: int) -> str:
    """The heading in its section file; `{#anchor}` keeps the anchor it was published with
    where the page's own slug would differ."""
    keep = f" {{#{heading.anchor}}}" if heading.anchor and heading.anchor != slugify(heading.text) else ""
    return f"{'#' * level} {heading.source}{keep}".rstrip()


def _split_front_matter(source: Path, lines: list[_Line]) -> tuple[str | None, list[_Line]]:
    """The front matter's title, and the lines after the front matter.

    Only the title is kept: other keys of another tool's front matter mean
    nothing here.
    """
    try:
        meta = markdown_source.front_matter(str(source), [line.text for line in lines])
    except NoticeError as error:
        raise ImportFailed(source, f"the front matter is not valid YAML ({error.message})",
                           "Fix it or remove the front matter", line=error.line) from None
    title = meta.data.get("title")
    title = str(title).strip() if title is not None else ""
    return title or None, lines[meta.body_start :]


def _markdown_headings(lines: list[_Line]) -> list[_Heading]:
    """The headings outside lists and quotes, read as the page reads them (markdown_source),
    each with the anchor its published page gave it."""
    if not lines:
        return []
    first = lines[0].number
    found = markdown_source.headings("\n".join(line.text for line in lines), first)
    return [_Heading(h.line - first, h.level, h.text, h.end_line - h.line + 1, h.source, anchor)
            for h, anchor in zip(found, _published_anchors(found)) if not h.nested]


def _published_anchors(headings: list[markdown_source.SourceHeading]) -> list[str]:
    """Each heading's anchor where the notice was published: its `{#id}`, or the slug
    GitHub gives it, numbered -1, -2 … after the first of the same slug."""
    anchors: list[str] = []
    for heading in headings:
        anchors.append(_numbered(heading.explicit_id or github_slug(heading.text), anchors))
    return anchors


def _numbered(base: str, taken: list[str]) -> str:
    """`base`, or the first of base-1, base-2 … not taken: GitHub's rule for duplicates."""
    candidate, count = base, 0
    while candidate in taken:
        count += 1
        candidate = f"{base}-{count}"
    return candidate


def _title_and_section_level(headings: list[_Heading],
                             opens_document: bool = True) -> tuple[_Heading | None, int | None]:
    """Which heading is the notice title, and at which level sections start.

    Sections start at the shallowest level that occurs more than once. A
    lone heading above them that opens the document (`# Acme Privacy
    Notice` over many `##`) names the notice rather than a section.
    """
    counts = Counter(heading.level for heading in headings)
    first = headings[0]
    top = min(counts)
    title_heading = None
    if opens_document and first.level == top and counts[top] == 1 and (top == 1 or len(headings) > 1):
        title_heading = first
        del counts[top]
    if not counts:
        return title_heading, None
    repeated = [level for level, count in counts.items() if count > 1]
    return title_heading, min(repeated) if repeated else min(counts)


def _relative_level(level: int, section_level: int) -> int:
    """A sub-heading's level in its section file, where the section is `#`.

    A stray heading shallower than the sections is kept as `##` so it stays
    below its section's title.
    """
    return max(level - section_level + 1, 2)


def _markdown_date_line_numbers(
    lines: list[_Line], headings: list[_Heading], title_heading: _Heading | None, section_level: int | None
) -> set[int]:
    """Source line numbers to leave out: the "Last updated" line, and the blank
    line after it when it stood alone, so no double gap is left behind."""
    first_section = next(
        (h.index for h in headings if h is not title_heading and section_level and h.level <= section_level),
        len(lines),
    )
    title_indexes = range(title_heading.index, title_heading.index + title_heading.span) if title_heading else range(0)
    preamble = [line for index, line in enumerate(lines[:first_section]) if index not in title_indexes]
    date_line = _find_date_line(_paragraphs(preamble))
    if date_line is None:
        return set()
    position = lines.index(date_line)
    dropped = {date_line.number}
    stood_alone = position == 0 or not lines[position - 1].text.strip()
    if stood_alone and position + 1 < len(lines) and not lines[position + 1].text.strip():
        dropped.add(lines[position + 1].number)
    return dropped


# --- Plain text --------------------------------------------------------------


def _parse_plain_text(source: Path, lines: list[_Line]) -> _Document:
    """Split plain text at its headings: short lines standing alone. A `---` front matter
    block (an archive file's `summary:`) is not text; its `title:` names the notice."""
    try:
        front_matter_title, lines = _split_front_matter(source, lines)
    except ImportFailed:                # `---` as a separator line, not front matter
        front_matter_title = None
    stripped = [_Line(line.number, line.text.strip()) for line in lines]
    title, paragraphs = _take_plain_title(_paragraphs(stripped))
    title = front_matter_title or title
    first_heading = next((i for i, p in enumerate(paragraphs) if _is_plain_heading(p)), None)
    if first_heading is None and title is None:
        raise ImportFailed(
            source,
            "no headings found, so the notice cannot be split into sections",
            "Put each section title on a line of its own, with a blank line before and after"
            " and no full stop at its end, and import again",
        )

    warnings = []
    date_line = _find_date_line(paragraphs[:first_heading])
    if date_line:
        warnings.append(_date_line_note(source, date_line))

    preamble: list[_Line] = []
    sections: list[_Section] = []
    for paragraph in paragraphs:
        paragraph = [line for line in paragraph if line is not date_line]
        if not paragraph:
            continue
        if _is_plain_heading(paragraph):
            sections.append(_Section(paragraph[0].text, paragraph[0].number))
            continue
        body = _section_body(preamble, sections)
        if body:
            body.append(_Line(paragraph[0].number, ""))
        body.extend(_plain_paragraph_to_markdown(paragraph))
    return _Document(title, preamble, sections, warnings)


def _take_plain_title(paragraphs: list[list[_Line]]) -> tuple[str | None, list[list[_Line]]]:
    """The notice title and the paragraphs after it.

    The first line is the title when it is shaped like a heading and either
    calls itself a privacy notice/policy or is followed by a date line;
    otherwise it may still be the first section's heading.
    """
    first_paragraph = paragraphs[0]
    first = first_paragraph[0]
    if len(first_paragraph) > 1:
        following = first_paragraph[1]
    else:
        following = paragraphs[1][0] if len(paragraphs) > 1 else None
    dated = following is not None and _DATE_LINE.match(following.text)
    if not _looks_like_heading(first.text) or not (_TITLE_WORDS.search(first.text) or dated):
        return None, paragraphs
    rest_of_first = first_paragraph[1:]
    return first.text, ([rest_of_first] if rest_of_first else []) + paragraphs[1:]


def _is_plain_heading(paragraph: list[_Line]) -> bool:
    """A heading in plain text is a paragraph of a single heading-shaped line."""
    return len(paragraph) == 1 and _looks_like_heading(paragraph[0].text)


def _looks_like_heading(text: str) -> bool:
    """Short, capitalised, not a sentence, a bullet, an address or a date line.

    Starting with an upper-case letter or a digit also rules out bullets
    (`•`, `-`, `*`).
    """
    return (
        len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and (text[0].isupper() or text[0].isdigit())
        and not text.endswith(_SENTENCE_END)
        and not _URL_OR_EMAIL.fullmatch(text)
        and not _DATE_LINE.match(text)
    )


def _plain_paragraph_to_markdown(paragraph: list[_Line]) -> list[_Line]:
    """One paragraph of plain text as Markdown lines.

    The lines of a multi-line paragraph (an address, a table pasted as
    text) stay separate lines: each but the last ends in a hard break,
    except before a list item, which starts a new line anyway.
    """
    texts = [_plain_line_to_markdown(line.text) for line in paragraph]
    following_texts = texts[1:] + [None]
    converted = []
    for line, text, following in zip(paragraph, texts, following_texts):
        if following is not None and not _LIST_ITEM.match(following):
            text += HARD_BREAK
        converted.append(_Line(line.number, text))
    return converted


def _plain_line_to_markdown(text: str) -> str:
    """A plain-text line that reads the same once rendered as Markdown.

    Bullets become list items. A line that Markdown would turn into a
    heading, a quote or a numbered list gets a backslash so it stays text
    ("1. " becomes "1\\. ", the escape Markdown reads for that case).
    """
    if text.startswith(_PLAIN_BULLET):
        return "- " + text[len(_PLAIN_BULLET) :].lstrip()
    if text.startswith(("#", ">")):
        return "\\" + text
    return _ORDERED_LIST_NUMBER.sub(r"\1\\.", text, count=1)


# --- From document to files --------------------------------------------------


def _with_introduction(document: _Document) -> list[_Section]:
    """The sections, led by "Introduction" when text precedes the first heading."""
    if not any(line.text.strip() for line in document.preamble):
        return document.sections
    introduction = _Section(INTRODUCTION, document.preamble[0].number, document.preamble)
    return [introduction] + document.sections


def _assign_ids(sections: list[_Section]) -> list[str]:
    """One id per section: the anchor it was published with where that is a plain id
    (`cookies-1`), else the slug of its title, numbered when two would be the same."""
    ids: list[str] = []
    for position, section in enumerate(sections, start=1):
        published = section.anchor if section.anchor and is_valid_id(section.anchor) else None
        ids.append(_numbered(published or slugify(section.title) or f"section-{position}", ids))
    return ids


def _keep_published_anchors(document: _Document, sections: list[_Section], ids: list[str]) -> None:
    """Old deep links keep landing: each section keeps its published anchor as an alias
    (the notice title's goes to the first section, at the top of the page); a link that
    was already broken where the notice was published is recorded, to be kept as it was."""
    for section, section_id in zip(sections, ids):
        if section.anchor and section.anchor != section_id and is_valid_anchor(section.anchor):
            section.aliases.append(section.anchor)
    linked = [{link.target[1:] for link in markdown_source.links(
        "\n".join(line.text for line in section.body)) if link.target.startswith("#")}
        for section in sections]
    title = document.title_anchor
    if title and sections and is_valid_anchor(title) and title not in ids \
            and any(title in targets for targets in linked):
        sections[0].aliases.append(title)
    published = document.anchors | set(ids)
    for section, targets in zip(sections, linked):
        section.broken_links = sorted(targets - published - {""})


def _section_markdown(section: _Section) -> str:
    """The section file: front matter where anchors must be kept, its heading, its body."""
    body = [line.text for line in section.body]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    meta = {}
    if section.aliases:
        meta["aliases"] = section.aliases
    if section.broken_links:
        meta["published-broken-links"] = section.broken_links
    front = ("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"
             if meta else "")
    heading = f"{front}# {section.source or section.title}\n"
    return heading + "\n" + "\n".join(body) + "\n" if body else heading


def _jump_list(ids: list[str], sections: list[_Section]) -> str | None:
    """The section where the generated jump list goes: the one called "Smart Links"."""
    for section_id, section in zip(ids, sections):
        if section.title.strip().casefold() == JUMP_LIST_SECTION:
            return section_id
    return None


def _manifest_text(title: str | dict[str, str], ids: list[str], jump_list: str | None) -> str:
    manifest: dict[str, object] = {"title": title, "sections": ids}
    if jump_list:
        manifest["jump_list"] = jump_list
    return MANIFEST_COMMENT + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)


def _write(path: Path, text: str) -> None:
    replace_file(path, text.encode("utf-8"))       # whole, and never through a link


# --- Warnings ----------------------------------------------------------------


def _smart_syntax_warnings(source: Path, lines: list[_Line]) -> list[str]:
    """Lines with `[[` or `{{`: this project reads them as smart links and
    variables, so imported text holding them may not render as written."""
    warnings = []
    for line in lines:
        found = [token for token in _SMART_SYNTAX if token in line.text]
        if found:
            warnings.append(
                f"{source}:{line.number}: contains {' and '.join(found)}: a smart link or one of this notice's"
                " variables (extra.notice in mkdocs.yml) is replaced; any other template syntax is kept as"
                " written, or mapped with extra.notice.imported_variables"
            )
    return warnings


def _empty_section_warnings(source: Path, sections: list[_Section]) -> list[str]:
    """Sections with no text: often a line taken for a heading that was not one,
    or a heading that only groups the ones after it."""
    return [
        f'{source}:{section.number}: the section "{section.title}" has no text of its own;'
        " check that it is a heading, and merge it into the next section if it only groups them"
        for section in sections
        if not any(line.text.strip() for line in section.body)
    ]


# --- The notice folder -------------------------------------------------------


def _refuse_existing_notice(notice_dir: Path, replace: bool) -> None:
    """Never overwrite a notice unless asked: it may hold edits not yet committed."""
    if notice_dir.exists() and not notice_dir.is_dir():
        raise ImportFailed(notice_dir, "this is a file, not a folder", "Give the folder the notice goes into")
    if replace or not notice_dir.is_dir():
        return
    existing = sorted(
        path.name
        for path in notice_dir.iterdir()
        if path.is_file() and (path.suffix == ".md" or path.name == MANIFEST_NAME)
    )
    if existing:
        shown = ", ".join(existing[:3]) + (", ..." if len(existing) > 3 else "")
        raise ImportFailed(
            notice_dir,
            f"the folder already has a notice ({shown})",
            "Pass --replace to overwrite it; translations of sections it keeps are kept, the others removed",
        )


def _remove_stale_sections(notice_dir: Path, ids: list[str]) -> list[Path]:
    """Delete the files of sections the import did not produce, their translations too
    (they would stop the build; git keeps them: `git checkout HEAD -- FILE` brings one back).

    Translations of sections the import did produce are kept: they are work the new
    text may still need, and the build flags them stale once the new text is committed.
    """
    removed = []
    for path in sorted(notice_dir.glob("*.md")):
        match = _SOURCE_SECTION_FILE.match(path.name) or _TRANSLATION_FILE.match(path.name)
        if match and match.group(1) not in ids and (path.is_symlink() or path.is_file()):
            path.unlink()         # a folder of that name is no section: the build names it
            removed.append(path)
    return removed


def _kept_translation_warnings(notice_dir: Path, ids: list[str]) -> list[str]:
    """Translations kept beside the new text: they translate the old one."""
    return [
        f"{path}: kept: it translated this section's old text; once the import is committed it is"
        " flagged stale until it is updated (or delete it)"
        for path in sorted(notice_dir.glob("*.md"))
        if (match := _TRANSLATION_FILE.match(path.name)) and match.group(1) in ids
    ]
