"""One error type for everything a user can get wrong.

Each error names the file (and line, where there is one) and says what to do,
so a build log reads like a to-do list: `notice/contact.md:12: ... Fix: ...`.
"""

from __future__ import annotations

from pathlib import Path


class NoticeError(Exception):
    """Bad input: a file, a line, what is wrong and how to fix it."""

    def __init__(self, message: str, *, file: str | Path | None = None,
                 line: int | None = None, fix: str | None = None, code: str | None = None):
        self.message = message
        self.code = code                # a stable `notice check` code (see check.CODES)
        self.file = str(file) if file is not None else None
        self.line = line
        self.fix = fix
        super().__init__(str(self))

    def __eq__(self, other) -> bool:        # the same problem at the same place is equal
        return isinstance(other, NoticeError) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __reduce__(self):
        # Crosses process boundaries (parallel edition builds) as its formatted message.
        return (NoticeError, (str(self),))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        text = f"{where}{self.message}"
        if self.fix:
            text += f"\n  Fix: {self.fix}"
        return text


class NoticeErrors(NoticeError):
    """Several problems found in one pass, reported together rather than one per run."""

    def __init__(self, errors: list[NoticeError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_all(errors: list[NoticeError]) -> None:
    """Raise the one error, or all of them together; do nothing when there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise NoticeErrors(errors)
