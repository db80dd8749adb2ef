"""Deadlines as casework facts: a reminder or an overdue mark recorded once per subject
(`reference`), and resolved when the subject is dealt with.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from permissions.models import Organisation

from ..constants import (
    AuditAction,
    DeadlineEventKind,
)
from ..models import (
    DeadlineEvent,
    Location,
)
from .audit import audit_record


@transaction.atomic
def deadline_record(
    *,
    location: Location,
    kind: str,
    event: str,
    reference: str,
    organisation: Organisation | None,
    description: str,
    due_on: datetime.date,
) -> tuple[DeadlineEvent, bool]:
    """Record that a deadline came near or passed. Idempotent per (reference, event):
    returns the event and whether it is news. An event that was resolved and happens
    again is reopened, and is news again: its subject was reopened (an action returned
    to its party after the deadline is late again)."""
    deadline, created = DeadlineEvent.objects.get_or_create(
        reference=reference,
        event=event,
        defaults={
            "location": location,
            "kind": kind,
            "organisation": organisation,
            "description": description[:300],
            "due_on": due_on,
        },
    )
    if not created:
        if not DeadlineEvent.objects.filter(
            pk=deadline.pk, resolved_at__isnull=False
        ).update(resolved_at=None):
            return deadline, False
        deadline.resolved_at = None
    if event == DeadlineEventKind.OVERDUE:
        audit_record(
            action=AuditAction.DEADLINE_PASSED,
            actor=None,
            location=location,
            reason=description,
            data={
                "reference": reference,
                "kind": kind,
                "due_on": due_on.isoformat(),
                "organisation": organisation.slug if organisation else "",
                "organisation_name": organisation.name if organisation else "",
            },
        )
    return deadline, True


def deadline_resolve(*, reference: str) -> None:
    """The subject of a deadline was dealt with: its events no longer signal anything."""
    deadlines_resolve(references=[reference])


def deadlines_resolve(*, references: list[str]) -> None:
    """`deadline_resolve` for several subjects at once (one UPDATE)."""
    DeadlineEvent.objects.filter(
        reference__in=references, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
