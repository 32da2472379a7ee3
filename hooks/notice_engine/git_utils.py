"""Git plumbing, kept apart from the logic that uses it (one place that runs git)."""

from __future__ import annotations

import subprocess
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
