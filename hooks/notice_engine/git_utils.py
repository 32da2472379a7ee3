"""Git plumbing, kept apart from the logic that uses it (one place that runs git)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class GitError(RuntimeError):
    pass


def git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in `root`; raise GitError with git's own message on failure."""
    result = subprocess.run(["git", "-C", str(root), *args], input=input,
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise GitError(result.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return result.stdout


def is_repository(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except (GitError, FileNotFoundError):
        return False


def last_commit_time(root: Path, *paths: str) -> datetime | None:
    """Committer time of the newest commit touching `paths` on HEAD's first-parent line."""
    if not is_repository(root):
        return None
    try:
        out = git(root, "log", "-1", "--first-parent", "--format=%cI", "--", *paths).strip()
    except GitError:           # no commits yet
        return None
    return datetime.fromisoformat(out.decode()) if out else None


@dataclass(frozen=True)
class Head:
    """Where HEAD stands: all that the history read from it depends on."""

    sha: str
    branch: str | None              # None when HEAD is detached
    shallow: bool


def head(root: Path) -> Head | None:
    """HEAD in one git call; None outside a repository or before its first commit."""
    try:
        out = git(root, "rev-parse", "--is-shallow-repository", "HEAD",
                  "--symbolic-full-name", "HEAD").decode().split()
    except (GitError, FileNotFoundError):
        return None
    shallow, sha, ref = out
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return Head(sha=sha, branch=branch, shallow=shallow == "true")


def changed_paths(root: Path, *paths: str) -> list[str]:
    """Work-tree paths under `paths` that differ from HEAD (modified, added or untracked)."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    fields, found = iter(out.decode().split("\0")), []
    for entry in fields:
        if len(entry) > 3:
            found.append(entry[3:])
            if "R" in entry[:2] or "C" in entry[:2]:
                next(fields, None)          # a rename or copy: the field after is where it came from
    return found


# One git log for the whole first-parent history: each commit's metadata, its
# message, git's own reading of its trailers, and the blobs it changed.
_RECORD, _FIELD = "\x1e", "\x1f"
_LOG_FORMAT = _FIELD.join(["%H", "%P", "%cI", "%B", "%(trailers:only,unfold)"]) + _FIELD


@dataclass(frozen=True)
class LogEntry:
    sha: str
    parents: tuple[str, ...]
    committed: datetime
    message: str
    trailers: str                               # "Key: value" lines, as git parsed them
    changes: tuple[tuple[str, str | None], ...] # (path, new blob or None when deleted)


def first_parent_log(root: Path, *prefixes: str) -> list[LogEntry]:
    """Oldest first; a merge's changes are those against its first parent (what it landed)."""
    out = git(root, "-c", "core.quotePath=false", "log", "--first-parent", "--reverse",
              "--diff-merges=first-parent", "--raw", "--no-abbrev", "--no-renames",
              f"--format={_RECORD}{_LOG_FORMAT}", "HEAD").decode("utf-8", errors="replace")
    entries = []
    for record in out.split(_RECORD)[1:]:
        sha, parents, committed, message, trailers, raw = record.split(_FIELD, 5)
        changes = []
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, path = line.split("\t", 1)
            if not path.startswith(prefixes):
                continue
            new_blob = meta.split()[3]
            changes.append((path, None if set(new_blob) == {"0"} else new_blob))
        entries.append(LogEntry(sha=sha, parents=tuple(parents.split()),
                                committed=datetime.fromisoformat(committed), message=message,
                                trailers=trailers, changes=tuple(changes)))
    return entries


def read_blobs(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """Many blobs through one `git cat-file --batch`: never a process per file."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    out = git(root, "cat-file", "--batch", input="".join(f"{b}\n" for b in wanted).encode())
    contents, position = {}, 0
    for blob in wanted:
        header_end = out.index(b"\n", position)
        name, kind, size = out[position:header_end].decode().split(" ")
        if kind != "blob":
            raise GitError(f"{name} is a {kind}, not a file")
        start = header_end + 1
        contents[blob] = out[start:start + int(size)]
        position = start + int(size) + 1
    return contents


@dataclass(frozen=True)
class Snapshot:
    """The notice's files at one commit, read from blobs already fetched (a `sources.Tree`)."""

    files: dict[str, str]            # path -> blob id
    blobs: dict[str, bytes]

    def list(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(p[len(prefix):] for p in self.files
                      if p.startswith(prefix) and "/" not in p[len(prefix):])

    def read(self, path: str) -> bytes:
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.blobs[self.files[path]]


def is_git_dir(root: Path) -> bool:
    """A repository, with a work tree or bare."""
    try:
        git(root, "rev-parse", "--git-dir")
        return True
    except (GitError, FileNotFoundError, NotADirectoryError):
        return False


@dataclass(frozen=True)
class FileChange:
    """One file a commit changed, as `git log --raw -M` reports it."""

    status: str                     # A, M, D, T, or R<score> / C<score>
    path: str                       # the path after the commit (for D: the path deleted)
    blob: str | None                # its blob after the commit; None when deleted
    old_path: str | None = None     # for a rename or copy: where it came from


@dataclass(frozen=True)
class CommitChanges:
    sha: str
    committed: datetime
    subject: str
    changes: tuple[FileChange, ...]


_OBJECT_ID = frozenset("0123456789abcdef")


def first_parent_changes(root: Path) -> list[CommitChanges]:
    """Every commit on HEAD's first-parent line, oldest first, with the files it changed
    against its first parent (renames detected). One process; the output is read as
    NUL-separated fields, so nothing in a commit message can pass for a field."""
    out = git(root, "log", "-z", "--first-parent", "--reverse", "--diff-merges=first-parent",
              "-M", "--raw", "--no-abbrev", "--format=%H%x00%cI%x00%s", "HEAD")
    fields = out.decode("utf-8", errors="replace").split("\0")
    commits, i = [], 0
    while i + 2 < len(fields):
        sha, committed, subject = fields[i:i + 3]
        i += 3
        changes = []
        while i < len(fields) and fields[i].lstrip("\n").startswith(":"):
            meta = fields[i].lstrip("\n")[1:].split()       # modes, blobs, status
            status, new_blob = meta[4], meta[3]
            blob = None if set(new_blob) == {"0"} else new_blob
            if status[0] in "RC":
                changes.append(FileChange(status, fields[i + 2], blob, old_path=fields[i + 1]))
                i += 3
            else:
                changes.append(FileChange(status, fields[i + 1], blob))
                i += 2
        if not set(sha) <= _OBJECT_ID:
            raise GitError(f"unexpected git log output near {sha[:40]!r}")
        commits.append(CommitChanges(sha=sha, committed=datetime.fromisoformat(committed),
                                     subject=subject, changes=tuple(changes)))
    return commits
