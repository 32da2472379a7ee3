"""The engine's Jinja templates (templates/): pages, emails and the redline, each in the reader's language.

One loader and one set of options for every caller, so what `pybabel extract` reads
(babel.cfg: i18n extension, newstyle gettext, trim_blocks, lstrip_blocks) is what
renders. `.html` templates autoescape; `.txt` ones stay plain.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import jinja2
import markupsafe

from . import i18n

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# The one file there that is no Jinja template: the redline's HTML pieces, filled in with
# str.format by render/redline_core (which the browser runs too, without Jinja).
REDLINE_PIECES = "redline.html"


def escape(text: str) -> markupsafe.Markup:
    """The stdlib's escaping (`&quot;`, `&#x27;`), which the redline has always written, so
    a page rendered again is the same bytes."""
    return markupsafe.Markup(html.escape(str(text), quote=True))


def environment(keep_trailing_newline: bool = False) -> jinja2.Environment:
    """Pages keep no trailing newline (the theme wraps them); emails keep theirs. One
    environment of each, whichever way it is asked for (globals set on it stay)."""
    return _environment(bool(keep_trailing_newline))


@lru_cache(maxsize=2)
def _environment(keep_trailing_newline: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"], default=False),
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline, undefined=jinja2.StrictUndefined)
    env.filters["esc"] = escape
    return env


def render(template: str, locale: str, /, *, keep_trailing_newline: bool = False,
           **context) -> str:
    """Render one template with the locale's catalog installed (`name`, `template`… stay free
    for the template's own context)."""
    env = environment(keep_trailing_newline)
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)
    return env.get_template(template).render(locale=locale, **context)


def compile_pages() -> None:
    """Compile every page template (`.html`) now, in this process: Jinja keeps them, so the
    edition processes `notice build` forks next share them instead of each compiling its own."""
    env = environment()
    for name in env.list_templates(extensions=["html"]):
        if name != REDLINE_PIECES:
            env.get_template(name)
