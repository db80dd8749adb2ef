"""Working days in the Netherlands: deadlines in the programme are counted in them."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

from .validation import clamped_to_window


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (before it when `days` < 0). A
    `start` outside the accepted date window counts from the window's edge, so that
    a stored date from before the window existed never runs off the calendar."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = clamped_to_window(start)
    while remaining:
        day += datetime.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day
