"""The one deadline clock: `sweep` records every reminder and overdue mark that is due
(`casework.deadlines_fire`, in batches) and tells whoever holds each deadline, in the
batch's own transaction (a rolled-back sweep tells nobody; the e-mails leave after the
commit). Run by `manage.py deadlines` (the scheduler, or cron); safe to run twice at
once (the batch's rows are locked with SKIP LOCKED) and after a missed run (everything
due since is taken, the oldest first).

Who holds a deadline: the owner of its task, or everyone who may claim the task (the
organisation's signatories for a decision, its members for an action, the role's
holders for an escalation task); for a commitment or a bottleneck, the members of the
owning party. Escalation deadlines are internal: only those who may know them hear.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.constants import NotificationKind
from casework import services as casework
from casework.constants import DeadlineEventKind, DeadlineKind
from casework.services import Fired
from permissions.models import Organisation

from .constants import OPEN_TASK_STATUSES
from .notifications import notify, people_of, translatable

BATCH_SIZE = 500

SUBJECTS = {
    (DeadlineKind.APPROVAL, DeadlineEventKind.REMINDER): _(
        "Herinnering: besluit gevraagd over %(title)s"
    ),
    (DeadlineKind.APPROVAL, DeadlineEventKind.OVERDUE): _(
        "Termijn verstreken: besluit over %(title)s"
    ),
    (DeadlineKind.ACTION, DeadlineEventKind.REMINDER): _(
        "Herinnering: actie op de doorbraak-agenda"
    ),
    (DeadlineKind.ACTION, DeadlineEventKind.OVERDUE): _(
        "Termijn verstreken: actie op de doorbraak-agenda"
    ),
    (DeadlineKind.COMMITMENT, DeadlineEventKind.REMINDER): _(
        "Herinnering: afspraak uit %(title)s"
    ),
    (DeadlineKind.COMMITMENT, DeadlineEventKind.OVERDUE): _(
        "Termijn verstreken: afspraak uit %(title)s"
    ),
    (DeadlineKind.BOTTLENECK, DeadlineEventKind.REMINDER): _(
        "Herinnering: knelpunt op de doorbraak-agenda"
    ),
    (DeadlineKind.BOTTLENECK, DeadlineEventKind.OVERDUE): _(
        "Termijn verstreken: knelpunt op de doorbraak-agenda"
    ),
    (DeadlineKind.ESCALATION, DeadlineEventKind.REMINDER): _("Herinnering: %(title)s"),
    (DeadlineKind.ESCALATION, DeadlineEventKind.OVERDUE): _(
        "Termijn verstreken: %(title)s"
    ),
}


@dataclass
class SweepResult:
    reminders: int = 0
    overdue: int = 0
    batches: int = 0

    @property
    def fired(self) -> int:
        return self.reminders + self.overdue


def sweep(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Fire everything due at `now` (default: now), batch by batch, each batch in its
    own transaction. Returns what was fired."""
    now = now or timezone.now()
    result = SweepResult()
    while True:
        with transaction.atomic():
            fired = casework.deadlines_fire(now=now, limit=batch_size)
            if not fired:
                break
            _tell(fired)
        result.batches += 1
        for item in fired:
            if item.event == DeadlineEventKind.REMINDER:
                result.reminders += 1
            else:
                result.overdue += 1
        if len({item.deadline.pk for item in fired}) < batch_size:
            break
    return result


class _Holders:
    """Who holds each deadline of a batch: the tasks read in one query, each
    organisation's people and each role's holders once per batch."""

    def __init__(self, fired: list[Fired]):
        task_ids = {item.deadline.task_id for item in fired if item.deadline.task_id}
        self.tasks = {
            task.pk: task
            for task in Task.objects.filter(pk__in=task_ids).select_related("owner")
        }
        self._people: dict[tuple, list] = {}

    def of(self, deadline) -> list | None:
        """The people to tell, or None when the deadline's task is no longer open
        (nothing to tell: it will be resolved by whoever closed the task)."""
        if deadline.task_id:
            task = self.tasks.get(deadline.task_id)
            if task is None or task.status not in OPEN_TASK_STATUSES:
                return None
            if task.owner_id:
                return [task.owner] if task.owner.is_active else []
            key = (str(task.flow_task), (task.data or {}).get("organisation"))
            if key not in self._people:
                self._people[key] = list(
                    task.flow_task.flow_class.instance.claimants(task)
                )
            return self._people[key]
        if deadline.organisation_id:
            key = ("members", deadline.organisation_id)
            if key not in self._people:
                self._people[key] = people_of(
                    Organisation.objects.get(pk=deadline.organisation_id),
                    signatories_only=False,
                )
            return self._people[key]
        return []


def _tell(fired: list[Fired]) -> None:
    holders = _Holders(fired)
    for item in fired:
        deadline = item.deadline
        people = holders.of(deadline)
        if not people:
            continue
        subject = translatable(
            SUBJECTS[(deadline.kind, item.event)], title=deadline.title
        )
        notify(
            people,
            subject=subject,
            message=translatable(
                "%(subject)s: %(description)s",
                subject=subject,
                description=deadline.description,
            ),
            url=f"/locations/{deadline.location_id}/",
            internal_to=deadline.location
            if deadline.kind == DeadlineKind.ESCALATION
            else None,
            kind=NotificationKind.REMINDER
            if item.event == DeadlineEventKind.REMINDER
            else NotificationKind.OVERDUE,
        )
