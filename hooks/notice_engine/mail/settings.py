"""Mail settings: `extra.notice.mail` of mkdocs.yml, checked once.

Only what is not secret lives there; the SMTP server and its password come from
the environment (see `delivery.SmtpUrl`). Every key has a default except
`from` (and `site_url` defaults to mkdocs.yml's), so with a site_url this is enough
to write change notices to the outbox:

    extra:
      notice:
        mail:
          from: {address: privacy@example.com, name: Example Privacy Team}
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..config import NoticeConfig, read_mkdocs_yml, setting_error
from ..errors import NoticeError
from ..core.safe_paths import output_path_problem, writable
from . import addresses, sendlog

EMAILED_KINDS = ("material", "minor")          # editorial and reviewed versions never are
UNSUBSCRIBE_FIELDS = {"email", "edition", "locale"}
_KEYS = {"from", "reply_to", "unsubscribe_url", "kinds", "notice_period_days", "rate_per_second",
         "retry_limit", "retry_backoff_seconds", "log", "outbox", "site_url", "missing_region",
         "connections"}
MISSING_REGION = ("default", "skip")
CONNECTIONS = 4     # a relay a few round trips away sends a few messages a second per connection


@dataclass(frozen=True)
class MailSettings:
    sender: addresses.Mailbox | None       # From: and the envelope sender; needed to compose
    sender_name: str
    reply_to: addresses.Mailbox | None
    unsubscribe_url: str | None            # a template: https://example.com/unsubscribe?e={email}
    kinds: frozenset[str]
    notice_period_days: int
    rate_per_second: float | None          # None: as fast as the server answers
    retry_limit: int                       # attempts per message on 4xx replies, the first included
    retry_backoff_seconds: float           # wait before the 2nd attempt; doubles each time after
    log: Path
    outbox: Path
    site_url: str | None                   # absolute, ends with "/": emails need absolute links
    source: Path                           # mkdocs.yml, for error messages
    missing_region: str = "default"        # a row without a region: default edition, or skip
    connections: int = CONNECTIONS         # SMTP connections sending at once

    def require_sender(self) -> addresses.Mailbox:
        if self.sender is None:
            raise NoticeError("extra.notice.mail.from is not set: emails need a sender",
                              file=self.source,
                              fix="add `mail: {from: {address: privacy@example.com, "
                                  "name: Example Privacy Team}}` under extra.notice")
        return self.sender

    def require_site_url(self) -> str:
        if not self.site_url:
            raise NoticeError("emails link to the published notice, but there is no site_url",
                              file=self.source,
                              fix="set site_url in mkdocs.yml (or extra.notice.mail.site_url) "
                                  "to the address the site is published at")
        return self.site_url


def load(config: NoticeConfig) -> MailSettings:
    """The mail settings of the repository `config` was read from."""
    source = config.root / "mkdocs.yml"
    data = config.variables.get("mail") or {}
    if not isinstance(data, dict):
        raise _error("extra.notice.mail must be a mapping of settings", source)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise _error(f"unknown key(s) in extra.notice.mail: {', '.join(unknown)}", source,
                     fix=f"use only: {', '.join(sorted(_KEYS))}")
    sender, sender_name = _sender(data.get("from"), source)
    reply_to = data.get("reply_to")
    return MailSettings(
        sender=sender, sender_name=sender_name,
        reply_to=_address(reply_to, "reply_to", source) if reply_to else None,
        unsubscribe_url=_unsubscribe(data.get("unsubscribe_url"), source),
        kinds=_kinds(data.get("kinds", ["material"]), source),
        notice_period_days=_number(data, "notice_period_days", 30, source, int),
        rate_per_second=_number(data, "rate_per_second", 10, source, float, allow_none=True),
        retry_limit=max(1, _number(data, "retry_limit", 5, source, int)),
        retry_backoff_seconds=_number(data, "retry_backoff_seconds", 5, source, float),
        log=_output_path(config, data, "log", ".notice/sendlog.sqlite"),
        outbox=_output_path(config, data, "outbox", "outbox"),
        site_url=_site_url(data.get("site_url") or _mkdocs_site_url(source)),
        source=source, missing_region=_missing_region(data.get("missing_region"), source),
        connections=_connections(data, source))


def _connections(data: dict, source: Path) -> int:
    value = _number(data, "connections", CONNECTIONS, source, int)
    if value < 1 or value != data.get("connections", value):       # 0, or 2.5 cut to 2
        raise _error(f"extra.notice.mail.connections must be a whole number of at least 1, "
                     f"not {data['connections']!r}", source,
                     fix=f"remove it to use the default ({CONNECTIONS}), or use 1 for a relay "
                         "that takes one connection at a time")
    return value


def _missing_region(value, source: Path) -> str:
    if value is None:
        return MISSING_REGION[0]
    if value not in MISSING_REGION:
        raise _error(f"extra.notice.mail.missing_region must be default or skip, not {value!r}",
                     source, fix="default: rows without a region read the default edition; "
                                 "skip: they are reported and skipped")
    return value


def _output_path(config: NoticeConfig, data: dict, key: str, default: str) -> Path:
    """The outbox or the send log: a path inside the repository, away from its sources."""
    value = data.get(key) or default
    problem = output_path_problem(value)
    if not problem and key == "log" and not value.endswith(".sqlite"):
        problem = ("its name must end in .sqlite (the log's lock and journal files are named "
                   "after it, and must never be another file of the repository)")
    if problem:
        raise setting_error(config.root, ("mail", key),
                            f"extra.notice.mail.{key} {value!r} is not a usable path: {problem}",
                            fix=f"remove it to use the default ({default}), or name a folder "
                                "of the repository such as " + default)
    try:
        if key == "outbox":
            return writable(config.root, value, "the outbox", folder=True)
        for path in sendlog.files(config.root / value):      # never opened through a link
            writable(config.root, path, "the send log", folder=False)
    except NoticeError as exc:
        raise setting_error(config.root, ("mail", key), f"extra.notice.mail.{key} {value!r} "
                            f"cannot be used: {exc.file}: {exc.message}",
                            fix=f"if the tool made {exc.file} (a link or folder it never makes "
                                "is someone else's), remove it; else name another path, such "
                                f"as the default ({default})") from None
    return config.root / value


def _error(message: str, source: Path, fix: str | None = None) -> NoticeError:
    return NoticeError(message, file=source, fix=fix)


def _sender(value, source: Path) -> tuple[addresses.Mailbox | None, str]:
    if value is None:
        return None, ""
    if isinstance(value, str):
        return _address(value, "from", source), ""
    if isinstance(value, dict) and value.get("address"):
        name = str(value.get("name") or "")
        if addresses.has_line_break(name):
            raise _error("extra.notice.mail.from.name contains a line break", source)
        return _address(value["address"], "from.address", source), name
    raise _error("extra.notice.mail.from must be an address or {address: …, name: …}", source)


def _address(value, key: str, source: Path) -> addresses.Mailbox:
    try:
        return addresses.parse(str(value))
    except addresses.AddressError as exc:
        raise _error(f"extra.notice.mail.{key} {value!r} is not a usable address: {exc}",
                     source) from None


def _unsubscribe(value, source: Path) -> str | None:
    """A URL template; RFC 8058 one-click unsubscribe needs https."""
    if not value:
        return None
    value = str(value)
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise _error(f"extra.notice.mail.unsubscribe_url is not a valid template: {exc}",
                     source) from None
    if fields - UNSUBSCRIBE_FIELDS:
        raise _error(f"extra.notice.mail.unsubscribe_url uses unknown field(s) "
                     f"{', '.join(sorted(fields - UNSUBSCRIBE_FIELDS))}", source,
                     fix="use {email}, {edition} or {locale}")
    if not value.startswith("https://"):
        raise _error("extra.notice.mail.unsubscribe_url must start with https:// "
                     "(one-click unsubscribe, RFC 8058, requires it)", source)
    return value


def _kinds(value, source: Path) -> frozenset[str]:
    kinds = [value] if isinstance(value, str) else list(value or [])
    wrong = [k for k in kinds if k not in EMAILED_KINDS]
    if wrong or not kinds:
        raise _error(f"extra.notice.mail.kinds must list material and/or minor, not "
                     f"{wrong or kinds}", source,
                     fix="editorial corrections and reviews are never emailed; use [material] "
                         "(the default) or [material, minor]")
    return frozenset(kinds)


def _number(data: dict, key: str, default, source: Path, kind, allow_none: bool = False):
    value = data.get(key, default)
    if value is None and allow_none:
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0 or (allow_none and number == 0):
        raise _error(f"extra.notice.mail.{key} must be a positive number, not {value!r}", source,
                     fix="remove it to use the default" + (", or set it to null for no limit"
                                                           if allow_none else ""))
    return number


def _site_url(value) -> str | None:
    if not value:
        return None
    return str(value).rstrip("/") + "/"


def _mkdocs_site_url(source: Path) -> str | None:
    """The top-level site_url of mkdocs.yml (config.load keeps only extra.notice)."""
    try:
        raw = read_mkdocs_yml(source.read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError):
        return None
    return raw.get("site_url") if isinstance(raw, dict) else None
