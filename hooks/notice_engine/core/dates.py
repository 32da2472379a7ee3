"""Dates as readers see them: in the edition's timezone and language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

DEFAULT_PATTERN = "d MMMM y"      # 15 August 2019, 15 août 2019: unambiguous in every locale


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day a commit landed on, where the notice's owner is."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def display(day: date, locale: str, pattern: str | None = None) -> str:
    """`pattern` is a CLDR pattern or a babel format name (short, medium, long, full)."""
    return format_date(day, format=pattern or DEFAULT_PATTERN, locale=locale)
