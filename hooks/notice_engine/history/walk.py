"""History: one pass over git turns commits into revisions and versions per edition.

A *revision* is a first-parent commit that changes what an edition renders; a
*version* is what the archive lists and "Last Updated" shows. Dates come from
git (the day a commit landed on the published branch, in the notice's
timezone) or from an Effective-Date trailer: nobody types them.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from . import corrections, legacy, trailers
from ..core import git as git_utils, text_safety
from ..render import html_policy
from ..config import Edition, NoticeConfig, variables_in
from .dates import local_day, version_date
from ..render.edition import EditionText, render_edition
from ..errors import NoticeError, raise_all
from ..render.sections import Renderer
from ..sources.notice import NOTICE_DIR, Notice, read_notice
from .versions import Commit, Correction, EditionHistory, Note, Repository, Version, Walk

if TYPE_CHECKING:
    from .store import HistoryStore

CONFIG_FILE = "mkdocs.yml"         # its extra.notice variables are part of the text
WATCHED = (f"{NOTICE_DIR}/", f"{legacy.ARCHIVE_DIR}/", CONFIG_FILE)
_STRENGTH = {"editorial": 0, "minor": 1, "material": 2}


def read_repository(root: Path, *, allow_shallow: bool = False,
                    problems: list[NoticeError] | None = None) -> Repository:
    """One `git log` and one batched blob read; refuse a history that would give wrong dates.

    Trailers are read here and nowhere else, corrected by notice/corrections.yml, so
    every command sees the same record. With `problems` (for `notice check`), bad
    trailers are collected there instead of raised, and each bad field keeps its default.
    A process that builds several editions reads the history once: what it holds depends
    only on where HEAD stands and on the corrections.
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
    state = (where, corrections.digest(root))
    last = _last_read.get(root)
    if problems is None and last is not None and last[0] == state:
        return last[1]
    log = git_utils.first_parent_log(root, *WATCHED)
    shas = [entry.sha for entry in log]
    try:
        fixes = corrections.read(root, shas)
    except NoticeError as exc:
        if problems is None:
            raise
        problems.append(exc)
        fixes = corrections.NONE
    blobs = git_utils.read_blobs(root, (c.blob for e in log for c in e.changes
                                        if c.blob and not c.special))
    takes_back = any(not fix.published for fix in fixes.by_commit.values())
    taken_back: dict[str, datetime] = {}     # commit -> when a correction first took it back
    commits, files, special, errors = [], {}, {}, []
    for entry in log:
        for change in entry.changes:
            if takes_back and change.path == corrections.FILE and change.blob in blobs:
                for sha in corrections.taken_back_in(blobs[change.blob], shas):
                    taken_back.setdefault(sha, entry.committed)
            files.pop(change.path, None)
            special.pop(change.path, None)
            if change.special:
                special[change.path] = change.special
            elif change.blob:
                files[change.path] = change.blob
        parsed, trouble = trailers.read(entry.sha, entry.message, entry.trailers)
        correction = fixes.get(entry.sha)
        if correction:                  # it says what the commit should have said
            parsed, trouble = correction.apply(parsed, trouble)
        else:
            try:
                text_safety.refuse_in_trailers(entry.sha, entry.message, entry.trailers)
            except NoticeError as exc:
                errors.append(exc)
        errors += [problem.error for problem in trouble]
        commits.append(Commit(
            sha=entry.sha, landed=entry.committed,
            subject=text_safety.neutralise(entry.message.split("\n", 1)[0]),
            trailers=parsed, touched=bool(entry.changes),
            snapshot=git_utils.Snapshot(dict(files), blobs, dict(special), entry.sha),
            published=correction.published if correction else True,
            acknowledged=correction.acknowledged if correction else frozenset()))
    commits = [dataclasses.replace(c, taken_back=taken_back.get(c.sha)) if not c.published
               else c for c in commits]
    if problems is None:
        raise_all(errors)
    else:
        problems += errors
    repository = Repository(commits=commits, shallow=where.shallow, branch=where.branch,
                            corrections=fixes.digest)
    if problems is None:
        _last_read[root] = (state, repository)
    return repository


_last_read: dict[Path, tuple[tuple[git_utils.Head, str], Repository]] = {}


def edition_history(repository: Repository, config: NoticeConfig, edition: Edition,
                    renderer: Renderer, today: date, store: HistoryStore | None = None
                    ) -> EditionHistory:
    """Walk the commits once, oldest first, keeping those that change this edition's text.

    With a `store`, the walk resumes where the last build's ended when the commits
    read today begin with the ones it walked: a new commit costs one step, not all.
    """
    future = _future_commits(repository, today)
    legacy_warnings: list[str] = []
    start = legacy.versions(repository, config, edition, renderer, legacy_warnings)
    key = store.key(config, edition, start, repository.corrections) if store else None
    walk = store.resume(edition.id, key, repository.commits) if store else None
    if walk is None:
        walk = Walk(EditionHistory(edition=edition, versions=start, today=today))
    kept = walk.walked
    for commit in repository.commits[walk.walked:]:
        _step(walk, commit, config, renderer)
    if store and walk.walked > kept:
        store.save(edition.id, key, walk, repository.commits)
    walk.history.today = today
    walk.history.warnings += [w for w in legacy_warnings + future
                              if w not in walk.history.warnings]
    return walk.history


def _step(walk: Walk, commit: Commit, config: NoticeConfig, renderer: Renderer) -> None:
    """One more commit: a revision if it changed the edition's text, else nothing.

    The text it is compared with is the last version's: every revision leaves that
    version holding its text (or one that reads the same, after an undone change)."""
    history = walk.history
    walk.walked += 1
    text = _render_at(commit, config, history.edition, renderer, history) \
        if commit.touched else None
    last = history.latest.text if history.latest else None
    if text is not None and not commit.published:
        if last is None or text.sha256 != last.sha256:
            _take_back(history, commit, text)
        return
    if text is None or (last is not None and text.sha256 == last.sha256):
        if commit.trailers.change == "reviewed":
            history.reviewed = local_day(commit.landed, history.edition.timezone)
        elif commit.published and commit.trailers.effective and not commit.touched:
            _move_pending(history, commit)         # an empty commit that only says a date
        return
    _add_revision(history, commit, text)


def _take_back(history: EditionHistory, commit: Commit, text: EditionText) -> None:
    """A revision corrections.yml takes back (`published: false`): the record only grows, so
    its version stays in the archive, withdrawn on the day the correction landed; the text
    goes on from the version before, and a later version of the same day replaces it."""
    tz = history.edition.timezone
    landed = local_day(commit.landed, tz)
    day = version_date(commit.trailers.effective, landed)
    if any(v.date == day for v in history.versions):
        return                          # that day's version stands: nothing of its own to show
    history.versions.append(Version(
        date=day, landed=landed, change=commit.trailers.change,
        summaries=[commit.trailers.summary_in(history.edition.locale) or commit.subject],
        commit=commit.sha, text=text, taken_back=True,
        withdrawn=local_day(commit.taken_back, tz) if commit.taken_back else history.today))
    history.versions.sort(key=lambda v: v.date)


def _future_commits(repository: Repository, today: date) -> list[Note]:
    """A commit dated after today that changed the notice would give it a wrong date: the
    build stops. One that touched nothing the notice is made of only earns a warning."""
    notes = []
    for commit in repository.commits:
        if not _too_far_ahead(commit, today):
            continue
        message = (f"commit {commit.sha[:12]} is dated {commit.landed.isoformat()}, after today "
                   f"({today})")
        if commit.touched:
            raise NoticeError(f"{message}: a skewed clock would give the notice a wrong date",
                              file=f"commit {commit.sha[:12]}", code="N206",
                              fix="correct the committer date (`git commit --amend --date=now "
                                  "--reset-author` before it is pushed) and the clock; once it is "
                                  f"published, add to {trailers.CORRECTIONS_FILE}:\n"
                                  f"  {commit.sha[:12]}:\n    published: false")
        if "N207" not in commit.acknowledged:
            notes.append(Note(f"{message}, a skewed clock; it changed nothing of the notice, so "
                              "no date depends on it", "N207"))
    return notes


def _render_at(commit: Commit, config: NoticeConfig, edition: Edition, renderer: Renderer,
               history: EditionHistory) -> EditionText | None:
    """The edition's text after `commit`; None (with a warning) if the notice did not build there."""
    if not commit.snapshot.list(NOTICE_DIR):
        return None
    try:
        text = render_edition(notice_at(commit, config), edition, renderer, committed=True)
    except NoticeError as exc:
        if "N208" not in commit.acknowledged:
            first = str(exc).splitlines()[0]
            history.warnings.append(Note(
                f"commit {commit.sha[:12]} ({commit.subject}): the notice did not build there, "
                f"so it was never published: {first} (once seen, acknowledge it in "
                f"{trailers.CORRECTIONS_FILE}:\n  {commit.sha[:12]}:\n    acknowledge: [N208])",
                "N208"))
        return None
    for note in html_policy.left_out(text.notes, f"commit {commit.sha[:12]}: "):
        if note not in history.warnings:
            history.warnings.append(note)
    return text


def notice_at(commit: Commit, config: NoticeConfig) -> Notice:
    """The notice as `commit` left it, with that commit's variables (a NoticeError if it
    cannot be read there)."""
    return read_notice(commit.snapshot, _config_at(commit, config))


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
        history.warnings.append(Note(f"{where}: Notice-Change: reviewed on a commit that changes "
                                     "the text; counted as a minor change", "N210"))
        change = "minor"
    last = history.latest
    if (last and not commit.trailers.change_given and not commit.trailers.effective
            and text.reads_like(last.text)):
        change = "editorial"            # only its form changed: no new date (DESIGN.md, Version)
    if change == "editorial" and last:
        last.corrections.append(Correction(day=landed, commit=commit.sha, summary=summary,
                                           text=text, previous=last.text))
        last.text = text
        _drop_if_undone(history)
        return
    effective = commit.trailers.effective
    if effective and effective < landed:
        raise NoticeError(
            f"Effective-Date {effective} is before the day this commit landed ({landed}): "
            "a notice cannot take effect before it was published", file=where, code="N204",
            fix=trailers.correction_fix(commit.sha, "set Effective-Date to the landing day or "
                                        "later", {"effective": landed.isoformat()}))
    if last and not last.legacy and last.date > landed:
        _in_notice_period(history, commit, text, landed, change, summary)
        return
    day = version_date(effective, landed)
    if last and day < last.date:
        raise NoticeError(
            f"this revision would take effect on {day}, before the version of {last.date} "
            "that precedes it: version dates would go backwards", file=where, code="N205",
            fix=trailers.correction_fix(commit.sha, f"give it `Effective-Date: {last.date}` or "
                                        "later, or `Notice-Change: editorial`",
                                        {"effective": last.date.isoformat()}))
    if last and day == last.date:
        _fold(last, commit, text, change, summary)
        _drop_if_undone(history)
        return
    history.add(Version(date=day, landed=landed, change=change, summaries=[summary],
                        commit=commit.sha, text=text))


def _fold(version: Version, commit: Commit, text: EditionText, change: str, summary: str) -> None:
    """Another revision of the same version: its text, the strongest kind, every summary."""
    _fold_version(version, Version(date=version.date, landed=None, change=change,
                                   summaries=[summary], commit=commit.sha, text=text))


def _in_notice_period(history: EditionHistory, commit: Commit, text: EditionText, landed: date,
                      change: str, summary: str) -> None:
    """A revision while versions announced with a future Effective-Date are pending
    (DESIGN.md, "Notice period"):

    - restoring the current text (or an earlier announced one) withdraws what came after;
    - `Effective-Date:` of the day it lands publishes an urgent change now, carried into
      the upcoming versions;
    - a later `Effective-Date:` than every announced one queues a version of its own;
    - otherwise the change takes effect with the next upcoming version (an earlier
      `Effective-Date:` moves that version to it).
    """
    pending = [v for v in history.standing if v.date > landed]
    current = next((v for v in reversed(history.standing) if v.date <= landed), None)
    where = f"commit {commit.sha[:12]}"
    for index, kept in reversed(list(enumerate([current, *pending[:-1]]))):
        if kept is not None and text.sha256 == kept.text.sha256:
            for version in pending[index:]:
                version.withdrawn = landed
                history.warnings.append(Note(
                    f"{where} withdraws the upcoming version of {version.date} (announced in "
                    f"commit {(version.commit or '')[:12]}): it stays in the archive, marked "
                    "withdrawn", "N212"))
            return
    latest = pending[-1]
    changed = _changed_sections(latest.text, text)
    effective = commit.trailers.effective
    if effective == landed:
        _refuse_overlap(commit, current, latest, changed)
        urgent = _with_sections(current.text, text, changed) if current else text
        if current is not None and current.date == landed:
            _fold(current, commit, urgent, change, summary)
        else:
            history.add(Version(date=landed, landed=landed, change=change, summaries=[summary],
                                commit=commit.sha, text=urgent))
        for version in pending:             # the urgent change is in the upcoming texts too
            version.text = _with_sections(version.text, text, changed)
        return
    if effective and effective > latest.date:
        history.add(Version(date=effective, landed=landed, change=change, summaries=[summary],
                            commit=commit.sha, text=text))
        return
    first = pending[0]
    for version in pending:
        version.text = _with_sections(version.text, text, changed)
    _fold(first, commit, first.text, change, summary)
    if effective and effective != first.date:
        history.refuse_withdrawn_day(effective, commit.sha)
        first.date = effective
        history.versions.sort(key=lambda v: v.date)
    history.warnings.append(Note(
        f"{where} amends the upcoming version of {first.date}: it takes effect with it. To "
        f"publish it now instead, give such a commit `Effective-Date: {landed}` (the day it "
        "lands)", "N213"))


def _changed_sections(before: EditionText, after: EditionText) -> set[str]:
    """The ids of the sections whose rendered text differs (added and removed ones too)."""
    old = {s.id: s.fingerprint for s in before.sections}
    new = {s.id: s.fingerprint for s in after.sections}
    return {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}


def _with_sections(base: EditionText, source: EditionText, ids: set[str]) -> EditionText:
    """`base` with the sections `ids` as `source` has them (in `source`'s order)."""
    if not ids:
        return base
    mine = {s.id: s for s in base.sections}
    theirs = {s.id: s for s in source.sections}
    order = [s.id for s in source.sections] + [i for i in mine if i not in theirs]
    sections = [theirs[i] if i in ids else mine[i] for i in dict.fromkeys(order)
                if (theirs if i in ids else mine).get(i) is not None]
    return dataclasses.replace(base, sections=tuple(sections))


def _refuse_overlap(commit: Commit, current: Version | None, latest: Version,
                    changed: set[str]) -> None:
    """An urgent change to a section the upcoming version changes too: which text to
    publish today cannot be told apart."""
    announced = _changed_sections(current.text, latest.text) if current else set()
    both = sorted(changed & announced)
    if both:
        raise NoticeError(
            f"commit {commit.sha[:12]} has Effective-Date of the day it landed, to publish it "
            f"now, but it changes {', '.join(both)}, which the upcoming version of "
            f"{latest.date} changes too: the text to publish today cannot be told apart",
            file=f"commit {commit.sha[:12]}", code="N214",
            fix=trailers.correction_fix(
                commit.sha, "make it part of the upcoming version (no Effective-Date), or publish "
                "the upcoming version now first (an empty commit with `Effective-Date:` of today)",
                {"effective": latest.date.isoformat()}))


def _move_pending(history: EditionHistory, commit: Commit) -> None:
    """A commit that touches nothing of the notice but says `Effective-Date:` moves the next
    upcoming version: to a later day, or to the day it lands (it is published now)."""
    landed = local_day(commit.landed, history.edition.timezone)
    pending = next((v for v in history.standing if v.date > landed and not v.legacy), None)
    effective = commit.trailers.effective
    if pending is None or effective < landed:
        return
    history.warnings.append(Note(
        f"commit {commit.sha[:12]} moves the upcoming version of {pending.date} to {effective}",
        "N213"))
    history.refuse_withdrawn_day(effective, commit.sha)
    pending.date = effective
    pending.summaries.append(commit.trailers.summary_in(history.edition.locale)
                             or commit.subject)
    history.versions.sort(key=lambda v: v.date)
    _drop_if_undone(history)


def _drop_if_undone(history: EditionHistory) -> None:
    """A change reverted the same day (or by an editorial fix) leaves the text of the
    version before: then nothing was published that day, and the version goes."""
    standing = history.standing
    if len(standing) >= 2 and standing[-1].text.sha256 == standing[-2].text.sha256:
        history.versions.remove(standing[-1])
    elif len(standing) >= 2 and standing[-1].date == standing[-2].date:   # moved onto it
        last = standing[-1]
        history.versions.remove(last)
        _fold_version(standing[-2], last)


def _fold_version(into: Version, version: Version) -> None:
    """`version` becomes part of `into`: its text, the strongest kind, every summary."""
    into.change = max(into.change, version.change, key=_STRENGTH.__getitem__)
    into.summaries += version.summaries
    into.commit, into.text = version.commit, version.text


def _too_far_ahead(commit: Commit, today: date) -> bool:
    return commit.landed.date() > today + timedelta(days=1)
