"""The Algemene termijnenwet (issue 16): six weeks from day D end on D+41, extended
past a Saturday, a Sunday or a holiday of the Atw's own list (artikel 3), which is
not the working-day calendar of the tasks: 5 May counts every year, Good Friday
never. A written view posted in time may arrive within the week after the end."""

from __future__ import annotations

import datetime

import pytest

from casework.atw import atw_holidays, is_atw_day_off, period_end, postal_deadline
from casework.calendar import is_working_day

D = datetime.date


def test_six_weeks_end_on_the_day_before_the_same_weekday():
    # Tuesday 3 March 2026 + 41 days: Monday 13 April, a working day.
    assert period_end(D(2026, 3, 3)) == D(2026, 4, 13)
    assert period_end(D(2026, 3, 3), weeks=1) == D(2026, 3, 9)


def test_a_period_ending_on_a_saturday_runs_to_monday():
    # From Sunday 1 March 2026: Saturday 11 April, then Sunday: Monday 13 April.
    assert D(2026, 4, 11).weekday() == 5
    assert period_end(D(2026, 3, 1)) == D(2026, 4, 13)


def test_a_period_ending_on_easter_monday_runs_to_tuesday():
    # Easter 2026 is 5 April; from Tuesday 24 February six weeks end on 6 April.
    assert D(2026, 2, 24) + datetime.timedelta(days=41) == D(2026, 4, 6)
    assert period_end(D(2026, 2, 24)) == D(2026, 4, 7)


def test_5_may_extends_a_period_also_in_a_year_that_is_no_lustrum():
    # 2027 is no lustrum: for the task calendar 5 May is a working day, for the Atw
    # it is not. Thursday 6 May 2027 is Hemelvaartsdag (Easter 28 March): Friday.
    assert is_working_day(D(2027, 5, 5))
    assert is_atw_day_off(D(2027, 5, 5))
    assert D(2027, 3, 25) + datetime.timedelta(days=41) == D(2027, 5, 5)
    assert period_end(D(2027, 3, 25)) == D(2027, 5, 7)


def test_good_friday_does_not_extend_a_period():
    # Good Friday 2026 is 3 April; from Saturday 21 February the period ends then.
    assert D(2026, 2, 21) + datetime.timedelta(days=41) == D(2026, 4, 3)
    assert not is_atw_day_off(D(2026, 4, 3))
    assert period_end(D(2026, 2, 21)) == D(2026, 4, 3)


def test_christmas_and_the_weekend_after_it():
    # Friday 25 December 2026, Saturday the 26th, Sunday: Monday 28 December.
    assert period_end(D(2026, 11, 14)) == D(2026, 12, 28)


@pytest.mark.parametrize(
    ("year", "kings_day"),
    [(2026, D(2026, 4, 27)), (2025, D(2025, 4, 26)), (2031, D(2031, 4, 26))],
)
def test_kings_day_is_the_26th_when_the_27th_is_a_sunday(year, kings_day):
    days = atw_holidays(year)
    assert kings_day in days
    assert (D(year, 4, 27) in days) is (kings_day.day == 27)


@pytest.mark.parametrize(
    ("year", "easter_monday", "ascension", "whit_monday"),
    [
        (2024, D(2024, 4, 1), D(2024, 5, 9), D(2024, 5, 20)),
        (2025, D(2025, 4, 21), D(2025, 5, 29), D(2025, 6, 9)),
        (2027, D(2027, 3, 29), D(2027, 5, 6), D(2027, 5, 17)),
    ],
)
def test_the_moving_holidays_follow_easter(year, easter_monday, ascension, whit_monday):
    days = atw_holidays(year)
    assert {easter_monday, ascension, whit_monday} <= days
    assert easter_monday - datetime.timedelta(days=3) not in days  # Good Friday
    assert len(days) == 8


def test_the_postal_week_is_seven_days_after_the_end():
    assert postal_deadline(D(2026, 4, 28)) == D(2026, 5, 5)
    assert postal_deadline(datetime.date.max) == datetime.date.max
