"""A `notice notify` run: check the recipients, plan, warn, then send or write, then report.

Everything that can stop the run (settings, the recipients file, the lock on
the send log) is checked before the first message, and every warning is printed
before it too. So the recipients are read three times, streaming, never all held
in memory: checked, planned to count and warn (a dry run lists them then, into a
temporary file printed after the counts), then planned again a chunk at a
time to send or write, each chunk with its rows of the
send log looked up together. A chunk's messages go out in batches: claimed
together in one synced transaction, then each one marked *sending* just before
its DATA and its outcome recorded after (see sendlog.py for why that order is
safe under kill -9, and what a power cut can do). A batch is spread over
`connections` SMTP connections, each in a thread of its own, while the main
thread composes the next batch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from .. import config as config_module
from ..core import git as git_utils
from ..errors import NoticeError
from ..history.walk import edition_history, read_repository
from ..history.dates import today
from ..render.sections import Renderer
from . import lag
from . import recipients as recipients_module
from . import settings as settings_module
from .compose import Composed, Composer
from .transport import (PERMANENT, SENT, TEMPORARY, UNKNOWN, Outbox, Outcome, Pacer, SmtpSender,
                        SmtpUrl, Unreachable, outbox_message, tls_context)
from .headers import HeaderError
from .plan import Delivery, Plan, Planner, day
from .progress import Progress
from . import sendlog
from .sendlog import SendLog

NOT_EVERYONE_REACHED = 3      # exit code: someone did not get the notice (or may not have)
MAX_BACKOFF = 600.0
CHUNK = 1000                  # recipients planned together (their log rows looked up at once)
BATCH = 200                   # messages claimed in one synced transaction, at most


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
    in_outbox: int = 0                          # written by an earlier run, not sent yet
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
                + (f", already in the outbox {self.in_outbox}" if self.in_outbox else "")
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
    boot = sendlog.boot_id()
    if git_utils.tracked(root, settings.log):
        print(f"warning: the send log {settings.log.relative_to(config.root)} is committed to "
              "git: whoever can commit can change who it records as sent, and a recipient "
              "marked sent is never sent the notice. Keep it out of git (`git rm --cached` it; "
              "`notice new`'s .gitignore lists .notice/) and keep it where only this job "
              "writes (a CI cache or a volume restored before each run)", file=err)
    with _open_log(settings.log, locked=mode != "dry run") as log:  # a second run stops here
        chosen = _recipients(options, config, settings, report, err)
        histories, lags = _histories(root, config, chosen.editions, settings, err)
        _recover(log, mode, boot, err)

        def planner() -> Planner:
            return Planner(histories, settings, domain=domain, since=options.since,
                           resend_unknown=options.resend_unknown, lags=lags,
                           send_untranslated=options.send_untranslated,
                           in_outbox=_in_outbox(root, settings.outbox) if not smtp
                           else lambda row: False)

        counting = planner()
        with (tempfile.TemporaryFile("w+", encoding="utf-8") if mode == "dry run"
              else contextlib.nullcontext()) as listing:
            for plan in _chunks(chosen, log, counting, boot):
                if listing is not None:     # listed as it is planned, printed after the counts
                    _list(plan, listing)
            _announce(counting, report, mode, smtp, settings, out, err)
            if listing is not None:
                listing.seek(0)
                shutil.copyfileobj(listing, out)
        if mode != "dry run":
            chunks = _chunks(chosen, log, planner(), boot)
            if mode == "smtp":
                _send(chunks, composer, smtp, log, settings, report, boot, err)
            else:
                _write(chunks, composer, Outbox(settings.outbox, root), log, report, out, err)
    _print_report(report, out)
    return report


def _recipients(options: Options, config, settings, report: Report,
                err: TextIO) -> recipients_module.Recipients:
    """Every row checked (the bad ones reported), before anything is planned or sent."""
    found = recipients_module.Recipients(options.recipients, config, settings.missing_region,
                                         options.edition)
    for problem in found.check():
        print(f"warning: {problem}", file=err)
    report.invalid = len(found.problems)
    return found


def _chunks(recipients, log: SendLog | None, planner: Planner, boot: str | None):
    """The plan, CHUNK recipients at a time, each chunk with its rows of the send log (as the
    real run sees them once it has settled what a stopped run left: a dry run settles nothing
    but plans the same)."""
    for chunk in _groups(recipients, CHUNK):
        rows = log.rows_for(r.key for r in chunk) if log else []
        yield planner.chunk(chunk, [_settled(row, boot) for row in rows])


def _settled(row: sendlog.Row, boot: str | None) -> sendlog.Row:
    state = sendlog.settled_state(row, boot)
    return row if state == row.state else dataclasses.replace(row, state=state)


def _groups(items, size: int):
    group = []
    for item in items:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _in_outbox(root: Path, folder: Path):
    """Whether a message the log says was written is still in the outbox folder (one that was
    deleted is written again)."""
    return lambda row: outbox_message(root, folder, row.outbox) is not None


def _recover(log: SendLog | None, mode: str, boot: str | None, err: TextIO) -> None:
    """Settle what a stopped run left claimed or sending (a dry run only says what the real
    run will do, in the same words)."""
    if log is None:
        return
    stuck = log.recover(boot) if mode != "dry run" else [
        (row, sendlog.settled_state(row, boot)) for row in log.stuck()]
    released = sum(1 for _, state in stuck if state == sendlog.PLANNED)
    for row, state in stuck:
        if state == sendlog.UNKNOWN:
            why = ("stopped while sending it" if row.state == sendlog.SENDING
                   else "had claimed it when the machine restarted")
            print(f"warning: {row.recipient} ({row.edition}, {day(row.version)}): a previous run "
                  f"{why}; it is unknown (it may or may not have arrived)", file=err)
    if released:
        print(f"warning: a previous run stopped before sending {released} message(s) it had "
              "claimed; they are planned again", file=err)


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
    """A run that sends or writes locks the log; a dry run only reads it, if there is one."""
    if locked:
        return SendLog.open(path)
    return SendLog.peek(path) if path.exists() else contextlib.nullcontext(None)


def _announce(planner: Planner, report: Report, mode: str, smtp, settings, out, err) -> None:
    """Say what is about to happen, warnings first, before anything goes out."""
    for warning in planner.warnings():
        print(f"warning: {warning}", file=err)
    total = planner.total
    report.planned, report.skipped = sum(planner.editions.values()), total.up_to_date
    report.unsettled, report.in_outbox = total.unsettled, total.in_outbox
    report.held = sum(total.held_for_translation.values())
    report.unknown += [(str(r.mailbox), row.edition, day(row.version), row.reply or "")
                       for r, row in total.held]
    where = {"smtp": f"to send through {smtp}", "outbox": f"to write to {settings.outbox}",
             "dry run": "(dry run: nothing is sent or written)"}[mode]
    counts = ", ".join(f"{e} {n}" for e, n in sorted(planner.editions.items()))
    print(f"{report.planned} message(s) {where}" + (f": {counts}" if counts else ""),
          file=out, flush=True)


def _list(plan: Plan, out: TextIO) -> None:
    """A dry run: who would get what (the plan of a chunk; a file holds the list of a million
    until the counts and warnings that come first are known)."""
    for delivery in plan.deliveries:
        recipient = delivery.recipient
        note = f" ({recipient.fallback})" if recipient.fallback else ""
        print(f"  {recipient.mailbox}: {delivery.row.edition}{note}, "
              f"version(s) {', '.join(day(k) for k in delivery.row.covers)}", file=out)


def _send(chunks, composer: Composer, smtp: SmtpUrl, log: SendLog, settings, report: Report,
          boot: str | None, err: TextIO) -> None:
    """Compose a batch while the one before goes out; claim it once that one is done (so a
    power cut can leave at most one batch in doubt), then hand it to the connections."""
    run = _Sending(log, settings, report, Progress(report.planned, err, "sending"),
                   Pacer(settings.rate_per_second))
    connections = Connections(smtp, settings.connections, run.send_one)
    try:
        for plan in chunks:
            log.record_plan(plan.new_rows, plan.superseded)
            for batch in _groups(plan.deliveries, _batch_size(settings)):
                composed = run.compose(batch, composer)
                connections.wait()
                log.claim([(c.delivery.key, c.delivery.resend) for c in composed], boot)
                connections.start(composed)
        connections.wait()
    except _Abort as exc:
        report.aborted = str(exc)
        report.not_attempted = report.planned - run.progress.done
    finally:
        connections.close()             # every message in flight settled before the release
        log.release()
        run.progress.finish()


def _batch_size(settings) -> int:
    """Up to BATCH messages, or about a second's worth at the configured rate: what a power
    cut could leave *unknown* (see sendlog.py)."""
    rate = settings.rate_per_second
    return BATCH if rate is None else max(1, min(BATCH, int(rate)))


class Connections:
    """`count` SMTP connections, each in its own thread sending one message at a time: what
    makes a relay a few round trips away (or one that answers each message slowly) go as
    fast as it can take. Each claimed message goes to exactly one of them."""

    def __init__(self, url: SmtpUrl, count: int, send_one):
        self.url, self.send_one = url, send_one     # send_one(sender, composed), any thread
        self.tls = tls_context(url)
        self.error: BaseException | None = None     # the first, raised by `wait`
        self._closing = False
        self._queue: queue.Queue = queue.Queue()
        self._threads = [threading.Thread(target=self._work, daemon=True, name=f"smtp-{n}")
                         for n in range(count)]
        for thread in self._threads:
            thread.start()

    def start(self, messages: list[Composed]) -> None:
        for message in messages:
            self._queue.put(message)

    def wait(self) -> None:
        """Until every message started is settled; raises what stopped a connection (the
        messages not yet begun stay claimed, and are released: planned again)."""
        self._queue.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Stop: what is being sent is settled, what is queued is not begun (still claimed)."""
        self._closing = True
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        sender = SmtpSender(self.url, tls=self.tls)     # connects on its first message
        try:
            while (message := self._queue.get()) is not None:
                try:
                    if self.error is None and not self._closing:
                        self.send_one(sender, message)
                except BaseException as exc:    # noqa: B036 - handed to the main thread
                    self.error = self.error or exc
                finally:
                    self._queue.task_done()
            self._queue.task_done()
        finally:
            sender.close()


@dataclass
class _Sending:
    """What the connections' threads share while sending: the log (serialised itself), the
    pace, and the report and progress (under `lock`)."""

    log: SendLog
    settings: object
    report: Report
    progress: Progress
    pacer: Pacer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def compose(self, batch: list[Delivery], composer: Composer) -> list[Composed]:
        """The batch's messages; one whose headers fail the check is refused before it is
        claimed: it cannot have gone out."""
        composed = []
        for delivery in batch:
            try:
                composed.append(composer.compose(delivery))
            except HeaderError as exc:
                self.log.refuse(delivery.key, f"not sent: {exc}")
                with self.lock:
                    self.report.failed.append((delivery, f"not sent: {exc}"))
                    self.progress.step()
        return composed

    def send_one(self, sender: SmtpSender, composed: Composed) -> None:
        """Send one claimed message and record how it went."""
        delivery = composed.delivery
        outcome = self._attempts(sender, composed)
        state = {SENT: sendlog.SENT, UNKNOWN: sendlog.UNKNOWN}.get(outcome.state, sendlog.FAILED)
        self.log.mark(delivery.key, state, outcome.reply)
        row, report = delivery.row, self.report
        with self.lock:
            if state == sendlog.SENT:
                report.sent += 1
            elif state == sendlog.UNKNOWN:
                report.unknown.append((str(delivery.recipient.mailbox), row.edition,
                                       day(row.version), outcome.reply))
            else:
                report.failed.append((delivery, outcome.reply))
            self.progress.step()

    def _attempts(self, sender: SmtpSender, composed: Composed) -> Outcome:
        """Send, marking the row *sending* just before DATA; after a 4xx (nothing went out) it
        is claimed again, and sent again after a wait.

        Returns with the row still claimed or sending. A server that stays unreachable stops
        the run, the row planned again.
        """
        key, log, settings = composed.delivery.key, self.log, self.settings
        for attempt in range(1, settings.retry_limit + 1):
            self.pacer.wait()
            unreachable = False
            try:
                outcome = sender.send(composed, before_data=lambda: log.start(key))
            except Unreachable as exc:
                outcome, unreachable = Outcome(TEMPORARY, str(exc)), True
            except NoticeError as exc:            # settings (login, TLS): nothing went out
                log.mark(key, sendlog.PLANNED, str(exc).splitlines()[0])
                raise
            if outcome.state != TEMPORARY:
                return outcome
            if attempt < settings.retry_limit:
                log.mark(key, sendlog.CLAIMED, outcome.reply)
                with self.lock:
                    self.report.retried += 1
                time.sleep(min(settings.retry_backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF))
        if unreachable:
            log.mark(key, sendlog.PLANNED, outcome.reply)
            raise _Abort(f"cannot reach the SMTP server: {outcome.reply}")
        return Outcome(PERMANENT, f"{outcome.reply} (gave up after {settings.retry_limit} "
                                  "attempts)")


def _write(chunks, composer: Composer, outbox: Outbox, log: SendLog, report: Report,
           out, err) -> None:
    """The outbox: each message written, then recorded *written* (a chunk at a time)."""
    progress = Progress(report.planned, err, "writing")
    for plan in chunks:
        for stale in log.record_plan(plan.new_rows, plan.superseded):
            outbox.remove(stale)
        files = []
        for delivery in plan.deliveries:
            try:
                files.append((delivery.key, outbox.write(composer.compose(delivery))))
            except HeaderError as exc:
                log.refuse(delivery.key, f"not written: {exc}")
                report.failed.append((delivery, f"not written: {exc}"))
            progress.step()
        log.written(files)
        report.sent += len(files)
    progress.finish()
    index = outbox.finish((r.outbox, r.recipient, r.edition, ", ".join(day(k) for k in r.covers))
                          for r in log.rows(sendlog.WRITTEN))
    print(f"Wrote {report.sent} message(s) to {outbox.folder}; preview them in {index}. "
          "Nothing was sent: the send log records them as written, and a run with "
          "NOTICE_SMTP_URL set sends them.", file=out)


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
