"""MkDocs adapter: the only place MkDocs events meet the engine.

It picks the edition, sets the theme's language to it, adds the engine's theme
overrides, swaps the Markdown files of `notice/` for the pages the engine
generates and hands MkDocs their HTML, table of contents and hreflang alternates.
No notice logic lives here. A notice repository's `hooks/mkdocs_hooks.py` only
imports this module, so upgrading the installed engine upgrades the hook too.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

from . import cache
from .publish import buildstamp, compare, csp
from .core import sealed
from .core.safe_paths import configured_site
from .config import from_extra
from .errors import NoticeError
from .publish.edition_site import edition_site, preview_elsewhere_pages
from .publish.build import (COMPILED_TEMPLATES, DIRTY_BUILD_NOTES, add_theme_overrides,
                            remove_stale_pages, write_outputs, write_stand_in)

# What a hook file star-imports:
__all__ = ["on_startup", "on_shutdown", "on_config", "on_files", "on_nav", "on_env",
           "on_page_markdown", "on_page_content", "on_post_page", "on_post_template",
           "on_post_build"]


log = logging.getLogger("mkdocs.hooks.notice")
_generated = {}   # src path -> OutputPage, for the page events of this build
_outputs = []     # the EditionSite of this build: its files are written after the pages


_preview = {}     # under `notice serve`: {"stand_ins": folder of the page stand-ins}
_command = {}     # the MkDocs command line this process runs, if any (not under `notice build`)


def on_startup(command, dirty):
    """`notice serve` rebuilds dirty: only the pages an edit changed are rendered again,
    as `notice build` does after a commit, from stand-ins kept in a folder of this process."""
    _command["name"] = command
    if command == "serve" and dirty and not _preview:
        _preview["stand_ins"] = tempfile.mkdtemp(prefix="notice-preview-")
        logging.getLogger("mkdocs.commands.build").addFilter(DIRTY_BUILD_NOTES)


def on_shutdown():
    if _preview:
        shutil.rmtree(_preview.pop("stand_ins"), ignore_errors=True)


def on_config(config):
    """`notice build` names the edition; `mkdocs serve` takes NOTICE_EDITION or the default."""
    root = Path(config.config_file_path).resolve().parent
    try:
        edition = from_extra(config.extra.get("notice"), root).edition(
            config.extra.get("notice_edition") or os.environ.get("NOTICE_EDITION"))
        if _command.get("name") in ("build", "gh-deploy") and _site_dir_named_by(config, root):
            configured_site(root, config.site_dir)      # before MkDocs empties it
    except NoticeError as exc:
        raise PluginError(str(exc)) from None
    config.extra["notice_edition"] = edition.id
    config.theme["language"] = edition.locale      # <html lang> and the theme's own strings
    add_theme_overrides(config.theme)
    if _preview:
        config.extra["notice_pages_dir"] = _preview["stand_ins"]
        cache.check_again()                 # each rebuild after a save is a run of its own
    archive = root / "archive"     # `mkdocs serve` reloads on its changes too, when it exists
    if archive.is_dir() and str(archive) not in map(str, config.watch):
        config.watch.append(str(archive))
    return config


def _site_dir_named_by(config, root: Path) -> bool:
    """Whether the site folder is the one mkdocs.yml names (or MkDocs' default), not one
    given on the command line (`-d`) or by `mkdocs serve`."""
    named = next((c["site_dir"] for c in config.user_configs if "site_dir" in c), "site")
    return os.path.abspath(config.site_dir) == os.path.abspath(root / str(named))


def on_files(files, config):
    docs_dir = os.path.join(os.path.abspath(config.docs_dir), "")      # with its last '/'
    try:
        site = edition_site(Path(config.config_file_path).resolve().parent,
                            config.extra.get("notice"), config.extra["notice_edition"],
                            allow_shallow=bool(config.extra.get("notice_allow_shallow")),
                            pdf=bool(config.extra.get("notice_pdf")),
                            previewing=bool(_preview))
    except NoticeError as exc:
        raise PluginError(str(exc)) from None
    for warning in site.warnings:
        log.info("warning: %s", warning)       # INFO: a strict build must not abort on history notes
    if config.extra.get("notice_strict") and site.stale:
        raise PluginError("stale translations (--strict): " + ", ".join(site.stale)
                          + "\n  Fix: update each translation to match its source, then commit both")
    config.site_name = site.pages[0].title        # the notice's title, in the edition's language
    # The navigation holds the notice and the archive index only: listing every archived
    # version there would repeat the whole archive inside every page.
    config.nav = [page.path for page in site.pages if page.path in ("index.md", "archive/index.md")]
    _generated.clear()
    kept = Files([f for f in files if not _is_under(f.abs_src_path, docs_dir)])
    stand_ins = config.extra.get("notice_pages_dir")
    shown = site.pages
    if _preview:
        shown = shown + preview_elsewhere_pages(Path(config.config_file_path).resolve().parent,
                                                config.extra.get("notice"),
                                                config.extra["notice_edition"])
    for page in shown:
        _generated[page.path] = page
        if stand_ins:       # `notice build`: MkDocs renders again only pages whose stand-in changed
            kept.append(File.generated(config, page.path,
                                       abs_src_path=write_stand_in(stand_ins, page, config.site_name)))
        else:
            kept.append(File.generated(config, page.path, content=page.title))
    _outputs[:] = [site]        # not MkDocs files: written by on_post_build, only if changed
    return kept


def on_nav(nav, config, files):
    """Name every page in the navigation now. An incremental build never reads the pages it
    keeps, and MkDocs would name them None wherever the navigation lists them (the 404
    page, the archive index): unlike a clean build."""
    for page in nav.pages:
        generated = _generated.get(page.file.src_uri)
        if generated:
            page.title = generated.title
    return nav


def on_env(env, config, files):
    """The last event before MkDocs writes: a build in place of the last one marks the
    edition's folder as being replaced (see buildstamp.replacing). The theme's templates
    are compiled once per process (in memory: compiled templates are code, and a cache
    file is not trusted to hold code)."""
    env.bytecode_cache = COMPILED_TEMPLATES
    if config.extra.get("notice_incremental"):
        buildstamp.replacing(Path(config.site_dir))
    return env


def on_page_markdown(markdown, page, config, files):
    generated = _generated.get(page.file.src_uri)
    if generated:
        page.meta["title"] = generated.title
        page.meta["hide"] = ["navigation"]       # one page per edition: the TOC is the navigation
        page.meta["notice_alternates"] = generated.alternates
        return ""
    return markdown


def on_page_content(html, page, config, files):
    generated = _generated.get(page.file.src_uri)
    if not generated:
        return html
    page.toc = get_toc(generated.toc)
    return generated.html


def on_post_page(output, page, config):
    """The CSP allows the theme's inline scripts by hash, never those of the notice's text;
    `eval` on the compare page only (Brython, see csp)."""
    return csp.with_script_hashes(output, page.content or "",
                                  allow_eval=page.file.src_uri == compare.PAGE)


def on_post_template(output_content, template_name, config):
    """Theme-only pages (404.html) get the same CSP, every inline script being the theme's."""
    if template_name.endswith(".html"):
        return csp.with_script_hashes(output_content)
    return output_content


def on_post_build(config):
    """Write the files that are not pages; after a build that started from the previous
    one, drop pages that no longer exist; report cache entries that failed their check
    while pages were made."""
    for built in _outputs:
        write_outputs(Path(config.site_dir), built.files, built.addressed, remember=bool(_preview))
    for notice in sealed.drain():
        log.info("warning: %s", notice)
    if config.extra.get("notice_incremental") or _preview:
        remove_stale_pages(Path(config.site_dir), set(_generated))


def _is_under(path, folder: str) -> bool:
    """Strings, not resolved Paths: MkDocs names every file of a folder from the folder's
    own path (one resolve each cost a stat per part of the path, for every file)."""
    return path is not None and os.path.abspath(path).startswith(folder)
