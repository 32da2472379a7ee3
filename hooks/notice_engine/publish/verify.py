"""`notice verify FILE`: which published version a saved copy is, if any.

A copy is its canonical text (canonical.py) when that can be recovered exactly:
`notice.txt` is it, and a saved HTML page gives it back from the notice's
sections. Then the SHA-256 names the version, and one changed character makes
it match none. A PDF's text cannot be recovered exactly (line breaks, page
margins); the PDFs the build writes carry their `notice.txt` inside, which
names the version, and their visible words must still read as that version's.
A copy that matches nothing is compared word by word with every version, to
say which one it is closest to.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..render import canonical
from ..errors import NoticeError
from ..render.redline import blocks_of

PDF_ATTACHMENT = "notice.txt"
_PUNCTUATION = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Copy:
    """What a file says: its canonical text when exact, and its visible words."""

    kind: str                          # "text" | "html" | "pdf"
    text: str | None                   # canonical text, when it can be recovered exactly
    words: tuple[str, ...]
    embedded: str | None = None        # a PDF's attached notice.txt


@dataclass(frozen=True)
class Match:
    edition: str
    version: object                    # history.Version
    similarity: float                  # 1.0: exact
    corrected: object = None           # history.Correction: the copy is the text it replaced


def read_copy(path: Path) -> Copy:
    """The copy in FILE, by its content (a PDF starts with %PDF, HTML with a tag)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NoticeError(f"cannot read {path}: {exc.strerror}", file=path) from None
    if data.startswith(b"%PDF"):
        return _pdf_copy(path, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NoticeError(f"{path} is neither UTF-8 text, HTML nor PDF", file=path,
                          fix="pass the notice.txt, the saved page (.html) or the PDF") from None
    if text.lstrip()[:1] == "<":
        return _html_copy(text)
    return Copy("text", text, _words(text))


def identify(copy: Copy, histories) -> tuple[list[Match], Match | None]:
    """(every version the copy is — one text can be published in several editions; the
    closest version when it is none)."""
    versions = [(h.edition.id, v) for h in histories for v in h.versions]
    if not versions:
        raise NoticeError("no published version to compare with",
                          fix="commit the notice, or name another edition with --edition")
    exact = copy.text if copy.text is not None else copy.embedded
    if exact is not None:
        digest = canonical.digest(exact)
        found = [Match(edition_id, version, 1.0) for edition_id, version in versions
                 if version.sha256 == digest
                 and (copy.text is not None or _reads_as(copy.words, version))]
        found += [Match(edition_id, version, 1.0, correction)     # saved before a correction
                  for edition_id, version in versions for correction in version.corrections
                  if correction.previous.sha256 == digest and copy.text is not None]
        if found:
            return found, None
    scored = [Match(e, v, _similarity(copy, v)) for e, v in versions]
    return [], max(scored, key=lambda m: m.similarity)


def _reads_as(words: tuple[str, ...], version) -> bool:
    """A PDF's words hold the version's words in order (margins and link targets add some,
    and a written-out link target can come between a word and its comma)."""
    wanted = iter(_bare(words))
    return all(word in wanted for word in _bare(visible_words(version)))


def _bare(words) -> list[str]:
    """Words without punctuation or case, empty ones dropped."""
    return [bare for word in words if (bare := _PUNCTUATION.sub("", word.casefold()))]


def _similarity(copy: Copy, version) -> float:
    theirs = _words(version.text.fingerprint) if copy.text is not None else visible_words(version)
    return difflib.SequenceMatcher(None, copy.words, theirs, autojunk=False).ratio()


def visible_words(version) -> tuple[str, ...]:
    """The words a reader sees on the version's page (what a PDF shows of it)."""
    text = version.text
    blocks = [text.title] + [block for s in text.sections for block in blocks_of(s.html)]
    return _words(" ".join(blocks))


def _words(text: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFKC", text).split())


# --------------------------------------------------------------------------- HTML

_SKIPPED = {"notice-jump-list", "notice-translation-note", "notice-alias"}


class _SavedPage(HTMLParser):
    """The notice's title and sections out of a saved page, as the build rendered them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.title: list[str] = []
        self.sections: list[list[str]] = []
        self._stack: list[str] = []          # open tags inside a section or the title
        self._where: str | None = None       # "title" | "section"
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if self._where is None:
            if tag == "h1" and "notice-title" in classes:
                self._where, self._stack = "title", [tag]
                self.title = []
            elif tag == "section" and "notice-section" in classes:
                self._where, self._stack = "section", [tag]
                self.sections.append([])
            return
        if tag not in _VOID:
            self._stack.append(tag)
        if self._skip_depth or classes & _SKIPPED:
            self._skip_depth += tag not in _VOID
            return
        if self._where == "section":
            self.sections[-1].append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self._where is None or tag in _VOID:
            return
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if not self._stack:
            self._where = None
            return
        if self._skip_depth:
            self._skip_depth -= 1
            return
        if self._where == "section":
            self.sections[-1].append(f"</{tag}>")

    def handle_data(self, data):
        if self._where and not self._skip_depth:
            (self.title if self._where == "title" else self.sections[-1]).append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


def _html_copy(page: str) -> Copy:
    parser = _SavedPage()
    parser.feed(page)
    parser.close()
    if not parser.sections:
        raise NoticeError("this HTML page holds no notice sections (class notice-section)",
                          fix="save the notice's own page (the current notice or an archived "
                              "version) from the browser, then verify that file")
    title = canonical.section_text("<p>" + "".join(parser.title) + "</p>")
    text = canonical.notice_text(title, (canonical.section_text("".join(s))
                                         for s in parser.sections))
    return Copy("html", text, _words(text))


# --------------------------------------------------------------------------- PDF

def _pdf_copy(path: Path, data: bytes) -> Copy:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        attached = reader.attachments.get(PDF_ATTACHMENT) or []
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NoticeError(f"{path} is not a PDF that can be read: {exc}", file=path) from None
    embedded = attached[0].decode("utf-8") if attached else None
    text = _LINE_END_HYPHEN.sub("-", text)         # "Sub-" + line end + "processors"
    return Copy("pdf", None, _words(text), embedded)


_LINE_END_HYPHEN = re.compile(r"(?<=\w)-\n(?=\w)")
