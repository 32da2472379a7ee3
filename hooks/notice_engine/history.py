"""History: one pass over git turns commits into revisions and versions per edition.

A *revision* is a first-parent commit that changes what an edition renders; a
*version* is what the archive lists and "Last Updated" shows. Dates come from
git (the day a commit landed on the published branch, in the notice's
timezone) or from an Effective-Date trailer: nobody types them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from . import git_utils, html_policy, legacy, trailers
from .config import Edition, NoticeConfig, variables_in
from .dates import local_day
from .edition import EditionText, render_edition
from .errors import NoticeError
from .render import Renderer
from .sources import NOTICE_DIR, read_notice

if TYPE_CHECKING:
    from .historystore import HistoryStore

CONFIG_FILE = "mkdocs.yml"         # its extra.notice variables are part of the text
WATCHED = (f"{NOTICE_DIR}/", f"{legacy.ARCHIVE_DIR}/", CONFIG_FILE)
_STRENGTH = {"editorial": 0, "minor": 1, "material": 2}


@dataclass(frozen=True)
class Commit:
    """A first-parent commit, its trailers read, and the notice files as they stood after it."""

    sha: str
    landed: datetime
    subject: str
    trailers: trailers.Trailers
    touched: bool                       # it changed something under notice/ or archive/
    snapshot: git_utils.Snapshot


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
    def current(self) -> Version | None:
        published = [v for v in self.versions if v.date <= self.today]
        return published[-1] if published else None

    @property
    def upcoming(self) -> list[Version]:
        return [v for v in self.versions if v.date > self.today]

    def neighbours(self, version: Version) -> tuple[Version | None, Version | None]:
        """The versions just before and just after `version` (None at either end)."""
        index = self.versions.index(version)
        return (self.versions[index - 1] if index else None,
                self.versions[index + 1] if index + 1 < len(self.versions) else None)

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


def read_repository(root: Path, *, allow_shallow: bool = False,
                    problems: list[NoticeError] | None = None) -> Repository:
    """One `git log` and one batched blob read; refuse a history that would give wrong dates.

    With `problems` (for `notice check`), bad trailers are collected there instead of
    raised, and the commit is read as if it had none. A process that builds several
    editions reads the history once: what it holds depends only on where HEAD stands.
    """
    where = git_utils.head(root)
    if where is None:
        return Repository(commits=[], shallow=False, branch=None)
    if where.shallow and not allow_shallow:
        raise NoticeError(
            "this is a shallow clone: its history is cut off, so version dates would be wrong",
            file=root,
            fix="fetch the whole history (`git fetch --unshallow`; in CI, check out with "
                "`fetch-depth: 0`), or pass --allow-shallow to build with a warning banner")
    last = _last_read.get(root)
    if problems is None and last is not None and last[0] == where:
        return last[1]
    log = git_utils.first_parent_log(root, *WATCHED)
    blobs = git_utils.read_blobs(root, (b for e in log for _, b in e.changes if b))
    commits, files = [], {}
    for entry in log:
        for path, blob in entry.changes:
            if blob is None:
                files.pop(path, None)
            else:
                files[path] = blob
        try:
            parsed = trailers.parse(entry.sha, entry.message, entry.trailers)
        except NoticeError as exc:
            if problems is None:
                raise
            problems.append(exc)
            parsed = trailers.Trailers()
        commits.append(Commit(
            sha=entry.sha, landed=entry.committed, subject=entry.message.split("\n", 1)[0],
            trailers=parsed,
            touched=bool(entry.changes), snapshot=git_utils.Snapshot(dict(files), blobs)))
    repository = Repository(commits=commits, shallow=where.shallow, branch=where.branch)
    if problems is None:
        _last_read[root] = (where, repository)
    return repository


_last_read: dict[Path, tuple[git_utils.Head, Repository]] = {}


def edition_history(repository: Repository, config: NoticeConfig, edition: Edition,
                    renderer: Renderer, today: date, store: HistoryStore | None = None
                    ) -> EditionHistory:
    """Walk the commits once, oldest first, keeping those that change this edition's text.

    With a `store`, the walk resumes where the last build's ended when the commits
    read today begin with the ones it walked: a new commit costs one step, not all.
    """
    _refuse_future_commits(repository, today)
    legacy_warnings: list[str] = []
    start = legacy.versions(repository, config, edition, renderer, legacy_warnings)
    key = store.key(config, edition, start) if store else None
    walk = store.resume(edition.id, key, repository.commits) if store else None
    if walk is None:
        walk = Walk(EditionHistory(edition=edition, versions=start, today=today))
    kept = walk.walked
    for commit in repository.commits[walk.walked:]:
        walk.step(commit, config, renderer)
    if store and walk.walked > kept:
        store.save(edition.id, key, walk, repository.commits)
    walk.history.today = today
    walk.history.warnings += [w for w in legacy_warnings if w not in walk.history.warnings]
    return walk.history


@dataclass
class Walk:
    """The history as it stood after the first `walked` commits."""

    history: EditionHistory
    walked: int = 0

    def step(self, commit: Commit, config: NoticeConfig, renderer: Renderer) -> None:
        """One more commit: a revision if it changed the edition's text, else nothing.

        The text it is compared with is the last version's: every revision leaves that
        version holding its text (or one that reads the same, after an undone change)."""
        history = self.history
        self.walked += 1
        text = _render_at(commit, config, history.edition, renderer, history) \
            if commit.touched else None
        last = history.versions[-1].text if history.versions else None
        if text is None or (last is not None and text.sha256 == last.sha256):
            if commit.trailers.change == "reviewed":
                history.reviewed = local_day(commit.landed, history.edition.timezone)
            return
        _add_revision(history, commit, text)


def _refuse_future_commits(repository: Repository, today: date) -> None:
    for commit in repository.commits:
        if _too_far_ahead(commit, today):
            raise NoticeError(
                f"commit {commit.sha[:12]} is dated {commit.landed.isoformat()}, after today "
                f"({today}): a skewed clock would give the notice a wrong date",
                file=f"commit {commit.sha[:12]}", fix="correct the committer date "
                "(`git commit --amend --date=now --reset-author` before publishing) and the clock")


def _render_at(commit: Commit, config: NoticeConfig, edition: Edition, renderer: Renderer,
               history: EditionHistory) -> EditionText | None:
    """The edition's text after `commit`; None (with a warning) if the notice did not build there."""
    if not commit.snapshot.list(NOTICE_DIR):
        return None
    try:
        text = render_edition(read_notice(commit.snapshot, _config_at(commit, config)), edition,
                              renderer, committed=True)
    except NoticeError as exc:
        first = str(exc).splitlines()[0]
        history.warnings.append(f"commit {commit.sha[:12]} ({commit.subject}): the notice did not "
                                f"build there, so it was never published: {first}")
        return None
    for note in html_policy.left_out(text.notes, f"commit {commit.sha[:12]}: "):
        if note not in history.warnings:
            history.warnings.append(note)
    return text


def _config_at(commit: Commit, config: NoticeConfig) -> NoticeConfig:
    """The config with the variables of that commit's mkdocs.yml: an old version shows the
    company name and address it was published with, not today's."""
    try:
        variables = variables_in(commit.snapshot.read(CONFIG_FILE))
    except FileNotFoundError:
        return config
    if variables is None or variables == config.variables:
        return config
    return dataclasses.replace(config, variables=variables)


def _add_revision(history: EditionHistory, commit: Commit, text: EditionText) -> None:
    tz = history.edition.timezone
    landed = local_day(commit.landed, tz)
    change = commit.trailers.change
    summary = commit.trailers.summary_in(history.edition.locale) or commit.subject
    where = f"commit {commit.sha[:12]}"
    if change == "reviewed":
        history.warnings.append(f"{where}: Notice-Change: reviewed on a commit that changes the "
                                "text; counted as a minor change")
        change = "minor"
    versions = history.versions
    if change == "editorial" and versions:
        last = versions[-1]
        last.corrections.append(Correction(day=landed, commit=commit.sha, summary=summary,
                                           text=text, previous=last.text))
        last.text = text
        _drop_if_undone(versions)
        return
    effective = commit.trailers.effective
    if effective and effective < landed:
        raise NoticeError(
            f"Effective-Date {effective} is before the day this commit landed ({landed}): "
            "a notice cannot take effect before it was published", file=where,
            fix="set Effective-Date to the landing day or later (amend the message before it is "
                "published)")
    day = effective or landed
    last = versions[-1] if versions else None
    if last and day < last.date:
        raise NoticeError(
            f"this revision would take effect on {day}, before the version of {last.date} "
            "that precedes it: version dates would go backwards", file=where,
            fix=f"give it `Effective-Date: {last.date}` or later, or `Notice-Change: editorial`")
    if last and day == last.date:
        last.change = max(last.change, change, key=_STRENGTH.__getitem__)
        last.summaries.append(summary)
        last.commit, last.text = commit.sha, text
        _drop_if_undone(versions)
        return
    versions.append(Version(date=day, landed=landed, change=change, summaries=[summary],
                            commit=commit.sha, text=text))


def _drop_if_undone(versions: list[Version]) -> None:
    """A change reverted the same day (or by an editorial fix) leaves the text of the
    version before: then nothing was published that day, and the version goes."""
    if len(versions) >= 2 and versions[-1].text.sha256 == versions[-2].text.sha256:
        versions.pop()


def _too_far_ahead(commit: Commit, today: date) -> bool:
    return commit.landed.date() > today + timedelta(days=1)
