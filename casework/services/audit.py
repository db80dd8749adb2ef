"""The audit trail: every service below appends its event here, in the transaction of
the change it records.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import audit_chain
from ..models import (
    AuditEvent,
    Location,
)


def audit_record(
    *,
    action: str,
    actor=None,
    location: Location | None = None,
    reason: str = "",
    transition: str = "",
    from_stage: str = "",
    to_stage: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the audit trail. Call inside the transaction of the change.

    The event joins the hash chain (`casework.audit_chain`): on PostgreSQL it is
    inserted with its content digest and sealed onto the head by the database when the
    transaction commits (one INSERT here, no lock held meanwhile); on SQLite it is
    linked to the head at once (one query more).
    """
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        location=location,
        reason=reason,
        transition=transition,
        from_stage=from_stage,
        to_stage=to_stage,
        data=audit_chain.normalised_data(data),
    )
    # Within the caller's transaction no savepoint is made: no extra queries.
    with transaction.atomic(savepoint=False):
        audit_chain.chain(event)
        event.save(force_insert=True)
    return event


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append several unsaved events in one INSERT (the deadline sweep's overdue
    marks): pending and sealed on commit on PostgreSQL, like `audit_record`; chained
    onto the head in list order on SQLite."""
    if not events:
        return events
    for event in events:
        event.data = audit_chain.normalised_data(event.data)
    if not audit_chain.seals_on_commit():
        return audit_chain.bulk_append(events)
    with transaction.atomic(savepoint=False):
        for event in events:
            audit_chain.chain(event)
        return AuditEvent.objects.bulk_create(events)
