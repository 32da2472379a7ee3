"""The generator's own strings (headers, banners, labels) in the edition's language.

Catalogs ship inside the engine, `notice_engine/locales/<locale>/LC_MESSAGES/messages.po`,
so a notice repository that installs the engine needs none of its own. They are read
from the .po and compiled in memory, leaving out fuzzy entries as `pybabel compile`
does (an unreviewed translation must not publish): an installed engine has no build
step that could compile them. An untranslated string falls back to English.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def N_(message: str) -> str:
    """Marks a string for extraction (pybabel's N_ keyword); it is translated where shown."""
    return message


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    """The catalog of `locale` (`fr_CA`, else `fr`), or none: English."""
    found = [po for name in dict.fromkeys([locale, locale.replace("-", "_").split("_")[0]])
             if (po := LOCALES_DIR / name / "LC_MESSAGES" / "messages.po").is_file()]
    if not found:
        return NullTranslations()
    po = found[0]
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)                # use_fuzzy=False: fuzzy entries left out
    compiled.seek(0)
    return Translations(compiled, domain="messages")
