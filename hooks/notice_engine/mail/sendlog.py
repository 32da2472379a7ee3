"""The send log: one SQLite row per (recipient, edition, version) says how far delivery got.

This is what makes a notice go out once and only once. A row moves

    planned -> claimed -> sending -> sent | failed | unknown
    planned -> written                       (the outbox: composed, not delivered)

*claimed*: a batch of rows is claimed in one transaction that is synced to disk
(synchronous=FULL: one fsync per batch, not per message) before the first of
them is sent. *sending*: committed just before a message's DATA goes out, in a
transaction that is not synced (WAL mode, synchronous=NORMAL): it reaches the
operating system's page cache at once, so it survives the process being killed
(kill -9, a crash) and costs no fsync; only an operating-system crash or a power
cut can lose it. The outcome (sent, failed, unknown) is committed the same way;
the next batch's synced claim makes all of it durable.

After a run stopped, the next one settles what it left (`settled_state`):

- *sending*: the DATA may have reached the server: *unknown*, reported, resent
  only with --resend-unknown, with the same Message-ID so receivers can drop a
  duplicate. Each connection sends one message at a time: at most one per
  connection (extra.notice.mail.connections).
- *claimed*, on the same boot of the machine (the kernel's boot id, recorded with
  the claim): its *sending* marker would have survived, so its DATA never
  started: planned again, safely.
- *claimed*, after the machine restarted (or where the boot id cannot be read):
  a power cut may have lost its *sending* marker, so it is *unknown* too (at most
  one batch; never sent twice).

A *written* message was put in the outbox folder, not delivered: an outbox rerun
leaves it there and writes only new messages; a run with SMTP settings sends it
(same Message-ID). A newer version supersedes it like a planned one.

`version` is the newest version a message covers (its effective date, as the
archive names it); `covers` lists every version in it and `since` the version
its redline starts from, so a message can be composed again identically. A row
whose message was overtaken by a newer version before it went out is
*superseded*: the newer message covers its versions too.

One run at a time: `open` takes an exclusive lock on `<log>.lock` (flock: the
kernel drops it when the process dies, even by kill -9, so it never goes stale).
"""

from __future__ import annotations

import fcntl
import functools
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..core.safe_paths import open_lock_file
from ..errors import NoticeError

PLANNED, CLAIMED, SENDING, WRITTEN, SENT, FAILED, UNKNOWN, SUPERSEDED = (
    "planned", "claimed", "sending", "written", "sent", "failed", "unknown", "superseded")
STATES = (PLANNED, CLAIMED, SENDING, WRITTEN, SENT, FAILED, UNKNOWN, SUPERSEDED)
DELIVERED = (SENT, UNKNOWN, SENDING)       # may have reached the recipient: not sent again unasked
PENDING = (PLANNED, FAILED, WRITTEN)       # not delivered: sent by the next run (or superseded)
SCHEMA_VERSION = 2                         # 2: states claimed and written, columns outbox, boot
LOOKUP = 500                               # recipients per query (SQLite's limit on parameters)
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")

_TABLE = f"""
CREATE TABLE IF NOT EXISTS deliveries (
    recipient   TEXT NOT NULL,              -- the address, normalised (addresses.Mailbox.key)
    edition     TEXT NOT NULL,
    version     TEXT NOT NULL,              -- YYYY-MM-DD: the newest version the message covers
    covers      TEXT NOT NULL,              -- every version it covers, comma-separated
    since       TEXT,                       -- the version its redline starts from
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ({", ".join(f"'{s}'" for s in STATES)})),
    attempts    INTEGER NOT NULL DEFAULT 0,
    reply       TEXT,                       -- the server's last reply, or why there is none
    planned_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sent_at     TEXT,
    outbox      TEXT,                       -- where a written message's .eml file is
    boot        TEXT,                       -- the machine's boot id when it was claimed
    PRIMARY KEY (recipient, edition, version)
)"""
_INDEX = "CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state)"
_OLD_COLUMNS = ("recipient", "edition", "version", "covers", "since", "message_id", "state",
                "attempts", "reply", "planned_at", "updated_at", "sent_at")
_COLUMNS = (*_OLD_COLUMNS, "outbox", "boot")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM deliveries"

Key = tuple[str, str, str]          # (recipient, edition, version)


@dataclass(frozen=True)
class Row:
    """One message of the send log: to whom, about which version, and how far it got."""

    recipient: str                  # the mailbox's key (addresses.Address.key)
    edition: str
    version: str                    # the newest version it tells of (date+hash key)
    covers: tuple[str, ...]         # every version it tells of, oldest first
    since: str | None               # the version its redline starts from
    message_id: str                 # fixed when planned: a resend keeps it
    state: str = PLANNED            # one of STATES; DELIVERED and PENDING group them
    attempts: int = 0
    reply: str | None = None        # the server's last reply, for `notify --status`
    planned_at: str = ""
    updated_at: str = ""
    sent_at: str | None = None
    outbox: str | None = None       # the file it was written to, in an outbox run
    boot: str | None = None         # the machine's boot id when claimed (a crash shows)

    @property
    def key(self) -> Key:
        return (self.recipient, self.edition, self.version)


def boot_id() -> str | None:
    """This boot of the machine (Linux); None where it cannot be told."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def settled_state(row: Row, boot: str | None) -> str:
    """What a row a stopped run left *claimed* or *sending* becomes (see above)."""
    if row.state == CLAIMED and boot is not None and row.boot == boot:
        return PLANNED
    if row.state in (CLAIMED, SENDING):
        return UNKNOWN
    return row.state


_SETTLED_REPLY = {
    SENDING: "the run stopped between starting to send this message and the server's reply: "
             "it may or may not have been delivered",
    CLAIMED: "claimed by a run that stopped when the machine restarted (a power cut can lose "
             "the record that its sending began): it may or may not have been delivered",
}


def _serialised(method):
    """Run `method` holding the log's mutex (SQLite's connection is shared by threads)."""
    @functools.wraps(method)
    def serialised(self, *args, **kwargs):
        with self._mutex:
            return method(self, *args, **kwargs)
    return serialised


class SendLog:
    """The log of one repository; use `open` (a run) or `peek` (--status, --dry-run)."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock_fd: int | None):
        self.path, self._db, self._lock_fd = path, db, lock_fd
        self._mutex = threading.RLock()     # one statement or transaction at a time: the
                                            # connections' threads share this log
        self._checkpoints: _Checkpoints | None = None

    @classmethod
    def open(cls, path: Path) -> SendLog:
        """Lock the log for this run (refusing if another run holds it) and open it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(lock_path(path), path)
        try:
            log = cls(path, _connect(path), lock_fd)
        except BaseException:
            os.close(lock_fd)
            raise
        log._checkpoints = _Checkpoints(path, log._db)
        return log

    @classmethod
    def peek(cls, path: Path) -> SendLog:
        """Open without the lock, to read while a run may be going on."""
        if not path.exists():
            raise NoticeError("no send log yet: nothing has been sent or written to the outbox "
                              "from this repository", file=path,
                              fix="run `notice notify --recipients FILE` first")
        return cls(path, _connect(path), None)

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self._db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)        # releases the flock
            self._lock_fd = None

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading

    @_serialised
    def rows(self, state: str | None = None) -> list[Row]:
        """Every row (in one state)."""
        where, values = ("WHERE state = ?", (state,)) if state else ("", ())
        cursor = self._db.execute(f"{_SELECT} {where} ORDER BY edition, version, recipient",
                                  values)
        return [_row(values) for values in cursor]

    @_serialised
    def rows_for(self, recipients: Iterable[str]) -> list[Row]:
        """The rows of these recipients, looked up a few hundred at a time (a list of a million
        is planned without reading the whole log into memory)."""
        wanted, found = list(recipients), []
        for start in range(0, len(wanted), LOOKUP):
            chunk = wanted[start:start + LOOKUP]
            found += map(_row, self._db.execute(
                f"{_SELECT} WHERE recipient IN ({', '.join('?' * len(chunk))})", chunk))
        return found

    @_serialised
    def stuck(self) -> list[Row]:
        """Rows a stopped run left claimed or sending."""
        return [_row(values) for values in self._db.execute(
            f"{_SELECT} WHERE state IN (?, ?) ORDER BY edition, version, recipient",
            (CLAIMED, SENDING))]

    @_serialised
    def counts(self) -> dict[tuple[str, str], Counter]:
        """(edition, version) -> how many rows are in each state."""
        found: dict[tuple[str, str], Counter] = {}
        for edition, version, state, n in self._db.execute(
                "SELECT edition, version, state, COUNT(*) FROM deliveries "
                "GROUP BY edition, version, state ORDER BY edition, version"):
            found.setdefault((edition, version), Counter())[state] = n
        return found

    # -- writing: each method is one committed transaction; only `claim`'s is synced

    @_serialised
    def recover(self, boot: str | None) -> list[tuple[Row, str]]:
        """Settle what a stopped run left claimed or sending; returns each row and its new state."""
        stuck = [(row, settled_state(row, boot)) for row in self.stuck()]
        with self._transaction():
            for row, state in stuck:
                self._db.execute(
                    "UPDATE deliveries SET state = ?, reply = ?, updated_at = ? "
                    "WHERE recipient = ? AND edition = ? AND version = ?",
                    (state, _SETTLED_REPLY[row.state] if state == UNKNOWN else row.reply,
                     _now(), *row.key))
        return stuck

    @_serialised
    def record_plan(self, new: list[Row], superseded: list[Key]) -> list[str]:
        """Add the planned rows (idempotent: existing ones are kept as they are) and mark the
        overtaken ones superseded; returns the outbox files of those that had been written."""
        now = _now()
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (recipient, edition, version, covers, since, "
                "message_id, state, planned_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.recipient, r.edition, r.version, ",".join(r.covers), r.since, r.message_id,
                  PLANNED, now, now) for r in new])
            stale = [path for key in superseded for (path,) in self._db.execute(
                "SELECT outbox FROM deliveries WHERE recipient = ? AND edition = ? AND "
                "version = ? AND state = ? AND outbox IS NOT NULL", (*key, WRITTEN))]
            self._db.executemany(
                f"UPDATE deliveries SET state = ?, updated_at = ? WHERE recipient = ? AND "
                f"edition = ? AND version = ? AND state IN ({_marks(PENDING)})",
                [(SUPERSEDED, now, *key, *PENDING) for key in superseded])
        return stale

    @_serialised
    def claim(self, batch: list[tuple[Key, bool]], boot: str | None) -> None:
        """Claim a batch of messages, (key, resend_unknown) each, in one synced transaction,
        before the first of them is sent."""
        now = _now()
        with self._transaction(durable=True):
            for key, resend_unknown in batch:
                allowed = (*PENDING, UNKNOWN) if resend_unknown else PENDING
                cursor = self._db.execute(
                    f"UPDATE deliveries SET state = ?, boot = ?, updated_at = ? "
                    f"WHERE recipient = ? AND edition = ? AND version = ? "
                    f"AND state IN ({_marks(allowed)})", (CLAIMED, boot, now, *key, *allowed))
                if cursor.rowcount != 1:
                    raise RuntimeError(f"send log: {key} cannot be claimed (not planned, or "
                                       "claimed twice)")

    @_serialised
    def start(self, key: Key) -> None:
        """A claimed message's DATA is about to go out: *sending* (not synced, see above)."""
        cursor = self._db.execute(
            "UPDATE deliveries SET state = ?, attempts = attempts + 1, updated_at = ? "
            "WHERE recipient = ? AND edition = ? AND version = ? AND state IN (?, ?)",
            (SENDING, _now(), *key, CLAIMED, SENDING))      # SENDING: again, on a new connection
        if cursor.rowcount != 1:
            raise RuntimeError(f"send log: {key} is not claimed")

    @_serialised
    def mark(self, key: Key, state: str, reply: str) -> None:
        """Record how an attempt on a claimed message went: SENT, FAILED, UNKNOWN; CLAIMED
        again to retry after a 4xx; PLANNED to leave it to the next run. An attempt is counted
        when its DATA starts, or here if it ended before (still *claimed*)."""
        now = _now()
        self._db.execute(
            "UPDATE deliveries SET state = ?, reply = ?, updated_at = ?, sent_at = ?, "
            "attempts = attempts + (state = ?) "
            "WHERE recipient = ? AND edition = ? AND version = ? AND state IN (?, ?)",
            (state, reply, now, now if state == SENT else None, CLAIMED, *key, CLAIMED, SENDING))

    @_serialised
    def release(self) -> None:
        """The run's claims it did not get to: planned again (their DATA never started)."""
        self._db.execute("UPDATE deliveries SET state = ?, updated_at = ? WHERE state = ?",
                         (PLANNED, _now(), CLAIMED))

    @_serialised
    def refuse(self, key: Key, reply: str) -> None:
        """A planned message that must not go out (its headers failed the check): *failed*,
        never claimed, so it is reported and tried again on the next run."""
        self._db.execute(
            f"UPDATE deliveries SET state = ?, reply = ?, updated_at = ? WHERE recipient = ? "
            f"AND edition = ? AND version = ? AND state IN ({_marks(PENDING)})",
            (FAILED, reply, _now(), *key, *PENDING))

    @_serialised
    def written(self, files: list[tuple[Key, str]]) -> None:
        """Messages put in the outbox folder, (key, file) each: *written*, not delivered."""
        now = _now()
        with self._transaction():
            self._db.executemany(
                f"UPDATE deliveries SET state = ?, outbox = ?, reply = NULL, updated_at = ? "
                f"WHERE recipient = ? AND edition = ? AND version = ? "
                f"AND state IN ({_marks(PENDING)})",
                [(WRITTEN, path, now, *key, *PENDING) for key, path in files])

    def _transaction(self, durable: bool = False):
        return _Transaction(self._db, durable)


class _Checkpoints:
    """Moves the log's committed pages from the write-ahead log into the database in a thread
    of its own, on its own connection (a WAL checkpoint runs beside the writer), every
    INTERVAL seconds: left to SQLite, every thousandth page's commit would wait for a
    checkpoint and its fsyncs, while the sending threads wait for that commit. Durability is
    the same either way: a commit is in the WAL (see above) before it returns."""

    INTERVAL = 0.5

    def __init__(self, path: Path, db: sqlite3.Connection):
        db.execute("PRAGMA wal_autocheckpoint = 0")
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True,
                                        name="sendlog-checkpoints")
        self._thread.start()

    def _run(self, path: Path) -> None:
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            while not self._stopping.wait(self.INTERVAL):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:       # busy: the next one, or closing the log, does it
                    pass
        finally:
            db.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT; `durable`: synced to disk before COMMIT returns."""

    def __init__(self, db: sqlite3.Connection, durable: bool):
        self.db, self.durable = db, durable

    def __enter__(self):
        if self.durable:
            self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback):
        try:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            if self.durable:
                self.db.execute("PRAGMA synchronous = NORMAL")


def _marks(values) -> str:
    return ", ".join("?" * len(values))


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def files(path: Path) -> list[Path]:
    """The log and the files beside it: its lock, and what SQLite writes there."""
    return [path, lock_path(path), *(path.with_name(path.name + end)
                                     for end in ("-wal", "-shm", "-journal"))]


def is_locked(path: Path) -> bool:
    """Whether a run holds the log right now."""
    try:
        fd = os.open(lock_path(path), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _lock(lock_file: Path, log: Path) -> int:
    fd = open_lock_file(lock_file)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 64).decode("ascii", "replace").strip() or "another process"
        os.close(fd)
        raise NoticeError(
            f"another `notice notify` is already running with this send log (pid {holder})",
            file=log, fix="wait for it to finish (`notice notify --status` shows its progress); "
                          "two runs at once could send a notice twice") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode("ascii"))
    return fd


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=30,
                             check_same_thread=False)     # see SendLog._mutex
        _refuse_foreign(db, path)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")   # kill -9 safe; `claim` syncs (see above)
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        raise NoticeError(f"cannot use the send log: {exc}", file=path,
                          fix="point extra.notice.mail.log at a send log this tool made, or at "
                              "a new file") from None
    return db


def _refuse_foreign(db: sqlite3.Connection, path: Path) -> None:
    """A database this tool did not make (other tables, other columns) is left as it is:
    writing the log into it would change someone else's data, and reading it would fail."""
    tables = {name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    columns = tuple(row[1] for row in db.execute("PRAGMA table_info(deliveries)"))
    if tables - {"deliveries"} or (tables and columns not in (_COLUMNS, _OLD_COLUMNS)):
        db.close()
        raise NoticeError(f"this database is not a send log of this tool (it holds the tables "
                          f"{', '.join(sorted(tables))})", file=path,
                          fix="point extra.notice.mail.log at a send log this tool made, or at "
                              "a new file")


def _migrate(db: sqlite3.Connection) -> None:
    """Create the table, or bring a log of an earlier release up to date (the table is copied:
    SQLite cannot change a CHECK constraint in place)."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    with _Transaction(db, durable=True):
        if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return                          # another process got there first
        old = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'deliveries'").fetchone()
        if old:
            db.execute("DROP INDEX IF EXISTS deliveries_state")
            db.execute("ALTER TABLE deliveries RENAME TO deliveries_before")
        db.execute(_TABLE)
        db.execute(_INDEX)
        if old:
            columns = ", ".join(_OLD_COLUMNS)
            db.execute(f"INSERT INTO deliveries ({columns}) SELECT {columns} "
                       "FROM deliveries_before")
            db.execute("DROP TABLE deliveries_before")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _row(values) -> Row:
    data = dict(zip(_COLUMNS, values))
    data["covers"] = tuple(data["covers"].split(",")) if data["covers"] else ()
    return Row(**data)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
