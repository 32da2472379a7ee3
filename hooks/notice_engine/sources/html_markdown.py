"""HTML to Markdown for notices saved as web pages: every word kept, the structure that
matters to a notice carried over (headings, paragraphs, lists, links, emphasis, line
breaks, table rows). Standard library only (`html.parser`); nothing is fetched.

What has no Markdown form here (classes, styles, images) is dropped, never its text;
scripts, styles and the document head (except its <title>) are not text at all.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside",
           "blockquote", "address", "table", "thead", "tbody", "tfoot", "figure", "dl", "dd",
           "dt", "pre", "form", "fieldset", "body", "html"}
_INVISIBLE = {"script", "style", "noscript", "template", "head", "iframe", "svg"}
_EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*"}
# Characters Markdown would read as markup inside text.
_SPECIAL = re.compile(r"([\\`*_\[\]<>{}|])")
_LINE_START = re.compile(r"^(\s*)(?:([#>+-])|(\d+)([.)]))(?=\s|$)")


def html_to_markdown(html: str) -> str:
    """The Markdown reading of a whole HTML page or fragment."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.markdown()


def escape(text: str) -> str:
    """Text that Markdown prints as it is."""
    return _SPECIAL.sub(r"\\\1", text)


def _escape_marker(match: re.Match) -> str:
    """`\\#`, `\\-`, `5\\.`: a line start Markdown would read as a heading, quote or list."""
    space, mark, number, dot = match.groups()
    return f"{space}\\{mark}" if mark else f"{space}{number}\\{dot}"


class _Converter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []      # finished Markdown blocks
        self.line = ""                   # the block being written
        self.prefix = ""                 # what starts the block (`## `, `- `)
        self.lists: list[list] = []      # open lists: [kind, next number]
        self.links: list[str | None] = []
        self.emphasis: list[tuple[int, int]] = []   # where each open <em>/<strong> began
        self.hidden = 0                  # depth inside invisible elements
        self.title = ""
        self.in_title = False
        self.has_h1 = False

    # --- events -----------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in _INVISIBLE:
            self.hidden += 1
        if self.hidden:
            return
        if tag in _HEADINGS:
            self._end_block()
            self.prefix = "#" * _HEADINGS[tag] + " "
            self.has_h1 |= tag == "h1"
        elif tag in ("ul", "ol"):
            self._end_block()
            self.lists.append([tag, 1])
        elif tag == "li":
            self._end_block()
            self.prefix = self._item_marker()
        elif tag in _BLOCKS or tag == "tr":
            self._end_block()
        elif tag in ("td", "th", "br"):       # a table row reads as its cells, one a line
            self.line = self.line.rstrip() + "  \n" if self.line.strip() else self.line
        elif tag in _EMPHASIS:
            self.emphasis.append((len(self.blocks), len(self.line)))
        elif tag == "a":
            href = dict(attrs).get("href")
            self.links.append(href)
            if href:
                self.line += "["

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("br",):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden:
            return
        if tag in _HEADINGS or tag in _BLOCKS or tag in ("li", "tr"):
            self._end_block()
        elif tag in ("ul", "ol"):
            self._end_block()
            if self.lists:
                self.lists.pop()
        elif tag in _EMPHASIS and self.emphasis:
            self._emphasise(*self.emphasis.pop(), _EMPHASIS[tag])
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.line += f"]({href.replace(' ', '%20').replace(')', '%29')})"

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.hidden:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.line.strip():
            text = text.lstrip()
        self.line += escape(text)

    # --- output -----------------------------------------------------------------

    def markdown(self) -> str:
        self._end_block()
        blocks = self.blocks
        title = " ".join(self.title.split())
        if title and not self.has_h1:
            blocks = [f"# {escape(title)}"] + blocks
        return "\n\n".join(blocks) + "\n"

    def _item_marker(self) -> str:
        depth = "    " * (len(self.lists) - 1)
        if self.lists and self.lists[-1][0] == "ol":
            number = self.lists[-1][1]
            self.lists[-1][1] += 1
            return f"{depth}{number}. "
        return f"{depth}- "

    def _emphasise(self, block: int, start: int, marker: str) -> None:
        """Wrap the text since `start` in `marker`, hugging the words (`**word**`), as
        Markdown needs; emphasis that spans blocks, or holds no word, is left plain."""
        if block != len(self.blocks) or start > len(self.line):
            return
        inner = self.line[start:]
        words = inner.strip()
        if not words or "  \n" in inner:
            return
        lead = inner[:len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()):]
        self.line = self.line[:start] + lead + marker + words + marker + trail

    def _end_block(self) -> None:
        text = "\n".join(part.strip() for part in self.line.strip().split("  \n"))
        if self.line.strip():
            lines = text.split("\n")
            text = "  \n".join(_LINE_START.sub(_escape_marker, line) if i or not self.prefix
                               else line for i, line in enumerate(lines))
            indent = " " * len(self.prefix)
            text = text.replace("\n", "\n" + indent) if self.lists else text
            self.blocks.append(self.prefix + text)
        self.line, self.prefix = "", ""
