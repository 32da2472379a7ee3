"""Email addresses as this tool accepts them: checked once, in the forms SMTP needs.

A recipient CSV is typed by people, so an address is checked strictly enough to
catch typos and header injection, but not to the letter of RFC 5322 (no quoted
local parts, no comments). The domain goes out in punycode (an IDN such as
`bücher.example` is `xn--bcher-kva.example` on the wire); a non-ASCII local
part is kept, and needs a server that offers SMTPUTF8.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import idna

# `idna` is IDNA 2008 (RFC 5891), which keeps ß, ς and the joiners as the distinct letters
# they are: `straße.de` is xn--strae-oqa.de, never `strasse.de`, a different domain (what
# Python's own "idna" codec, IDNA 2003, would give). UTS 46 mapping is applied first, in
# its non-transitional form, as browsers and MTAs do for typed input: it folds case and
# full-width forms (`Bücher.Example`, `ＥＸＡＭＰＬＥ.de`) and never maps ß to ss. A domain
# IDNA 2008 refuses (☃.com, a stray joiner) is refused here too, with the row's line.
_IDNA_ERRORS: tuple[type[Exception], ...] = (idna.IDNAError, UnicodeError)


def _to_ascii(domain: str) -> str:
    return idna.encode(domain, uts46=True, transitional=False).decode("ascii")


# The dot-atom of RFC 5322 (with RFC 6531's non-ASCII characters): no quotes, no spaces.
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")


class AddressError(ValueError):
    """Why a string is not an address we can send to (the message names the reason)."""


@dataclass(frozen=True)
class Mailbox:
    local: str              # as written: the part before @ may be case-sensitive
    domain: str             # as written, lower-cased (may be Unicode)
    ascii_domain: str       # punycode: what goes into the envelope and headers

    @property
    def envelope(self) -> str:
        """The address for MAIL FROM / RCPT TO."""
        return f"{self.local}@{self.ascii_domain}"

    @functools.cached_property          # asked for several times per recipient and pass
    def key(self) -> str:
        """One string per mailbox however it was typed: for duplicates and the send log."""
        return f"{self.local.casefold()}@{self.ascii_domain}"

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local.isascii()

    def __str__(self) -> str:
        return f"{self.local}@{self.domain}"


def has_line_break(text: str) -> bool:
    """A CR or LF in a header value would let it start a header of its own."""
    return bool(_LINE_BREAK.search(text))


def parse(text: str) -> Mailbox:
    """A bare address (`anna@example.com`), checked; raises AddressError saying what is wrong."""
    if has_line_break(text):
        raise AddressError("it contains a line break (a header injection attempt or a broken row)")
    address = text.strip()
    if not address:
        raise AddressError("it is empty")
    if address.count("@") != 1:
        raise AddressError("it needs exactly one @")
    local, domain = address.split("@")
    _check_local(local)
    return Mailbox(local=local, domain=domain.lower(), ascii_domain=_check_domain(domain))


def _check_local(local: str) -> None:
    if not local:
        raise AddressError("nothing before the @")
    if len(local.encode("utf-8")) > 64:
        raise AddressError("the part before the @ is longer than 64 bytes")
    if _DOT_ATOM.fullmatch(local):          # the usual address: nothing more to look at
        return
    for atom in local.split("."):
        if not atom:
            raise AddressError("a dot at the start or end of the part before the @, "
                               "or two in a row")
        ascii_part = "".join(c for c in atom if c.isascii())
        if ascii_part and not _ATOM.fullmatch(ascii_part):
            raise AddressError("the part before the @ has a space, quote or other character "
                               "addresses cannot hold")
        if any(not c.isascii() and not c.isprintable() for c in atom):
            raise AddressError("the part before the @ has a control character")


@functools.lru_cache(maxsize=65536)      # a customer list has few domains and many rows
def _check_domain(domain: str) -> str:
    if not domain:
        raise AddressError("nothing after the @")
    try:
        ascii_domain = _to_ascii(domain.rstrip(".")).lower()
    except _IDNA_ERRORS as exc:
        raise AddressError(f"the domain {domain!r} is not a valid domain name ({exc})") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253 or not all(_LABEL.fullmatch(x) for x in labels):
        raise AddressError(f"the domain {domain!r} is not a valid domain name")
    if labels[-1].isdigit():
        raise AddressError(f"the domain {domain!r} looks like an IP address, not a domain name")
    return ascii_domain
