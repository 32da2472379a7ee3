"""The plan: who gets which versions, decided from the history and the send log alone.

Nothing here sends or writes, so planning the same run twice gives the same
plan (the send log then stores it idempotently), and `--dry-run` is just a plan.

For each recipient, in their edition, with the kinds of change that are emailed:

- if the log shows a message that may have reached them (sent, unknown), they
  get every version after the newest one they were sent that they have not
  been told about, in one message. Versions are told apart by date *and* text
  (`vkey`), never by date alone: a version they were sent that the history no
  longer has (withdrawn, or a rewritten branch) does not count as telling them
  about the one that replaced it; it is reported, and the message says the
  earlier announcement was withdrawn;
- else, if a message was planned but never went out (planned, failed, or only
  written to the outbox), it is re-planned from the versions it covered (a newer
  version then makes one message of both). An outbox run leaves out a message
  already in the outbox (`in_outbox`); a sending run sends it;
- else (first run): only the newest version, or, with --since DATE, every
  version that takes effect on or after DATE.

A message's redline runs from the version the recipient was last sent (or the
one before the first it covers) to the newest, so minor changes in between are
in it too.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from ..history.versions import EditionHistory, Version
from . import sendlog
from .lag import Lag
from .recipients import Recipient
from .settings import MailSettings
from .sendlog import DELIVERED, PENDING, WRITTEN, Key, Row


@dataclass(frozen=True)
class Delivery:
    """One message to send: a recipient, the versions it tells them about, its log row."""

    recipient: Recipient
    history: EditionHistory
    versions: tuple[Version, ...]         # oldest first
    since: Version | None                 # the redline's starting point
    row: Row
    resend: bool = False                  # an *unknown* message sent again (same Message-ID)
    withdrawn: tuple[tuple[str, bool], ...] = ()   # versions they were sent that are gone:
    #                                       (day, whether it had taken effect before it went)
    untranslated: bool = False            # the source edition's, their translation lagging

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
    in_outbox: int = 0                    # written to the outbox by an earlier run, still there
    unsettled: int = 0                    # told of a version that is gone, nothing newer
    gone: Counter = field(default_factory=Counter)   # (edition, key, replaced) -> recipients
    held_for_translation: Counter = field(default_factory=Counter)   # edition -> recipients
    warnings: list[str] = field(default_factory=list)


def vkey(version: Version) -> str:
    """How the log names a version: its effective date and a hash of its text, so a version
    that replaced a withdrawn one (or one of a rewritten branch) is never taken for it."""
    return f"{version.date.isoformat()}+{version.sha256[:12]}"


def day(key: str) -> str:
    """The date part of a version's key (the archive names versions by it)."""
    return key.split("+", 1)[0]


def message_id(recipient_key: str, edition: str, version: str, domain: str) -> str:
    """Stable across reruns and resends: a receiver sees a resent notice as the same message.

    The address itself is hashed, so the header does not repeat it.
    """
    digest = hashlib.sha256(f"{recipient_key}\0{edition}\0{version}".encode()).hexdigest()[:24]
    return f"<notice.{edition}.{day(version)}.{digest}@{domain}>"


@dataclass(frozen=True)
class _Index:
    """One edition's versions by log key (and, for logs written before keys had a hash, by
    date alone), and their order; each version's key made once (a list of a million
    recipients asks for the same few keys a million times)."""

    history: EditionHistory
    by_key: dict[str, Version]
    position: dict[int, int]            # id(version) -> index in the history
    standing: list[Version]
    keys: dict[int, str]                # id(version) -> vkey(version)
    in_effect: frozenset[str]           # keys of withdrawn versions that had taken effect

    @classmethod
    def of(cls, history: EditionHistory) -> _Index:
        """A withdrawn version is not among them: whoever was sent it counts as told of a
        version that is gone, so the one that replaced it is still sent."""
        standing = history.standing
        by_key = {v.date.isoformat(): v for v in standing}
        by_key.update({vkey(v): v for v in standing})
        return cls(history, by_key, {id(v): n for n, v in enumerate(standing)}, standing,
                   {id(v): vkey(v) for v in standing},
                   frozenset(vkey(v) for v in history.versions
                             if v.withdrawn and v.date <= v.withdrawn))

    def key(self, version: Version) -> str:
        return self.keys[id(version)]

    def after(self, version: Version, versions: list[Version]) -> list[Version]:
        return [v for v in versions if self.position[id(v)] > self.position[id(version)]]

    def before(self, version: Version) -> Version | None:
        """The standing version just before `version` (as history.neighbours has it for a
        version not withdrawn), without comparing versions field by field to find it."""
        n = self.position[id(version)]
        return self.standing[n - 1] if n else None


def make_plan(recipients: Iterable[Recipient], histories: dict[str, EditionHistory],
              rows: Iterable[Row], settings: MailSettings, **options) -> Plan:
    """Who gets what, in one piece (a long list is planned a chunk at a time: `Planner`)."""
    planner = Planner(histories, settings, **options)
    plan = planner.chunk(recipients, rows)
    plan.warnings = planner.warnings()
    return plan


class Planner:
    """Plans a list of recipients a chunk at a time, each with its rows of the send log,
    keeping for the whole list only counts and what its warnings need.

    `lags`: editions whose translation lags an emailed change; their recipients are held,
    or (send_untranslated) planned on the source edition. `in_outbox`: whether a *written*
    message is still in the outbox (an outbox run does not write it again).
    """

    def __init__(self, histories: dict[str, EditionHistory], settings: MailSettings, *,
                 domain: str, since: date | None = None, resend_unknown: bool = False,
                 lags: dict[str, Lag] | None = None, send_untranslated: bool = False,
                 in_outbox: Callable[[Row], bool] = lambda row: False):
        self.settings, self.domain, self.since = settings, domain, since
        self.resend_unknown, self.send_untranslated = resend_unknown, send_untranslated
        self.lags, self.in_outbox = lags or {}, in_outbox
        self.indexes = {edition: _Index.of(history) for edition, history in histories.items()}
        self.total = Plan()                   # every chunk's counts; no deliveries
        self.editions: Counter = Counter()    # edition -> messages planned
        self._periods: dict = {}              # see _notice_periods
        self._emailables: dict[str, list[Version]] = {}
        self._firsts: dict[str, list[Version]] = {}

    def chunk(self, recipients: Iterable[Recipient], rows: Iterable[Row]) -> Plan:
        """The plan for these recipients; `rows`: (at least) their rows of the send log."""
        by_owner: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in rows:
            by_owner[row.recipient, row.edition].append(row)
        plan = Plan()
        for recipient in recipients:
            lag = self.lags.get(recipient.edition.id)
            if lag and not self.send_untranslated:
                plan.held_for_translation[recipient.edition.id] += 1
                continue
            index = self.indexes[lag.source.id if lag else recipient.edition.id]
            mine = sorted(by_owner.get((recipient.key, index.history.edition.id), []),
                          key=lambda r: r.version)
            self._plan_one(plan, recipient, index, mine, untranslated=bool(lag))
        self._count(plan)
        return plan

    def warnings(self) -> list[str]:
        """Everything to say before the first message goes out, once every chunk is planned."""
        total, lags = self.total, self.lags
        return (total.warnings
                + _period_warnings(self._periods, self.settings.notice_period_days)
                + [lags[e].describe(n) for e, n in sorted(total.held_for_translation.items())]
                + [f"{lag.edition.id}: its translation lags {lag.source.id}: its readers are "
                   f"sent the {lag.source.id} text (--send-untranslated)"
                   for lag in lags.values() if self.send_untranslated]
                + _gone_warnings(total.gone))

    def _count(self, plan: Plan) -> None:
        total = self.total
        total.held += plan.held
        total.warnings += plan.warnings
        total.up_to_date += plan.up_to_date
        total.in_outbox += plan.in_outbox
        total.unsettled += plan.unsettled
        total.gone.update(plan.gone)
        total.held_for_translation.update(plan.held_for_translation)
        self.editions.update(d.row.edition for d in plan.deliveries)
        _notice_periods(self._periods, plan.deliveries, self.settings.notice_period_days)

    def _emailable(self, index: _Index) -> list[Version]:
        """The versions of the kinds emailed (once per edition: a list has many readers)."""
        key = index.history.edition.id
        if key not in self._emailables:
            self._emailables[key] = [v for v in index.history.standing
                                     if v.change in self.settings.kinds and not v.legacy]
        return self._emailables[key]

    def _first(self, index: _Index) -> list[Version]:
        """What a recipient the log knows nothing of is sent, once per edition."""
        key = index.history.edition.id
        if key not in self._firsts:
            self._firsts[key] = _newer(index, self._emailable(index), None, set(), [], False,
                                       self.since)
        return self._firsts[key]

    def _plan_one(self, plan: Plan, recipient: Recipient, index: _Index, mine: list[Row],
                  untranslated: bool) -> None:
        history, versions = index.history, index.by_key
        if mine:
            delivered = [r for r in mine if r.state in DELIVERED]
            told = {k for r in delivered for k in r.covers}
            told |= {index.key(versions[k]) for k in told if k in versions}
            reached = [versions[r.version] for r in delivered if r.version in versions]
            anchor = max(reached, key=lambda v: index.position[id(v)]) if reached else None
            gone = sorted({k for r in delivered for k in r.covers if k not in versions})
            pending = [r for r in mine if r.state in PENDING]
            newer = _newer(index, self._emailable(index), anchor, told, pending, bool(gone),
                           self.since)
        else:           # no row in the log (most of a long list): the same for every such one
            delivered, anchor, gone, pending = [], None, [], []
            newer = self._first(index)
        target = index.key(newer[-1]) if newer else None
        plan.superseded += [r.key for r in pending if r.version != target]
        latest = delivered[-1] if delivered else None
        doubtful = latest is not None and latest.state != sendlog.SENT
        if doubtful:                  # it may or may not have arrived: only resent on request
            if self.resend_unknown:
                _deliver(plan, recipient, history, latest, versions, resend=True)
            else:
                plan.held.append((recipient, latest))
        for key in gone:
            plan.gone[history.edition.id, key, bool(newer)] += 1
        if newer:
            row = next((r for r in pending if r.version == target), None)
            if row is None:
                start = anchor or index.before(newer[0])
                row = Row(recipient=recipient.key, edition=history.edition.id, version=target,
                          covers=tuple(index.key(v) for v in newer),
                          since=index.key(start) if start else None,
                          message_id=message_id(recipient.key, history.edition.id, target,
                                                self.domain))
                plan.new_rows.append(row)
            if row.state == WRITTEN and self.in_outbox(row):
                plan.in_outbox += 1
                return
            _deliver(plan, recipient, history, row, versions,
                     withdrawn=tuple((day(k), k in index.in_effect) for k in gone),
                     untranslated=untranslated)
        elif gone:
            plan.unsettled += 1       # told of a version that is gone, and nothing to send
        elif not doubtful:
            plan.up_to_date += 1


def _newer(index: _Index, emailable: list[Version], anchor: Version | None, told: set[str],
           pending: list[Row], gone: bool, since: date | None) -> list[Version]:
    """The versions a recipient has not been told about, oldest first."""
    if anchor:
        return [v for v in index.after(anchor, emailable) if index.key(v) not in told]
    planned = [index.by_key[k] for r in pending for k in r.covers if k in index.by_key]
    if planned:                       # planned before and never sent: keep what it covered
        first = min(planned, key=lambda v: index.position[id(v)])
        return [v for v in emailable if index.position[id(v)] >= index.position[id(first)]]
    if since:
        return [v for v in emailable if v.date >= since]
    if gone:                          # only told of withdrawn versions: every upcoming one
        return [v for v in emailable if v.date > index.history.today]
    return emailable[-1:]


def _gone_warnings(gone: Counter) -> list[str]:
    """Versions recipients were sent that the history no longer has, said once per version."""
    warnings = []
    for (edition, key, replaced), count in sorted(gone.items()):
        then = ("they are sent what replaced it, saying the earlier announcement was withdrawn"
                if replaced else "there is no newer version to tell them about: tell them by "
                                 "other means, or commit the change that replaces it")
        warnings.append(f"{edition}: version {day(key)} ({key}), sent to {count} recipient(s), "
                        f"is no longer in the history (withdrawn, or the branch was rewritten); "
                        f"{then}")
    return warnings


def _deliver(plan: Plan, recipient: Recipient, history: EditionHistory, row: Row,
             versions: dict[str, Version], resend: bool = False,
             withdrawn: tuple[tuple[str, bool], ...] = (), untranslated: bool = False) -> None:
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
                                    since=start, row=row, resend=resend, withdrawn=withdrawn,
                                    untranslated=untranslated))


def _notice_periods(found: dict, deliveries: Iterable[Delivery], period_days: int) -> None:
    """Add to `found` the (edition, day) of each material version in `deliveries` that takes
    effect within the notice period: (days until it does, today)."""
    for delivery in deliveries:
        today = delivery.history.today
        for version in delivery.versions:
            days = (version.date - today).days
            if version.change == "material" and days < period_days:
                found[delivery.history.edition.id, version.date] = days, today


def _period_warnings(found: dict, period_days: int) -> list[str]:
    warnings = []
    for (edition, day), (days, today) in sorted(found.items()):
        when = (f"takes effect in {days} day{'s' if days != 1 else ''}" if days > 0
                else "takes effect today" if days == 0
                else f"took effect {-days} day{'s' if days != -1 else ''} ago")
        warnings.append(f"{edition}: the material change of {day} {when} (today is {today}), "
                        f"less than the {period_days}-day notice period "
                        "(extra.notice.mail.notice_period_days)")
    return warnings
