"""Deadlines as casework facts, watched by one clock.

Every subject with a due date has one `Deadline` row: an approval or escalation task,
a breakthrough-agenda action, a commitment of a concluded agreement, a bottleneck.
`deadline_open` writes it when the subject gets its due date, `deadline_move` moves
it (one UPDATE), `deadlines_resolve` closes it when the subject is dealt with, and
`deadlines_fire` is the sweep's step: it takes a batch of due reminders and overdue
marks (locked with SKIP LOCKED, so two sweeps never take the same one), records them
once each (`DeadlineEvent`, and an audit row for an overdue mark) and returns them for
the caller to tell whoever holds them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from permissions.models import Organisation

from ..calendar import overdue_moment, reminder_moment
from ..constants import (
    WORKING_DAY_CALENDAR,
    AuditAction,
    CommitmentStatus,
    DeadlineEventKind,
    DeadlineKind,
)
from ..models import (
    AgreementVersion,
    AuditEvent,
    Bottleneck,
    Commitment,
    Deadline,
    DeadlineEvent,
    Location,
)
from .audit import audit_record_many


def _moments(due_on: datetime.date, reminder_working_days: int) -> dict:
    return {
        "remind_at": reminder_moment(due_on, reminder_working_days),
        "overdue_at": overdue_moment(due_on),
    }


def deadline_open(
    *,
    location: Location,
    kind: str,
    reference: str,
    due_on: datetime.date,
    description: str,
    organisation: Organisation | None = None,
    title: str = "",
    task_id: int | None = None,
    commitment_id: int | None = None,
    bottleneck_id: int | None = None,
    reminder_working_days: int | None = None,
) -> Deadline:
    """The subject `reference` is due on `due_on`: write its deadline (or open it
    again, with its reminder and overdue mark still to come: a returned action is
    late again). The reminder comes the programme's number of working days before."""
    if reminder_working_days is None:
        reminder_working_days = location.programme.reminder_working_days
    values = {
        "location": location,
        "kind": kind,
        "organisation": organisation,
        "title": str(title)[:200],
        "description": str(description)[:300],
        "due_on": due_on,
        "calendar": WORKING_DAY_CALENDAR,
        "reminder_working_days": reminder_working_days,
        "task_id": task_id,
        "commitment_id": commitment_id,
        "bottleneck_id": bottleneck_id,
        "reminder_sent_at": None,
        "overdue_marked_at": None,
        "resolved_at": None,
        **_moments(due_on, reminder_working_days),
    }
    # A new subject (a task) is one INSERT; a reopened one (a returned action) one
    # UPDATE. References are unique: two writers of one subject cannot both insert.
    if not Deadline.objects.filter(reference=reference).update(**values):
        return Deadline.objects.create(reference=reference, **values)
    return Deadline(reference=reference, **values)


def commitment_reference(commitment) -> str:
    return f"commitment:{getattr(commitment, 'pk', commitment)}"


def bottleneck_reference(bottleneck) -> str:
    return f"bottleneck:{getattr(bottleneck, 'pk', bottleneck)}"


def commitment_deadlines_open(
    *,
    version: AgreementVersion,
    location: Location,
    commitments: list[Commitment] | None = None,
) -> None:
    """The version was concluded: each of its open commitments is due on its date
    (one SELECT, one INSERT; no SELECT when the caller has read `commitments`, with
    their owners' organisations)."""
    if commitments is None:
        commitments = list(
            Commitment.objects.filter(version=version).select_related(
                "owner__organisation"
            )
        )
    reminder_days = location.programme.reminder_working_days
    title = version.agreement.title
    Deadline.objects.bulk_create(
        [
            Deadline(
                location=location,
                kind=DeadlineKind.COMMITMENT,
                reference=commitment_reference(commitment),
                organisation=commitment.owner.organisation,
                commitment=commitment,
                title=title[:200],
                description=commitment.description[:300],
                due_on=commitment.due_date,
                calendar=WORKING_DAY_CALENDAR,
                reminder_working_days=reminder_days,
                **_moments(commitment.due_date, reminder_days),
            )
            for commitment in commitments
            if commitment.status in (CommitmentStatus.OPEN, CommitmentStatus.OVERDUE)
        ],
        ignore_conflicts=True,
    )


def bottleneck_deadline_open(*, bottleneck: Bottleneck) -> None:
    """The bottleneck has a deadline: the clock watches it."""
    if bottleneck.deadline is None:
        return
    owner = bottleneck.owner
    deadline_open(
        location=bottleneck.location,
        kind=DeadlineKind.BOTTLENECK,
        reference=bottleneck_reference(bottleneck),
        organisation=owner.organisation if owner else None,
        bottleneck_id=bottleneck.pk,
        title=bottleneck.get_category_display(),
        description=bottleneck.description[:300],
        due_on=bottleneck.deadline,
    )


def deadline_move(
    *, reference: str, due_on: datetime.date, now: datetime.datetime | None = None
) -> int:
    """Move an open deadline to `due_on` (an extension, a suspended clock): one
    UPDATE. A reminder or overdue mark that now lies ahead comes again."""
    now = now or timezone.now()
    deadline = (
        Deadline.objects.filter(reference=reference, resolved_at__isnull=True)
        .values("reminder_working_days")
        .first()
    )
    if deadline is None:
        return 0
    moments = _moments(due_on, deadline["reminder_working_days"])
    changes: dict = {"due_on": due_on, **moments}
    if moments["remind_at"] > now:
        changes["reminder_sent_at"] = None
    if moments["overdue_at"] > now:
        changes["overdue_marked_at"] = None
    return Deadline.objects.filter(
        reference=reference, resolved_at__isnull=True
    ).update(**changes)


def deadline_resolve(*, reference: str) -> None:
    """The subject of a deadline was dealt with: nothing more is due for it."""
    deadlines_resolve(references=[reference])


def deadlines_resolve(*, references: list[str]) -> None:
    """`deadline_resolve` for several subjects at once: one UPDATE. (The reminders and
    overdue marks logged for them, `DeadlineEvent`, read "done after all" from their
    deadline: `deadline_events_with_resolution`.)"""
    Deadline.objects.filter(reference__in=references, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def deadlines_resolve_of_tasks(task_ids: QuerySet | list[int]) -> None:
    """`deadlines_resolve` for the deadlines of these tasks (a subquery of their
    ids: one UPDATE, whatever their number)."""
    Deadline.objects.filter(task_id__in=task_ids, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


@dataclass(frozen=True)
class Fired:
    """A reminder or overdue mark the sweep recorded: the caller tells the holder."""

    deadline: Deadline
    event: str


def deadlines_fire(*, now: datetime.datetime, limit: int) -> list[Fired]:
    """Take up to `limit` due reminders and overdue marks and record each once: a
    constant number of statements per batch (the indexed select, two updates, the
    event log and the audit rows). Call inside a transaction, with the telling: the
    rows stay locked (SKIP LOCKED for a second sweep) until it commits. A deadline
    whose reminder and overdue mark are both due (a sweep missed) fires both."""
    # The deadline rows and their locations are taken together, skipping any that
    # another transaction holds: a decision locks its location (FOR UPDATE) before it
    # closes its deadline, and this batch's inserts (events, audit rows) need a key
    # share of the location, so a deadline whose location is busy waits for the
    # next batch or run instead of deadlocking with it. NO KEY UPDATE on the location
    # blocks nobody's inserts that refer to it.
    due = list(
        Deadline.objects.select_for_update(
            skip_locked=True, no_key=True, of=("self", "location")
        )
        .filter(resolved_at__isnull=True)
        .filter(
            Q(remind_at__lte=now, reminder_sent_at__isnull=True)
            | Q(overdue_at__lte=now, overdue_marked_at__isnull=True)
        )
        .select_related("location", "organisation")
        .order_by("remind_at", "pk")[:limit]
    )
    fired: list[Fired] = []
    reminded, overdue = [], []
    for deadline in due:
        if deadline.reminder_sent_at is None and deadline.remind_at <= now:
            reminded.append(deadline.pk)
            deadline.reminder_sent_at = now
            fired.append(Fired(deadline, DeadlineEventKind.REMINDER))
        if deadline.overdue_marked_at is None and deadline.overdue_at <= now:
            overdue.append(deadline.pk)
            deadline.overdue_marked_at = now
            fired.append(Fired(deadline, DeadlineEventKind.OVERDUE))
    if not fired:
        return fired
    if reminded:
        Deadline.objects.filter(pk__in=reminded).update(reminder_sent_at=now)
    if overdue:
        Deadline.objects.filter(pk__in=overdue).update(overdue_marked_at=now)
    DeadlineEvent.objects.bulk_create(
        [
            DeadlineEvent(
                location=item.deadline.location,
                kind=item.deadline.kind,
                event=item.event,
                reference=item.deadline.reference,
                organisation=item.deadline.organisation,
                description=item.deadline.description,
                due_on=item.deadline.due_on,
                created_at=now,
            )
            for item in fired
        ],
        update_conflicts=True,
        unique_fields=["reference", "event"],
        update_fields=["resolved_at", "due_on", "description", "organisation"],
    )
    audit_record_many(
        [
            AuditEvent(
                action=AuditAction.DEADLINE_PASSED,
                actor=None,
                location=item.deadline.location,
                reason=item.deadline.description,
                at=now,
                data={
                    "reference": item.deadline.reference,
                    "kind": item.deadline.kind,
                    "due_on": item.deadline.due_on.isoformat(),
                    "organisation": item.deadline.organisation.slug
                    if item.deadline.organisation
                    else "",
                    "organisation_name": item.deadline.organisation.name
                    if item.deadline.organisation
                    else "",
                },
            )
            for item in fired
            if item.event == DeadlineEventKind.OVERDUE
        ]
    )
    return fired
