"""Page HTML for an edition: the header, the sections, the jump list.

Only HTML strings come out: the theme (mkdocs-material today) wraps them, so
the engine does not depend on the generator that hosts it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jinja2

from . import dates, i18n
from .edition import EditionText

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined)


def render_template(name: str, locale: str, **context) -> str:
    """Render one of the engine's templates with the locale's catalog installed."""
    _TEMPLATES.install_gettext_translations(i18n.translations(locale), newstyle=True)
    return _TEMPLATES.get_template(name).render(locale=locale, **context)


def current_page(text: EditionText, updated: date | None, archive_url: str = "archive/") -> str:
    """The current notice: `Last Updated: <date> | Privacy Notice Archive`, then the sections."""
    edition = text.edition
    return render_template(
        "notice.html", edition.locale, text=text, archive_url=archive_url,
        updated=updated, updated_label=dates.display(updated, edition.locale, edition.date_format)
        if updated else None)
