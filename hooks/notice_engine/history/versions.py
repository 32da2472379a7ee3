"""Versions: what the history of an edition is made of, as plain data.

A *revision* is a first-parent commit that changes what an edition renders; a
*version* is what the archive lists and "Last Updated" shows (`Version.date` is the
day it takes effect; `Version.landed` the day it landed). `walk` builds these from
git; `legacy` from archive/ files; `store` keeps them between builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from . import trailers
from ..config import Edition
from ..core import git as git_utils
from ..errors import NoticeError
from ..render.edition import EditionText


class Note(str):
    """A warning about the history, with its `notice check` code (see check.CODES)."""

    code: str | None

    def __new__(cls, text: str, code: str | None = None):
        note = super().__new__(cls, text)
        note.code = code
        return note


@dataclass(frozen=True)
class Commit:
    """A first-parent commit, its trailers read, and the notice files as they stood after it."""

    sha: str
    landed: datetime
    subject: str
    trailers: trailers.Trailers
    touched: bool                       # it changed something under notice/ or archive/
    snapshot: git_utils.Snapshot
    published: bool = True              # False: corrections.yml takes it back
    taken_back: datetime | None = None  # when the correction taking it back landed (None: not yet)
    acknowledged: frozenset[str] = frozenset()   # codes of findings about it, seen and accepted


@dataclass(frozen=True)
class Correction:
    """An editorial revision: folded into the version before it, listed on its archive page."""

    day: date
    commit: str
    summary: str
    text: EditionText
    previous: EditionText


@dataclass
class Version:
    date: date                          # when it takes effect: Effective-Date, else the day it landed
    landed: date | None                 # None for versions published before git
    change: str
    summaries: list[str]
    commit: str | None
    text: EditionText                   # as it stands, editorial corrections included
    legacy: bool = False
    corrections: list[Correction] = field(default_factory=list)
    withdrawn: date | None = None       # an upcoming version taken back before it took effect,
    #                                     or a published one taken back by corrections.yml
    taken_back: bool = False            # by corrections.yml: a later version that day replaces it

    @property
    def summary(self) -> str:
        return "; ".join(dict.fromkeys(self.summaries))

    @property
    def sha256(self) -> str:
        return self.text.sha256


@dataclass
class EditionHistory:
    edition: Edition
    versions: list[Version]             # oldest first
    today: date
    reviewed: date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def standing(self) -> list[Version]:
        """The versions not withdrawn, oldest first: their dates never go backwards."""
        return [v for v in self.versions if not v.withdrawn]

    @property
    def latest(self) -> Version | None:
        """The text on the published branch: the last version not withdrawn."""
        standing = self.standing
        return standing[-1] if standing else None

    @property
    def current(self) -> Version | None:
        published = [v for v in self.standing if v.date <= self.today]
        return published[-1] if published else None

    @property
    def upcoming(self) -> list[Version]:
        return [v for v in self.standing if v.date > self.today]

    def neighbours(self, version: Version) -> tuple[Version | None, Version | None]:
        """The versions just before and just after `version` (None at either end); a
        withdrawn version is nobody's neighbour but its own redline's."""
        line = [v for v in self.versions if not v.withdrawn or v is version]
        index = next(i for i, v in enumerate(line) if v is version)    # not ==: fields by field
        return (line[index - 1] if index else None,
                line[index + 1] if index + 1 < len(line) else None)

    def add(self, version: Version) -> None:
        """Keep the versions in date order (a withdrawn one may be dated after a new one).
        A version taken back by corrections.yml gives its day up to a new one, as a
        revision folds into a version of the same day."""
        self.versions = [v for v in self.versions if not (v.taken_back and v.date == version.date)]
        self.refuse_withdrawn_day(version.date, version.commit)
        self.versions.append(version)
        self.versions.sort(key=lambda v: v.date)

    def refuse_withdrawn_day(self, day: date, commit: str | None) -> None:
        """A day stays the withdrawn version's: its archive page (archive/<day>/) is kept."""
        if any(v.withdrawn and v.date == day for v in self.versions):
            raise NoticeError(
                f"commit {(commit or '')[:12]} would date a version {day}, the day of a version "
                "that was withdrawn: both would need the archive page of that day",
                file=f"commit {(commit or '')[:12]}", code="N214",
                fix=trailers.correction_fix(commit or "", "give it an Effective-Date of another "
                                            "day", {"effective": (day + timedelta(days=1))
                                                    .isoformat()}))

    def find(self, ref: str) -> Version:
        """A version by date (YYYY-MM-DD) or by (a prefix of) the commit of one of its revisions."""
        for version in self.versions:
            if version.date.isoformat() == ref or (
                    version.commit and len(ref) >= 4 and version.commit.startswith(ref)):
                return version
        raise NoticeError(f"no version {ref!r} in edition {self.edition.id}",
                          fix="run `notice versions` to list dates and commits")


@dataclass(frozen=True)
class Repository:
    """What git says about the repository, read once per build."""

    commits: list[Commit]
    shallow: bool
    branch: str | None
    corrections: str = ""               # digest of notice/corrections.yml, which shaped `commits`


@dataclass
class Walk:
    """The history as it stood after the first `walked` commits (what the store keeps)."""

    history: EditionHistory
    walked: int = 0
