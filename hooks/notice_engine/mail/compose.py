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

import functools
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

import jinja2
from babel import Locale

from .. import dates, i18n, page, redline
from ..history import EditionHistory, Version
from . import redline_email
from .addresses import Mailbox
from .plan import Delivery, vkey
from .settings import MailSettings

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=jinja2.select_autoescape(["html"], default=False),   # .txt stays plain
    extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
    keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


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

    locale: str
    title: str
    subject: str
    notes: tuple[VersionNote, ...]
    since_day: str | None     # the redline starts at this version (None: no redline)
    redline_html: str
    redline_text: str
    current_url: str
    archive_url: str


@dataclass(frozen=True)
class Composed:
    """A message ready for the outbox or the wire."""

    delivery: Delivery
    message: EmailMessage
    sender: str               # envelope addresses
    recipient: str
    smtputf8: bool            # the address needs a server that offers SMTPUTF8

    def as_bytes(self) -> bytes:
        return self.message.as_bytes(policy=policy.SMTPUTF8 if self.smtputf8 else policy.SMTP)


class Composer:
    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.sender = settings.require_sender()
        self.site_url = settings.require_site_url()
        self._contents: dict[tuple, Content] = {}

    def compose(self, delivery: Delivery) -> Composed:
        content = self.content(delivery)
        mailbox = delivery.recipient.mailbox
        unsubscribe = self._unsubscribe_url(delivery)
        context = dict(content=content, name=delivery.recipient.name, email=str(mailbox),
                       unsubscribe=unsubscribe)
        message = EmailMessage(policy=policy.SMTP)
        message["Subject"] = content.subject
        message["From"] = _address(self.settings.sender_name, self.sender)
        message["To"] = _address(delivery.recipient.name, mailbox)
        if self.settings.reply_to:
            message["Reply-To"] = _address("", self.settings.reply_to)
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["Message-ID"] = delivery.message_id
        message["Auto-Submitted"] = "auto-generated"        # RFC 3834: no auto-replies, please
        if unsubscribe:
            message["List-Unsubscribe"] = f"<{unsubscribe}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"     # RFC 8058
        message.set_content(_render("email_notice.txt", content.locale, **context))
        message.add_alternative(_render("email_notice.html", content.locale, **context),
                                subtype="html")
        # After the parts: making the message multipart moves Content-* headers into them.
        message["Content-Language"] = content.locale.replace("_", "-")
        return Composed(delivery=delivery, message=message, sender=self.sender.envelope,
                        recipient=mailbox.envelope, smtputf8=mailbox.needs_smtputf8)

    def content(self, delivery: Delivery) -> Content:
        history = delivery.history
        locale = reading_locale(delivery.recipient.locale, history.edition.locale)
        key = (history.edition.id, locale, delivery.since and vkey(delivery.since),
               tuple(vkey(v) for v in delivery.versions))
        if key not in self._contents:
            self._contents[key] = self._content(history, locale, delivery.versions,
                                                delivery.since)
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
            url=f"{base}archive/{vkey(v)}/",
            changes_url=f"{base}archive/{vkey(v)}/#{page.CHANGES_ID}")
            for v in versions)
        changes = redline.compare(since.text.sections, newest.text.sections) if since else None
        labels = page.redline_labels(locale)
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


def _address(name: str, mailbox: Mailbox) -> Address:
    return Address(display_name=name, username=mailbox.local, domain=mailbox.ascii_domain)


def _render(template: str, locale: str, **context) -> str:
    _TEMPLATES.install_gettext_translations(i18n.translations(locale), newstyle=True)
    return _TEMPLATES.get_template(template).render(locale=locale, **context)
