"""`notice new DIR`: a notice repository of a company's own, as `mkdocs new` starts a site.

The new repository holds the notice and its settings only. The engine stays a pinned,
installed dependency (requirements.txt), so upgrading it changes one line there and
never mixes the engine's commits into the notice's history; its theme overrides and
catalogs come from the installed engine too. The files are the `starter/` folder
shipped inside the engine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from .core import git as git_utils
from .config import known_timezone
from .errors import NoticeError

DISTRIBUTION = "privacy-notice-site"           # the engine's name for pip
STARTER = Path(__file__).resolve().parent / "starter"
# Package data leaves out hidden files, so the starter keeps these without their dot.
_DOT_NAMES = {"gitignore": ".gitignore", "github": ".github"}
FIRST_COMMIT = "Start the privacy notice"
_GIT_IDENTITY = ("-c", "user.name=notice new", "-c", "user.email=notice-new@localhost")


@dataclass
class NewNotice:
    root: Path
    files: list[str]                       # what was written, relative to root
    engine: str                            # the requirement that pins the engine
    commit: str | None = None              # the first commit, unless --no-git
    warnings: list[str] = field(default_factory=list)


def new_notice(target: Path, *, engine: str | None = None, from_file: Path | None = None,
               history: str | None = None, timezone: str | None = None,
               git: bool = True) -> NewNotice:
    """Make the notice repository in `target` (new, or an empty folder, or one holding only
    `.git`). On any failure, what this made is removed again: nothing half-made stays.
    `timezone` goes into mkdocs.yml before `history` is imported, so that the past
    versions are dated in it as every later one will be."""
    target = Path(os.path.abspath(target))       # `../acme` printed as /path/acme
    if timezone is not None:
        known_timezone(timezone)
    before = _refuse_non_empty(target)
    warnings: list[str] = []
    if engine is None:
        engine, warnings = engine_requirement()
    warnings += _portability_warnings(engine)
    try:
        target.mkdir(parents=True, exist_ok=True)
        files = _copy_starter(target, sections=from_file is None)
        if timezone is not None:
            _set_timezone(target / "mkdocs.yml", timezone)
        _write(target / "requirements.txt", requirements_txt(engine))
        files.append("requirements.txt")
        if from_file is not None:
            warnings += _import_sections(from_file, target)
        if history is not None:
            warnings += _import_history(history, target)
        commit = _start_history(target, warnings) if git else None
    except BaseException:
        _remove_what_we_made(target, before)
        raise
    files = sorted({str(p.relative_to(target)) for p in target.rglob("*")
                    if p.is_file() and ".git" not in p.relative_to(target).parts})
    return NewNotice(target, files, engine, commit, warnings)


def _refuse_non_empty(target: Path) -> set[str] | None:
    """What the folder holds before (nothing, or `.git`), None if it does not exist yet.
    Anything else in it is refused: `notice new` never overwrites or mixes with files it
    did not write."""
    if target.exists() and not target.is_dir():
        raise NoticeError(f"{target} exists and is not a folder",
                          fix="name a new or empty folder: notice new DIR")
    if not target.exists():
        return None
    names = {p.name for p in target.iterdir()}
    found = sorted(names - {".git"})
    if found:
        shown = ", ".join(found[:5]) + (", …" if len(found) > 5 else "")
        raise NoticeError(f"{target} is not empty (it holds {shown})",
                          fix="name a new or empty folder, e.g. notice new my-privacy-notice; "
                              "notice new never writes into a folder that has files")
    return names


def _copy_starter(target: Path, *, sections: bool) -> list[str]:
    """The starter files, with their dotted names back; the starter sections unless the
    notice comes from an import."""
    written = []
    for source in sorted(STARTER.rglob("*")):
        relative = source.relative_to(STARTER)
        if not source.is_file() or "__pycache__" in relative.parts:
            continue
        if not sections and relative.parts[0] == "notice":
            continue
        destination = target.joinpath(*(_DOT_NAMES.get(part, part) for part in relative.parts))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        written.append(str(destination.relative_to(target)))
    return written


_STARTER_TIMEZONE = re.compile(r"^(    timezone: )America/New_York\b", re.MULTILINE)


def _set_timezone(mkdocs_yml: Path, timezone: str) -> None:
    """The starter's `extra.notice.timezone`, changed in place (its comments kept)."""
    text, found = _STARTER_TIMEZONE.subn(lambda m: m.group(1) + timezone,
                                         mkdocs_yml.read_text(encoding="utf-8"), count=1)
    assert found, "the starter mkdocs.yml names the timezone America/New_York"
    mkdocs_yml.write_text(text, encoding="utf-8")


def requirements_txt(engine: str) -> str:
    return ("# The notice engine, pinned: `notice build` is exactly this version until you change\n"
            "# this line (see README.md, \"Upgrading the engine\").\n"
            f"{engine}\n")


def engine_requirement() -> tuple[str, list[str]]:
    """A pip requirement for the engine that is running, from where pip installed it
    (its direct_url.json): a git URL at its commit, an archive, or a version."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise NoticeError(f"the running engine is not an installed package ({DISTRIBUTION}), "
                          "so there is no version to pin",
                          fix="install it with pip, or name it: notice new DIR --engine SPEC") from None
    direct = dist.read_text("direct_url.json")
    if not direct:                         # from an index: its version is the pin
        return f"{DISTRIBUTION}=={dist.version}", []
    info = json.loads(direct)
    url = info["url"]
    if "vcs_info" in info:
        vcs = info["vcs_info"]
        return f"{DISTRIBUTION} @ {vcs['vcs']}+{url}@{vcs['commit_id']}", []
    if "dir_info" in info:                 # a local folder, editable or not
        return checkout_requirement(Path(unquote(urlparse(url).path)))
    hashes = (info.get("archive_info") or {}).get("hashes") or {}
    fragment = f"#sha256={hashes['sha256']}" if "sha256" in hashes else ""
    return f"{DISTRIBUTION} @ {url}{fragment}", []


def checkout_requirement(folder: Path) -> tuple[str, list[str]]:
    """The engine runs from a local checkout: pin its current commit, as a git URL."""
    try:
        sha = git_utils.git(folder, "rev-parse", "HEAD").decode().strip()
        dirty = git_utils.git(folder, "status", "--porcelain", "--untracked-files=no").strip()
    except (git_utils.GitError, FileNotFoundError):
        raise NoticeError(f"the engine runs from {folder}, which is not a git checkout with a "
                          "commit, so there is no version to pin",
                          fix="name one: notice new DIR --engine SPEC (a git URL at a tag, a "
                              "wheel, or privacy-notice-site==VERSION)") from None
    warnings = [f"the engine's checkout {folder} has uncommitted changes; requirements.txt "
                f"pins its last commit, {sha[:12]}, without them"] if dirty else []
    return f"{DISTRIBUTION} @ git+{local_git_url(folder)}@{sha}", warnings


def local_git_url(folder: Path) -> str:
    """`file://localhost/path`: git reads it as `file:///path`, and pip before 24 refuses a
    VCS URL without a host."""
    return "file://localhost" + folder.resolve().as_uri().removeprefix("file://")


def _portability_warnings(engine: str) -> list[str]:
    """A pin on a path of this machine installs here but not in CI or on a colleague's."""
    if "file:" not in engine:
        return []
    return ["requirements.txt installs the engine from a path on this machine; CI and other "
            "machines need a pin they can reach: edit requirements.txt to a git URL at a tag, "
            f"e.g. {DISTRIBUTION} @ git+https://example.com/you/{DISTRIBUTION}.git@v0.1.0"]


def _import_sections(source: Path, target: Path) -> list[str]:
    from .config import load
    from .sources.importer import import_notice

    return import_notice(Path(source), target / "notice", replace=True,
                         language=load(target).language).warnings


def _import_history(source: str, target: Path) -> list[str]:
    from .history.importer import import_history

    return list(import_history(source, target).warnings)


def _start_history(target: Path, warnings: list[str]) -> str:
    """`git init` (branch main) unless the folder is a repository already, then one commit
    holding every file, so the notice's history starts clean."""
    try:
        if not (target / ".git").exists():
            git_utils.git(target, "init", "-q", "-b", "main")
        git_utils.git(target, "add", "-A")
        identity = () if _has_identity(target) else _GIT_IDENTITY
        if identity:
            warnings.append("git does not know who you are here, so the first commit is signed "
                            "'notice new'; set yours: git config --global user.name / user.email")
        git_utils.git(target, *identity, "commit", "-q", "-m", FIRST_COMMIT)
        return git_utils.git(target, "rev-parse", "HEAD").decode().strip()
    except FileNotFoundError:
        raise NoticeError("git is not installed", fix="install git, or pass --no-git") from None
    except git_utils.GitError as exc:
        raise NoticeError(f"git could not start the repository: {exc}",
                          file=target, fix="fix the git problem above, or pass --no-git") from None


def _has_identity(target: Path) -> bool:
    """Whether git knows who commits here; if not, the first commit is signed by the tool."""
    try:
        return bool(git_utils.git(target, "var", "GIT_COMMITTER_IDENT").strip())
    except git_utils.GitError:
        return False


def _remove_what_we_made(target: Path, before: set[str] | None) -> None:
    """Undo a failed `notice new`: the folder was new or empty (but for `.git`), so all
    of it but what was there before is ours."""
    if before is None:
        shutil.rmtree(target, ignore_errors=True)
        return
    for path in target.iterdir():
        if path.name in before:
            continue
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
