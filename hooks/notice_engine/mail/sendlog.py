"""The send log: one SQLite row per (recipient, edition, version) says how far delivery got.

This is what makes a notice go out once and only once. A row moves

    planned -> sending -> sent | failed      (and back to planned between 4xx retries)

and every move is its own committed transaction. The row is claimed (*sending*)
*before* the SMTP transaction starts, so if the process dies at any point the
next run finds the row and knows the message may be out: a row still *sending*
at start-up becomes *unknown* (reported; resent only with --resend-unknown, with
the same Message-ID so receivers can de-duplicate). With one connection sending
one message at a time, a crash leaves at most one such row.

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
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import NoticeError

PLANNED, SENDING, SENT, FAILED, UNKNOWN, SUPERSEDED = (
    "planned", "sending", "sent", "failed", "unknown", "superseded")
STATES = (PLANNED, SENDING, SENT, FAILED, UNKNOWN, SUPERSEDED)
DELIVERED = (SENT, UNKNOWN, SENDING)       # may have reached the recipient: not sent again unasked

_SCHEMA = f"""
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
    PRIMARY KEY (recipient, edition, version)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state);
"""
_COLUMNS = ("recipient", "edition", "version", "covers", "since", "message_id", "state",
            "attempts", "reply", "planned_at", "updated_at", "sent_at")

Key = tuple[str, str, str]          # (recipient, edition, version)


@dataclass(frozen=True)
class Row:
    recipient: str
    edition: str
    version: str
    covers: tuple[str, ...]
    since: str | None
    message_id: str
    state: str = PLANNED
    attempts: int = 0
    reply: str | None = None
    planned_at: str = ""
    updated_at: str = ""
    sent_at: str | None = None

    @property
    def key(self) -> Key:
        return (self.recipient, self.edition, self.version)


class SendLog:
    """The log of one repository; use `open` (a sending run) or `peek` (--status)."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock_fd: int | None):
        self.path, self._db, self._lock_fd = path, db, lock_fd

    @classmethod
    def open(cls, path: Path) -> SendLog:
        """Lock the log for this run (refusing if another run holds it) and open it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(lock_path(path), path)
        try:
            return cls(path, _connect(path), lock_fd)
        except BaseException:
            os.close(lock_fd)
            raise

    @classmethod
    def peek(cls, path: Path) -> SendLog:
        """Open without the lock, to read while a run may be going on."""
        if not path.exists():
            raise NoticeError("no send log yet: nothing has been sent from this repository",
                              file=path, fix="run `notice notify --recipients FILE` first")
        return cls(path, _connect(path), None)

    def close(self) -> None:
        self._db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)        # releases the flock
            self._lock_fd = None

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading

    def rows(self) -> list[Row]:
        cursor = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM deliveries "
                                  "ORDER BY edition, version, recipient")
        return [_row(values) for values in cursor]

    def counts(self) -> dict[tuple[str, str], Counter]:
        """(edition, version) -> how many rows are in each state."""
        found: dict[tuple[str, str], Counter] = {}
        for edition, version, state, n in self._db.execute(
                "SELECT edition, version, state, COUNT(*) FROM deliveries "
                "GROUP BY edition, version, state ORDER BY edition, version"):
            found.setdefault((edition, version), Counter())[state] = n
        return found

    # -- writing: each method is one committed transaction

    def recover(self) -> list[Row]:
        """Rows a crashed run left *sending* become *unknown*; returns them."""
        stuck = [row for row in self.rows() if row.state == SENDING]
        if stuck:
            self._db.execute(
                "UPDATE deliveries SET state = ?, updated_at = ?, reply = ? WHERE state = ?",
                (UNKNOWN, _now(), "the run stopped between claiming this message and the "
                                  "server's reply: it may or may not have been delivered",
                 SENDING))
        return stuck

    def record_plan(self, new: list[Row], superseded: list[Key]) -> None:
        """Add the planned rows (idempotent: existing ones are kept as they are)."""
        now = _now()
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (recipient, edition, version, covers, since, "
                "message_id, state, planned_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.recipient, r.edition, r.version, ",".join(r.covers), r.since, r.message_id,
                  PLANNED, now, now) for r in new])
            self._db.executemany(
                "UPDATE deliveries SET state = ?, updated_at = ? WHERE recipient = ? AND "
                "edition = ? AND version = ? AND state IN (?, ?)",
                [(SUPERSEDED, now, *key, PLANNED, FAILED) for key in superseded])

    def claim(self, key: Key, *, resend_unknown: bool = False) -> None:
        """Mark a message *sending*: committed before its SMTP transaction begins."""
        allowed = (PLANNED, FAILED, UNKNOWN) if resend_unknown else (PLANNED, FAILED)
        cursor = self._db.execute(
            f"UPDATE deliveries SET state = ?, attempts = attempts + 1, updated_at = ? "
            f"WHERE recipient = ? AND edition = ? AND version = ? "
            f"AND state IN ({', '.join('?' * len(allowed))})",
            (SENDING, _now(), *key, *allowed))
        if cursor.rowcount != 1:
            raise RuntimeError(f"send log: {key} cannot be claimed (not planned, or claimed twice)")

    def refuse(self, key: Key, reply: str) -> None:
        """A planned message that must not go out (its headers failed the check): *failed*,
        never claimed, so it is reported and tried again on the next run."""
        self._db.execute(
            "UPDATE deliveries SET state = ?, reply = ?, updated_at = ? WHERE recipient = ? "
            "AND edition = ? AND version = ? AND state IN (?, ?)",
            (FAILED, reply, _now(), *key, PLANNED, FAILED))

    def mark(self, key: Key, state: str, reply: str) -> None:
        """Record the outcome of the attempt on a claimed row (PLANNED: retry later).

        Committed without its own fsync: the next claim's fsync (or closing the log) makes
        it durable. A power cut in between could only lose this outcome, leaving the row
        *sending*, hence *unknown*: never sent twice. One fsync per message instead of two.
        """
        now = _now()
        self._db.execute("PRAGMA synchronous = NORMAL")
        try:
            self._db.execute(
                "UPDATE deliveries SET state = ?, reply = ?, updated_at = ?, sent_at = ? "
                "WHERE recipient = ? AND edition = ? AND version = ? AND state = ?",
                (state, reply, now, now if state == SENT else None, *key, SENDING))
        finally:
            self._db.execute("PRAGMA synchronous = FULL")

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


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
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
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
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        _refuse_foreign(db, path)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")    # a claim is on disk before DATA is sent
        db.executescript(_SCHEMA)
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
    if tables - {"deliveries"} or (tables and columns != _COLUMNS):
        db.close()
        raise NoticeError(f"this database is not a send log of this tool (it holds the tables "
                          f"{', '.join(sorted(tables))})", file=path,
                          fix="point extra.notice.mail.log at a send log this tool made, or at "
                              "a new file")


def _row(values) -> Row:
    data = dict(zip(_COLUMNS, values))
    data["covers"] = tuple(data["covers"].split(",")) if data["covers"] else ()
    return Row(**data)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
