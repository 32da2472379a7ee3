"""The plan: who gets which versions, decided from the history and the send log alone.

Nothing here sends or writes, so planning the same run twice gives the same
plan (the send log then stores it idempotently), and `--dry-run` is just a plan.

For each recipient, in their edition, with the kinds of change that are emailed:

- if the log shows a message that may have reached them (sent, unknown), they
  get every newer version, in one message;
- else, if a message was planned but never went out, it is re-planned from the
  versions it covered (a newer version then makes one message of both);
- else (first run): only the newest version, or, with --since DATE, every
  version that takes effect on or after DATE.

A message's redline runs from the version the recipient was last sent (or the
one before the first it covers) to the newest, so minor changes in between are
in it too.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..history import EditionHistory, Version
from . import sendlog
from .recipients import Recipient
from .settings import MailSettings
from .sendlog import DELIVERED, FAILED, PLANNED, Key, Row


@dataclass(frozen=True)
class Delivery:
    """One message to send: a recipient, the versions it tells them about, its log row."""

    recipient: Recipient
    history: EditionHistory
    versions: tuple[Version, ...]         # oldest first
    since: Version | None                 # the redline's starting point
    row: Row
    resend: bool = False                  # an *unknown* message sent again (same Message-ID)

    @property
    def key(self) -> Key:
        return self.row.key

    @property
    def message_id(self) -> str:
        return self.row.message_id


@dataclass
class Plan:
    deliveries: list[Delivery] = field(default_factory=list)
    new_rows: list[Row] = field(default_factory=list)
    superseded: list[Key] = field(default_factory=list)
    held: list[tuple[Recipient, Row]] = field(default_factory=list)   # unknown, not resent
    up_to_date: int = 0
    warnings: list[str] = field(default_factory=list)


def vkey(version: Version) -> str:
    """How the log names a version: its effective date, as the archive does."""
    return version.date.isoformat()


def message_id(recipient_key: str, edition: str, version: str, domain: str) -> str:
    """Stable across reruns and resends: a receiver sees a resent notice as the same message.

    The address itself is hashed, so the header does not repeat it.
    """
    digest = hashlib.sha256(f"{recipient_key}\0{edition}\0{version}".encode()).hexdigest()[:24]
    return f"<notice.{edition}.{version}.{digest}@{domain}>"


def make_plan(recipients: Iterable[Recipient], histories: dict[str, EditionHistory],
              rows: Iterable[Row], settings: MailSettings, *, domain: str,
              since: date | None = None, resend_unknown: bool = False) -> Plan:
    by_owner: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        by_owner[row.recipient, row.edition].append(row)
    plan = Plan()
    for recipient in recipients:
        history = histories[recipient.edition.id]
        mine = sorted(by_owner.get((recipient.key, history.edition.id), []),
                      key=lambda r: r.version)
        _plan_one(plan, recipient, history, mine, settings, domain, since, resend_unknown)
    plan.warnings += notice_period_warnings(plan.deliveries, settings.notice_period_days)
    return plan


def _plan_one(plan: Plan, recipient: Recipient, history: EditionHistory, mine: list[Row],
              settings: MailSettings, domain: str, since: date | None,
              resend_unknown: bool) -> None:
    versions = {vkey(v): v for v in history.versions}
    emailable = [v for v in history.versions if v.change in settings.kinds and not v.legacy]
    delivered = [r for r in mine if r.state in DELIVERED]
    latest = delivered[-1] if delivered else None
    pending = [r for r in mine if r.state in (PLANNED, FAILED)]
    newer = _newer(emailable, latest.version if latest else None, pending, since)
    target = vkey(newer[-1]) if newer else None
    plan.superseded += [r.key for r in pending if r.version != target]
    doubtful = latest is not None and latest.state != sendlog.SENT
    if doubtful:                      # it may or may not have arrived: only resent on request
        if resend_unknown:
            _deliver(plan, recipient, history, latest, versions, resend=True)
        else:
            plan.held.append((recipient, latest))
    if newer:
        row = next((r for r in pending if r.version == target), None)
        if row is None:
            start = versions.get(latest.version) if latest else _before(history, newer[0])
            row = Row(recipient=recipient.key, edition=history.edition.id, version=target,
                      covers=tuple(vkey(v) for v in newer),
                      since=vkey(start) if start else None,
                      message_id=message_id(recipient.key, history.edition.id, target, domain))
            plan.new_rows.append(row)
        _deliver(plan, recipient, history, row, versions)
    elif not doubtful:
        plan.up_to_date += 1


def _newer(emailable: list[Version], reached: str | None, pending: list[Row],
           since: date | None) -> list[Version]:
    if reached:
        return [v for v in emailable if vkey(v) > reached]
    if pending:                       # planned before and never sent: keep what it covered
        start = min(r.covers[0] for r in pending)
        return [v for v in emailable if vkey(v) >= start]
    if since:
        return [v for v in emailable if v.date >= since]
    return emailable[-1:]


def _before(history: EditionHistory, version: Version) -> Version | None:
    return history.neighbours(version)[0]


def _deliver(plan: Plan, recipient: Recipient, history: EditionHistory, row: Row,
             versions: dict[str, Version], resend: bool = False) -> None:
    """Compose from the row, so a re-planned or resent message says exactly the same."""
    covered = [versions.get(v) for v in row.covers]
    start = versions.get(row.since) if row.since else None
    if None in covered or (row.since and start is None):
        plan.warnings.append(
            f"{recipient.mailbox} ({row.edition}): the send log plans a message about version(s) "
            f"{', '.join(row.covers)} that the history no longer has (was the branch rewritten?); "
            "not sent")
        return
    plan.deliveries.append(Delivery(recipient=recipient, history=history, versions=tuple(covered),
                                    since=start, row=row, resend=resend))


def notice_period_warnings(deliveries: Iterable[Delivery], period_days: int) -> list[str]:
    """Material versions that take effect less than the notice period after today."""
    found = {}
    for delivery in deliveries:
        today = delivery.history.today
        for version in delivery.versions:
            days = (version.date - today).days
            if version.change == "material" and days < period_days:
                found[delivery.history.edition.id, version.date] = days, today
    warnings = []
    for (edition, day), (days, today) in sorted(found.items()):
        when = (f"takes effect in {days} day{'s' if days != 1 else ''}" if days > 0
                else "takes effect today" if days == 0
                else f"took effect {-days} day{'s' if days != -1 else ''} ago")
        warnings.append(f"{edition}: the material change of {day} {when} (today is {today}), "
                        f"less than the {period_days}-day notice period "
                        "(extra.notice.mail.notice_period_days)")
    return warnings
