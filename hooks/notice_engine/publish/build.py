"""`notice build`: every edition through MkDocs into site/<edition>/.

The one module besides the hook that drives MkDocs; the engine itself never
imports it. Problems in the notice stop the build and are
reported as the engine's own file:line messages, not as a generator's traceback.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

# MkDocs is imported here, before the edition processes fork from this one.
import jinja2
import jinja2.meta
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.structure.files import File, Files
from mkdocs import utils as mkdocs_utils

from . import buildlock, buildstamp, page_html as page
from ..history.dates import today
from . import compare
from .edition_site import build_epoch, warm_up

from ..config import Edition, NoticeConfig
from ..core.safe_paths import replace_file, writable_tree
from ..errors import NoticeError


class CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates compiled once per process, not once per edition (each MkDocs
    build makes a new Jinja environment). Held in memory only, never written to disk: a
    cache file is not trusted to hold code (issue 13)."""

    def __init__(self) -> None:
        self._code: dict[tuple, object] = {}

    def _key(self, bucket) -> tuple:
        settings = bucket.environment
        return (bucket.key, bucket.checksum, tuple(sorted(settings.extensions)),
                settings.autoescape, settings.trim_blocks, settings.lstrip_blocks)

    def load_bytecode(self, bucket) -> None:
        bucket.code = self._code.get(self._key(bucket))

    def dump_bytecode(self, bucket) -> None:
        self._code[self._key(bucket)] = bucket.code


COMPILED_TEMPLATES = CompiledTemplates()
THEME_DIR = Path(__file__).resolve().parents[1] / "theme"     # main.html and assets/notice.css


def add_theme_overrides(theme) -> None:
    """The engine's overrides (privacy headers, the notice's stylesheet) come from the
    installed engine, not from a copy in each notice repository; a repository's own
    `custom_dir` still comes first, so an editor can override them in turn."""
    if str(THEME_DIR) not in theme.dirs:
        theme.dirs.insert(1 if theme.custom_dir else 0, str(THEME_DIR))


def compile_theme_templates(theme) -> None:
    """The theme's templates compiled once, before the edition processes fork and share
    them: those a page, the 404 page and the sitemap name, and those they name in turn (a
    name made up while rendering is compiled by the process that meets it)."""
    add_theme_overrides(theme)
    env = theme.get_env()
    pending, seen = ["main.html", "404.html", "sitemap.xml"], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue
        tree = env.parse(source, name, filename)
        pending += [found for found in jinja2.meta.find_referenced_templates(tree) if found]
        bucket = COMPILED_TEMPLATES.get_bucket(env, name, filename, source)
        if bucket.code is None:             # as Jinja's own loader does, from the same tree
            bucket.code = env.compile(tree, name, filename)
            COMPILED_TEMPLATES.set_bucket(bucket)


_THEME_LISTS: dict[tuple, list[tuple[str, str]]] = {}
_list_theme_files = Files.add_files_from_theme


def _add_files_from_theme(self: Files, env, config) -> None:
    """MkDocs' own listing of the theme's static files, done once per process and theme:
    mkdocs-material holds about 14,500 files (its icons), walked again by every edition's
    build otherwise. The key holds the modification time of every folder listed, so a
    file added to or removed from one (say, under `notice serve`) is seen."""
    key = (tuple(_folder_times(config.theme.dirs)), tuple(config.theme.static_templates))
    if key not in _THEME_LISTS:
        probe = Files([])
        _list_theme_files(probe, _OutsideDotFolders(config.theme.dirs), config)
        _THEME_LISTS[key] = [(f.src_uri, f.src_dir) for f in probe]
    for path, folder in _THEME_LISTS[key]:
        if self.get_file_from_path(path) is None:         # the docs' own files come first
            self.append(File(path, folder, config.site_dir, config.use_directory_urls))


def _folder_times(folders: list[str]):
    """(folder, modification time) of each theme folder and its subfolders but dot folders."""
    for top in folders:
        for directory, subfolders, _ in os.walk(top):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            yield directory, _mtime(directory)


class _OutsideDotFolders:
    """Stands in for the theme's Jinja environment while MkDocs lists its static files:
    the same names, through MkDocs' own filter, but without walking folders whose name
    starts with a dot (mkdocs-material's 14,000 icons), which that filter drops anyway
    ('.*' and '*/.*')."""

    def __init__(self, folders: list[str]):
        self.folders = folders

    def list_templates(self, filter_func) -> list[str]:
        found = set()
        for folder in self.folders:
            for directory, subfolders, names in os.walk(folder):
                subfolders[:] = [d for d in subfolders if not d.startswith(".")]
                relative = os.path.relpath(directory, folder)
                for name in names:
                    path = name if relative == "." else f"{relative}/{name}".replace(os.sep, "/")
                    found.add(path)
        return sorted(filter(filter_func, found))


def _mtime(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return 0


Files.add_files_from_theme = _add_files_from_theme


@dataclass(frozen=True)
class BuiltEdition:
    edition: Edition
    index: Path
    seconds: float
    warnings: list[str]
    up_to_date: bool = False         # nothing changed since the last build: kept as it was


def build_site(config: NoticeConfig, editions: list[Edition], site_dir: Path, *,
               allow_shallow: bool = False, strict: bool = False, pdf: bool = False,
               progress: Callable[[int, BuiltEdition], None] = lambda n, built: None,
               retired: Callable[[str], None] = lambda edition_id: None,
               waiting: Callable[[str], None] = lambda message: None
               ) -> list[BuiltEdition]:
    """All editions, in parallel processes (one MkDocs build each), then the front page;
    the folders of editions no longer in mkdocs.yml go (`retired` hears of each). One
    build of a repository at a time (`buildlock`; `waiting` hears if another holds it).
    A link anywhere in the site folder stops the build before anything is written: an
    upload that follows links (`tar --dereference`, `aws s3 sync`) would publish what it
    points to."""
    with buildlock.held(config.root, waiting):
        writable_tree(config.root, site_dir, "the site")
        return _build_all(config, editions, site_dir, progress, retired,
                          dict(allow_shallow=allow_shallow, strict=strict, pdf=pdf))


def _build_all(config: NoticeConfig, editions: list[Edition], site_dir: Path,
               progress: Callable[[int, BuiltEdition], None],
               retired: Callable[[str], None], options: dict) -> list[BuiltEdition]:
    mkdocs_config = _site_config(config)
    built: list[BuiltEdition] = []
    pending = []                       # (edition, its stamps) for each edition to build
    for edition in editions:           # editions kept as they were need no process of their own
        started = time.monotonic()
        stamps = _stamps(config, edition, site_dir, options)
        kept = kept_edition(config, edition, site_dir, stamps, started)
        if kept is None:
            pending.append((edition, stamps))
        else:
            built.append(kept)
            progress(len(built), kept)
    if len(pending) == 1:
        built.append(build_edition(config, *pending[0], site_dir, **options))
        progress(len(built), built[-1])
    elif pending:
        _warm_up(config, mkdocs_config, [edition for edition, _ in pending], options)
        gc.freeze()      # the forked processes' collector leaves the warm-up's objects shared
        workers = min(len(pending), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            jobs = [pool.submit(build_edition, config, edition, stamps, site_dir, **options)
                    for edition, stamps in pending]
            for job in as_completed(jobs):
                built.append(job.result())
                progress(len(built), built[-1])
    for edition_id in remove_retired_editions(config, site_dir):
        retired(edition_id)
    write_front_page(config, mkdocs_config, site_dir)
    return sorted(built, key=lambda b: editions.index(b.edition))


def _site_config(config: NoticeConfig):
    """mkdocs.yml as MkDocs reads it, once a build, for the warm-up and the front page."""
    try:
        return load_config(str(config.root / "mkdocs.yml"))
    except MkDocsException as exc:
        raise NoticeError(f"MkDocs cannot use this configuration: {exc}", file="mkdocs.yml",
                          fix="correct the setting MkDocs names, then build again") from None


def _warm_up(config: NoticeConfig, mkdocs_config, editions: list[Edition],
             options: dict) -> None:
    """Before the edition processes fork: what each would otherwise do for itself (see
    `compile_theme_templates` and `edition_site.warm_up`)."""
    compile_theme_templates(mkdocs_config.theme)
    warm_up(config.root, mkdocs_config.extra.get("notice"), [e.id for e in editions],
            allow_shallow=options["allow_shallow"])


def remove_retired_editions(config: NoticeConfig, site_dir: Path) -> list[str]:
    """Remove the folder of every edition an earlier build wrote into this site and that
    mkdocs.yml no longer lists. Only folders a build made go, as its build stamps show:
    anything put into site/ by hand, or an edition's folder with no stamp, stays."""
    current = {edition.id for edition in config.editions}
    removed = []
    for edition_id in sorted(buildstamp.built_editions(config, site_dir) - current):
        folder = site_dir / edition_id
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
            removed.append(edition_id)
        buildstamp.forget(config, edition_id, site_dir)
    return removed


def write_front_page(config: NoticeConfig, mkdocs_config, site_dir: Path) -> None:
    """site/index.html (the edition chooser) and site/sitemap.xml (an index of the editions')."""
    title = mkdocs_config.site_name
    replace_file(site_dir / "index.html", page.front_page(config, title).encode("utf-8"))
    base = (mkdocs_config.site_url or "").rstrip("/")
    if base:
        entries = "".join(f"  <sitemap><loc>{escape(base)}/{escape(e.id)}/sitemap.xml</loc></sitemap>\n"
                          for e in config.editions)
        replace_file(site_dir / "sitemap.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n").encode("utf-8"))


def kept_edition(config: NoticeConfig, edition: Edition, site_dir: Path,
                 stamps: tuple[str, str], started: float) -> BuiltEdition | None:
    """The edition as its last build left it, if nothing it depends on has changed since
    (its inputs stamp, see buildstamp); else None."""
    kept = buildstamp.kept_build(config, edition, site_dir, stamps[1], today(edition))
    if kept is None:
        return None
    return BuiltEdition(edition, site_dir / edition.id / "index.html",
                        time.monotonic() - started, kept, up_to_date=True)


def _stamps(config: NoticeConfig, edition: Edition, site_dir: Path,
            options: dict) -> tuple[str, str]:
    """The edition's layout and inputs stamps (see buildstamp), worked out once a build,
    before anything is read: a file changed while the edition builds changes the next
    build's stamp, so that build does not keep this one's pages."""
    layout = buildstamp.layout(config, edition, site_dir, options)
    return layout, buildstamp.inputs_stamp(config, layout)


def build_edition(config: NoticeConfig, edition: Edition, stamps: tuple[str, str],
                  site_dir: Path, *, allow_shallow: bool = False, strict: bool = False,
                  pdf: bool = False) -> BuiltEdition:
    """One full MkDocs build of one edition into site_dir/<edition>/, which `kept_edition`
    did not find kept as it was; `stamps` (from `_stamps`) are what the build records."""
    started = time.monotonic()
    layout, stamp = stamps
    messages = _Messages()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.setLevel(logging.INFO)
    mkdocs_log.propagate = False
    mkdocs_log.addHandler(messages)
    target = site_dir / edition.id
    in_place = buildstamp.same_layout(config, edition, site_dir, layout)
    try:
        with _output_folder(target, in_place) as folder:
            mkdocs_config = load_config(str(config.root / "mkdocs.yml"), site_dir=str(folder))
            if mkdocs_config.site_url:
                mkdocs_config.site_url = f"{mkdocs_config.site_url.rstrip('/')}/{edition.id}/"
            mkdocs_config.extra.update({
                "notice_edition": edition.id, "notice_allow_shallow": allow_shallow,
                "notice_strict": strict, "notice_pdf": pdf,       # the archive links the PDFs
                "notice_pages_dir": str(buildstamp.pages_dir(config, edition, site_dir)),
                "notice_incremental": in_place})
            with _reproducible_dates(config.root), _quiet_about_dirty_builds():
                build(mkdocs_config, dirty=in_place)
        buildstamp.record(config, edition, site_dir, stamp, layout, today(edition),
                          messages.warnings)
    except MkDocsException as exc:
        # The hook's NoticeError was logged by MkDocs with its file:line; pass that on as is.
        raise NoticeError("\n".join(messages.errors) or f"MkDocs could not build edition "
                          f"{edition.id}: {exc}", fix=_partly_new(target)) from None
    except OSError as exc:
        left = _partly_new(target) or "the published edition was left as it was"
        raise NoticeError(f"could not write edition {edition.id}: {exc}", file=exc.filename,
                          fix=f"free disk space or fix the permissions of {site_dir}, then "
                              f"build again; {left}") from None
    finally:
        mkdocs_log.removeHandler(messages)
    return BuiltEdition(edition, target / "index.html",
                        time.monotonic() - started, messages.warnings)


def _partly_new(target: Path) -> str | None:
    """What a failed build adds when the edition's folder was being replaced in place (its
    marker is there): the folder is part old, part new until the next build."""
    if (target / buildstamp.REPLACING).exists():
        return ("some of the edition's files may be new until the next build, which makes "
                "it again in full")
    return None


class _DropMessages(logging.Filter):
    def __init__(self, *prefixes: str):
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)


# MkDocs warns that a `dirty` build may leave navigation stale. Ours is safe: every page
# whose content changed is rendered again, the rest are byte-for-byte what they were, and
# pages that no longer exist are removed. The warning would fail a strict build.
DIRTY_BUILD_NOTES = _DropMessages("A 'dirty' build", "The directory contains stale files")


@contextmanager
def _quiet_about_dirty_builds():
    logger = logging.getLogger("mkdocs.commands.build")
    logger.addFilter(DIRTY_BUILD_NOTES)
    try:
        yield
    finally:
        logger.removeFilter(DIRTY_BUILD_NOTES)


@contextmanager
def _reproducible_dates(root: Path):
    """MkDocs stamps sitemaps with SOURCE_DATE_EPOCH or else the clock: give it the last
    commit's time (unless the caller set one), and leave the environment as it was."""
    epoch = build_epoch(root)
    ours = epoch is not None and "SOURCE_DATE_EPOCH" not in os.environ
    if ours:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if ours:
            del os.environ["SOURCE_DATE_EPOCH"]


@contextmanager
def _output_folder(target: Path, in_place: bool):
    """Where MkDocs writes the edition. After a build of the same layout (`in_place`): the
    published folder itself, where only the files that changed are replaced, each one
    whole (`_whole_files`), while the folder holds the marker `buildstamp.replacing` writes
    (an interrupted build is made again in full). Otherwise a staging folder, swapped in
    once complete: a failed first build leaves the previous site/ as it was."""
    if in_place:
        with _whole_files():
            yield target
        buildstamp.replaced(target)
        return
    staging = target.with_name(f".{target.name}.building")
    _remove(staging)
    try:
        yield staging
        _swap_in(staging, target)
    finally:
        _remove(staging)


@contextmanager
def _whole_files():
    """MkDocs writes its files in place (open and write); while a build replaces files in
    the published folder, each is written under a temporary name and renamed over the old
    one, so a reader never meets a half-written page. (MkDocs writes sitemap.xml.gz with
    its own `open`, the one file it does not write through these.)"""
    write, copy = mkdocs_utils.write_file, mkdocs_utils.copy_file
    mkdocs_utils.write_file = lambda content, path: replace_file(path, content)
    mkdocs_utils.copy_file = _copy_whole
    try:
        yield
    finally:
        mkdocs_utils.write_file, mkdocs_utils.copy_file = write, copy


def _copy_whole(source: str, destination: str) -> None:
    """MkDocs' `copy_file` (a theme's static file), written whole."""
    if os.path.isdir(destination):
        destination = os.path.join(destination, os.path.basename(source))
    with open(source, "rb") as f:
        replace_file(destination, f.read())


def _swap_in(staging: Path, target: Path) -> None:
    """Replace the published edition only once the new one is complete: a failed or
    interrupted build leaves the previous site/ as it was."""
    retired = target.with_name(f".{target.name}.previous")
    _remove(retired)
    if os.path.lexists(target):
        target.rename(retired)
    staging.rename(target)
    _remove(retired)


def _remove(path: Path) -> None:
    """Remove a folder the build makes (a staging or retired edition), or whatever else is
    there under its name: a link is removed itself, never what it points to."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


class _Messages(logging.Handler):
    """Collects what MkDocs and the hook log, so the CLI prints it once, in its own words."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            (self.errors if record.levelno >= logging.ERROR else self.warnings).append(message)
        elif message.startswith("warning: "):
            self.warnings.append(message[len("warning: "):])


def write_stand_in(folder: str, page, site_name: str) -> str:
    """The file MkDocs takes as a generated page's source: a digest of everything the page
    shows, rewritten (so newer than the last output) only when that changes."""
    digest = hashlib.sha256(f"{page.digest}\0{site_name}".encode()).hexdigest() + "\n"
    path = Path(folder) / page.path
    if path.is_symlink() or not path.is_file() or path.read_bytes() != digest.encode():
        replace_file(path, digest.encode())          # missing or damaged: written again
    return str(path)


def write_outputs(site: Path, files: dict[str, str], addressed: dict[str, Callable[[], str]],
                  remember: bool = False) -> None:
    """An edition's files that are not pages (versions.json, feeds, notice.txt, compare/),
    written by the build itself rather than through MkDocs, which rewrites all of them every
    time: a file already holding the same bytes is left alone, one whose path fixes its
    content (`addressed`) is not even made again, and compare/ files no longer listed go.
    Each file is replaced whole (`replace_file`), never written through, as a build in
    place of the published edition needs. `remember`: the folder is this process's own
    (`notice serve`), so what it wrote there last is still there."""
    base = os.fspath(site)           # strings, not Paths: thousands of files an edition
    written = _WRITTEN.setdefault(base, {}) if remember else {}
    for path, text in files.items():
        if written.get(path) is not text:
            _write_if_changed(os.path.join(base, path), text.encode("utf-8"))
            written[path] = text
    for path, make in addressed.items():
        if not os.path.isfile(os.path.join(base, path)):
            _write_if_changed(os.path.join(base, path), make().encode("utf-8"))
    listed = set(files) | set(addressed)
    for folder in compare.FOLDERS:
        if os.path.isdir(os.path.join(base, folder)):
            for entry in os.scandir(os.path.join(base, folder)):
                if f"{folder}/{entry.name}" not in listed:
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)


# site folder -> path -> the very text this process last wrote there: `notice serve`
# rebuilds into one folder of its own after every save, with the same texts for all that the save
# left alone (edition_site keeps them), so those need not even be compared.
_WRITTEN: dict[str, dict[str, str]] = {}


def _write_if_changed(path: str, data: bytes) -> None:
    try:
        if os.stat(path).st_size == len(data):
            with open(path, "rb") as f:
                if f.read() == data:
                    return
    except FileNotFoundError:
        pass
    replace_file(path, data)


def remove_stale_pages(site: Path, pages: set[str]) -> None:
    """Archive pages of versions that no longer exist (a same-day revert) leave the site."""
    archive = site / "archive"
    if not archive.is_dir():
        return
    for folder in archive.iterdir():
        if folder.is_dir() and f"archive/{folder.name}/index.md" not in pages:
            _remove(folder)
