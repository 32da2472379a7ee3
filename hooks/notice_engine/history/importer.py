"""`notice import --history SOURCE`: a notice's past versions into `archive/`.

A company that kept its notice in another repository (or as dated files) brings
the versions it published there into `archive/<YYYY-MM-DD>.md`, the legacy
versions this project's archive starts with. SOURCE is

- `REPO:PATH`: a git repository (with a work tree or bare) and the notice file in
  it as it is named at HEAD. Its versions are the commits of HEAD's first-parent
  line that changed the file, followed through renames; a deletion is not a version
  (a file deleted and later restored keeps its history). Each is dated the day its
  commit landed (committer date) in the notice's timezone.
- a folder of dated files, `2019-08-15.md` (`.txt`, `.html`; `2019-08-15.fr.md` for
  a language): each file one version on the day it is named after.

What a reader sees decides what is a version: versions whose visible words did not
change (whitespace, a BOM, a rename, front matter) are skipped, and the changes of
one day fold into one version holding the last text of that day, with the commit
subjects of the day as its `summary:`. Every word is kept as it was: Markdown as
written, plain text as written (`.txt`), HTML converted to Markdown.

Existing files of `archive/` are never overwritten unless asked (`replace`): a file
with the same bytes is fine, a different one stops the import before anything is
written, listing every clash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import config as config_module
from ..core import git as git_utils, text_safety
from ..core.safe_paths import replace_file, writable
from . import legacy
from .dates import local_day, parse_day
from ..errors import NoticeError, raise_all
from ..sources.html_markdown import html_to_markdown
from ..sources.importer import split_notice
from ..sources.markdown import front_matter, visible_words, without_front_matter

_KINDS = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html"}
_DATED_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.([a-z]{2,3}(?:_[A-Z]{2})?))?"
                         r"(\.(?:md|markdown|txt|html?))$")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")


@dataclass
class HistoryImport:
    """What an import did, for the command to print."""

    written: list[Path] = field(default_factory=list)     # new or replaced archive files
    unchanged: list[Path] = field(default_factory=list)   # already there with the same bytes
    versions: int = 0           # versions read from the source
    skipped: int = 0            # no visible word changed
    folded: int = 0             # a later change of the same day holds their text
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceVersion:
    """One version as the source has it."""

    day: date
    data: bytes
    kind: str                   # "md", "txt" or "html"
    locale: str | None          # None: the notice's source language
    subject: str | None         # the commit subject, None for a dated file
    origin: str                 # where it came from, for messages


@dataclass(frozen=True)
class _Output:
    path: Path
    data: bytes
    origin: str


def import_history(source: str, root: Path, *, locale: str | None = None,
                   timezone: str | None = None, replace: bool = False) -> HistoryImport:
    """Write the versions of `source` into `root`/archive/; check everything first."""
    root = Path(root)
    config = config_module.load(root)
    zone = config_module.known_timezone(timezone or config.timezone)
    if locale is not None and not _LOCALE.match(locale):
        raise NoticeError(f"{locale!r} is not a locale", fix="use a locale such as fr or pt_BR")
    if locale == config.language:
        locale = None                   # the source language has no suffix
    result = HistoryImport()
    found = read_source(source, zone, locale, result.warnings)
    result.versions = len(found)
    outputs = [_output(root, version, summaries, result.warnings)
               for version, summaries in _kept(found, result)]
    _refuse_clashes(root, outputs, replace)
    for output in outputs:
        writable(root, output.path, "the imported versions")
    for output in outputs:
        if output.path.is_file() and output.path.read_bytes() == output.data:
            result.unchanged.append(output.path)
            continue
        replace_file(output.path, output.data)         # whole, and never through a link
        result.written.append(output.path)
    return result


# --- What a reader sees --------------------------------------------------------

def words_of(version: SourceVersion) -> list[str]:
    """Visible words, whatever the format: plain text is read as it stands."""
    text = _decode(version)
    if version.kind == "txt":
        return without_front_matter(text).split()
    if version.kind == "html":
        return visible_words(html_to_markdown(text))
    return visible_words(text)


# --- Sources -------------------------------------------------------------------


def read_source(source: str, zone: str, locale: str | None,
                warnings: list[str]) -> list[SourceVersion]:
    """The versions of a folder or of `REPO:PATH`, oldest first."""
    if Path(source).is_dir():
        return folder_versions(Path(source), locale, warnings)
    split = split_repo_path(source)
    if split is None:
        raise NoticeError(f"{source!r} is neither a folder nor REPO:PATH",
                          fix="give a folder of dated files (2019-08-15.md) or a git repository "
                              "and the notice file in it: path/to/repo:privacy.md")
    return git_versions(*split, zone, locale, warnings)


def split_repo_path(source: str) -> tuple[Path, str] | None:
    """REPO:PATH split at the last `:` that leaves an existing folder on its left (a
    repository's folder name or the file's path may hold `:` too)."""
    for index in reversed([i for i, c in enumerate(source) if c == ":"]):
        repo, path = source[:index], source[index + 1:].strip("/")
        if repo and path and Path(repo).is_dir():
            return Path(repo), path.removeprefix("./")
    return None


def git_versions(repo: Path, path: str, zone: str, locale: str | None,
                 warnings: list[str]) -> list[SourceVersion]:
    """Every first-parent commit that changed the file, oldest first, renames followed."""
    if not git_utils.is_git_dir(repo):
        raise NoticeError("not a git repository", file=repo,
                          fix="give the repository's folder (with a work tree, or bare) before `:`")
    try:
        commits = git_utils.first_parent_changes(repo)
    except git_utils.GitError as exc:
        raise NoticeError(f"cannot read the history: {exc}", file=repo,
                          fix="check that HEAD names a branch with commits") from None
    touched = _file_history(commits, path)
    if not touched or touched[-1][1].blob is None:
        raise NoticeError(f"{path} is not in HEAD's history", file=repo,
                          fix="give the notice file's path as it is at HEAD, relative to the "
                              "repository's top folder")
    blobs = git_utils.read_blobs(repo, (change.blob for _, change in touched
                                        if change.blob and not change.special))
    found = []
    for commit, change in touched:
        if change.blob is None:                     # a deletion is not a version
            continue
        if change.special:                          # its "text" would be a link's target
            warnings.append(f"commit {commit.sha[:12]}: {change.path} is a {change.special}, "
                            "not a file: not a version")
            continue
        found.append(SourceVersion(
            day=local_day(commit.committed, zone), data=blobs[change.blob],
            kind=_kind(change.path, warnings, f"{repo}:{change.path}"), locale=locale,
            subject=commit.subject,
            origin=f"commit {commit.sha[:12]} ({change.path})"))
    return _never_backwards(found, warnings)


def _file_history(commits, path: str) -> list[tuple]:
    """(commit, change) for the file, oldest first, walking back from HEAD's name of it
    through renames, and through renames git scored too low to name: a commit that adds
    the file and deletes exactly one other file of its kind."""
    touched, current = [], path
    for commit in reversed(commits):
        change = next((c for c in commit.changes if c.path == current), None)
        if change is None:
            continue
        touched.append((commit, change))
        if change.old_path and change.status.startswith("R"):
            current = change.old_path
        elif change.status == "A":
            deleted = [c.path for c in commit.changes if c.blob is None
                       and Path(c.path).suffix == Path(current).suffix]
            current = deleted[0] if len(deleted) == 1 else current
    return touched[::-1]


def _never_backwards(found: list[SourceVersion], warnings: list[str]) -> list[SourceVersion]:
    """A commit dated before the one it follows (a rebase, a skewed clock) counts on the
    day before it, so the archive's dates only go forward."""
    latest = None
    kept = []
    for version in found:
        if latest and version.day < latest:
            warnings.append(f"{version.origin} is dated {version.day}, before the version of "
                            f"{latest} it follows; counted on {latest}")
            version = SourceVersion(latest, version.data, version.kind, version.locale,
                                    version.subject, version.origin)
        latest = version.day
        kept.append(version)
    return kept


def folder_versions(folder: Path, locale: str | None,
                    warnings: list[str]) -> list[SourceVersion]:
    """Dated files, one version each; a file's own language suffix wins over `locale`."""
    found, errors, seen = [], [], {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        match = _DATED_FILE.match(path.name)
        if not match:
            if path.name.lower() != "readme.md":
                warnings.append(f"{path}: not a dated version (YYYY-MM-DD.md, .txt or .html), "
                                "left out")
            continue
        day = parse_day(match.group(1))
        if day is None:
            errors.append(NoticeError(f"{match.group(1)} is not a date", file=path,
                                      fix="name each version after its day, YYYY-MM-DD"))
            continue
        version_locale = match.group(2) or locale
        key = (day, version_locale)
        if key in seen:
            errors.append(NoticeError(f"two versions for {day}: {seen[key].name} and {path.name}",
                                      file=path, fix="keep one file per day and language"))
            continue
        seen[key] = path
        found.append(SourceVersion(day=day, data=path.read_bytes(), kind=_kind(path.name),
                                   locale=version_locale, subject=None, origin=str(path)))
    raise_all(errors)
    if not found:
        raise NoticeError("no dated versions here", file=folder,
                          fix="name each version after its day: 2019-08-15.md (.txt, .html)")
    return sorted(found, key=lambda v: v.day)


def _kind(name: str, warnings: list[str] | None = None, where: str = "") -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in _KINDS and warnings is not None:
        warnings.append(f"{where}: {suffix or 'no extension'} is not .md, .txt or .html; "
                        "read as Markdown")
    return _KINDS.get(suffix, "md")


# --- Which versions, which days ------------------------------------------------


def _kept(found: list[SourceVersion], result: HistoryImport):
    """(version, summaries) per day and language: the day's last text, kept when its words
    differ from the version kept before it; the summaries are the subjects of that day's
    changes."""
    by_locale: dict[str | None, list[SourceVersion]] = {}
    for version in found:
        by_locale.setdefault(version.locale, []).append(version)
    for versions in by_locale.values():
        previous_words: list[str] | None = None
        day_words = previous_words
        day: list[tuple[SourceVersion, bool]] = []       # (version, changed its words)
        for version in versions + [None]:
            if day and (version is None or version.day != day[0][0].day):
                changes = [v for v, changed in day if changed]
                last_words = words_of(day[-1][0])
                if last_words != previous_words:
                    yield day[-1][0], [v.subject for v in changes if v.subject]
                    result.folded += len(changes) - 1
                    result.skipped += len(day) - len(changes)
                    previous_words = last_words
                else:
                    result.skipped += len(day)
                day = []
            if version is None:
                break
            words = words_of(version)
            day.append((version, words != day_words))
            day_words = words


def _output(root: Path, version: SourceVersion, summaries: list[str],
            warnings: list[str]) -> _Output:
    """The archive file of a version: its text, with `summary:` added to its front matter."""
    suffix = ".txt" if version.kind == "txt" else ".md"
    name = f"{version.day.isoformat()}{'.' + version.locale if version.locale else ''}{suffix}"
    text = _decode(version)
    if version.kind == "html":
        text = html_to_markdown(text)
    where = f"{legacy.ARCHIVE_DIR}/{name} (from {version.origin})"
    _warn_about_front_matter(text, where, warnings)
    summary = "; ".join(dict.fromkeys(" ".join(text_safety.neutralise(s, " ").split())
                                      for s in summaries))
    data = with_front_matter(text, {"summary": summary} if summary else {}).encode("utf-8")
    try:
        split_notice(Path(f"{legacy.ARCHIVE_DIR}/{name}"), data)
    except NoticeError as exc:
        warnings.append(f"{where} cannot be split into sections as it stands, so the site will "
                        f"not build with it: {str(exc).splitlines()[0]}")
    return _Output(path=root / legacy.ARCHIVE_DIR / name, data=data, origin=version.origin)


def _warn_about_front_matter(text: str, where: str, warnings: list[str]) -> None:
    """The original page's own front matter is kept; say when the archive will read it."""
    try:
        meta = front_matter(where, text.split("\n")).data
    except NoticeError as exc:
        warnings.append(f"{where}: {exc.message}; the archive cannot read this file until "
                        "it is fixed")
        return
    read = sorted(k for k in map(str, meta) if k in ("summary", "change", "regions")
                  or k.startswith("summary-"))
    if read:
        warnings.append(f"{where}: its own front matter sets {', '.join(read)}, which the "
                        "archive reads (and which wins over the imported summary)")


def with_front_matter(text: str, values: dict[str, str]) -> str:
    """The text with `values` first in its front matter (a new front matter if it has none);
    the original's own keys stay as they were, below."""
    if not values:
        return text
    lines = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
                    for key, value in values.items())
    if text.split("\n", 1)[0].strip() == "---":
        first, rest = text.split("\n", 1)
        return f"{first}\n{lines}{rest}"
    return f"---\n{lines}---\n\n{text}"


def _refuse_clashes(root: Path, outputs: list[_Output], replace: bool) -> None:
    """A different file already in archive/ for a day and language stops the import,
    all clashes named at once: it may be a version someone wrote by hand."""
    if replace:
        return
    archive = root / legacy.ARCHIVE_DIR
    errors = []
    for output in outputs:
        stem = output.path.name.rsplit(".", 1)[0]
        for existing in sorted(archive.glob(f"{stem}.*")) if archive.is_dir() else []:
            if existing.name.rsplit(".", 1)[0] != stem:
                continue
            if existing != output.path or existing.read_bytes() != output.data:
                errors.append(NoticeError(
                    f"archive/ already has a different {existing.name} (the import would "
                    f"write {output.path.name} from {output.origin})", file=existing,
                    fix="pass --replace to overwrite it, or move it away first"))
    raise_all(errors)


def _decode(version: SourceVersion) -> str:
    """Text with LF line ends and no BOM; only UTF-8 (another encoding could change a
    letter of a legal text unnoticed)."""
    try:
        text = version.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = version.data.count(b"\n", 0, exc.start) + 1
        raise NoticeError(f"{version.origin} is not UTF-8 text (line {line})",
                          fix="convert the source to UTF-8 and import again") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
