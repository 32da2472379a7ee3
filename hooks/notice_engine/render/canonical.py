"""The canonical text of a notice: what a reader sees, as plain UTF-8 anyone can hash.

`archive/<date>/notice.txt` is this text and `versions.json` gives its SHA-256,
so `sha256sum notice.txt` checks a version without the engine. It is also what
versions compare: two versions differ exactly when it differs. So it keeps
everything a reader sees — words, emphasis, link targets, line breaks, list
and table structure — in a light Markdown-like form, and nothing a reader does
not see: whitespace of the source, ids and classes, the ¶ permalinks.

One function serves the build and `notice verify` (which reads a saved page
with it), so a page saved from a browser gives back the same text.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from html.parser import HTMLParser

_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_BREAK = "\x00"                      # a <br>, kept through whitespace folding
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "del": "~~",
           "s": "~~", "ins": "++", "mark": "=="}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset("""
    address article aside blockquote body caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main
    nav ol p pre section summary table tbody td tfoot th thead tr ul
""".split())
_INVISIBLE = frozenset({"script", "style", "template", "head", "title", "button", "svg"})


class _Text(HTMLParser):
    """Blocks of text, each prefixed as Markdown would write it (`## `, `- `, `> `); and,
    read on the way, the fragment's `reading` (see `reading`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.reading: list[str] = []        # words, and <targets> of links and images
        self._pieces: list[str] = []
        self._prefix = ""
        self._lists: list[list] = []        # per open list: [ordered, next number]
        self._quotes = 0
        self._pre = 0
        self._hidden = 0
        self._links: list[str | None] = []  # href of each open <a>, None for a permalink
        self._cells = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in _INVISIBLE:
            self._hidden += 1
        if self._hidden:
            return
        if tag == "a":
            permalink = "headerlink" in (attributes.get("class") or "").split()
            href = attributes.get("href") or ""
            self._links.append(None if permalink else href)
            if not permalink:
                self._add("[")
                if not href.startswith("#"):
                    self.reading.append(f"<{href}>")      # where it leads: a reader follows it
        elif tag in _INLINE and not self._in_permalink() and not self._pre:
            self._add(_INLINE[tag])
        elif tag == "br":
            self._add(_BREAK)
        elif tag == "img":
            self._add(f"![{attributes.get('alt') or ''}]({attributes.get('src') or ''})")
            self.reading += [f"<{attributes.get('src') or ''}>",
                             *(attributes.get("alt") or "").split()]
        elif tag in ("td", "th"):
            if self._cells:
                self._add(" | ")
            self._cells += 1
        elif tag in _BLOCKS:
            self._block_start(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _INVISIBLE:
            self._hidden = max(0, self._hidden - 1)
            return
        if self._hidden:
            return
        if tag == "a":
            href = self._links.pop() if self._links else None
            if href is not None:
                self._add(f"]({href})")
        elif tag in _INLINE and not self._in_permalink() and not self._pre:
            self._add(_INLINE[tag])
        elif tag in ("td", "th"):
            pass
        elif tag in _BLOCKS:
            self._flush()
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            elif tag == "blockquote":
                self._quotes = max(0, self._quotes - 1)
                self._prefix = "> " * self._quotes
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)
            elif tag == "tr":
                self._cells = 0

    def handle_data(self, data):
        if not self._hidden and not self._in_permalink():
            self._add(data)
            self.reading += data.split()

    def close(self):
        super().close()
        self._flush()

    def _in_permalink(self) -> bool:
        return bool(self._links) and self._links[-1] is None

    def _add(self, text: str) -> None:
        self._pieces.append(text)

    def _block_start(self, tag: str) -> None:
        self._flush()
        quote = "> " * self._quotes
        if tag in _HEADINGS:
            self._prefix = quote + "#" * _HEADINGS[tag] + " "
        elif tag == "li" and self._lists:
            indent = "  " * (len(self._lists) - 1)
            ordered = self._lists[-1]
            marker = f"{ordered[1]}. " if ordered[0] else "- "
            ordered[1] += 1
            self._prefix = quote + indent + marker
        elif tag in ("ul", "ol"):
            self._lists.append([tag == "ol", 1])
        elif tag == "blockquote":
            self._quotes += 1
            self._prefix = "> " * self._quotes
        elif tag == "dd":
            self._prefix = quote + ": "
        elif tag == "hr":
            self.blocks.append(quote + "---")
        elif tag == "pre":
            self._pre += 1

    def _flush(self) -> None:
        raw = "".join(self._pieces)
        self._pieces = []
        if self._pre:
            text = raw.strip("\n")
            text = "```\n" + text + "\n```" if text.strip() else ""
        else:
            text = _SPACE.sub(" ", raw).replace(f" {_BREAK}", _BREAK).replace(f"{_BREAK} ", _BREAK)
            text = text.strip(f" {_BREAK}").replace(_BREAK, "\n")
        if text:              # an empty block (<li> before its <p>) keeps its marker for the next
            self.blocks.append(self._prefix + text)
            self._prefix = "> " * self._quotes


@lru_cache(maxsize=4096)
def reading(fragment: str) -> tuple[str, ...]:
    """What a reader takes from a fragment: its words in order and the targets of its links
    and images (not in-page anchors), nothing of how they are laid out. Two texts that read
    the same differ only in form (a heading made a paragraph, a rule or an anchor removed)."""
    return tuple(_parsed(fragment).reading)


def _parsed(fragment: str) -> _Text:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return parser


def section_text(fragment: str) -> str:
    """One section's rendered HTML as canonical text: its blocks, a blank line apart."""
    return "\n\n".join(_parsed(fragment).blocks)


def notice_text(title: str, section_texts) -> str:
    """The whole notice: its title, then each section's text; UTF-8, one final newline."""
    return "\n\n".join([f"# {title}", *section_texts]) + "\n"


def digest(text: str) -> str:
    """What versions.json publishes: `sha256sum` of the text file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
