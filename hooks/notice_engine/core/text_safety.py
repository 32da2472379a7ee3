"""Text that comes from git's free text, checked once before it reaches a page, a feed or
an email.

A commit message is written by anyone who can push a branch, and git stores any
bytes in it. Control characters (C0 but tab and newline, DEL, C1) make a feed
invalid XML and can rewrite a terminal; bidirectional controls (U+202A–U+202E,
U+2066–U+2069, U+200E/F) and line separators (U+2028/9) make a reader see words in another order than they are
written ("Trojan Source"). So, for every field, one of two rules, documented in
the README's Security model:

- **neutralise** (`neutralise`): commit subjects, which nobody chose as published
  text (they are only the default summary): each such character becomes U+FFFD,
  visible and harmless;
- **refuse** (`refuse_in_trailers`): trailer values (`Notice-Summary`…), which
  are written to be published: the commit and the line are named, as for any
  malformed trailer.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import NoticeError

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e"
                    "\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def unsafe_characters(text: str) -> list[str]:
    """The unsafe characters of `text`, as `U+202E RIGHT-TO-LEFT OVERRIDE`, once each."""
    return [f"U+{ord(c):04X} {unicodedata.name(c, 'control character')}"
            for c in dict.fromkeys(UNSAFE.findall(text))]


def neutralise(text: str, replacement: str = REPLACEMENT) -> str:
    """Every control, bidi and line-separator character replaced (by U+FFFD: visible, and
    valid in XML, HTML, JSON and email alike)."""
    return UNSAFE.sub(replacement, text)


def refuse_in_trailers(sha: str, message: str, trailers: str) -> None:
    """A trailer git read from the message that holds an unsafe character is refused, naming
    the commit and the line of the message it is on."""
    for trailer in trailers.splitlines():
        found = unsafe_characters(trailer)
        if not found:
            continue
        key = trailer.partition(":")[0].strip()
        raise NoticeError(
            f"the trailer {key} holds {', '.join(found)}: a control or bidirectional character "
            "would change how the published text reads", file=f"commit {sha[:12]}",
            line=_line_of(message, key),
            fix="rewrite the trailer in plain text (amend the message before it is published)")


def _line_of(message: str, key: str) -> int | None:
    """The last line of the message that starts with the trailer's key (trailers end it)."""
    found = None
    for number, line in enumerate(message.split("\n"), start=1):
        if key and line.strip().lower().startswith(key.lower()):
            found = number
    return found
