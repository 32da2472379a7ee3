"""Cache entries sealed with a secret the cache does not hold: data, never code.

`.cache/notice/` saves time (rendered sections, archived pages, history walks, build
stamps), but whoever can write it (a CI cache shared between branches, a restored
artifact) must not be able to change a published page or its SHA-256. A digest stored
beside an entry proves nothing: the writer recomputes it. So each entry carries an
HMAC-SHA256 over its schema version, its key and its content, made with a secret kept
outside the cache:

- `NOTICE_CACHE_KEY` from the environment (a CI secret, when CI should reuse a cache), or
- `<git dir>/notice-cache-key`: 32 random bytes made on first use (mode 0600), one per
  checkout; a fresh clone makes a new one, so a cache restored from elsewhere is never
  trusted (it is recomputed, once, and then sealed with this checkout's key).

Without either (no git repository) nothing is kept between builds. An entry whose seal
does not match is ignored and recomputed, and the build says so in one line per store.
Entries are JSON or SQLite rows; nothing read from the cache is ever unpickled or run.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from . import git as git_utils

SCHEMA = 2                 # of every cache file: bump it when an entry's layout changes
KEY_FILE = "notice-cache-key"
_reported: set[str] = set()
notices: list[str] = []    # one line per store that held a bad entry, for the build log


class Seal:
    """HMAC-SHA256 of a cache entry's parts under this checkout's secret."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def sign(self, *parts: str | bytes) -> str:
        mac = hmac.new(self._secret, str(SCHEMA).encode(), hashlib.sha256)
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            mac.update(b"%d\0" % len(data) + data)        # lengths keep the parts apart
        return mac.hexdigest()

    def valid(self, mac: object, *parts: str | bytes) -> bool:
        return isinstance(mac, str) and hmac.compare_digest(mac, self.sign(*parts))


def seal_for(root: Path) -> Seal | None:
    """The seal of the checkout at `root`; None where no secret can be kept (then the
    caller keeps nothing on disk)."""
    from_environment = os.environ.get("NOTICE_CACHE_KEY")
    if from_environment:
        return Seal(from_environment.encode())
    secret = _checkout_secret(Path(root).resolve())
    return Seal(secret) if secret else None


def _checkout_secret(root: Path) -> bytes | None:
    git_dir = _git_dir(root)
    if git_dir is None:
        return None
    try:
        return _read_or_create(git_dir / KEY_FILE)
    except OSError:
        return None


@lru_cache(maxsize=8)
def _git_dir(root: Path) -> Path | None:
    try:
        return Path(git_utils.git(root, "rev-parse", "--absolute-git-dir").decode().strip())
    except (git_utils.GitError, FileNotFoundError, UnicodeDecodeError):
        return None


def _read_or_create(path: Path) -> bytes:
    """The secret in `path`, made once, whole (written aside, then linked into place: two
    builds at once agree on the first one's)."""
    if not path.exists():
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    secret = path.read_bytes()
    if len(secret) < 32:
        raise OSError(f"{path} is too short to be a key")
    return secret


def report(store: str) -> None:
    """Say once per store and build that an entry failed its check and was recomputed."""
    if store not in _reported:
        _reported.add(store)
        notices.append(f"cache: an entry of {store} failed its check (changed outside the "
                       "engine, or from another checkout); computed afresh")


def drain() -> list[str]:
    """The notices so far, each given to the build log once (a later build of the same
    process, `mkdocs serve`, reports again what it finds again)."""
    found = notices[:]
    notices.clear()
    _reported.clear()
    return found
