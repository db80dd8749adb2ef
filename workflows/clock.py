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
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.constants import NotificationKind
from casework import services as casework
from casework.constants import DeadlineEventKind, DeadlineKind
from casework.models import Location
from casework.services import Fired
from permissions.constants import OrganisationPerm
from permissions.models import Organisation

from .constants import OPEN_TASK_STATUSES
from .nodes import RoleTask, role_holders
from .notifications import Message, notify_many, translatable

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
        # A short batch is not the end: with SKIP LOCKED another sweep may hold the
        # rest. The run ends when a batch finds nothing it can take.
    return result


class _Holders:
    """Who holds each deadline of a batch, in a few queries whatever its size: the
    tasks in one, the organisations and their people in two, each role's holders in
    one."""

    def __init__(self, fired: list[Fired]):
        task_ids = {item.deadline.task_id for item in fired if item.deadline.task_id}
        self.tasks = {
            task.pk: task
            for task in Task.objects.filter(pk__in=task_ids).select_related("owner")
        }
        organisation_ids = {
            item.deadline.organisation_id
            for item in fired
            if item.deadline.organisation_id and not item.deadline.task_id
        } | {
            (task.data or {}).get("organisation")
            for task in self.tasks.values()
            if not task.owner_id
        }
        organisation_ids.discard(None)
        self.organisations = {
            organisation.pk: organisation
            for organisation in Organisation.objects.filter(
                pk__in=organisation_ids
            ).only("pk", "members_group_id", "signatories_group_id")
        }
        groups = {
            group_id
            for organisation in self.organisations.values()
            for group_id in (
                organisation.members_group_id,
                organisation.signatories_group_id,
            )
        }
        self.in_group: dict[int, list] = defaultdict(list)
        if groups:
            membership = get_user_model().groups.through
            for row in (
                membership.objects.filter(group_id__in=groups, user__is_active=True)
                .select_related("user")
                .order_by("user_id")
            ):
                self.in_group[row.group_id].append(row.user)
        self.roles: dict[tuple[str, int], list] = {}

    def _group(self, organisation_id, *, signatories_only: bool) -> list:
        organisation = self.organisations.get(organisation_id)
        if organisation is None:
            return []
        return self.in_group[
            organisation.signatories_group_id
            if signatories_only
            else organisation.members_group_id
        ]

    def of(self, deadline) -> list | None:
        """The people to tell, or None when the deadline's task is no longer open
        (nothing to tell: it will be resolved by whoever closed the task)."""
        if deadline.task_id:
            task = self.tasks.get(deadline.task_id)
            if task is None or task.status not in OPEN_TASK_STATUSES:
                return None
            if task.owner_id:
                return [task.owner] if task.owner.is_active else []
            # Whoever may claim it (the flows' `claimants`): a role's holders, or
            # the organisation's signatories (a decision) or members (an action).
            node = task.flow_task
            if isinstance(node, RoleTask):
                # The role's holders: every programme's, and the location's
                # programme's (one query per location of such a deadline).
                key = (node.role_permission, deadline.location_id)
                if key not in self.roles:
                    programme_id = (
                        Location.objects.filter(pk=deadline.location_id)
                        .values_list("programme_id", flat=True)
                        .first()
                    )
                    self.roles[key] = list(
                        role_holders(node.role_permission, programme_id)
                    )
                return self.roles[key]
            return self._group(
                (task.data or {}).get("organisation"),
                signatories_only=task.owner_permission == OrganisationPerm.SIGN,
            )
        return self._group(deadline.organisation_id, signatories_only=False)


def _tell(fired: list[Fired]) -> None:
    """Tell each deadline's holders, the whole batch in one `notify_many`."""
    holders = _Holders(fired)
    messages = []
    for item in fired:
        deadline = item.deadline
        people = holders.of(deadline)
        if not people:
            continue
        subject = translatable(
            SUBJECTS[(deadline.kind, item.event)], title=deadline.title
        )
        messages.append(
            Message(
                users=people,
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
        )
    notify_many(messages)
