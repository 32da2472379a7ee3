"""Only regular files inside the repository are read as the notice.

A symbolic link (`notice/zz.md -> /root/.bashrc`), a submodule, or a path that
leaves the repository would put a file nobody reviewed on a public page. The
work tree and every commit are held to the same rule, and both refuse with the
same message, so `notice check` and the build say it alike.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..errors import NoticeError


def not_a_regular_file(path: str, what: str, commit: str | None = None) -> NoticeError:
    """The one refusal for a link, a submodule or anything else that is not a plain file."""
    where = f" in commit {commit[:12]}" if commit else ""
    return NoticeError(
        f"this is a {what}{where}, not a regular file: the notice is read only from files "
        "the repository itself holds", file=path,
        fix=f"replace it with a regular file holding the text (`git rm --cached {path}`, "
            "copy the text in, `git add` it); a file that belongs to another repository or "
            "folder is copied, never linked")


def read_regular_file(root: Path, path: str) -> bytes:
    """The bytes of a repository-relative file of the work tree, refusing a symbolic link
    anywhere along the path, a special file, and anything that resolves outside `root`.
    FileNotFoundError when there is no such file (callers treat that as missing)."""
    root = Path(os.path.abspath(root))
    current = root
    for part in Path(path).parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            raise FileNotFoundError(path) from None
        if stat.S_ISLNK(mode):
            raise not_a_regular_file(path, "symbolic link")
    if not stat.S_ISREG(mode):
        raise not_a_regular_file(path, _kind(mode, current))
    if not Path(os.path.realpath(current)).is_relative_to(os.path.realpath(root)):
        raise not_a_regular_file(path, "file outside the repository")
    return current.read_bytes()


def listed_files(root: Path, folder: str) -> list[str]:
    """Names directly inside a work-tree folder that are files or links to one (a link is
    listed so that reading it is refused, never silently skipped). A folder that is itself
    a link is refused."""
    directory = Path(os.path.abspath(root)) / folder
    if directory.is_symlink():
        raise not_a_regular_file(folder, "symbolic link")
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.is_symlink() or p.is_file())


def _kind(mode: int, path: Path) -> str:
    if stat.S_ISDIR(mode):
        return "submodule" if (path / ".git").exists() else "folder"
    return "special file (a pipe, socket or device)"


_NAME = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]*$")
# What the repository is made of: a configured output path must never land on it.
SOURCES = frozenset({"notice", "archive", "hooks", "locales", "mkdocs.yml", ".git", ".cache"})


def output_path_problem(value) -> str | None:
    """Why a configured output path (the outbox, the send log) is not one the tool may
    write to, or None: it must stay inside the repository, name plain folders and files,
    and leave the notice's own sources alone."""
    if not isinstance(value, str) or not value.strip("/"):
        return "it must be a path relative to the repository, such as `outbox`"
    if value.startswith("/") or "\\" in value:
        return "it must be relative to the repository, not absolute"
    parts = [p for p in value.split("/") if p]
    if any(p in (".", "..") or not _NAME.match(p) for p in parts):
        return "each part must be a plain name (letters, digits, . _ -), never `..`"
    if parts[0] in SOURCES:
        return f"{parts[0]} holds the notice's sources or the build's caches"
    return None
