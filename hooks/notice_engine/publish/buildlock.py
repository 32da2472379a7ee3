"""One build at a time per repository: an exclusive lock on `.cache/notice/build.lock`.

Two `notice build` runs at once would stage, swap and stamp the same editions in
`site/` and share the caches of `.cache/notice/`: files went missing and stamps lied.
The lock (fcntl.flock, released by the kernel when its process ends, however it ends)
is held for the whole build. A second build says whom it waits for and waits, up to
`NOTICE_BUILD_WAIT` seconds (default 600), then refuses with a clear error.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..cache import LOCK_FILE, at as cache_at
from ..core.safe_paths import open_lock_file
from ..errors import NoticeError

DEFAULT_WAIT_SECONDS = 600.0
_POLL_SECONDS = 0.2


@contextmanager
def held(root: Path, waiting: Callable[[str], None] = lambda message: None) -> Iterator[None]:
    """Hold the repository's build lock for the `with` block; `waiting` hears, once, that
    another build holds it."""
    path = cache_at(root, LOCK_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.fdopen(open_lock_file(path), "r+", encoding="utf-8")
    except OSError:         # a read-only checkout: nothing of it is written, nothing to guard
        yield
        return
    with lock:
        _acquire(lock, path, waiting)
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _acquire(lock, path: Path, waiting: Callable[[str], None]) -> None:
    limit = _wait_seconds()
    deadline = time.monotonic() + limit
    told = False
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _holder(path)
        if not told:
            waiting(f"waiting for another build of this site (pid {holder}) to finish …")
            told = True
        if time.monotonic() >= deadline:
            raise NoticeError(
                f"another build of this site (pid {holder}) is still running after {limit:g}s",
                file=path, fix="let it finish and build again, or stop it (kill that pid); "
                               "NOTICE_BUILD_WAIT=SECONDS waits longer")
        time.sleep(_POLL_SECONDS)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def _wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("NOTICE_BUILD_WAIT", DEFAULT_WAIT_SECONDS)))
    except ValueError:
        return DEFAULT_WAIT_SECONDS
