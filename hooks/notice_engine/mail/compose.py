"""Composing: what one recipient reads, as a standard email message.

The costly part (a redline of the notice, its HTML and text forms) depends only
on the edition and the versions a message covers, so it is computed once per
such group (`Content`) and shared by every recipient in it; only the greeting,
the address and the unsubscribe link are per recipient.

The message is multipart/alternative: plain text that reads on its own, and
HTML with inline styles only (no <style> sheet, no script, no image, nothing
fetched from another host: opening it tells nobody anything). It is written in
the edition's language, in the recipient's regional variant of it when they
have one (see `reading_locale`).
"""

from __future__ import annotations

import binascii
import dataclasses
import email
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

import markupsafe
from babel import Locale

from ..history import dates
from .. import i18n, templating
from ..publish import page_html as page
from ..render import redline
from ..history.versions import EditionHistory, Version
from . import headers, redline_email
from .addresses import Mailbox
from .plan import Delivery, vkey
from .settings import MailSettings

@dataclass(frozen=True)
class VersionNote:
    """One version as the message lists it."""

    day: str                  # the effective date, as the edition prints dates
    kind: str                 # material / minor, translated
    summary: str
    days_until: int           # > 0: not in effect yet
    url: str                  # its archive page
    changes_url: str          # its redline on that page


@dataclass(frozen=True)
class Content:
    """What every recipient of one edition and one set of versions reads."""

    locale: str               # the edition's: labels, dates and the summaries in it
    title: str                # the notice's title in that language
    subject: str              # the Subject header, before encoding
    notes: tuple[VersionNote, ...]   # one per version the message tells of, oldest first
    since_day: str | None     # the redline starts at this version (None: no redline)
    redline_html: str         # drawn with inline styles (redline_core.to_html, with inline styles)
    redline_text: str         # the same redline for the text/plain part
    current_url: str          # the edition's current page
    archive_url: str          # its archive index
    withdrawn: tuple[tuple[str, bool], ...] = ()   # versions sent earlier and withdrawn:
    #                                                (day, whether it had taken effect)
    untranslated: bool = False        # the source-language redline, the translation lagging


@dataclass(frozen=True)
class Composed:
    """A message ready for the outbox or the wire: its exact bytes."""

    delivery: Delivery
    data: bytes
    subject: str
    sender: str               # envelope addresses
    recipient: str
    smtputf8: bool            # the address needs a server that offers SMTPUTF8
    preview: tuple[_Part, dict[str, str]]    # the HTML part and its values: filled if asked

    def as_bytes(self) -> bytes:
        return self.data

    @property
    def html(self) -> str:
        """The HTML part, for the outbox's preview."""
        part, values = self.preview
        return part.filled(values)

    @property
    def message(self) -> EmailMessage:
        """The message parsed back (for previews and tests)."""
        return email.message_from_bytes(self.data, policy=policy.default)


# Stand-ins for what differs between the recipients of one Content: the templates are
# rendered once per Content with these, then each message substitutes its own values.
_NAME, _EMAIL, _UNSUBSCRIBE = "\x00name\x00", "\x00email\x00", "\x00unsubscribe\x00"


class Composer:
    """Composes messages; what all recipients of one Content share is rendered, encoded and
    checked once."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.sender = settings.require_sender()
        self.site_url = settings.require_site_url()
        self._contents: dict[tuple, Content] = {}
        self._bodies: dict[tuple, tuple[_Part, _Part]] = {}
        self._from = headers.line("From", headers.mailbox(settings.sender_name,
                                                          _address(self.sender)))
        self._reply_to = ([headers.line("Reply-To", _address(settings.reply_to))]
                          if settings.reply_to else [])

    def compose(self, delivery: Delivery) -> Composed:
        """The message for one delivery; raises HeaderError for one that must not go out."""
        content = self.content(delivery)
        recipient = delivery.recipient
        mailbox = recipient.mailbox
        unsubscribe = self._unsubscribe_url(delivery)
        text, html = self._body(content, bool(recipient.name), bool(unsubscribe))
        values = {_NAME: recipient.name, _EMAIL: str(mailbox), _UNSUBSCRIBE: unsubscribe or ""}
        fields = [_constant("Subject", headers.unstructured(content.subject)), self._from,
                  headers.line("To", headers.mailbox(recipient.name, _address(mailbox))),
                  *self._reply_to, _date(int(time.time())),
                  headers.line("Message-ID", delivery.message_id),
                  _constant("Auto-Submitted", "auto-generated")]     # RFC 3834: no auto-replies
        if unsubscribe:                                            # RFC 2369, RFC 8058
            fields += [headers.line("List-Unsubscribe", f"<{unsubscribe}>"),
                       _constant("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
        boundary = "=_notice_" + hashlib.sha256(delivery.message_id.encode()).hexdigest()[:24]
        fields += ["MIME-Version: 1.0",
                   f'Content-Type: multipart/alternative; boundary="{boundary}"',
                   _constant("Content-Language", content.locale.replace("_", "-"))]
        data = "\r\n".join(fields).encode("utf-8") + b"\r\n\r\n" + _multipart(
            boundary, [("plain", text.encoded(values)), ("html", html.encoded(values))])
        return Composed(delivery=delivery, data=data, subject=content.subject,
                        sender=self.sender.envelope, recipient=mailbox.envelope,
                        smtputf8=mailbox.needs_smtputf8, preview=(html, values))

    def _body(self, content: Content, named: bool, unsubscribe: bool) -> tuple[_Part, _Part]:
        """The text and HTML of `content`, with stand-ins for the recipient's values."""
        key = (id(content), named, unsubscribe)
        if key not in self._bodies:
            context = dict(content=content, name=_NAME if named else "", email=_EMAIL,
                           unsubscribe=_UNSUBSCRIBE if unsubscribe else None)
            self._bodies[key] = (
                _Part.of(_render("email_notice.txt", content.locale, **context), str),
                _Part.of(_render("email_notice.html", content.locale, **context),
                         markupsafe.escape))
        return self._bodies[key]

    def content(self, delivery: Delivery) -> Content:
        history = delivery.history
        locale = reading_locale(delivery.recipient.locale, history.edition.locale)
        key = (history.edition.id, locale, delivery.since and vkey(delivery.since),
               tuple(vkey(v) for v in delivery.versions), delivery.withdrawn,
               delivery.untranslated)
        if key not in self._contents:
            content = self._content(history, locale, delivery.versions, delivery.since)
            self._contents[key] = dataclasses.replace(
                content, untranslated=delivery.untranslated,
                withdrawn=tuple((dates.display(date.fromisoformat(d), locale,
                                               history.edition.date_format), took_effect)
                                for d, took_effect in delivery.withdrawn))
        return self._contents[key]

    def _content(self, history: EditionHistory, locale: str, versions: tuple[Version, ...],
                 since: Version | None) -> Content:
        edition = history.edition
        _ = i18n.translations(locale).gettext
        newest = versions[-1]
        base = f"{self.site_url}{edition.id}/"

        def day(version: Version) -> str:
            return dates.display(version.date, locale, edition.date_format)

        notes = tuple(VersionNote(
            day=day(v), kind=page.change_label(v.change, locale), summary=v.summary,
            days_until=(v.date - history.today).days,
            url=f"{base}archive/{v.date.isoformat()}/",
            changes_url=f"{base}archive/{v.date.isoformat()}/#{page.CHANGES_ID}")
            for v in versions)
        changes = redline.compare(since.text.sections, newest.text.sections) if since else None
        labels = redline.labels(locale)
        return Content(
            locale=locale, title=newest.text.title,
            subject=_("%(title)s: changes effective %(day)s") % {"title": newest.text.title,
                                                                "day": day(newest)},
            notes=notes, since_day=day(since) if since else None,
            redline_html=redline_email.html(changes, labels) if changes else "",
            redline_text=redline_email.text(changes, labels) if changes else "",
            current_url=base, archive_url=f"{base}archive/")

    def _unsubscribe_url(self, delivery: Delivery) -> str | None:
        template = self.settings.unsubscribe_url
        if not template:
            return None
        recipient = delivery.recipient
        return template.format(email=quote(recipient.mailbox.envelope, safe="@"),
                               edition=quote(recipient.edition.id, safe=""),
                               locale=quote(recipient.locale, safe=""))


@functools.lru_cache(maxsize=None)
def reading_locale(recipient: str, edition: str) -> str:
    """The recipient's locale if it is a variant of the edition's language (fr_CA reading
    eu-fr: Canadian dates, the French catalog); else the edition's, so that the words around
    the redline are in the language of the notice they quote."""
    if Locale.parse(recipient).language == Locale.parse(edition).language:
        return recipient
    return edition


def _address(mailbox: Mailbox) -> str:
    """The address as headers carry it: the domain in punycode, the local part as written."""
    return f"{mailbox.local}@{mailbox.ascii_domain}"


@functools.lru_cache(maxsize=256)
def _constant(name: str, value: str) -> str:
    """A header line that many messages share, checked once."""
    return headers.line(name, value)


@functools.lru_cache(maxsize=2)
def _date(second: int) -> str:
    """The Date line, made and checked once a second (the same for every message in it)."""
    return headers.line("Date", format_datetime(datetime.fromtimestamp(second, timezone.utc)))


@dataclass(frozen=True)
class _Part:
    """A body rendered with stand-ins, as the quoted-printable it goes out in: encoded once,
    but for its lines that hold a stand-in (quoted-printable encodes line by line, so the
    others do not change), which are filled and encoded for each message."""

    pieces: tuple[bytes | str, ...]     # encoded lines, or a line (with its CRLF) to fill
    template: str                       # the body as rendered
    escape: Callable[[str], object]

    @classmethod
    def of(cls, body: str, escape) -> _Part:
        text = body.replace("\r\n", "\n").replace("\n", "\r\n")
        if not text.endswith("\r\n"):
            text += "\r\n"         # every piece ends its line: b2a_qp picks CRLF from the first
        pieces: list[bytes | str] = []
        plain: list[str] = []
        for line in text[:-2].split("\r\n"):
            if "\x00" in line:
                pieces += [_qp("".join(plain))] if plain else []
                pieces.append(line + "\r\n")
                plain = []
            else:
                plain.append(line + "\r\n")
        pieces += [_qp("".join(plain))] if plain else []
        return cls(tuple(pieces), body, escape)

    def encoded(self, values: dict[str, str]) -> bytes:
        return b"".join(piece if isinstance(piece, bytes)
                        else _qp(_filled(piece, values, self.escape)) for piece in self.pieces)

    def filled(self, values: dict[str, str]) -> str:
        return _filled(self.template, values, self.escape)


def _qp(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), istext=True)


def _filled(template: str, values: dict[str, str], escape) -> str:
    for stand_in, value in values.items():
        if stand_in in template:
            template = template.replace(stand_in, str(escape(value)))
    return template


def _multipart(boundary: str, parts: list[tuple[str, bytes]]) -> bytes:
    """multipart/alternative of UTF-8 text parts, quoted-printable (the boundary starts with
    "=_", which quoted-printable never leaves in a body); each part ends with its CRLF."""
    return b"".join(
        f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode("ascii") + encoded
        for subtype, encoded in parts) + f"--{boundary}--\r\n".encode("ascii")


def _render(template: str, locale: str, **context) -> str:
    return templating.render(template, locale, keep_trailing_newline=True, **context)
