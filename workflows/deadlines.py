"""Deadlines of human tasks: computed in working days, recorded as casework facts
(`casework.models.Deadline`) under a reference that names their subject
(`task_reference`, `action_reference`), and swept by the one deadline clock
(`workflows.clock`, `manage.py deadlines`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from casework.calendar import (
    FIRE_AT,
    add_working_days,
    moment,
    overdue_moment,
    reminder_moment,
)
from casework.models import Location, Programme
from permissions.models import Organisation

__all__ = [
    "FIRE_AT",
    "moment",
    "overdue_moment",
    "reminder_moment",
]


def due_in_working_days(
    days: int, *, start: datetime.date | None = None
) -> datetime.date:
    return add_working_days(start or timezone.localdate(), days)


def task_due(task) -> datetime.date | None:
    """The due date in the task's data, if it has a valid one."""
    value = (task.data or {}).get("due")
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def working_days(name: str, programme: Programme) -> int:
    """The working days a kind of task gets: the programme's setting of that name
    (`constants.CONSULTATION_WORKING_DAYS`, `DECISION_WORKING_DAYS`)."""
    return int(getattr(programme, name))


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
    # What it is about, in a few words, for the subject of the messages (the
    # agreement's title, the task's title).
    title: str
