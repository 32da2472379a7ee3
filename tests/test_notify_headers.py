"""Headers exact on the wire, and names that cannot smuggle a header in (issue 14, 3 and 4).

What a real aiosmtpd server received is parsed, as bytes, with the standard
library's strict parser, and each header's raw bytes are asserted: one-click
unsubscribe must reach mail clients as `<https://…>`, never RFC 2047-encoded.
"""

from __future__ import annotations

from email.header import decode_header, make_header
from email.parser import BytesParser
from email import policy

import pytest
from support.mail import TODAY, notice_repo, write_csv
from support.mail import Sink, smtp_server

from notice_engine.cli import main
from notice_engine.mail import headers, recipients

LONG = "a.very.long.mailbox.name.for.testing@customers.example.test"     # > 25 characters
INJECTION = ("=?utf-8?q?Eve=0D=0AReply-To=3A_attacker=40evil.example=0D=0A=0D=0A"
             "Your_account_is_locked?=")


class RawSink(Sink):
    """Keeps the bytes exactly as the server received them."""

    def __init__(self):
        super().__init__()
        self.raw: dict[str, bytes] = {}

    async def handle_DATA(self, server, session, envelope):
        self.raw[envelope.rcpt_tos[0]] = envelope.original_content
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    monkeypatch.delenv("NOTICE_SMTP_URL", raising=False)
    return notice_repo(tmp_path / "repo")


def raw_header(data: bytes, name: bytes) -> bytes:
    """The header field `name` as sent, folding included (up to the next field)."""
    head = data.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    for n, line in enumerate(lines):
        if line.lower().startswith(name.lower() + b":"):
            field = [line]
            field += [x for x in _continuations(lines[n + 1:])]
            return b"\r\n".join(field)
    raise AssertionError(f"no {name!r} header")


def _continuations(lines):
    for line in lines:
        if not line[:1] in (b" ", b"\t"):
            return
        yield line


def test_headers_are_exact_on_the_wire(repo, monkeypatch, capsys):
    names = ["Ann O'Neil, Esq.", "Zoé Çelik-Ørsted " * 11]
    write_csv(repo.root / "people.csv", [(LONG, names[0], "en", "us"),
                                         ("z" + LONG, names[1].strip(), "en", "us")])
    sink = RawSink()
    with smtp_server(sink) as url:
        monkeypatch.setenv("NOTICE_SMTP_URL", url)
        assert main(["--root", str(repo.root), "notify", "--recipients",
                     str(repo.root / "people.csv")]) == 0, capsys.readouterr()

    for address, name in zip([LONG, "z" + LONG], names):
        data = sink.raw[address]
        message = BytesParser(policy=policy.strict).parsebytes(data)     # raises on defects
        assert not message.defects
        assert raw_header(data, b"List-Unsubscribe") == (
            b"List-Unsubscribe: <https://privacy.example.test/unsubscribe?e="
            + address.encode() + b"&ed=us-en>")
        assert raw_header(data, b"List-Unsubscribe-Post") == \
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
        message_id = raw_header(data, b"Message-ID")
        assert b"\r\n" not in message_id and message_id.startswith(b"Message-ID: <notice.us-en.")
        # RFC 2047 decoding (the stdlib's new parser adds a space between adjacent
        # encoded-words of a display name, even in what its own generator writes)
        to = raw_header(data, b"To").decode("ascii").split(": ", 1)[1].rsplit(" <", 1)[0]
        assert str(make_header(decode_header(to))).strip('"').replace("\\", "") == \
            name.strip()
        assert message["To"].addresses[0].addr_spec == address
        assert all(len(line) <= 998 for line in data.split(b"\r\n"))
        assert message.get_body(("plain",)).get_content().startswith("Privacy Notice")


@pytest.mark.parametrize("name, reason", [
    (INJECTION, "encoded-word"),
    ("Eve\x1b[31m", "control character U+001B"),
    ("Eve\u202egnp.exe", "bidirectional control U+202E"),
    ("E" * 3000, "3000 characters long, over the limit of 200"),
])
def test_dangerous_names_are_refused_with_their_line(repo, capsys, name, reason):
    people = write_csv(repo.root / "people.csv", [("ok@example.test", "Ok", "en", "us"),
                                                  ("eve@example.test", name, "en", "us")])
    assert main(["--root", str(repo.root), "notify", "--recipients", str(people)]) == 3
    err = capsys.readouterr().err
    assert f"{people}:3: " in err and reason in err and "row skipped" in err
    assert len(list((repo.root / "outbox").glob("*.eml"))) == 1


def test_the_header_check_refuses_the_injection_whatever_the_python():
    """A Python without the CVE-2024-6923 fix would write this name's decoded CR/LF into the
    message; the check sees the encoded-word itself and refuses the line."""
    with pytest.raises(headers.HeaderError, match="decodes to a line break"):
        headers.check(f"To: {INJECTION} <eve@example.test>")
    with pytest.raises(headers.HeaderError, match="new header"):
        headers.check("To: Eve\r\nReply-To: attacker@evil.example")
    with pytest.raises(headers.HeaderError, match="bare CR or LF"):
        headers.check("To: Eve\nReply-To: attacker@evil.example")
    with pytest.raises(headers.HeaderError, match="3002 octets"):
        headers.check("X: " + "E" * 2999)
    with pytest.raises(ValueError, match="encoded-word"):
        recipients.check_name(INJECTION)


def test_long_names_fold_into_encoded_words_that_decode_back():
    name = "Zoë " * 50                                     # the longest name allowed
    field = headers.line("To", headers.mailbox(name.strip(), "zoe@example.test"))
    assert all(len(line.encode()) <= 78 for line in field.split("\r\n"))
    value = field.split(": ", 1)[1].rsplit(" <", 1)[0]
    assert str(make_header(decode_header(value))) == name.strip()
    assert headers.mailbox('Ann "A" O\\Neil', "a@example.test") == \
        '"Ann \\"A\\" O\\\\Neil" <a@example.test>'
