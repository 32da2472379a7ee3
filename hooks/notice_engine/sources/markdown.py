"""Markdown source: the one reader of the notice's Markdown.

Sections, the importer, smart links, translations and the renderer all read
Markdown through this module, so what the importer calls a heading is what the
page renders as one, line for line. The dialect is CommonMark with GitHub's
tables, strikethrough and bare-URL links (what GitHub's preview of a file
shows), plus what MkDocs and kramdown sites write on top: `{#id}` after a
heading, `{: #id .class}` after a block, definition lists and `!!! note`
admonitions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin

from ..errors import NoticeError

# PyYAML reports most mistakes as YAMLError, but an impossible date (`2024-02-30`), a
# mistyped tag (`!!int x`) or absurd nesting escape as ValueError and friends.
YAML_FAILURES = (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError)

# `{#id}`, `{: #id .class key="value"}`: an attribute list (Python-Markdown, kramdown).
_ATTRIBUTE = r"""(?:#[\w-]+|\.[\w-]+|[\w-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s"'}]+))"""
_ATTRIBUTE_LIST = re.compile(r"[ \t]*\{:?[ \t]*(" + _ATTRIBUTE + r"(?:[ \t]+" + _ATTRIBUTE
                             + r")*)[ \t]*\}[ \t]*$")
_ONE_ATTRIBUTE = re.compile(_ATTRIBUTE)
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_HREF = re.compile(r"""\b(?:href|xlink:href)\s*=\s*["']([^"']*)["']""", re.I)
_HTML_ID = re.compile(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""", re.I)
_TAG = re.compile(r"<[^>]*>")
# Tags that end a line of text: between them words are apart; other tags (a, em) join.
_BREAKING_TAG = re.compile(r"</?(?:p|div|li|ul|ol|h[1-6]|table|thead|tbody|tr|td|th|br|hr|"
                           r"blockquote|pre|dl|dt|dd|section|iframe|caption)\b[^>]*>", re.I)


def decode(path: str, data: bytes) -> str:
    """UTF-8 (a BOM is tolerated), line endings normalised to \\n.

    Only UTF-8 is accepted: guessing another encoding could turn a curly quote
    into the wrong letter in a legal text without anyone noticing.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NoticeError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                          file=path, line=line, fix="save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class FrontMatter:
    """The `---` block at the top of a file, if any."""

    data: dict = field(default_factory=dict)
    body_start: int = 0                   # index of the first line after it
    key_lines: dict = field(default_factory=dict)   # key -> line number, for messages


def front_matter(path: str, lines: list[str]) -> FrontMatter:
    """Parse `---` front matter (YAML); any other top of file has none."""
    if not lines or lines[0].strip() != "---":
        return FrontMatter()
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise NoticeError("front matter opened on line 1 is never closed", file=path, line=1,
                          fix="end it with a line of three dashes: ---")
    text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except YAML_FAILURES as exc:
        raise yaml_error(exc, path, 1) from None
    if data is None:
        return FrontMatter(body_start=end + 1)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise NoticeError("front matter must be `key: value` lines", file=path, line=2,
                          fix="write each setting as `key: value`, or remove the block")
    key_lines = {getattr(key, "value", None): key.start_mark.line + 2 for key, _ in node.value}
    return FrontMatter(data=data, body_start=end + 1, key_lines=key_lines)


def without_front_matter(text: str) -> str:
    """The text a reader sees the rendering of: front matter is not rendered (a block that
    is not valid front matter is left as it is)."""
    lines = text.removeprefix("\ufeff").split("\n")
    try:
        return "\n".join(lines[front_matter("", lines).body_start:])
    except NoticeError:
        return text


def yaml_error(exc: Exception, path: str, line_offset: int) -> NoticeError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
    return NoticeError(f"malformed YAML: {problem}", file=path,
                       line=mark.line + 1 + line_offset if mark else None,
                       fix="check the indentation and quoting on that line")


# --- Parsing -----------------------------------------------------------------


def new_parser() -> MarkdownIt:
    """The notice's Markdown dialect (see the module docstring)."""
    md = MarkdownIt("commonmark", {"linkify": True, "xhtmlOut": False, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.use(deflist_plugin).use(admon_plugin)
    md.core.ruler.push("notice_attribute_lists", _attribute_lists)
    return md


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return new_parser()


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[Token, ...]:
    """Parsed once per distinct text: read-only, shared by every caller."""
    return tuple(_parser().parse(text))


def parse(text: str) -> list[Token]:
    """The block tokens of `text`, fresh: for callers that change them (the renderer)."""
    return _parser().parse(text)


@dataclass(frozen=True)
class SourceHeading:
    level: int
    text: str                     # as a reader sees it: markup and attribute list gone
    explicit_id: str | None       # `{#id}` written after it
    line: int                     # 1-based, in the numbering the caller gave
    end_line: int                 # the last line it takes (the underline of a setext heading)
    source: str = ""              # its inline Markdown, attribute list gone
    nested: bool = False          # inside a list item or a quote


def headings(text: str, first_line: int = 1) -> list[SourceHeading]:
    """Every heading, in order, wherever it stands (in a list or a quote too)."""
    found = []
    tokens = _tokens(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[index + 1]
            start, end = token.map
            found.append(SourceHeading(level=int(token.tag[1]), text=inline_text(inline),
                                       explicit_id=token.attrGet("id"),
                                       line=first_line + start, end_line=first_line + end - 1,
                                       source=inline.content, nested=token.level > 0))
    return found


def inline_text(inline: Token) -> str:
    """An inline token's text as a reader sees it (tags dropped, entities decoded)."""
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(inline_text(child))
    return " ".join("".join(parts).split())


def code_lines(text: str) -> set[int]:
    """0-based indexes of the lines inside code blocks, where nothing is a link."""
    lines: set[int] = set()
    for token in _tokens(text):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(*token.map))
    return lines


@dataclass(frozen=True)
class Link:
    target: str                   # the href as written (an anchor link starts with #)
    line: int


def _tokens_with_lines(text: str, first_line: int):
    """The block tokens that have a source position, each with its first line."""
    for token in _tokens(text):
        if token.map:
            yield token, first_line + token.map[0]


def links(text: str, first_line: int = 1) -> list[Link]:
    """Every link's target with its line: Markdown links, autolinks and raw HTML hrefs."""
    found = []
    for token, line in _tokens_with_lines(text, first_line):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type == "link_open":
                    found.append(Link(str(child.attrGet("href") or ""), line))
                elif child.type == "html_inline":
                    found += [Link(m.group(1), line) for m in _HREF.finditer(child.content)]
        elif token.type == "html_block":
            for offset, source_line in enumerate(token.content.split("\n")):
                found += [Link(m.group(1), line + offset) for m in _HREF.finditer(source_line)]
    return found


def block_ids(text: str) -> list[str]:
    """Ids the text gives to anything but a heading: `{: #id}` after a block, and raw
    HTML's `<a id="x">` or `<a name="x">`. Links may land on them."""
    found = []
    for token in _tokens(text):
        if token.type != "heading_open" and token.attrGet("id"):
            found.append(str(token.attrGet("id")))
        found += [m.group(1) for m in _HTML_ID.finditer(_raw_html(token))]
    return found


def raw_html(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, fragment) of every piece of raw HTML: a whole HTML block, or one inline tag."""
    found = []
    for token, line in _tokens_with_lines(text, first_line):
        if token.type == "html_block":
            found.append((line, token.content))
        elif token.type == "inline":
            for child in token.children or ():
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type == "html_inline":
                    found.append((line, child.content))
    return found


def has_raw_html(tokens) -> bool:
    """Whether parsed tokens hold raw HTML anywhere (a block, or an inline tag)."""
    return any(t.type == "html_block" or any(c.type == "html_inline" for c in t.children or ())
               for t in tokens)


def _raw_html(token: Token) -> str:
    if token.type == "html_block":
        return token.content
    if token.type == "inline":
        return " ".join(c.content for c in token.children or () if c.type == "html_inline")
    return ""


def visible_words(text: str) -> list[str]:
    """The words a reader of the rendered Markdown sees, in order: two texts with the same
    words read the same, whatever their whitespace, BOM or front matter."""
    return visible_text(_parser().render(without_front_matter(text))).split()


def visible_text(rendered_html: str) -> str:
    """What a reader of rendered HTML sees, whitespace folded: tags dropped, entities decoded."""
    return " ".join(html.unescape(_TAG.sub("", _BREAKING_TAG.sub(" ", rendered_html))).split())


# --- Attribute lists -----------------------------------------------------------


def _attribute_lists(state) -> None:
    """`# Title {#id}` and a paragraph's last line `{: #id .class}` set attributes.

    Python-Markdown and kramdown read them so; CommonMark would print them.
    Only `id` and `class` are kept: other attributes are presentation at best.
    """
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.children or index == 0:
            continue
        opening = tokens[index - 1]
        if opening.type == "heading_open":
            last = token.children[-1]
            match = _ATTRIBUTE_LIST.search(last.content) if last.type == "text" else None
            if match and (match.start() > 0 or len(token.children) > 1):   # not `# {#id}` alone
                # kramdown allows closing hashes before the list: `## Title ## {#id}`
                last.content = _CLOSING_HASHES.sub("", last.content[: match.start()].rstrip())
                token.content = _CLOSING_HASHES.sub("", _ATTRIBUTE_LIST.sub("", token.content))
                _set_attributes(opening, match.group(1))
        elif opening.type == "paragraph_open":
            _paragraph_attribute_list(tokens, index, opening, token)


def _paragraph_attribute_list(tokens: list[Token], index: int, opening: Token,
                              inline: Token) -> None:
    children = inline.children
    last = children[-1]
    match = _ATTRIBUTE_LIST.fullmatch(last.content.strip()) if last.type == "text" else None
    if not match or len(children) > 1 and children[-2].type not in ("softbreak", "hardbreak"):
        return
    if len(children) == 1:          # a paragraph of its own: it belongs to the block before it
        target = _block_before(tokens, index - 1)
        if target is not None:
            _set_attributes(target, match.group(1))
        opening.hidden = tokens[index + 1].hidden = True
        inline.children = []
        inline.content = ""
        return
    del children[-2:]
    inline.content = inline.content.rsplit("\n", 1)[0]
    _set_attributes(opening, match.group(1))


def _block_before(tokens: list[Token], index: int) -> Token | None:
    """The opening token of the block that ends just before tokens[index]."""
    depth = 0
    for position in range(index - 1, -1, -1):
        token = tokens[position]
        depth -= token.nesting
        if depth < 0:
            return None             # the attribute list opens its container: nothing before it
        if depth == 0 and token.nesting >= 0 and token.block:
            return token if token.nesting == 1 or token.type != "inline" else None
    return None


def _set_attributes(token: Token, attribute_list: str) -> None:
    for item in _ONE_ATTRIBUTE.findall(attribute_list):
        if item.startswith("#"):
            token.attrSet("id", item[1:])
        elif item.startswith("."):
            token.attrJoin("class", item[1:])
