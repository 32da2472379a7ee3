"""Make a git repository of the sample notice: `python examples/sample_repo.py DEST`.

The sample (examples/sample-notice/) is a notice repository of its own, as
`notice new` makes one; this project's history is not its history. `./dev build`,
`./dev serve` and the tests build it from such a copy, committed once on SAMPLE_DATE,
so its dates never depend on this project's commits or on how deep a clone is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "sample-notice"
SAMPLE_DATE = "2026-11-24T10:00:00-08:00"


def make(dest: Path) -> Path:
    """A fresh repository at `dest` (replacing what was there) holding the sample, one commit."""
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "site",
                                                                ".cache"))
    env = {**os.environ, "GIT_AUTHOR_DATE": SAMPLE_DATE, "GIT_COMMITTER_DATE": SAMPLE_DATE}
    for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["-c", "user.name=Sample", "-c", "user.email=sample@example.test",
                     "-c", "commit.gpgsign=false", "commit", "-q", "-m", "The sample notice"]):
        subprocess.run(["git", *command], cwd=dest, check=True, capture_output=True, env=env)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0])
        sys.exit(0 if len(sys.argv) == 2 else 2)
    print(make(Path(sys.argv[1])))
