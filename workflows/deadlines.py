"""Deadlines of human tasks: computed in working days, watched by viewflow's database
timers (a reminder before, an overdue mark after), recorded as casework facts under a
reference that names their subject (`task_reference`, `action_reference`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from casework.calendar import add_working_days
from casework.models import Location
from casework.validation import clamped_to_window
from permissions.models import Organisation

from .constants import DEFAULT_WORKING_DAYS

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


def task_due(task) -> datetime.date | None:
    """The due date in the task's data, if it has a valid one."""
    value = (task.data or {}).get("due")
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def working_days(name: str) -> int:
    """The working days a kind of task gets (`constants.DEFAULT_WORKING_DAYS`, or the
    setting of that name)."""
    return int(getattr(settings, name, DEFAULT_WORKING_DAYS[name]))


# --- What a deadline is recorded under -----------------------------------------------


def task_reference(task) -> str:
    """The deadline reference of a human task (`task` or its primary key)."""
    return f"task:{getattr(task, 'pk', task)}"


def action_reference(action) -> str:
    """The deadline reference of a breakthrough-agenda action (or its primary key):
    the action's own deadline, whichever of its tasks is open."""
    return f"action:{getattr(action, 'pk', action)}"


@dataclass(frozen=True)
class DeadlineFacts:
    """What a task's deadline is about, for the record and the message."""

    location: Location
    kind: str
    reference: str
    organisation: Organisation | None
    description: str
    reminder_subject: str
    overdue_subject: str
