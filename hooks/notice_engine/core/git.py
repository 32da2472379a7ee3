"""Git plumbing, kept apart from the logic that uses it (one place that runs git)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import NoticeError
from .safe_paths import not_a_regular_file


class GitError(NoticeError):
    """Git failed or said something unreadable: reported like any other problem."""


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


def tracked(root: Path, path: Path) -> bool:
    """Whether git tracks the file at `path` (inside the work tree at `root`)."""
    try:
        return bool(git(root, "ls-files", "-z", "--", str(path)).strip(b"\0"))
    except (GitError, FileNotFoundError):
        return False


def last_commit_time(root: Path, *paths: str) -> datetime | None:
    """Committer time of the newest commit touching `paths` on HEAD's first-parent line."""
    if not is_repository(root):
        return None
    try:
        out = git(root, "log", "-1", "--first-parent", "--format=%H%x00%cI", "--", *paths)
    except GitError:           # no commits yet
        return None
    sha, _, committed = out.decode().strip().partition("\0")
    return commit_time(sha, committed) if sha else None


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
    entries, found = iter(out.decode(errors="replace").split("\0")), []
    for entry in entries:
        if len(entry) > 3:
            found.append(entry[3:])
            if "R" in entry[:2] or "C" in entry[:2]:
                next(entries, None)         # a rename's or copy's old path follows it
    return found


# One git log for the whole first-parent history: each commit's metadata, its
# message, git's own reading of its trailers, and the files it changed.
_LOG_FIELDS = ("%H", "%P", "%cI", "%B", "%(trailers:only,unfold)")


@dataclass(frozen=True)
class LogEntry:
    sha: str
    parents: tuple[str, ...]
    committed: datetime
    message: str
    trailers: str                               # "Key: value" lines, as git parsed them
    changes: tuple[FileChange, ...]             # against the first parent; deletions: blob None


def first_parent_log(root: Path, *prefixes: str) -> list[LogEntry]:
    """Oldest first; a merge's changes are those against its first parent (what it landed).
    Only the changes under `prefixes` are kept."""
    entries = []
    for (sha, parents, committed, message, trailers), changes in _log_records(
            root, _LOG_FIELDS, "--no-renames"):
        entries.append(LogEntry(sha=sha, parents=tuple(parents.split()),
                                committed=commit_time(sha, committed), message=message,
                                trailers=trailers,
                                changes=tuple(c for c in changes if c.path.startswith(prefixes))))
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
        header = out[position:header_end].decode(errors="replace").split(" ")
        if len(header) != 3 or header[1] != "blob":
            raise GitError(f"{blob} is not a file in this repository ({' '.join(header[1:])})")
        size = header[2]
        start = header_end + 1
        contents[blob] = out[start:start + int(size)]
        position = start + int(size) + 1
    return contents


@dataclass(frozen=True)
class Snapshot:
    """The notice's files at one commit, read from blobs already fetched (a `sources.Tree`)."""

    files: dict[str, str]            # path -> blob id, regular files only
    blobs: dict[str, bytes]
    special: dict[str, str] = field(default_factory=dict)   # path -> what it is (a link…)
    commit: str | None = None

    def list(self, folder: str) -> list[str]:
        """Regular files and the rest alike: reading one that is not a file is refused."""
        prefix = folder.rstrip("/") + "/"
        return sorted(p[len(prefix):] for p in [*self.files, *self.special]
                      if p.startswith(prefix) and "/" not in p[len(prefix):])

    def read(self, path: str) -> bytes:
        if path in self.special:
            raise not_a_regular_file(path, self.special[path], self.commit)
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
    mode: str = "100644"            # git's file mode after the commit (000000 when deleted)

    @property
    def special(self) -> str | None:
        """What the entry is when it is not a regular file: git stores a symbolic link's
        target (mode 120000) and a submodule's commit (160000) where a file's blob would be."""
        return SPECIAL_MODES.get(self.mode) if self.blob else None


@dataclass(frozen=True)
class CommitChanges:
    """One first-parent commit and what it changed (for `notice check`'s uncommitted and
    renamed-path findings; the history reads `LogEntry`, which carries trailers too)."""

    sha: str
    committed: datetime                 # committer date: when it landed on the branch
    subject: str                        # unchecked free text: neutralise before showing it
    changes: tuple[FileChange, ...]     # against the first parent, renames detected


SPECIAL_MODES = {"120000": "symbolic link", "160000": "submodule (gitlink)"}
_OBJECT_ID = frozenset("0123456789abcdef")


def first_parent_changes(root: Path) -> list[CommitChanges]:
    """Every commit on HEAD's first-parent line, oldest first, with the files it changed
    against its first parent (renames detected)."""
    return [CommitChanges(sha=sha, committed=commit_time(sha, committed), subject=subject,
                          changes=tuple(changes))
            for (sha, committed, subject), changes in _log_records(
                root, ("%H", "%cI", "%s"), "-M")]


def _log_records(root: Path, fields: tuple[str, ...], *options: str):
    """(the format's fields, the commit's changes) for every commit of HEAD's first-parent
    line, oldest first, from one `git log -z`. Every field and every path is NUL-terminated
    and read by its position, so nothing in a commit message (which cannot hold a NUL) can
    pass for a field, a commit or a changed file."""
    out = git(root, "-c", "core.quotePath=false", "log", "-z", "--first-parent", "--reverse",
              "--diff-merges=first-parent", "--raw", "--no-abbrev", *options,
              "--format=" + "%x00".join(fields), "HEAD")
    tokens = out.decode("utf-8", errors="replace").split("\0")
    i = 0
    while i + len(fields) <= len(tokens) and tokens[i]:
        values = tokens[i:i + len(fields)]
        if not set(values[0]) <= _OBJECT_ID or len(values[0]) < 40:
            raise GitError(f"unexpected git log output near {values[0][:40]!r}")
        i += len(fields)
        changes = []
        while i < len(tokens) and tokens[i].lstrip("\n").startswith(":"):
            change, i = _raw_change(tokens, i)
            changes.append(change)
        yield values, changes


def _raw_change(tokens: list[str], i: int) -> tuple[FileChange, int]:
    """One `--raw -z` entry: `:old_mode new_mode old_blob new_blob status`, then its path
    (two paths for a rename or copy); returns it and the index after it."""
    _, new_mode, _, new_blob, status = tokens[i].lstrip("\n")[1:].split()
    blob = None if set(new_blob) == {"0"} else new_blob
    if status[0] in "RC":
        return FileChange(status, tokens[i + 2], blob, old_path=tokens[i + 1],
                          mode=new_mode), i + 3
    return FileChange(status, tokens[i + 1], blob, mode=new_mode), i + 2


def commit_time(sha: str, text: str) -> datetime:
    """A commit's ISO date as a datetime; a date Python cannot hold (after 9999) is refused
    naming the commit, never a traceback."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise GitError(f"commit {sha[:12]} is dated {text!r}, which is not a usable date",
                       file=f"commit {sha[:12]}",
                       fix="correct the committer date (`git commit --amend --date=now "
                           "--reset-author` before publishing) and the clock") from None
