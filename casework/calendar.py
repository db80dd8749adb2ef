"""Working days in the Netherlands: deadlines in the programme are counted in them."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.utils import timezone

from .validation import clamped_to_window

# Deadline moments (a reminder, an overdue mark) fall at the start of the working day
# in the Netherlands.
FIRE_AT = datetime.time(hour=8)


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


def moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, FIRE_AT))


# A due date stored outside the accepted window (a row from before the window
# existed) is taken at the window's edge: a moment is never computed where the
# calendar ends.


def reminder_moment(
    due: datetime.date, working_days_before: int = 2
) -> datetime.datetime:
    """The morning `working_days_before` working days before the due date."""
    return moment(add_working_days(clamped_to_window(due), -working_days_before))


def overdue_moment(due: datetime.date) -> datetime.datetime:
    """The morning after the due date: the whole due day is still in time."""
    return moment(clamped_to_window(due) + datetime.timedelta(days=1))
