"""Raw HTML in sections: an allow-list of tags and attributes, nothing that runs.

A notice's site is public and its pages carry the company's name: a `<script>`, an
event handler (`onerror=`), a `javascript:` or `data:` URL, an `<iframe>` or a style
that loads something must never reach a reader, whoever wrote it. Two layers:

- `problems` reads the raw HTML an editor wrote and names each construct outside the
  allow-list with its line and the fix: the build and `notice check` refuse new text
  with one, and text already published (legacy versions in `archive/`, past commits)
  is kept as a record, with a note of what the page leaves out;
- `sanitise` runs every rendered section that holds raw HTML through nh3 (the Rust
  `ammonia` sanitiser, with a real HTML5 parser) with the same allow-list: the last
  line of defence, whatever the first layer missed. Sections without raw HTML are
  markdown-it's own output, which escapes text and refuses unsafe link schemes, and
  are left byte for byte as they were (their published SHA-256 stays the same).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3

from ..errors import NoticeError

# What real notices use: text structure, tables, lists, links, images of the site's own.
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul"})
_EVERY_TAG = frozenset({"id", "class", "title", "lang", "dir"})
ATTRIBUTES = {
    "*": _EVERY_TAG,
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"}, "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "type", "reversed"}, "col": {"span"}, "colgroup": {"span"},
    "time": {"datetime"}, "details": {"open"},
    "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})     # and relative URLs
STYLE_PROPERTIES = frozenset({"text-align"})    # what markdown-it's tables write; loads nothing
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20]")       # what browsers drop before reading a scheme
_TEXT_ALIGN = re.compile(r"^\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*$", re.I)

_FIXES = {
    "iframe": "an <iframe> (an analytics opt-out, a video) would load another page inside the "
              "notice and is not allowed; link to that page instead: [opt out](https://…)",
    "script": "remove it: a notice runs no scripts (the site's Content-Security-Policy blocks "
              "them too)",
}


def sanitise(fragment: str) -> str:
    """The fragment with everything outside the allow-list removed (nh3)."""
    return nh3.clean(fragment, tags=set(TAGS), attributes=_nh3_attributes(),
                     url_schemes=set(URL_SCHEMES), link_rel=None, strip_comments=False,
                     filter_style_properties=set(STYLE_PROPERTIES))


@lru_cache(maxsize=1)
def _nh3_attributes() -> dict[str, set[str]]:
    return {tag: set(names) for tag, names in ATTRIBUTES.items()}


def problems(fragment: str, path: str, first_line: int) -> list[NoticeError]:
    """Each construct of one raw HTML fragment outside the allow-list, with its line."""
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    return [NoticeError(message, file=path, line=first_line + offset, fix=fix)
            for offset, message, fix in reader.found]


class _Reader(HTMLParser):
    """Collects (line offset, what, fix) for every disallowed tag and attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0] - 1
        if tag not in TAGS:
            self.found.append((line, f"raw HTML <{tag}> is not allowed in a notice",
                               _FIXES.get(tag, f"remove the <{tag}> tag, or write it in Markdown; "
                                               f"allowed tags: {', '.join(sorted(TAGS))}")))
            return
        for name, value in attrs:
            problem = _attribute_problem(tag, name, value or "")
            if problem:
                self.found.append((line, *problem))

    handle_startendtag = handle_starttag


def _attribute_problem(tag: str, name: str, value: str) -> tuple[str, str] | None:
    if name.startswith("on"):
        return (f"event handler {name}= on <{tag}> is not allowed: a notice runs no scripts",
                f"remove {name}=…")
    if name not in ATTRIBUTES["*"] and name not in ATTRIBUTES.get(tag, ()):
        return (f"attribute {name}= is not allowed on <{tag}>",
                f"remove it (allowed on <{tag}>: "
                f"{', '.join(sorted(ATTRIBUTES['*'] | ATTRIBUTES.get(tag, set())))})")
    if name in _URL_ATTRIBUTES:
        scheme = _SCHEME.match(_IGNORED_IN_URLS.sub("", value).lower())
        if scheme and scheme.group(1) not in URL_SCHEMES:
            return (f"a {scheme.group(1)}: URL in {name}= on <{tag}> is not allowed",
                    "link to an http(s), mailto: or tel: address, or a page of the site")
    if name == "style" and not _TEXT_ALIGN.match(value):
        return (f"style={value!r} on <{tag}> is not allowed (only text-align)",
                "remove the style; for a look of your own, give a class and style it in the theme")
    return None


_LEFT_OUT = "left out of the page (published text kept as a record): "


def removed_note(problem: NoticeError) -> NoticeError:
    """A problem in text already published: the page leaves it out, the record stays as is."""
    return NoticeError(_LEFT_OUT + problem.message, file=problem.file, line=problem.line,
                       fix="nothing to do for what was published; new text may not use it")


def left_out(notes, where: str = "") -> list[str]:
    """The notes of `removed_note` among a text's notes, as build warnings."""
    return [f"{where}{note}" for note in notes if note.message.startswith(_LEFT_OUT)]
