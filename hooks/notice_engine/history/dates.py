"""Dates: how a version's date is chosen, in one place, and how readers see a date.

Nobody types a version's date. A version takes effect on the day of its
Effective-Date trailer (or corrections.yml's `effective:`), else on the day its
commit landed on the published branch, in the notice's timezone; a version
published before git, on the day its archive/ file is named after. Every such day
is written YYYY-MM-DD, and "today" is the day in the notice's timezone.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

DEFAULT_PATTERN = "d MMMM y"      # 15 August 2019, 15 août 2019: unambiguous in every locale
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day a commit landed on, where the notice's owner is."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def version_date(effective: date | None, landed: date) -> date:
    """The day a version takes effect: its Effective-Date, else the day it landed."""
    return effective or landed


def parse_day(text: str) -> date | None:
    """A day as trailers, corrections.yml and archive/ file names write it (YYYY-MM-DD
    exactly), or None: 2027-1-15 is a typo to report, not a date to guess."""
    try:
        return date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        return None


def today(edition) -> date:
    """The day in the notice's timezone; NOTICE_TODAY=YYYY-MM-DD pins it (tests, rebuilds of the past)."""
    pinned = os.environ.get("NOTICE_TODAY")
    if pinned:
        return date.fromisoformat(pinned)
    return datetime.now(ZoneInfo(edition.timezone)).date()


def display(day: date, locale: str, pattern: str | None = None) -> str:
    """`pattern` is a CLDR pattern or a babel format name (short, medium, long, full)."""
    return format_date(day, format=pattern or DEFAULT_PATTERN, locale=locale)
