"""Page HTML for an edition: the current notice, the archive index, one archived version.

Only HTML strings come out: the theme (mkdocs-material today) wraps them, so
the engine does not depend on the generator that hosts it.
"""

from __future__ import annotations

from datetime import date

from . import csp
from ..history import dates
from .. import i18n, templating
from ..i18n import N_
from ..render import redline
from ..render.redline import labels as redline_labels   # the page's, the email's and compare's
from ..render.edition import EditionText
from ..history.versions import EditionHistory, Version

# The page's own ids start with "_": a section id or heading anchor never does (sources
# refuses one), so `#_changes` can never land on a section of the notice instead.
CHANGES_ID = "_changes"
CORRECTIONS_ID = "_corrections"
templating.environment().globals.update(changes_id=CHANGES_ID, corrections_id=CORRECTIONS_ID)


def render_template(name: str, locale: str, **context) -> str:
    """Render one of the engine's templates with the locale's catalog installed."""
    return templating.render(name, locale, **context)


# The Notice-Change kinds as the archive prints them (the values stay English in
# versions.json and the feed).
CHANGE_LABELS = {"editorial": N_("editorial"), "minor": N_("minor"),
                 "material": N_("material"), "reviewed": N_("reviewed")}


def change_label(kind: str, locale: str) -> str:
    return i18n.translations(locale).gettext(CHANGE_LABELS.get(kind, kind))


class Formatter:
    """Dates as one edition's pages print them."""

    def __init__(self, edition):
        self.locale, self.pattern = edition.locale, edition.date_format

    def day(self, value: date | None) -> str:
        return dates.display(value, self.locale, self.pattern) if value else ""


def current_page(text: EditionText, history: EditionHistory | None, *, draft: bool,
                 warnings: list[str], stale: dict[str, date] | None = None) -> str:
    """The current notice, headed `Last Updated: <date> | Privacy Notice Archive`."""
    edition = text.edition
    fmt = Formatter(edition)
    current = history.current if history else None
    reviewed = history.reviewed if history and current and history.reviewed and \
        history.reviewed > current.date else None
    return render_template(
        "notice.html", edition.locale, text=text, fmt=fmt, draft=draft, current=current,
        reviewed=reviewed, upcoming=history.upcoming if history else [], warnings=warnings,
        stale=stale or {}, source_language=language_name(text.source_language, edition.locale),
        archive_url="archive/", version_url=lambda v: f"archive/{v.date.isoformat()}/")


def edition_label(config, edition) -> str:
    """'Europe · français': the region's name, then the language in its own words."""
    from babel import Locale
    language = Locale.parse(edition.locale).get_display_name(edition.locale) or edition.locale
    return f"{config.regions[edition.region].name(edition.locale)} · {language}"


def edition_switcher(config, edition, depth: int, archive: bool = False) -> str:
    """Links to the sibling editions; a small script carries the section anchor across."""
    up = "../" * (depth + 1)
    links = [(other, f"{up}{other.id}/{'archive/' if archive else ''}", edition_label(config, other))
             for other in config.editions]
    if len(links) < 2:
        return ""
    return render_template("_switcher.html", edition.locale, links=links, current=edition)


def preview_elsewhere(config, edition, other, depth: int) -> str:
    """What `notice serve --edition X` shows where the edition switcher leads to another
    edition: the preview serves one edition, so say how to preview that one."""
    return render_template("preview_elsewhere.html", edition.locale, other=other,
                           current_label=edition_label(config, edition),
                           other_label=edition_label(config, other), back="../" * depth)


def front_page(config, title: str) -> str:
    """site/index.html: every edition, the browser's language picks one (no cookie, no request)."""
    editions = [(e, edition_label(config, e)) for e in config.editions]
    return csp.with_script_hashes(render_template("chooser.html", config.language,
                                                  editions=editions, title=title,
                                                  default=config.edition(None)))


def archive_index(history: EditionHistory, title: str, warnings: list[str],
                  pdf: bool = False) -> str:
    edition = history.edition
    fmt = Formatter(edition)
    return render_template("archive_index.html", edition.locale, history=history, fmt=fmt,
                           title=title, warnings=warnings, current=history.current,
                           versions=list(reversed(history.versions)), pdf=pdf,
                           version_url=lambda v: f"{v.date.isoformat()}/",
                           change_label=lambda kind: change_label(kind, edition.locale))


def compare_page(history: EditionHistory, warnings: list[str]) -> str:
    """compare/: two version pickers, and the redline between them drawn in the browser by
    the engine's own Python under Brython (compare.py)."""
    from . import brython_files, compare

    edition = history.edition
    newer = history.current or history.versions[-1]
    previous, _ = history.neighbours(newer)
    return render_template("compare.html", edition.locale, fmt=Formatter(edition),
                           versions=list(reversed(history.versions)), current=history.current,
                           older=previous or newer, newer=newer, warnings=warnings,
                           drawing=redline.html_drawing(redline_labels(edition.locale)),
                           lists_dir=compare.VERSIONS_DIR, texts_dir=compare.TEXTS_DIR,
                           module=brython_files.ENTRY,
                           scripts=[f"{brython_files.SCRIPTS_DIR}/{name}"
                                    for name in brython_files.script_names()])


def check_page(title: str, locale: str) -> str:
    """archive/check/: how anyone can tell which version a saved copy is."""
    return render_template("check.html", locale, title=title)


def version_page(history: EditionHistory, version: Version, warnings: list[str]) -> str:
    """An archived version: banner, its redline against the one before, corrections, full text."""
    edition = history.edition
    fmt = Formatter(edition)
    labels = redline_labels(edition.locale)
    previous, following = history.neighbours(version)
    changes = None
    if previous:
        changes = redline.to_html(redline.compare(previous.text.sections, _original(version).sections),
                                  labels, include_unchanged=True, id_prefix=f"{CHANGES_ID}-")
    corrections = [(c, redline.to_html(redline.compare(c.previous.sections, c.text.sections),
                                       labels, include_unchanged=False,
                                       id_prefix=f"{CORRECTIONS_ID}-{n}-", heading_level=4))
                   for n, c in enumerate(version.corrections, start=1)]
    return render_template(
        "version.html", edition.locale, history=history, version=version, fmt=fmt,
        previous=previous, following=following, changes=changes,
        corrections=corrections, text=version.text, warnings=warnings, stale={},
        source_language=language_name(version.text.source_language, edition.locale),
        is_current=version is history.current, is_upcoming=version in history.upcoming,
        current_url="../../", archive_url="../",
        compare_url=compare_url(version, history.current, depth=2))


def compare_url(version: Version, current: Version | None, depth: int) -> str | None:
    """The compare page set to this version and the current one (None for the current).
    An older version's link names only itself (the page compares with the current one by
    default), so its page, kept from build to build, stays right when a new version lands;
    an upcoming version's names the current one too (edition_site keys it on that date)."""
    if current is None or version is current:
        return None
    if version.date < current.date:
        return f"{'../' * depth}compare/?from={version.date.isoformat()}"
    return f"{'../' * depth}compare/?from={current.date.isoformat()}&to={version.date.isoformat()}"


def language_name(language: str, locale: str) -> str:
    """'English' in an English page, 'anglais' in a French one."""
    from babel import Locale
    return Locale.parse(locale).languages.get(language, language)


def _original(version: Version) -> EditionText:
    """The text as first published: before any editorial correction."""
    return version.corrections[0].previous if version.corrections else version.text
