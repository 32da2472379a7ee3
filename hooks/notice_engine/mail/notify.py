"""A `notice notify` run: read recipients, plan, warn, then send or write, then report.

Everything that can stop the run (settings, the recipients file, the lock on
the send log) is checked before the first message; notice-period warnings are
printed before the first message too. Then each message goes through the send
log: claimed, sent, its outcome recorded (see sendlog.py for why in that order).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from .. import config as config_module
from ..errors import NoticeError
from ..history import edition_history, read_repository
from ..pages import today
from ..render import Renderer
from . import lag
from . import recipients as recipients_module
from . import settings as settings_module
from .compose import Composer
from .delivery import (PERMANENT, SENT, TEMPORARY, UNKNOWN, Outbox, Outcome, Pacer, SmtpSender,
                       SmtpUrl, Unreachable)
from .headers import HeaderError
from .plan import Delivery, Plan, day, make_plan
from .progress import Progress
from . import sendlog
from .sendlog import SendLog

NOT_EVERYONE_REACHED = 3      # exit code: someone did not get the notice (or may not have)
MAX_BACKOFF = 600.0


@dataclass(frozen=True)
class Options:
    recipients: Path | recipients_module.Plugin        # a CSV file, or a plugin's rows
    since: date | None = None
    edition: str | None = None
    resend_unknown: bool = False
    dry_run: bool = False
    send_untranslated: bool = False


@dataclass
class Report:
    """What a run did; `everyone_reached` is its exit code."""

    mode: str                                   # "smtp", "outbox" or "dry run"
    invalid: int = 0                            # CSV rows skipped
    planned: int = 0
    sent: int = 0                               # or written to the outbox
    skipped: int = 0                            # recipients already up to date
    unsettled: int = 0                          # last sent a version that is gone, no newer
    held: int = 0                               # waiting for a translation
    retried: int = 0                            # attempts after a 4xx or a lost connection
    failed: list[tuple[Delivery, str]] = field(default_factory=list)
    unknown: list[tuple[str, str, str, str]] = field(default_factory=list)  # email, ed, ver, why
    not_attempted: int = 0
    aborted: str | None = None

    @property
    def everyone_reached(self) -> bool:
        return not (self.invalid or self.failed or self.unknown or self.not_attempted
                    or self.unsettled or self.held)

    def summary(self) -> str:
        verb = {"smtp": "sent", "outbox": "written"}.get(self.mode, "would send")
        done = self.planned if self.mode == "dry run" else self.sent
        return (f"Summary: {verb} {done}, skipped {self.skipped} (up to date), "
                f"failed {len(self.failed)}, retried {self.retried}, unknown {len(self.unknown)}"
                + (f", invalid rows {self.invalid}" if self.invalid else "")
                + (f", not settled {self.unsettled}" if self.unsettled else "")
                + (f", held for translation {self.held}" if self.held else "")
                + (f", not attempted {self.not_attempted}" if self.not_attempted else ""))


class _Abort(Exception):
    """The server stayed out of reach: stop, leaving the rest planned for the next run."""


def run(root: Path, options: Options, *, out: TextIO | None = None, err: TextIO | None = None,
        environ=None) -> Report:
    out, err = out or sys.stdout, err or sys.stderr
    config = config_module.load(root)
    settings = settings_module.load(config)
    smtp = SmtpUrl.from_env(os.environ if environ is None else environ)
    mode = "dry run" if options.dry_run else "smtp" if smtp else "outbox"
    composer = None if options.dry_run else Composer(settings)
    domain = settings.require_sender().ascii_domain
    report = Report(mode=mode)
    with _open_log(settings.log, locked=mode == "smtp") as log:    # a second run stops here
        chosen = _recipients(options, config, settings, report, err)
        histories, lags = _histories(root, config, {r.edition.id: r.edition for r in chosen},
                                     settings, err)
        _recover(log, mode, err)
        plan = make_plan(chosen, histories, log.rows() if log else [], settings, domain=domain,
                         since=options.since, resend_unknown=options.resend_unknown,
                         lags=lags, send_untranslated=options.send_untranslated)
        _announce(plan, report, mode, smtp, settings, out, err)
        if mode == "smtp":
            log.record_plan(plan.new_rows, plan.superseded)
            _send(plan, composer, SmtpSender(smtp), log, settings, report, err)
        elif mode == "outbox":
            _write(plan, composer, Outbox(settings.outbox), report, out, err)
    _print_report(report, out)
    return report


def _recipients(options: Options, config, settings, report: Report, err: TextIO) -> list:
    """The valid rows (of one edition, with --edition); the others are reported."""
    wanted = config.edition(options.edition).id if options.edition else None
    found = recipients_module.load(options.recipients, config, settings.missing_region)
    for problem in found.problems:
        print(f"warning: {problem}", file=err)
    report.invalid = len(found.problems)
    return [r for r in found.recipients if wanted is None or r.edition.id == wanted]


def _recover(log, mode: str, err: TextIO) -> None:
    """Rows a crashed run left *sending*: marked unknown by a sending run, and named by the
    others too (a dry run prints every warning the real run prints)."""
    if mode == "smtp":
        stuck, verb = log.recover(), "marked unknown"
    else:
        stuck = [r for r in log.rows() if r.state == sendlog.SENDING] if log else []
        verb = "a sending run marks it unknown"
    for row in stuck:
        print(f"warning: {row.recipient} ({row.edition}, {day(row.version)}): a previous run "
              f"stopped while sending it; {verb}", file=err)


def _histories(root, config, editions: dict, settings, err: TextIO) -> tuple[dict, dict]:
    """The histories of the recipients' editions (and of the source editions their
    translations lag), and those lags."""
    repository = read_repository(root)
    renderer = Renderer()
    histories: dict = {}

    def history_of(edition):
        if edition.id not in histories:
            histories[edition.id] = edition_history(repository, config, edition, renderer,
                                                    today(edition))
            for warning in histories[edition.id].warnings:
                print(f"warning: {edition.id}: {warning}", file=err)
        return histories[edition.id]

    for edition_id, edition in sorted(editions.items()):
        history_of(edition)
    found = lag.lags(repository, config, dict(histories), history_of, settings.kinds)
    return histories, found


def _open_log(path: Path, *, locked: bool):
    """The sending run locks the log; the outbox and a dry run only read it, if there is one."""
    if locked:
        return SendLog.open(path)
    return SendLog.peek(path) if path.exists() else contextlib.nullcontext(None)


def _announce(plan: Plan, report: Report, mode: str, smtp, settings, out, err) -> None:
    """Say what is about to happen, warnings first, before anything goes out."""
    for warning in plan.warnings:
        print(f"warning: {warning}", file=err)
    report.planned, report.skipped = len(plan.deliveries), plan.up_to_date
    report.unsettled = plan.unsettled
    report.held = sum(plan.held_for_translation.values())
    report.unknown += [(str(r.mailbox), row.edition, day(row.version), row.reply or "")
                       for r, row in plan.held]
    editions: dict[str, int] = {}
    for delivery in plan.deliveries:
        editions[delivery.row.edition] = editions.get(delivery.row.edition, 0) + 1
    where = {"smtp": f"to send through {smtp}", "outbox": f"to write to {settings.outbox}",
             "dry run": "(dry run: nothing is sent or written)"}[mode]
    counts = ", ".join(f"{e} {n}" for e, n in sorted(editions.items()))
    print(f"{len(plan.deliveries)} message(s) {where}" + (f": {counts}" if counts else ""),
          file=out, flush=True)
    if mode == "dry run":
        for delivery in plan.deliveries:
            recipient = delivery.recipient
            note = f" ({recipient.fallback})" if recipient.fallback else ""
            print(f"  {recipient.mailbox}: {delivery.row.edition}{note}, "
                  f"version(s) {', '.join(day(k) for k in delivery.row.covers)}", file=out)


def _send(plan: Plan, composer: Composer, sender: SmtpSender, log: SendLog, settings,
          report: Report, err: TextIO) -> None:
    progress = Progress(len(plan.deliveries), err, "sending")
    pacer = Pacer(settings.rate_per_second)
    try:
        for n, delivery in enumerate(plan.deliveries):
            try:
                _send_one(delivery, composer, sender, log, pacer, settings, report)
            except _Abort as exc:
                report.aborted = str(exc)
                report.not_attempted = len(plan.deliveries) - n
                break
            progress.step()
    finally:
        progress.finish()
        sender.close()


def _send_one(delivery: Delivery, composer: Composer, sender: SmtpSender, log: SendLog,
              pacer: Pacer, settings, report: Report) -> None:
    """Send one message and record how it went; one whose headers fail the check is refused
    before it is claimed (it cannot have gone out)."""
    try:
        composed = composer.compose(delivery)
    except HeaderError as exc:
        log.refuse(delivery.key, f"not sent: {exc}")
        report.failed.append((delivery, f"not sent: {exc}"))
        return
    outcome = _attempts(delivery, composed, sender, log, pacer, settings, report)
    state = {SENT: sendlog.SENT, UNKNOWN: sendlog.UNKNOWN}.get(outcome.state, sendlog.FAILED)
    log.mark(delivery.key, state, outcome.reply)
    row = delivery.row
    if state == sendlog.SENT:
        report.sent += 1
    elif state == sendlog.UNKNOWN:
        report.unknown.append((str(delivery.recipient.mailbox), row.edition, day(row.version),
                               outcome.reply))
    else:
        report.failed.append((delivery, outcome.reply))


def _attempts(delivery: Delivery, composed, sender: SmtpSender, log: SendLog, pacer: Pacer,
              settings, report: Report) -> Outcome:
    """Claim, then send; after a 4xx, release the claim (nothing went out), wait, claim again.

    Returns with the row still claimed. A server that stays unreachable stops the run.
    """
    for attempt in range(1, settings.retry_limit + 1):
        pacer.wait()
        log.claim(delivery.key, resend_unknown=delivery.resend)
        unreachable = False
        try:
            outcome = sender.send(composed)
        except Unreachable as exc:
            outcome, unreachable = Outcome(TEMPORARY, str(exc)), True
        except NoticeError as exc:            # settings (login, TLS): nothing went out
            log.mark(delivery.key, sendlog.PLANNED, str(exc).splitlines()[0])
            raise
        if outcome.state != TEMPORARY:
            return outcome
        if attempt < settings.retry_limit:
            log.mark(delivery.key, sendlog.PLANNED, outcome.reply)
            report.retried += 1
            time.sleep(min(settings.retry_backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF))
    if unreachable:
        log.mark(delivery.key, sendlog.PLANNED, outcome.reply)
        raise _Abort(f"cannot reach the SMTP server: {outcome.reply}")
    return Outcome(PERMANENT, f"{outcome.reply} (gave up after {settings.retry_limit} attempts)")


def _write(plan: Plan, composer: Composer, outbox: Outbox, report: Report, out, err) -> None:
    progress = Progress(len(plan.deliveries), err, "writing")
    for delivery in plan.deliveries:
        try:
            outbox.write(composer.compose(delivery))
        except HeaderError as exc:
            report.failed.append((delivery, f"not written: {exc}"))
        else:
            report.sent += 1
        progress.step()
    progress.finish()
    index = outbox.finish()
    print(f"Wrote {report.sent} message(s) to {outbox.folder}; preview them in {index}. "
          "Nothing was sent and the send log is unchanged: set NOTICE_SMTP_URL to send.",
          file=out)


def _print_report(report: Report, out: TextIO) -> None:
    print(report.summary(), file=out)
    if report.failed:
        print(f"Failed ({len(report.failed)}): the server refused these; fix the cause, then "
              "run again to retry them:", file=out)
        for delivery, reply in report.failed:
            r = delivery.recipient
            print(f"  {r.mailbox} (line {r.line}, {delivery.row.edition} "
                  f"{day(delivery.row.version)}): "
                  f"{reply}", file=out)
    if report.unknown:
        print(f"Unknown ({len(report.unknown)}): a run stopped after sending these and before the "
              "server answered, so they may or may not have arrived. They are not resent unless "
              "you ask: check the server's log, then run with --resend-unknown (same Message-ID, "
              "so receivers can drop a duplicate):", file=out)
        for email, edition, version, why in report.unknown:
            print(f"  {email} ({edition} {version}): {why}", file=out)
    if report.aborted:
        print(f"Stopped: {report.aborted}. {report.not_attempted} message(s) not attempted stay "
              "planned: run again to send them.", file=out)
    if report.invalid:
        print(f"{report.invalid} row(s) of the recipients file were skipped (see the warnings "
              "above).", file=out)
    if report.mode != "dry run" and not report.everyone_reached:
        print(f"Not everyone was reached (exit code {NOT_EVERYONE_REACHED}).", file=out)
