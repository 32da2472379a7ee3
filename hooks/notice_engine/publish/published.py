"""The published record only grows: a build is checked against what was published.

`notice build --published URL|PATH` (or `extra.notice.published` in mkdocs.yml) reads
each edition's last published `versions.json` and stops the build when a version it
lists would disappear or read differently (another SHA-256): a rewritten history, a
lost archive file or a changed engine would otherwise change the legal record without
a word. A committed correction (`notice/corrections.yml`) is the only way to take a
published version back, and the archive keeps it, marked withdrawn.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import NoticeError, raise_all

TIMEOUT = 30          # seconds: a published site that does not answer stops the build


def published_versions(base: str, edition_id: str) -> dict | None:
    """The `versions.json` of `edition_id` under `base` (a URL or a folder), None when that
    edition was never published there; a failure to read it stops the build."""
    where = f"{base.rstrip('/')}/{edition_id}/versions.json"
    try:
        if "://" in base:
            with urllib.request.urlopen(where, timeout=TIMEOUT) as response:   # noqa: S310
                data = response.read()
        else:
            data = Path(where).read_bytes()
    except FileNotFoundError:
        return None
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise _unreadable(where, f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _unreadable(where, str(getattr(exc, "reason", exc))) from None
    try:
        found = json.loads(data)
    except ValueError as exc:
        raise _unreadable(where, f"not JSON ({exc})") from None
    if not isinstance(found, dict) or not isinstance(found.get("versions"), list):
        raise _unreadable(where, "not a versions.json (no `versions` list)")
    return found


def _replaced(entry: dict) -> set:
    """The texts an entry's editorial corrections replaced: still published (notice.N.txt)."""
    corrections = entry.get("corrections")
    return {c.get("replaces") for c in corrections if isinstance(c, dict)} \
        if isinstance(corrections, list) else set()


def lost_versions(published: dict, built: dict) -> list[str]:
    """What the new build would change in the published record, one line per version."""
    now = {(v.get("effective"), v.get("commit")): v for v in built["versions"]}
    by_day = {v.get("effective"): v for v in built["versions"]}
    problems = []
    for old in published["versions"]:
        if not isinstance(old, dict):
            continue
        day, commit = old.get("effective"), old.get("commit")
        new = now.get((day, commit)) or by_day.get(day)
        label = f"the version of {day} (commit {str(commit)[:12]})" if commit else \
            f"the version of {day} (archive/)"
        if new is None:
            problems.append(f"{label} would disappear")
        elif new.get("sha256") != old.get("sha256") and old.get("sha256") not in _replaced(new):
            problems.append(f"{label} would read differently (SHA-256 {str(old.get('sha256'))[:12]}"
                            f" published, {str(new.get('sha256'))[:12]} now; commit "
                            f"{str(new.get('commit'))[:12]})")
        elif old.get("withdrawn") and not new.get("withdrawn"):
            problems.append(f"{label} was published as withdrawn and would no longer be")
    return problems


def check_site(config, editions, base: str, *, allow_shallow: bool = False) -> None:
    """Check every edition to be built against its published record, all problems at once."""
    from . import feeds
    from ..history import walk as history
    from ..history.dates import today
    from ..render.sections import Renderer

    repository = history.read_repository(config.root, allow_shallow=allow_shallow)
    taken_back = {c.sha for c in repository.commits if not c.published}
    renderer, errors = Renderer(), []
    for edition in editions:
        past = history.edition_history(repository, config, edition, renderer, today(edition))
        try:
            check(base, edition.id, feeds.versions_json(past), taken_back)
        except NoticeError as exc:
            errors.append(exc)
    raise_all(errors)


def check(base: str, edition_id: str, built_json: str, taken_back: set[str] = frozenset()) -> None:
    """Stop (NoticeError) when building `built_json` would shrink or alter the record at `base`;
    versions of commits corrected as `published: false` (`taken_back`) may go."""
    published = published_versions(base, edition_id)
    if published is None:
        return
    published = dict(published, versions=[v for v in published["versions"] if not (
        isinstance(v, dict) and v.get("commit") in taken_back)])
    problems = lost_versions(published, json.loads(built_json))
    if problems:
        raise NoticeError(
            f"edition {edition_id}: the published record only grows, but "
            + "; ".join(problems), file=f"{base.rstrip('/')}/{edition_id}/versions.json",
            fix="restore the history that published these versions (a rewritten branch: "
                "reset it to the published commit and add commits on top), or take a version "
                "back on purpose with a reviewed commit to notice/corrections.yml "
                "(`<commit>: {published: false}`)")


def _unreadable(where: str, why: str) -> NoticeError:
    return NoticeError(f"cannot read the published record: {why}", file=where,
                       fix="check the URL or folder given to --published (or "
                           "extra.notice.published), or leave it out to build without the check")
