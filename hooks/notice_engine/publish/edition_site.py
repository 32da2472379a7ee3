"""The engine's front door for a site generator: which pages an edition has, and their content.

The MkDocs hook calls `edition_site` and only adapts the result; anything else
(another generator, a test) can call it the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import buildstamp, compare, feeds, page_html as page
from ..core import git as git_utils, sealed
from ..history import walk as history, translations
from .. import i18n, templating
from ..cache import HISTORY_DIR, PAGE_STORE, RENDER_STORE, at as cache_at
from ..config import Edition, NoticeConfig, from_extra
from ..errors import NoticeError
from ..history.dates import local_day, today
from ..render.edition import render_edition
from ..history.store import HistoryStore
from ..render.sections import Renderer, RenderStore
from ..sources.notice import WorkTree, read_notice

_RENDERER = Renderer()           # one per process: `mkdocs serve` rebuilds reuse its cache


@dataclass(frozen=True)
class OutputPage:
    """One page of an edition. Its HTML is made only when asked for: a rebuild asks only
    for the pages whose digest changed, and an archive has hundreds that did not."""

    path: str                    # where the page goes, as a Markdown source path: index.md
    title: str
    make_toc: Callable[[], list[dict]]             # made, like the HTML, only when rendered
    alternates: tuple[tuple[str, str], ...]        # (hreflang, relative href) of sibling editions
    digest: str                  # of everything the page shows: equal digests, equal pages
    make_html: Callable[[], str]

    @property
    def html(self) -> str:
        return self.make_html()

    @property
    def toc(self) -> list[dict]:
        return self.make_toc()


def _page(path: str, title: str, toc: list[dict], alternates: tuple, html: str) -> OutputPage:
    return OutputPage(path, title, lambda: toc, alternates,
                      _digest(title, toc, alternates, html), lambda: html)


def _digest(title: str, toc: list[dict], alternates: tuple, shown: str) -> str:
    """`shown`: the page's HTML, or a key that fixes it."""
    hashed = hashlib.sha256()
    for part in (title, json.dumps([toc, alternates], sort_keys=True), shown):
        data = part.encode()
        hashed.update(b"%d\0%b" % (len(data), data))      # lengths keep the parts apart
    return hashed.hexdigest()


@dataclass
class EditionSite:
    pages: list[OutputPage]
    files: dict[str, str]                    # other outputs: path -> text (versions.json, feed.xml)
    # Outputs whose path fixes their content (compare/ texts, scripts): path -> what makes it,
    # called only for those the last build of the same layout did not leave.
    addressed: dict[str, Callable[[], str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)          # translation files that lag


def build_epoch(root: Path) -> int | None:
    """The time a build says it was made: the last commit's, never the clock's, so an
    unchanged repository builds to the same bytes every day (sitemaps included)."""
    landed = git_utils.last_commit_time(root)
    return int(landed.timestamp()) if landed else None


def edition_site(root: Path, extra_notice: dict | None, edition_id: str | None, *,
                 allow_shallow: bool = False, pdf: bool = False,
                 previewing: bool = False) -> EditionSite:
    """Every page and file of one edition: the current notice, the archive, the feeds.
    `previewing` (`notice serve`): what follows from the commits alone is kept in the
    process until HEAD moves, as a save changes only the working text."""
    config: NoticeConfig = from_extra(extra_notice, root)
    edition = config.edition(edition_id)
    _RENDERER.use_store(cache_at(root, RENDER_STORE), root)
    repository = history.read_repository(root, allow_shallow=allow_shallow)
    committed = (id(repository), json.dumps(extra_notice, sort_keys=True, default=str),
                 edition.id, today(edition), allow_shallow) if previewing else None
    past = _remembered(("history", edition.id), committed, lambda: history.edition_history(
        repository, config, edition, _RENDERER, today(edition),
        HistoryStore(cache_at(root, HISTORY_DIR), root)), keep_alive=repository)
    notice = read_notice(WorkTree(root), config)
    working = render_edition(notice, edition, _RENDERER)
    stale = [s for s in translations.stale_translations(notice, repository)
             if s.locale == edition.locale and s.section_id in {x.id for x in working.sections}]
    warnings = _warnings(repository)
    published = past.latest.text if past.latest else None
    draft = published is None or working.sha256 != published.sha256
    shown = working if draft or past.current is None else past.current.text

    pages = [_page("index.md", shown.title, shown.toc(), _alternates(config, edition, depth=0),
                   page.edition_switcher(config, edition, depth=0)
                   + page.current_page(shown, past, draft=draft, warnings=warnings,
                                       stale={s.section_id: local_day(s.source_changed,
                                                                      edition.timezone)
                                              for s in stale}))]
    archived, files, fragments = _remembered(
        ("archive", edition.id), (committed, shown.title, tuple(warnings), pdf),
        lambda: _archive(root, config, edition, past, shown.title, warnings, pdf),
        keep_alive=repository)
    pages += archived
    notes = list(past.warnings) + [str(note) for note in working.notes] + sealed.drain()
    notes += [f"{s.path}: this translation may lag its source, changed on "
              f"{local_day(s.source_changed, edition.timezone)} (translation last changed "
              f"{local_day(s.translated, edition.timezone)}); update it, then commit both"
              for s in stale]
    if repository.commits and repository.branch is None:
        notes.append("HEAD is detached: dates come from HEAD's first-parent history, which is "
                     "right only if HEAD is the published branch (check out the branch to be sure)")
    return EditionSite(pages=pages, files=files, addressed=fragments, warnings=notes + warnings,
                       stale=[s.path for s in stale])


def warm_up(root: Path, extra_notice: dict | None, edition_ids: list[str], *,
            allow_shallow: bool = False) -> None:
    """What every edition reads alike, done once before `notice build` forks its edition
    processes, which then share it: the repository read, and the working notice and the
    last commit's rendered for each edition (parsed sections, rendered HTML), the page
    templates compiled and the locales' data loaded. A problem is left for the editions' own builds to report; the
    render store is closed (an SQLite connection must not cross a fork) and opened again by
    each process."""
    templating.compile_pages()
    try:
        config = from_extra(extra_notice, root)
        _RENDERER.use_store(cache_at(root, RENDER_STORE), root)
        repository = history.read_repository(root, allow_shallow=allow_shallow)
        notice = read_notice(WorkTree(root), config)
        translations.last_changes(repository)
        head = repository.commits[-1] if repository.commits else None
        committed = history.notice_at(head, config) if head and head.touched else None
        for edition in config.editions:      # each locale's data (babel), for the switcher
            page.edition_label(config, edition)
        for edition in map(config.edition, edition_ids):
            render_edition(notice, edition, _RENDERER)
            if committed is not None:
                render_edition(committed, edition, _RENDERER, committed=True)
    except (NoticeError, OSError):
        pass
    finally:
        _RENDERER.close_store()


def _archive(root: Path, config: NoticeConfig, edition: Edition, past: history.EditionHistory,
             title: str, warnings: list[str], pdf: bool
             ) -> tuple[list[OutputPage], dict[str, str], dict[str, Callable[[], str]]]:
    """The pages and files that follow from the edition's history: the archive index, the
    compare and check pages, every archived version, the feeds, notice.txt, compare/."""
    pages = []
    if past.versions:
        pages.append(_page("archive/index.md", f"{title} — Archive", [],
                           _alternates(config, edition, depth=1, archive=True),
                           page.edition_switcher(config, edition, depth=1, archive=True)
                           + page.archive_index(past, title, warnings, pdf=pdf)))
        pages += _compare_and_check_pages(config, edition, past, title, warnings)
    store = RenderStore(cache_at(root, PAGE_STORE), root)
    switcher = page.edition_switcher(config, edition, depth=2, archive=True)
    alternates = _alternates(config, edition, depth=2, archive=True)
    standing = (past.current, past.upcoming)
    for version in past.versions:
        heading = f"{version.text.title} — {version.date.isoformat()}"
        key = _version_key(past, version, standing, warnings)   # every heading: the toc too
        pages.append(OutputPage(f"archive/{version.date.isoformat()}/index.md", heading,
                                version.text.toc, alternates,
                                _digest(heading, [], alternates, switcher + key),
                                partial(_version_page, store, key, switcher, past, version,
                                        warnings)))
    files = {"versions.json": feeds.versions_json(past, pdf=pdf),
             "feed.xml": feeds.atom_feed(past, title)}
    for v in past.versions:
        files[f"archive/{v.date.isoformat()}/notice.txt"] = v.text.fingerprint
        for number, correction in enumerate(v.corrections, start=1):
            name = feeds.earlier_text_name(number)
            files[f"archive/{v.date.isoformat()}/{name}"] = correction.previous.fingerprint
    lists, texts = compare.compare_files(past)
    files.update(lists)
    return pages, files, texts


_REMEMBERED: dict = {}         # name -> (key, what kept it valid, value): one entry per name


def _remembered(name: tuple, key: tuple | None, make: Callable[[], object], keep_alive: object):
    """`make()`, or its last value under `name` if made for the same `key` (None: always
    made). `keep_alive` (the repository, whose id is in the key) is held with it, so that
    id is not reused."""
    if key is None or key[0] is None:
        return make()
    kept = _REMEMBERED.get(name)
    if kept is None or kept[0] != key:
        kept = _REMEMBERED[name] = (key, keep_alive, make())
    return kept[2]


def preview_elsewhere_pages(root: Path, extra_notice: dict | None,
                            edition_id: str | None) -> list[OutputPage]:
    """For `notice serve`: where the edition switcher leads to another edition (its notice
    and its archive), a page saying how to preview that edition instead of a 404."""
    config: NoticeConfig = from_extra(extra_notice, root)
    edition = config.edition(edition_id)
    title = i18n.translations(edition.locale).gettext(page.N_("This preview shows one edition"))
    return [_page(f"{other.id}/{folder}index.md", title, [], (),
                  page.preview_elsewhere(config, edition, other, depth))
            for other in config.editions if other.id != edition.id
            for folder, depth in (("", 1), ("archive/", 2))]


def _compare_and_check_pages(config: NoticeConfig, edition: Edition,
                              past: history.EditionHistory, title: str,
                              warnings: list[str]) -> list[OutputPage]:
    """compare/ (any two versions) and check/ (how to check a saved copy)."""
    made = []
    for path, name, html in (
            ("compare/index.md", page.N_("Compare two versions"), page.compare_page(past, warnings)),
            ("check/index.md", page.N_("How to check a version"),
             page.check_page(title, edition.locale))):
        heading = i18n.translations(edition.locale).gettext(name)
        made.append(_page(path, f"{title} — {heading}", [],
                          _alternates(config, edition, depth=1, section=path.split("/")[0]),
                          page.edition_switcher(config, edition, depth=1) + html))
    return made


def _version_key(past: history.EditionHistory, version: history.Version, standing: tuple,
                 warnings: list[str]) -> str:
    """A digest of everything an archived version's page shows (see _version_inputs);
    `standing`: the history's current version and upcoming ones, worked out once."""
    return hashlib.sha256(repr(_version_inputs(past, version, standing, warnings)).encode()
                          ).hexdigest()


def _version_page(store: RenderStore, key: str, switcher: str, past: history.EditionHistory,
                  version: history.Version, warnings: list[str]) -> str:
    """An archived version's page; old versions' pages rarely change, so each is kept in the
    page store under its key, and built again only when that changes."""
    stored = store.get(key)
    if stored is not None:
        return switcher + stored[0]
    html = page.version_page(past, version, warnings)
    store.put(key, html, "")
    return switcher + html


def _version_inputs(past: history.EditionHistory, version: history.Version, standing: tuple,
                    warnings: list[str]) -> tuple:
    previous, following = past.neighbours(version)
    current, upcoming = standing
    text = version.text
    return (
        buildstamp.engine_stamp(), past.edition, version.date, version.landed, version.change,
        version.summary, version.commit, text.sha256, text.aliases, text.jump_list,
        text.untranslated, text.source_language, tuple(text.toc_entries()),
        [(c.day, c.summary, c.commit, c.text.sha256, c.previous.sha256)
         for c in version.corrections],
        previous and (previous.date, previous.text.sha256),
        following and following.date,
        version is current, any(version is v for v in upcoming) and current and current.date,
        tuple(warnings))      # an upcoming version's page links the current one (compare_url)


def _alternates(config: NoticeConfig, edition: Edition, depth: int,
                archive: bool = False, section: str = "") -> tuple[tuple[str, str], ...]:
    """hreflang links to the same page in every other edition, and x-default to the chooser."""
    up = "../" * (depth + 1)
    folder = "archive/" if archive else (f"{section}/" if section else "")
    found = [(other.hreflang, f"{up}{other.id}/{folder}")
             for other in config.editions if other.id != edition.id]
    return tuple(found + [("x-default", up)])


def _warnings(repository: history.Repository) -> list[str]:
    """Problems a reader must see on the page, not only in a build log."""
    shown = []
    if repository.shallow:
        shown.append("Built from a shallow clone: the dates on this page may be wrong.")
    return shown
