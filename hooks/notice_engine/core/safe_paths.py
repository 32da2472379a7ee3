"""Only regular files inside the repository are read as the notice, and the tool writes
only into the repository's own folders.

Reading: a symbolic link (`notice/zz.md -> /root/.bashrc`), a submodule, or a path
that leaves the repository would put a file nobody reviewed on a public page. The
work tree and every commit are held to the same rule, and both refuse with the
same message, so `notice check` and the build say it alike.

Writing: a link committed where the tool writes (`site -> /home/you`,
`.cache/notice/build.lock -> ~/.bashrc`, `outbox/index.html -> …`) would send its
writes, truncations and deletions wherever the link points. Every place it writes
inside the repository is checked first (`writable`, `writable_tree`), and files are
replaced whole by a rename (`replace_file`), which replaces a link, never follows it.
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import suppress
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


def writable(root: Path, path: Path | str, what: str, *, folder: bool | None = None) -> Path:
    """`path` as a place the tool may write, make or remove files for `what` (the site,
    the cache, the outbox): inside the repository `root`, no symbolic link from `root`
    down to it and nothing but folders on the way; `folder` True or False: `path`
    itself, if there, is a folder or is not one. Parts that do not exist yet are made as
    folders by whoever writes. A path outside `root` (a `--site-dir` the user chose) is
    theirs and is returned as it is."""
    root = Path(os.path.abspath(root))
    path = Path(os.path.abspath(root / path))
    if not path.is_relative_to(root):
        return path
    current = root
    parts = path.relative_to(root).parts
    for number, part in enumerate(parts, start=1):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break
        last = number == len(parts)
        if (stat.S_ISLNK(mode) or (not last and not stat.S_ISDIR(mode))
                or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode))
                or (last and folder is not None and folder != stat.S_ISDIR(mode))):
            raise _not_writable(root, current, what, _written_kind(mode, current),
                                "a folder" if folder or not last else "a file")
    return path


def writable_tree(root: Path, folder: Path | str, what: str) -> Path:
    """`writable(root, folder)`, and nothing under it but folders and regular files: for a
    folder the tool owns whole (the cache), where it writes many files at paths it makes."""
    folder = writable(root, folder, what, folder=True)
    pending = [str(folder)] if os.path.isdir(folder) else []
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif not entry.is_file(follow_symlinks=False):
                    mode = entry.stat(follow_symlinks=False).st_mode
                    raise _not_writable(Path(os.path.abspath(root)), Path(entry.path), what,
                                        _written_kind(mode, Path(entry.path)), "a file")
    return folder


def _written_kind(mode: int, path: Path) -> str:
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "file" if stat.S_ISREG(mode) else _kind(mode, path)


def _not_writable(root: Path, path: Path, what: str, kind: str, expected: str) -> NoticeError:
    relative = (path.relative_to(root) if path.is_relative_to(root) else path).as_posix()
    why = ("it writes only into the repository's own folders, never through a link, which "
           "would send its writes and deletions wherever the link points"
           if kind == "symbolic link" else f"it needs {expected} there")
    return NoticeError(
        f"this is a {kind}, where the tool writes {what}: {why}", file=relative,
        fix=f"remove it (`git rm --cached {relative}` as well if it is committed; nothing "
            f"the tool writes belongs in git), then run the command again")


def replace_file(path: str | Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`: the file
    is at every moment either the old one or the whole new one, and a link at `path` is
    replaced, not written through. The temporary file is made new (O_EXCL, O_NOFOLLOW):
    one a killed run left, or a link planted under its name, is removed, never written
    through."""
    folder, name = os.path.split(os.fspath(path))
    part = os.path.join(folder, f".{name}.{os.getpid()}.part")
    os.makedirs(folder, exist_ok=True)
    with suppress(FileNotFoundError):
        os.unlink(part)
    try:
        made = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        with open(made, "wb") as f:
            f.write(data)
        os.replace(part, path)
    except IsADirectoryError:
        with suppress(FileNotFoundError):
            os.unlink(part)
        raise NoticeError("this is a folder, where the tool writes a file", file=str(path),
                          fix="remove the folder (no run of the tool made it), then run the "
                              "command again") from None
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(part)
        raise


def regular_file(path: Path) -> bool:
    """Whether `path` is a regular file itself, not a link to one."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def open_lock_file(path: Path) -> int:
    """A lock file opened for reading and writing, made if missing, never through a link
    (O_NOFOLLOW: a link there is an OSError, ELOOP)."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)


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
    if parts[0] == PUBLISHED:
        return f"{PUBLISHED}/ is published: what the tool keeps for itself must stay out of it"
    return None


PUBLISHED = "site"          # what a build writes, and CI uploads


def configured_site(root: Path, site_dir: str) -> None:
    """The site folder a repository names itself (mkdocs.yml's `site_dir`, or MkDocs'
    default), for a plain `mkdocs build`, which empties it before writing: `site/` or a
    folder under it, with no link on the way or within (a slip such as `site_dir: ..`,
    `archive` or `.notice` would empty that folder, the send log with it)."""
    root = Path(os.path.abspath(root))
    relative = os.path.relpath(os.path.abspath(site_dir), root).replace(os.sep, "/")
    parts = relative.split("/")
    if parts[0] != PUBLISHED or any(p in (".", "..") or not _NAME.match(p) for p in parts):
        raise NoticeError(f"site_dir {relative!r} is not a folder `mkdocs build` may empty and "
                          f"write: it must be {PUBLISHED}/ or a folder under it (nothing else "
                          "of the repository is ever emptied)", file="mkdocs.yml",
                          fix="set `site_dir: site/<edition>` (as `notice new` does), or run "
                              "`notice build`, which writes every edition under site/")
    writable_tree(root, relative, "the site")
