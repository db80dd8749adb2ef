"""Who may learn the internal facts of a location: the one rule.

Everyone who may see a location sees its story: its stages and why it moved, its
agreements and decisions, its escalation and consultation, the designation procedure
with its views. Some facts are the ministry's and the case managers' own, for their
deliberation, not for the parties (nor for programme viewers):

- the impasse signals (why the system believes the location is stuck, design §5) and
  what cites them (the signals an escalation cited);
- the evidence dossier of an escalation (its document, its hash, the audit event that
  froze it; design §4);
- the ministry's internal note on its decision on intervention (kept on that task);
- the tasks of the escalation branch, which belong to those two roles, their deadlines
  and what became of them (the audit events about them).

Every surface that tells a location's story (the timeline, the location dossier, the
escalation section, the documents, notifications) asks `audience_of` and reads through
the filters here, instead of deciding in its own template what to leave out.
"""

from __future__ import annotations

import enum
from typing import Any

from django.db.models import Q, QuerySet

from .access import is_programme_staff
from .constants import AuditAction, DeadlineKind
from .models import AuditEvent, Location


class Audience(enum.Enum):
    """Who a location's story is told to."""

    INTERNAL = "internal"  # the ministry and case managers of the location
    EVERYONE = "everyone"  # everyone else who may see the location

    @property
    def internal(self) -> bool:
        return self is Audience.INTERNAL


def reads_internal(user, location: Location) -> bool:
    """True for the ministry and the case managers of `location` (model-wide roles
    or an object permission on it). Nobody (`None`: a job without a person) is not."""
    return user is not None and is_programme_staff(user, location)


def audience_of(user, location: Location) -> Audience:
    return Audience.INTERNAL if reads_internal(user, location) else Audience.EVERYONE


# The kinds of documents (documents.constants.DocumentKind values) that are internal.
# Casework knows them by value only: the documents layer is above it.
INTERNAL_DOCUMENT_KINDS = frozenset({"evidence_dossier", "location_dossier_internal"})

# Audit events that are internal as a whole.
INTERNAL_EVENTS = (
    Q(action=AuditAction.DOCUMENT_FROZEN, data__kind__in=INTERNAL_DOCUMENT_KINDS)
    | Q(action=AuditAction.DEADLINE_PASSED, data__kind=DeadlineKind.ESCALATION)
    | Q(action=AuditAction.PROCEDURE_ENDED)
)
# What an otherwise public audit event carries that is internal (the escalation's
# cited signals).
INTERNAL_DATA = frozenset({"impasse_signals", "impasse_messages"})


def audit_events_for(
    events: QuerySet[AuditEvent], audience: Audience
) -> QuerySet[AuditEvent]:
    """`events` less the internal ones, unless `audience` is internal."""
    return events if audience.internal else events.exclude(INTERNAL_EVENTS)


def event_data_for(event: AuditEvent, audience: Audience) -> dict[str, Any]:
    """The event's data as `audience` may read it."""
    data = event.data or {}
    if audience.internal:
        return data
    return {key: value for key, value in data.items() if key not in INTERNAL_DATA}


def is_internal_document(kind: str) -> bool:
    return kind in INTERNAL_DOCUMENT_KINDS
