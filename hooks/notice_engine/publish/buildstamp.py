"""Build stamps: an edition whose inputs have not changed since its last build is kept,
and within an edition, pages whose content has not changed are not rendered again.

The inputs are everything a page can depend on: the commit, the notice and archive
files as they are on disk (drafts included), mkdocs.yml, the repository's hooks/,
the engine (with its theme overrides and catalogs) and the generator versions. The only other input
is the day, which matters once an upcoming version falls due: a stamp is valid
until then. Stamps live in `.cache/notice/`, which is safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import date
from stat import S_ISREG
from importlib import metadata
from pathlib import Path

from ..cache import BUILD_STAMPS, Digest as _Digest, at as cache_at, engine_stamp
from ..core import git as git_utils
from ..core.safe_paths import replace_file
from ..config import Edition, NoticeConfig

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")     # an edition id that is a plain folder name
# In an edition's folder while a build replaces its files in place: until the build has
# finished, the folder is neither the last build's nor the new one's.
REPLACING = ".notice-build-in-progress"


def layout(config: NoticeConfig, edition: Edition, site_dir: Path, options: dict) -> str:
    """What shapes every page alike: settings, engine, theme, catalogs, generator versions.
    While it holds, pages whose own content did not change can be kept from the last build."""
    digest = _Digest()
    digest.add("edition", edition.id.encode())
    digest.add("site", str(site_dir.resolve()).encode())
    digest.add("options", json.dumps(options, sort_keys=True).encode())
    for package in ("mkdocs", "mkdocs-material", "markdown-it-py", "mdit-py-plugins", "babel"):
        digest.add(package, metadata.version(package).encode())
    digest.add("mkdocs.yml", (config.root / "mkdocs.yml").read_bytes())
    digest.add("engine", engine_stamp().encode())
    digest.files([config.root / "hooks"])           # the repository's MkDocs hook
    return digest.hexdigest()


def inputs_stamp(config: NoticeConfig, layout_stamp: str) -> str:
    """Everything an edition's pages depend on: the layout, the commit, and the notice and
    archive files as they are on disk (drafts included)."""
    digest = _Digest()
    digest.add("layout", layout_stamp.encode())
    digest.add("head", _head(config.root).encode())
    digest.files([config.notice_dir, config.archive_dir])
    return digest.hexdigest()


def same_layout(config: NoticeConfig, edition: Edition, site_dir: Path, layout_stamp: str) -> bool:
    """The last build of this edition had this layout and its output is still there, every
    file as it was written (a build started from a damaged one would keep the damage)."""
    recorded = _read(config, edition, site_dir) or {}
    return recorded.get("layout") == layout_stamp and _outputs_intact(recorded, site_dir / edition.id)


def replacing(folder: Path) -> None:
    """Mark an edition's folder before a build replaces some of its files in place. The
    marker is no output of any build, so while it is there the folder is not intact (see
    `_outputs_intact`): a build interrupted before `replaced` leaves it, and the next build
    of the edition is a full one, into a fresh folder."""
    replace_file(folder / REPLACING, b"a build is replacing this edition's files; if none "
                                     b"is running, the next one makes the edition again\n")


def replaced(folder: Path) -> None:
    """The build that marked the folder has written every file: the marker goes, before the
    stamp records the outputs (a build stopped between the two leaves an old stamp, whose
    outputs no longer match the folder: the edition is made again in full)."""
    (folder / REPLACING).unlink(missing_ok=True)


def pages_dir(config: NoticeConfig, edition: Edition, site_dir: Path) -> Path:
    """Where the hook keeps one small stand-in file per page, rewritten only when the page's
    content changes, so MkDocs can tell which pages to render again."""
    return cache_at(config.root,
                    BUILD_STAMPS.parent / "pages" / _path(config, edition, site_dir).stem)


def kept_build(config: NoticeConfig, edition: Edition, site_dir: Path, stamp: str,
               today: date) -> list[str] | None:
    """The warnings of the last build if it still stands: built from exactly these inputs,
    its output there, for a day from which no upcoming version has fallen due. Else None."""
    recorded = _read(config, edition, site_dir)
    if not recorded or recorded.get("fingerprint") != stamp:
        return None
    if not _outputs_intact(recorded, site_dir / edition.id):
        return None
    built_for, valid_until = recorded.get("built_for"), recorded.get("valid_until")
    if built_for is None or today < date.fromisoformat(built_for):
        return None
    if valid_until is not None and today >= date.fromisoformat(valid_until):
        return None
    return list(recorded.get("warnings", []))


def record(config: NoticeConfig, edition: Edition, site_dir: Path, stamp: str, layout_stamp: str,
           today: date, warnings: list[str]) -> None:
    """Remember the build; it stays valid until the next upcoming version's date."""
    upcoming = None
    versions = site_dir / edition.id / "versions.json"
    if versions.is_file():
        upcoming = json.loads(versions.read_text(encoding="utf-8")).get("upcoming")
    path = _path(config, edition, site_dir)
    previous = (_read(config, edition, site_dir) or {}).get("outputs")
    outputs = output_digests(site_dir / edition.id, previous if isinstance(previous, dict) else {})
    replace_file(path, json.dumps({"fingerprint": stamp, "layout": layout_stamp,
                                   "built_for": today.isoformat(),
                                   "valid_until": upcoming, "warnings": warnings,
                                   "outputs": outputs}).encode("utf-8"))


def output_digests(folder: Path, previous: dict) -> dict[str, list]:
    """[size, mtime_ns, SHA-256] of every file an edition's build wrote. A file with the
    size and time `previous` recorded for it is not read again (a rebuild after one commit
    rewrites a few pages of hundreds)."""
    found = {}
    for name, (path, stat) in sorted(_listing(folder).items()):
        if not S_ISREG(stat.st_mode):
            continue               # no build writes one: `_outputs_intact` sees it as extra
        kept = previous.get(name)
        if isinstance(kept, list) and len(kept) == 3 and kept[:2] == [stat.st_size, stat.st_mtime_ns]:
            found[name] = kept
        else:
            found[name] = [stat.st_size, stat.st_mtime_ns, _file_sha256(path)]
    return found


def _listing(folder: Path) -> dict[str, tuple[str, os.stat_result]]:
    """Every file under `folder` (symbolic links not followed): its name relative
    to the folder, with '/', -> its path and stat. os.scandir, not Path.rglob: an edition
    holds thousands of files, and this runs twice a build."""
    found = {}
    pending = [("", str(folder))]
    while pending:
        prefix, directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:       # a symbolic link too: no build writes one, so it is noticed
                    found[prefix + entry.name] = (entry.path, entry.stat(follow_symlinks=False))
    return found


def _outputs_intact(recorded: dict, folder: Path) -> bool:
    """Every file the last build wrote is there, with its recorded content, and no other:
    a deleted `versions.json` or an edited page is rebuilt, not kept as "up to date". A
    file whose size and modification time are as recorded is taken as unchanged; any
    other is read and compared by SHA-256."""
    outputs = recorded.get("outputs")
    if not isinstance(outputs, dict) or folder.is_symlink() or not folder.is_dir():
        return False
    present = _listing(folder)
    if REPLACING in present or present.keys() != outputs.keys():
        return False
    for name, (path, stat) in present.items():
        kept = outputs[name]
        if not (isinstance(kept, list) and len(kept) == 3) or not S_ISREG(stat.st_mode):
            return False           # a link or a pipe put in a file's place is never opened
        if kept[:2] != [stat.st_size, stat.st_mtime_ns] and kept[2] != _file_sha256(path):
            return False
    return True


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def built_editions(config: NoticeConfig, site_dir: Path) -> set[str]:
    """The ids of the editions built into this site dir, as their stamps record."""
    prefix = _site_key(site_dir) + "-"
    folder = cache_at(config.root, BUILD_STAMPS)
    if not folder.is_dir():
        return set()
    return {path.stem[len(prefix):] for path in folder.glob(f"{prefix}*.json")
            if _SAFE_ID.fullmatch(path.stem[len(prefix):])}


def forget(config: NoticeConfig, edition_id: str, site_dir: Path) -> None:
    """Drop an edition's stamp and page stand-ins: it is no longer built into this site."""
    stamp = cache_at(config.root, BUILD_STAMPS / f"{_site_key(site_dir)}-{edition_id}.json")
    shutil.rmtree(cache_at(config.root, BUILD_STAMPS.parent / "pages" / stamp.stem),
                  ignore_errors=True)
    stamp.unlink(missing_ok=True)


def _read(config: NoticeConfig, edition: Edition, site_dir: Path) -> dict | None:
    try:
        recorded = json.loads(_path(config, edition, site_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if _well_formed(recorded) else None


def _well_formed(recorded) -> bool:
    """A damaged stamp, or one of another shape, is no stamp: the edition is built again
    (never a traceback on every build until .cache is deleted)."""
    if not isinstance(recorded, dict):
        return False
    try:
        date.fromisoformat(recorded["built_for"])
        if recorded.get("valid_until") is not None:
            date.fromisoformat(recorded["valid_until"])
    except (KeyError, TypeError, ValueError):
        return False
    warnings = recorded.get("warnings", [])
    return (isinstance(recorded.get("fingerprint"), str) and isinstance(recorded.get("layout"), str)
            and isinstance(warnings, list) and all(isinstance(w, str) for w in warnings))


def _path(config: NoticeConfig, edition: Edition, site_dir: Path) -> Path:
    return cache_at(config.root, BUILD_STAMPS / f"{_site_key(site_dir)}-{edition.id}.json")


def _site_key(site_dir: Path) -> str:
    return hashlib.sha256(str(site_dir.resolve()).encode()).hexdigest()[:16]


def _head(root: Path) -> str:
    try:
        return git_utils.git(root, "rev-parse", "HEAD").decode().strip()
    except (git_utils.GitError, FileNotFoundError):
        return "no commits"
