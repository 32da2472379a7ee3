"""Header lines written byte for byte, and checked before a message is claimed.

The standard library's email generator refolds and re-encodes headers on its
own terms: it RFC 2047-encoded a long `List-Unsubscribe` (which mail clients
then cannot read), folded the Message-ID, and, before the CVE-2024-6923 fix,
let an encoded-word in a display name turn into a raw line break. So the
headers of a change notice are written here, each as one exact line:
`List-Unsubscribe`, `Message-ID` and the dates never folded or encoded; only
display names and the subject are encoded (as RFC 2047 encoded-words of at
most 75 characters, folded between words).

Whatever wrote it, every line goes through `check` before the message is
claimed in the send log: no CR or LF inside it, at most 998 octets
(RFC 5322 2.1.1), and no encoded-word that decodes to a control character,
so a Python without the CVE fix still cannot be made to send a header of an
attacker's choosing.
"""

from __future__ import annotations

import base64
import re
from email.header import decode_header

MAX_LINE = 998                       # octets, without the CRLF
FOLD_AT = 78                         # where encoded-words are folded
_ATEXT_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029\x85]")


class HeaderError(ValueError):
    """A header line that must not go out (the message says which and why)."""


def line(name: str, value: str) -> str:
    """`Name: value`, checked."""
    text = f"{name}: {value}"
    check(text)
    return text


def check(text: str) -> None:
    """Refuse a header field that could inject another header or break the message.

    `text` is a whole field, possibly folded (CRLF + space or tab between lines).
    """
    name = text.split(":", 1)[0]
    for n, physical in enumerate(text.split("\r\n")):
        if "\r" in physical or "\n" in physical:
            raise HeaderError(f"{name}: a bare CR or LF inside the header")
        if n and physical[:1] not in (" ", "\t"):
            raise HeaderError(f"{name}: a line break that would start a new header or the body")
        octets = len(physical.encode("utf-8"))
        if octets > MAX_LINE:
            raise HeaderError(f"{name}: a line of {octets} octets, over the limit of {MAX_LINE}")
    for word in _ENCODED_WORD.findall(text):
        if _CONTROL.search(_decoded(word)):
            raise HeaderError(f"{name}: an encoded-word that decodes to a line break or "
                              f"control character ({word[:40]}…)")


def _decoded(word: str) -> str:
    try:
        (data, charset), = decode_header(word)
        return data.decode(charset or "ascii", "replace") if isinstance(data, bytes) else data
    except (ValueError, LookupError):
        return "\x00"                # undecodable: treat as hostile


def has_encoded_word(text: str) -> bool:
    return bool(_ENCODED_WORD.search(text))


def phrase(text: str) -> str:
    """A display name or subject as a header shows it: as is when plain ASCII, quoted when it
    has specials, else encoded-words."""
    if text.isascii() and _ATEXT_PHRASE.fullmatch(text) and len(text) < FOLD_AT:
        return text
    if text.isascii() and len(text) < FOLD_AT:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return encoded_words(text)


def unstructured(text: str) -> str:
    """A subject: as is when ASCII and short, else encoded-words."""
    if text.isascii() and len(text) < FOLD_AT - len("Subject: ") and "=?" not in text:
        return text
    return encoded_words(text)


def encoded_words(text: str) -> str:
    """RFC 2047 'B' encoded-words of UTF-8, each at most 75 characters and never splitting a
    character, folded between words."""
    words, chunk = [], ""
    for char in text:
        if len((chunk + char).encode("utf-8")) > 45:       # 45 bytes -> 60 base64 characters
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?="
                        for w in words)


def mailbox(name: str, address: str) -> str:
    """`Name <address>`, or the bare address when there is no name."""
    return f"{phrase(name)} <{address}>" if name else address
