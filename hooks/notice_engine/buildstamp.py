"""Build stamps: an edition whose inputs have not changed since its last build is kept.

The inputs are everything a page can depend on: the commit, the notice and archive
files as they are on disk (drafts included), mkdocs.yml, the engine, the theme
overrides, the compiled catalogs and the generator versions. The only other input
is the day, which matters once an upcoming version falls due: a stamp is valid
until then. Stamps live in `.cache/notice/`, which is safe to delete.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from importlib import metadata
from pathlib import Path

from . import git_utils
from .config import Edition, NoticeConfig

ENGINE = Path(__file__).resolve().parent            # hooks/notice_engine
HOOKS = ENGINE.parent                               # hooks/: the MkDocs hook and theme overrides
CACHE = Path(".cache") / "notice" / "builds"


def fingerprint(config: NoticeConfig, edition: Edition, site_dir: Path, options: dict) -> str:
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode() + data)

    add("edition", edition.id.encode())
    add("site", str(site_dir.resolve()).encode())
    add("options", json.dumps(options, sort_keys=True).encode())
    add("head", _head(config.root).encode())
    for package in ("mkdocs", "mkdocs-material", "markdown", "babel"):
        add(package, metadata.version(package).encode())
    inputs = [config.root / "mkdocs.yml"]
    for folder in (config.notice_dir, config.archive_dir, HOOKS, config.root / "locales"):
        if folder.is_dir():
            inputs += [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(inputs):
        add(str(path), path.read_bytes())
    return digest.hexdigest()


def kept_build(config: NoticeConfig, edition: Edition, site_dir: Path, stamp: str,
               today: date) -> list[str] | None:
    """The warnings of the last build if it still stands: built from exactly these inputs,
    its output there, for a day from which no upcoming version has fallen due. Else None."""
    recorded = _read(config, edition, site_dir)
    if not recorded or recorded.get("fingerprint") != stamp:
        return None
    if not (site_dir / edition.id / "index.html").is_file():
        return None
    built_for, valid_until = recorded.get("built_for"), recorded.get("valid_until")
    if built_for is None or today < date.fromisoformat(built_for):
        return None
    if valid_until is not None and today >= date.fromisoformat(valid_until):
        return None
    return list(recorded.get("warnings", []))


def record(config: NoticeConfig, edition: Edition, site_dir: Path, stamp: str, today: date,
           warnings: list[str]) -> None:
    """Remember the build; it stays valid until the next upcoming version's date."""
    upcoming = None
    versions = site_dir / edition.id / "versions.json"
    if versions.is_file():
        upcoming = json.loads(versions.read_text(encoding="utf-8")).get("upcoming")
    path = _path(config, edition, site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fingerprint": stamp, "built_for": today.isoformat(),
                                "valid_until": upcoming, "warnings": warnings}),
                    encoding="utf-8")


def _read(config: NoticeConfig, edition: Edition, site_dir: Path) -> dict | None:
    try:
        return json.loads(_path(config, edition, site_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _path(config: NoticeConfig, edition: Edition, site_dir: Path) -> Path:
    where = hashlib.sha256(str(site_dir.resolve()).encode()).hexdigest()[:16]
    return config.root / CACHE / f"{where}-{edition.id}.json"


def _head(root: Path) -> str:
    try:
        return git_utils.git(root, "rev-parse", "HEAD").decode().strip()
    except (git_utils.GitError, FileNotFoundError):
        return "no commits"
