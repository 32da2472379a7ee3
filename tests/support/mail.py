"""Change-notice fixtures: a notice with mail settings, recipient CSVs, and real aiosmtpd
SMTP servers on 127.0.0.1 whose handlers record (or refuse) what they are sent.

Shared by the notify tests and bench/notify.py.
"""

from __future__ import annotations

import copy
import email
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import BASE_EXTRA, NoticeRepo

from notice_engine.cli import main
from notice_engine.mail import sendlog


TODAY = "2024-07-01"           # NOTICE_TODAY: the newest version takes effect 19 days later


SITE = "https://privacy.example.test/"


MAIL = {"from": {"address": "privacy@examplary.test", "name": "Examplary Privacy"},
        "reply_to": "dpo@examplary.test", "site_url": SITE, "unsubscribe_url": SITE + "unsubscribe?e={email}&ed={edition}",
        "retry_backoff_seconds": 0.01, "rate_per_second": None, "connections": 1}


PEOPLE = [("anna@example.test", "Anna", "en", "us"),
          ("jean@bücher.example", "Jean Dupont", "fr", "eu"),
          ("zoe@example.test", "Zoé", "de", "fr")]


def notice_repo(root: Path, **mail) -> NoticeRepo:
    """A notice with four versions in three editions (us-en, eu-en, eu-fr):

    2024-01-10 minor (first), 2024-05-15 material, 2024-06-01 minor, 2024-06-20
    editorial, and 2024-07-20 material (committed 2024-06-20, effective later).
    """
    extra = copy.deepcopy(BASE_EXTRA)
    extra["editions"].append({"id": "eu-fr", "region": "eu", "locale": "fr"})
    extra["mail"] = {**MAIL, **mail}
    repo = NoticeRepo(root, extra)

    def both(section_id, title, english, french):
        repo.section(section_id, title, english)
        repo.write(f"notice/{section_id}.fr.md", f"# {title}\n\n{french}\n")

    both("intro", "Introduction", "We keep your data safe.", "Nous protégeons vos données.")
    both("contact", "Contact", "Write to us at the address below.",
         "Écrivez-nous à l'adresse ci-dessous.")
    repo.manifest("intro", "contact")
    repo.commit("First notice", date="2024-01-10T09:00:00+01:00")
    both("intro", "Introduction", "We keep your data safe and never sell it.",
         "Nous protégeons vos données et ne les vendons jamais.")
    repo.commit("Never sell\n\nNotice-Change: material\nNotice-Summary: We never sell your data.",
                date="2024-05-15T09:00:00+02:00")
    both("contact", "Contact", "Write to us by email.", "Écrivez-nous par courriel.")
    repo.commit("Email contact", date="2024-06-01T09:00:00+02:00")
    both("contact", "Contact", "Write to us by e-mail.", "Écrivez-nous par courriel.")
    repo.commit("Spelling\n\nNotice-Change: editorial", date="2024-06-02T09:00:00+02:00")
    both("cookies", "Cookies", "We use no tracking cookies.",
         "Nous n'utilisons aucun cookie de suivi.")
    repo.manifest("intro", "contact", "cookies")
    repo.commit("Cookies\n\nNotice-Change: material\nEffective-Date: 2024-07-20\n"
                "Notice-Summary: A new section on cookies.\n"
                "Notice-Summary-fr: Une nouvelle section sur les cookies.",
                date="2024-06-20T09:00:00+02:00")
    return repo


def write_csv(path: Path, rows, header="email,name,locale,region") -> Path:
    import csv
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def parse_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def outbox_messages(repo: NoticeRepo) -> dict[str, email.message.EmailMessage]:
    """The outbox's messages by recipient address (the To header's address)."""
    found = {}
    for path in sorted((repo.root / "outbox").glob("*.eml")):
        message = parse_eml(path)
        found[message["To"].addresses[0].addr_spec] = message
    return found


@dataclass
class Received:
    mail_from: str
    rcpt: list[str]
    options: list[str]
    message: email.message.EmailMessage
    session: object


class Sink:
    """Accepts every message and records it. Subclasses misbehave through the `on_*` hooks,
    which return a reply to refuse with (or None to go on)."""

    def __init__(self):
        self.received: list[Received] = []
        self.sessions: list[object] = []
        self.lock = threading.Lock()

    def message_ids(self) -> Counter:
        return Counter(r.message["Message-ID"] for r in self.received)

    def by_recipient(self) -> dict[str, Received]:
        return {r.rcpt[0]: r for r in self.received}

    def on_mail(self, server, session) -> str | None:
        return None

    def on_rcpt(self, address: str) -> str | None:
        return None

    def on_data(self, server, session) -> str | None:
        return None

    async def after_data(self, server, session, received: Received) -> str | None:
        return None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            if not any(s is session for s in self.sessions):
                self.sessions.append(session)
        refusal = self.on_mail(server, session)
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.on_rcpt(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.on_data(server, session)
        if refusal:
            return refusal
        received = Received(envelope.mail_from, list(envelope.rcpt_tos),
                            list(envelope.mail_options),
                            # UTF-8 headers (SMTPUTF8) read as UTF-8, not as escaped bytes
                            email.message_from_string(envelope.content.decode("utf-8"),
                                                      policy=policy.default),
                            session)
        with self.lock:
            self.received.append(received)
            n = len(self.received)
        return await self.after_data(server, session, received) or \
            f"250 2.0.0 Ok: queued as Q{n:05d}"

    def in_session(self, session) -> int:
        return sum(1 for r in self.received if r.session is session)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(handler, scheme: str = "smtp", **smtp_options):
    """A real SMTP server on 127.0.0.1 in a thread; yields its URL."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        controller.stop()


def people(n: int, *extra) -> list[tuple[str, str, str, str]]:
    """n plain recipients in us-en, then the given rows."""
    return [(f"p{i:05d}@example.test", f"Person {i}", "en", "us") for i in range(n)] + list(extra)


def log_rows(repo) -> list[sendlog.Row]:
    with sendlog.SendLog.peek(repo.root / ".notice" / "sendlog.sqlite") as log:
        return log.rows()


@pytest.fixture
def notify(repo, monkeypatch, capsys):
    """`notify(url, *args)`: `notice notify` on the module's `repo` (code, out, err)."""
    return Notify(repo, monkeypatch, capsys)


class Notify:
    """`notice notify` in this process, against a given server URL."""

    def __init__(self, repo, monkeypatch, capsys):
        self.repo, self.monkeypatch, self.capsys = repo, monkeypatch, capsys

    def __call__(self, url: str | None, *args: str, recipients: str = "people.csv"):
        if url:
            self.monkeypatch.setenv("NOTICE_SMTP_URL", url)
        code = main(["--root", str(self.repo.root), "notify", "--recipients",
                     str(self.repo.root / recipients), *args])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture(name="repo")
def mail_repo(tmp_path, monkeypatch):
    """`repo` in a module that imports this fixture: a notice repository with mail
    settings, in an environment with no SMTP settings of its own (the test names the
    server)."""
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    monkeypatch.delenv("NOTICE_SMTP_URL", raising=False)
    monkeypatch.delenv("NOTICE_SMTP_PASSWORD", raising=False)
    return notice_repo(tmp_path / "repo", retry_limit=4, retry_backoff_seconds=0.001)
