"""The generator's own strings (headers, banners, labels) in the edition's language.

Catalogs live in `locales/<locale>/LC_MESSAGES/messages.po`, compiled to .mo by
the setup (`pybabel compile -d locales`); an untranslated string falls back to English.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [locale], domain="messages")
