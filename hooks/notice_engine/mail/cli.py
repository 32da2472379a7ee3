"""`notice notify`: the command line of the mail package (registered by notice_engine.cli)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..core.text_safety import REPLACEMENT, neutralise
from ..errors import NoticeError

EPILOG = """\
Without NOTICE_SMTP_URL, messages are written to the outbox folder (extra.notice.mail.outbox,
default outbox/) with an index.html to preview them, and recorded in the send log as
written: nothing is sent, a rerun writes only new messages, and a later run with
NOTICE_SMTP_URL sends the written ones. With it, messages are sent and recorded in the
send log (extra.notice.mail.log, default .notice/sendlog.sqlite), so a rerun never sends
anyone the same notice twice:
  NOTICE_SMTP_URL=smtp+starttls://USER@HOST:587   (or smtps://…:465, smtp://HOST:25)
  NOTICE_SMTP_PASSWORD=…                          (when the URL has no password)

Exit status: 0 everyone was reached; 3 someone was not (a row of the recipients
file was invalid, a message failed or may not have arrived, recipients are held
until a translation lands, or someone was last sent a version the history no
longer has and there is nothing newer to send); 1 an error
stopped the run before sending (settings, recipients file, another run going on).
"""


def register(commands) -> None:
    """Add the `notify` subcommand to the `notice` command's subparsers."""
    notify = commands.add_parser(
        "notify", help="email change notices to recipients",
        description="Email each recipient the versions of their edition they have not been\n"
                    "sent yet: a summary, the dates, a redline and links.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    notify.add_argument("--recipients", type=Path, metavar="FILE",
                        help="CSV with a header row naming the columns email,name,locale,region "
                             "(other columns are ignored); invalid rows are reported and skipped")
    notify.add_argument("--recipients-from", metavar="SOURCE",
                        help="instead of a CSV, the rows of a plugin: an installed one by name "
                             "(jsonl: JSON Lines, one object per line) or module:function")
    notify.add_argument("--recipients-option", action="append", default=[], type=_option,
                        metavar="KEY=VALUE",
                        help="an option for the plugin (repeatable), e.g. path=customers.jsonl")
    notify.add_argument("--since", type=_date, metavar="DATE",
                        help="for recipients never sent a notice: every version taking effect on "
                             "or after DATE (YYYY-MM-DD); default: only the newest version")
    notify.add_argument("--edition", metavar="ID",
                        help="only the recipients whose edition is ID")
    notify.add_argument("--resend-unknown", action="store_true",
                        help="send again the messages a crashed run left 'unknown' (they may "
                             "have arrived), with the same Message-ID")
    notify.add_argument("--send-untranslated", action="store_true",
                        help="when an edition's translation lags an emailed change, send its "
                             "readers the source edition's message (saying so) instead of "
                             "holding them until the translation is committed")
    notify.add_argument("--dry-run", action="store_true",
                        help="check the recipients and print who would get which versions "
                             "(what a run with the same NOTICE_SMTP_URL, set or not, would "
                             "do) and every warning it would print; send and write nothing")
    notify.add_argument("--status", action="store_true",
                        help="print the send log (counts per version, then every message not "
                             "sent) and exit; sends nothing")
    notify.set_defaults(run=_run)


def _run(args) -> int:
    root = args.root.resolve()
    if args.status:
        return status(root)
    if bool(args.recipients) == bool(args.recipients_from):
        raise NoticeError("notice notify needs --recipients FILE or --recipients-from SOURCE "
                          "(one of them), or --status",
                          fix="pass the CSV of recipients: email,name,locale,region")
    from .notify import NOT_EVERYONE_REACHED, Options, run
    from .recipients import Plugin

    source = args.recipients or Plugin(args.recipients_from, dict(args.recipients_option))
    report = run(root, Options(recipients=source, since=args.since,
                               edition=args.edition, resend_unknown=args.resend_unknown,
                               dry_run=args.dry_run,
                               send_untranslated=args.send_untranslated))
    return 0 if report.everyone_reached else NOT_EVERYONE_REACHED


def status(root: Path, out=None) -> int:
    """The send log as tables: what each version's messages came to, then what needs a look."""
    out = out or sys.stdout
    from .. import config as config_module
    from . import sendlog
    from .settings import load

    path = load(config_module.load(root)).log
    with sendlog.SendLog.peek(path) as log:
        counts = log.counts()
        attention = [r for r in log.rows() if r.state not in (sendlog.SENT, sendlog.SUPERSEDED)]
    running = sendlog.is_locked(path)
    print(f"Send log {path}" + (" (a run is in progress)" if running else ""), file=out)
    states = sendlog.STATES
    print(f"{'edition':<12} {'version':<10} " + " ".join(f"{s:>10}" for s in states), file=out)
    for (edition, version), counter in counts.items():
        print(f"{_shown(edition):<12} {_shown(version):<10} "
              + " ".join(f"{counter[s]:>10}" for s in states), file=out)
    if attention:
        print(f"\nNot sent ({len(attention)}):", file=out)
        print(f"{'state':<9} {'recipient':<32} {'edition':<10} {'version':<10} {'tries':>5}  "
              "last reply, or the file written", file=out)
        for r in attention:
            print(f"{_shown(r.state):<9} {_shown(r.recipient):<32} {_shown(r.edition):<10} "
                  f"{_shown(r.version):<10} {r.attempts:>5}  {_shown(_last(r))}", file=out)
    return 0


def _shown(value) -> str:
    """A send-log field as printed: the log is data (copied, or forged), and a server's
    reply is another program's text, so a control or bidi character never reaches the
    terminal (an escape sequence could clear the screen, a line break print a line of its
    own)."""
    return neutralise(str(value).replace("\n", REPLACEMENT).replace("\t", REPLACEMENT))


def _last(row) -> str:
    """What to say about a row not sent: the server's last reply, or where it was written."""
    from .sendlog import WRITTEN
    if row.state == WRITTEN and row.outbox:
        return f"in the outbox: {row.outbox}"
    return row.reply or ""


def _option(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
