"""Deadlines of human tasks: computed in working days, watched by viewflow's database
timers (a reminder before, an overdue mark after), recorded as casework facts."""

from __future__ import annotations

import datetime

from django.utils import timezone

from casework.calendar import add_working_days
from casework.validation import clamped_to_window

REMINDER_WORKING_DAYS = 2
# Timers fire at the start of the working day in the Netherlands.
FIRE_AT = datetime.time(hour=8)


def due_in_working_days(
    days: int, *, start: datetime.date | None = None
) -> datetime.date:
    return add_working_days(start or timezone.localdate(), days)


def moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, FIRE_AT))


# A due date stored outside the accepted window (a row from before the window
# existed) is taken at the window's edge: a timer is never scheduled where the
# calendar ends.


def reminder_moment(due: datetime.date) -> datetime.datetime:
    return moment(add_working_days(clamped_to_window(due), -REMINDER_WORKING_DAYS))


def overdue_moment(due: datetime.date) -> datetime.datetime:
    """The morning after the due date: the whole due day is still in time."""
    return moment(clamped_to_window(due) + datetime.timedelta(days=1))


def host_task(activation):
    """The human task a deadline timer (or the function after it) belongs to."""
    task = activation.task
    while task is not None and task.flow_task_type != "HUMAN":
        task = task.previous.order_by("pk").first()
    return task


def task_due(task) -> datetime.date:
    return datetime.date.fromisoformat(task.data["due"])
