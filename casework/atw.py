"""Periods of the Algemene termijnenwet (Atw): the consultation period on a draft
designation decision, and the postal week of a written view (artikel 6:9 Awb).

The Atw has its own list of holidays (artikel 3), which is not the working-day
calendar deadlines of tasks are counted in (`casework.calendar`): 5 May counts every
year, Good Friday never does.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from dateutil.easter import EASTER_WESTERN, easter

DAY = datetime.timedelta(days=1)

# A written view posted before the end of the period is on time when it is received
# within a week after the end (artikel 6:9, tweede lid, Awb).
POSTAL_WEEK = datetime.timedelta(days=7)


@lru_cache(maxsize=64)
def atw_holidays(year: int) -> frozenset[datetime.date]:
    """The generally recognised holidays of artikel 3 Atw in `year`: Nieuwjaarsdag,
    Tweede Paasdag, Hemelvaartsdag, Tweede Pinksterdag, Koningsdag (27 April, or 26
    April when the 27th is a Sunday), 5 May and the two Christmas days. Easter
    Sunday and Whit Sunday are Sundays anyway; Good Friday is not on the list."""
    easter_sunday = easter(year, EASTER_WESTERN)
    kings_day = datetime.date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = datetime.date(year, 4, 26)
    return frozenset(
        {
            datetime.date(year, 1, 1),
            easter_sunday + DAY,  # Tweede Paasdag
            easter_sunday + datetime.timedelta(days=39),  # Hemelvaartsdag
            easter_sunday + datetime.timedelta(days=50),  # Tweede Pinksterdag
            kings_day,
            datetime.date(year, 5, 5),
            datetime.date(year, 12, 25),
            datetime.date(year, 12, 26),
        }
    )


def is_atw_day_off(day: datetime.date) -> bool:
    """A Saturday, a Sunday or a holiday of artikel 3 Atw."""
    return day.weekday() >= 5 or day in atw_holidays(day.year)


def extended(day: datetime.date) -> datetime.date:
    """`day`, or the next day that is not a Saturday, Sunday or Atw holiday (a period
    ending on one runs until the end of that next day, artikel 1 Atw)."""
    while is_atw_day_off(day):
        day += DAY
    return day


def period_end(start_day: datetime.date, weeks: int = 6) -> datetime.date:
    """The last day of a period of `weeks` weeks starting on `start_day` (its first
    day) is `start_day + weeks * 7 - 1`, the same weekday as the day before the
    start, extended by the Atw."""
    return extended(start_day + datetime.timedelta(days=weeks * 7 - 1))


def postal_deadline(end: datetime.date) -> datetime.date:
    """The last day a written view posted within the period may still be received:
    a week after its end (artikel 6:9, tweede lid, Awb). A stored end at the edge
    of the calendar stays there."""
    if end > datetime.date.max - POSTAL_WEEK:
        return datetime.date.max
    return end + POSTAL_WEEK
