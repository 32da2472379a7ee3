"""Where composed messages go: an outbox folder (the default), or an SMTP server.

`SmtpSender.send` makes one attempt and says what happened (`Outcome`); the
run decides about retries and records each outcome in the send log. The one
ambiguous moment of SMTP is kept apart: if the connection is lost after the
message's final dot went out and before the server's reply, the message may or
may not have been delivered, and the outcome is UNKNOWN. A connection lost at
any earlier point (MAIL, RCPT, DATA, while the message is being written) means
the server cannot have accepted it, so it is simply sent again on a new
connection.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from email import policy
from email.parser import BytesHeaderParser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import templating
from ..core.safe_paths import regular_file, replace_file
from ..errors import NoticeError
from .compose import Composed

SENT, TEMPORARY, PERMANENT, UNKNOWN = "sent", "temporary", "permanent", "unknown"
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
URL_VARIABLE = "NOTICE_SMTP_URL"
PASSWORD_VARIABLE = "NOTICE_SMTP_PASSWORD"


@dataclass(frozen=True)
class Outcome:
    state: str          # SENT, TEMPORARY (4xx: try again), PERMANENT (5xx), UNKNOWN
    reply: str          # the server's reply ("250 2.0.0 Ok: queued as 4F2…"), or what happened


class Unreachable(Exception):
    """The server cannot be reached or refuses the connection for now (the run may retry)."""


# --------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class SmtpUrl:
    """NOTICE_SMTP_URL: smtp://, smtp+starttls:// or smtps://, with an optional user:password."""

    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ=os.environ) -> SmtpUrl | None:
        text = environ.get(URL_VARIABLE, "").strip()
        return cls.parse(text, environ.get(PASSWORD_VARIABLE)) if text else None

    @classmethod
    def parse(cls, text: str, password: str | None = None) -> SmtpUrl:
        fix = ("use smtp+starttls://USER@HOST:587, smtps://USER@HOST:465 or smtp://HOST:25, "
               f"with the password in {PASSWORD_VARIABLE}")
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise NoticeError(f"{URL_VARIABLE} is not a valid URL ({exc})", fix=fix) from None
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise NoticeError(f"{URL_VARIABLE} must start with smtp://, smtp+starttls:// or "
                              f"smtps:// and name a host (got {parts.scheme or 'no'} scheme)",
                              fix=fix)
        url = cls(scheme=parts.scheme, host=parts.hostname, port=port or SCHEMES[parts.scheme],
                  user=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else password or None)
        if url.user and url.password is None:
            raise NoticeError(f"{URL_VARIABLE} names user {url.user!r} but there is no password",
                              fix=f"set {PASSWORD_VARIABLE} (it keeps the password out of the URL)")
        if url.password and url.scheme == "smtp" and not _loopback(url.host):
            raise NoticeError(f"{URL_VARIABLE}: smtp:// to {url.host} would send the password "
                              "unencrypted", fix="use smtp+starttls:// or smtps://")
        return url

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


# --------------------------------------------------------------------------- SMTP

class _Dropped(Exception):
    """The connection went away before the message could have been accepted."""


class SmtpSender:
    """One connection, reused for every message, opened again when the server drops it."""

    def __init__(self, url: SmtpUrl, *, timeout: float = 60, tls: ssl.SSLContext | None = None):
        self.url, self.timeout = url, timeout
        self.tls = tls                    # shared by a run's connections (see tls_context)
        self.connections = 0              # how many were opened: one, unless the server drops it
        self._conn: smtplib.SMTP | None = None

    def send(self, composed: Composed, before_data: Callable[[], None] = lambda: None
             ) -> Outcome:
        """One attempt. `before_data` is called once the server is ready for the message and
        before its first byte goes out (the send log records *sending* there). Raises
        Unreachable when no connection can be had, NoticeError when the settings are wrong
        (login refused, no STARTTLS)."""
        for _ in range(2):                # an idle connection the server closed: reopen once
            conn = self._connection()
            try:
                return self._transaction(conn, composed, before_data)
            except _Dropped:
                self._forget()
        return Outcome(TEMPORARY, "the server closed the connection before the message was sent")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._forget()

    def _transaction(self, conn: smtplib.SMTP, composed: Composed,
                     before_data: Callable[[], None]) -> Outcome:
        options = []
        if composed.smtputf8:
            if not conn.has_extn("smtputf8"):
                return Outcome(PERMANENT, f"{composed.recipient} has non-ASCII characters before "
                                          "the @, which needs SMTPUTF8, and the server does not "
                                          "offer it")
            options = ["SMTPUTF8"] + (["BODY=8BITMIME"] if conn.has_extn("8bitmime") else [])
        try:
            code, reply = _command(conn, "mail", f"FROM:<{composed.sender}>"
                                   + "".join(f" {o}" for o in options), composed.smtputf8)
            if code != 250:
                return self._refused(conn, code, reply)
            code, reply = _command(conn, "rcpt", f"TO:<{composed.recipient}>", composed.smtputf8)
            if code not in (250, 251):
                return self._refused(conn, code, reply)
            code, reply = conn.docmd("data")
            if code != 354:
                return self._refused(conn, code, reply)
            before_data()
            conn.send(_dot_stuffed(composed.as_bytes()))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Dropped() from exc
        try:
            code, reply = conn.getreply()       # the one answer SMTP can lose
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._forget()
            return Outcome(UNKNOWN, "the connection was lost after the message was sent and "
                                    f"before the server answered ({exc or type(exc).__name__})")
        if code == 250:
            return Outcome(SENT, _reply(code, reply))
        if code < 0:                            # an answer that is not SMTP: no telling either
            self._forget()
            return Outcome(UNKNOWN, f"the server's answer to the message was garbled: {reply!r}")
        return self._refused(conn, code, reply)

    def _refused(self, conn: smtplib.SMTP, code: int, reply: bytes) -> Outcome:
        """A 4xx or 5xx: end the transaction (or the connection, on 421) and say which."""
        if code == 421 or code < 0:
            self._forget()              # "closing connection": the next attempt opens a new one
        else:
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self._forget()
        return Outcome(PERMANENT if code >= 500 else TEMPORARY, _reply(code, reply))

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self._connect()
            self.connections += 1
        return self._conn

    def _connect(self) -> smtplib.SMTP:
        url = self.url
        context = self.tls or tls_context(url)
        conn = None
        try:
            if url.scheme == "smtps":
                conn = smtplib.SMTP_SSL(url.host, url.port, timeout=self.timeout, context=context,
                                        local_hostname=socket.gethostname())
            else:
                conn = smtplib.SMTP(url.host, url.port, timeout=self.timeout,
                                    local_hostname=socket.gethostname())
            conn.ehlo()
            if url.scheme == "smtp+starttls":
                if not conn.has_extn("starttls"):
                    raise NoticeError(f"{url} does not offer STARTTLS", fix="use smtps:// if it "
                                      "takes TLS from the start, or check the port")
                conn.starttls(context=context)
                conn.ehlo()
            if url.user:
                conn.login(url.user, url.password)
            return conn
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(conn)
            raise NoticeError(f"{url} refused the login: {_reply(exc.smtp_code, exc.smtp_error)}",
                              fix=f"check the user in {URL_VARIABLE} and the password") from None
        except ssl.SSLCertVerificationError as exc:
            _quietly_close(conn)
            raise NoticeError(f"{url}: the server's TLS certificate is not trusted "
                              f"({exc.verify_message})", fix="check the host name") from None
        except NoticeError:
            _quietly_close(conn)
            raise
        except smtplib.SMTPConnectError as exc:
            raise Unreachable(f"{url}: {_reply(exc.smtp_code, exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            _quietly_close(conn)
            raise Unreachable(f"{url}: {exc or type(exc).__name__}") from None

    def _forget(self) -> None:
        if self._conn is not None:
            _quietly_close(self._conn)
        self._conn = None


def tls_context(url: SmtpUrl) -> ssl.SSLContext | None:
    """The TLS settings of a run's connections, made once: loading the system's certificates
    takes a good half second of CPU. None for smtp:// (no TLS)."""
    return None if url.scheme == "smtp" else ssl.create_default_context()


def _command(conn: smtplib.SMTP, command: str, args: str, utf8: bool) -> tuple[int, bytes]:
    """MAIL or RCPT of addresses `addresses.parse` checked, as smtplib's `mail` and `rcpt`
    send them, without their parsing each address again with the email package (a good
    part of the client's CPU per message)."""
    conn.command_encoding = "utf-8" if utf8 else "ascii"
    conn.putcmd(command, args)
    return conn.getreply()


def _quietly_close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except OSError:
            pass


_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: a line that starts with '.' gets another (RFC 5321 4.5.2), then the end."""
    if data.startswith(b".") or b"\n." in data:       # rare: the search is much cheaper
        data = _LEADING_DOT.sub(b"..", data)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


class Pacer:
    """At most `rate` messages a second, evenly spaced (None: no limit), over all the
    connections: each thread takes the next free slot, then waits for it."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1 / rate if rate else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self.clock()
            slot = now if self._next is None or now >= self._next else self._next
            self._next = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


# --------------------------------------------------------------------------- outbox

def outbox_message(root: Path, folder: Path, recorded: str | None) -> Path | None:
    """The message file a send-log row names, if it is one: a regular `.eml` file directly
    in the outbox `folder`. The log is data like any other (copied, or committed by anyone):
    a row naming another path names nothing the tool reads or removes."""
    if not recorded:
        return None
    path = Path(os.path.normpath(root / recorded))
    if (path.parent != Path(os.path.normpath(folder)) or path.suffix != ".eml"
            or not regular_file(path)):
        return None
    return path


class Outbox:
    """.eml files, one per message, and index.html to preview them in a browser.

    Each message keeps its file across runs (named by edition, version, recipient and
    Message-ID); the send log records it as *written*, so a rerun writes only new
    messages, and index.html lists every message the log has in the outbox.
    """

    def __init__(self, folder: Path, root: Path):
        self.folder, self.root = folder, root
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, composed: Composed) -> str:
        """Write one message (and its HTML part, to preview); returns where, as the send log
        records it (relative to the repository when inside it)."""
        delivery = composed.delivery
        digest = hashlib.sha256(delivery.message_id.encode()).hexdigest()[:8]
        stem = (f"{delivery.row.edition}-{delivery.row.version.split('+')[0]}-"
                f"{re.sub(r'[^A-Za-z0-9._@+-]', '_', composed.recipient)}-{digest}")
        path = self.folder / f"{stem}.eml"
        replace_file(path, composed.as_bytes())        # whole, never through a link
        replace_file(path.with_suffix(".html"), composed.html.encode("utf-8"))
        return self.recorded(path)

    def recorded(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def holds(self, recorded: str | None) -> bool:
        """Whether a message the log says was written is still in the folder."""
        return outbox_message(self.root, self.folder, recorded) is not None

    def remove(self, recorded: str) -> None:
        """A written message that a newer one superseded: its files go (those it names in
        this folder, nothing else)."""
        path = outbox_message(self.root, self.folder, recorded)
        if path is not None:
            path.unlink()
            preview = path.with_suffix(".html")
            if regular_file(preview) or preview.is_symlink():
                preview.unlink()

    def finish(self, written: Iterable[tuple[str, str, str, str]]) -> Path:
        """index.html listing the messages in the outbox: (file, recipient, edition, versions)."""
        rows = [{"path": path, "email": email, "edition": edition, "covers": covers,
                 "subject": _subject(path)}
                for path, email, edition, covers in (
                    (outbox_message(self.root, self.folder, recorded), email, edition, covers)
                    for recorded, email, edition, covers in written) if path is not None]
        index = self.folder / "index.html"
        replace_file(index, templating.environment(keep_trailing_newline=True)
                     .get_template("outbox.html").render(rows=rows).encode("utf-8"))
        return index


def _subject(path: Path) -> str:
    """A written message's subject, decoded, from its header only."""
    with path.open("rb") as f:
        return str(BytesHeaderParser(policy=policy.default).parse(f)["Subject"] or "")
