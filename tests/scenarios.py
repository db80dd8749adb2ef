"""Drive a location through the state machine with the real services.

`bring_to(location, stage, ...)` walks the shortest path of design §2 from `proposed` (or
from a stage on that path) to `stage`, meeting every guard the way a person would (criteria recorded,
a bottleneck registered, every party's signatory approving, a consultation recorded).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from casework import services
from casework.constants import (
    AuditAction,
    BottleneckCategory,
    DeadlineEventKind,
    Stage,
    TransitionName,
)
from casework.models import (
    AgreementKind,
    AgreementVersion,
    ConsultationOutcome,
    DeadlineEvent,
    Designation,
    Instrument,
    Location,
)
from casework.services.audit import audit_record
from permissions.constants import MembershipRole
from permissions.models import Membership, Organisation

from .factories import person_of

CRITERIA = {
    "land_positions": "Gemeente en ontwikkelaar bezitten samen 80% van de grond.",
    "planning_status": "Omgevingsplan in voorbereiding.",
    "market_involvement": "Twee ontwikkelaars en een corporatie aan tafel.",
    "financial_prospect": "Tekort van 12 miljoen; Woningbouwimpuls aangevraagd.",
}

DESIGNATION_EXTRAS = {
    "instrument": Instrument.PROJECT_DECISION,
    "legal_basis": "Artikel 5.44 Omgevingswet.",
    "national_interest": "Versnelling van de woningbouw in de regio.",
}

# The stage each stage is reached from on the shortest path from `proposed`.
PREVIOUS = {
    Stage.SELECTED: Stage.PROPOSED,
    Stage.BOTTLENECK_ANALYSIS: Stage.SELECTED,
    Stage.NEGOTIATION: Stage.BOTTLENECK_ANALYSIS,
    Stage.HEADS_OF_AGREEMENT: Stage.NEGOTIATION,
    Stage.ADMINISTRATIVE_AGREEMENT: Stage.HEADS_OF_AGREEMENT,
    Stage.ESCALATED: Stage.BOTTLENECK_ANALYSIS,
    Stage.DESIGNATION_PROCEDURE: Stage.ESCALATED,
    Stage.DESIGNATED: Stage.DESIGNATION_PROCEDURE,
    Stage.WITHDRAWN: Stage.PROPOSED,
}


def signatory_for(organisation: Organisation):
    """A signatory of `organisation` (the first one, or a new one)."""
    membership = (
        Membership.objects.filter(
            organisation=organisation, role=MembershipRole.SIGNATORY
        )
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if membership is not None:
        return membership.user
    return person_of(organisation, MembershipRole.SIGNATORY)


def record_criteria(location: Location, actor) -> None:
    services.location_record_criteria(location=location, actor=actor, **CRITERIA)


def add_bottleneck(location: Location, actor, **fields):
    fields.setdefault("category", BottleneckCategory.NITROGEN)
    fields.setdefault("description", "Stikstofdepositie op een Natura 2000-gebied.")
    return services.bottleneck_create(location=location, actor=actor, **fields)


def submit_agreement(location: Location, case_manager, kind: str) -> AgreementVersion:
    """Draft and submit a version of the location's agreement of `kind`, with one
    commitment per party."""
    parties = list(location.parties.select_related("organisation"))
    version = services.agreement_draft(
        location=location,
        actor=case_manager,
        kind=kind,
        title=f"{AgreementKind(kind).label} {location.name}",
        text="Partijen spreken af de woningbouw te versnellen.",
        commitments=[
            {
                "party": party.organisation_id,
                "description": f"{party.organisation.name} levert haar bijdrage.",
                "due_date": datetime.date(2026, 6, 30),
            }
            for party in parties
        ],
    )
    return services.agreement_submit(version=version, actor=case_manager)


def approve_by_every_party(version: AgreementVersion, location: Location) -> None:
    for party in location.parties.select_related("organisation"):
        services.approval_record(
            version=version,
            organisation=party.organisation,
            actor=signatory_for(party.organisation),
            decision="approve",
        )


def record_consultation(location: Location, case_manager, outcome: str) -> None:
    services.escalation_record_consultation(
        location=location,
        actor=case_manager,
        held_on=timezone.localdate(),
        participants="Minister, gedeputeerde, wethouder.",
        outcome=outcome,
    )


def make_designation_decidable(location: Location) -> None:
    """Meet the `designate` guard: the consultation period and its postal week have
    elapsed and the decision document exists. The test sets the dates and the hash
    with a queryset update instead of the notice, the views and the decision job."""
    today = timezone.localdate()
    Designation.objects.filter(location=location, closed_at__isnull=True).update(
        consultation_starts_on=today - datetime.timedelta(days=50),
        consultation_ends_on=today - datetime.timedelta(days=8),
        decision_sha256="a" * 64,
    )


def open_consultation(
    location: Location, ministry, on: datetime.date | None = None
) -> Designation:
    """The ministry records the notice of the draft designation decision, published
    and lying open on `on` (today): the consultation period starts. A draft that no
    job froze (the scenarios do not run the document jobs) gets a stand-in hash."""
    on = on or timezone.localdate()
    Designation.objects.filter(
        location=location, closed_at__isnull=True, draft_sha256=""
    ).update(draft_sha256="d" * 64)
    return services.designation_record_notice(
        location=location,
        actor=ministry,
        published_on=on,
        journal="staatscourant",
        reference="Stcrt. 2026, 12345",
        open_on=on,
    )


def _step(location: Location, target: str, case_manager, ministry) -> None:
    def fire(name: str, actor, **extra) -> None:
        services.location_transition(
            location=location,
            transition=name,
            actor=actor,
            reason=f"Testpad naar {target}.",
            **extra,
        )

    if target == Stage.SELECTED:
        record_criteria(location, case_manager)
        fire(TransitionName.SELECT, ministry)
    elif target == Stage.BOTTLENECK_ANALYSIS:
        fire(TransitionName.START_ANALYSIS, case_manager)
    elif target == Stage.NEGOTIATION:
        if not location.bottlenecks.exists():
            add_bottleneck(location, case_manager)
        fire(TransitionName.START_NEGOTIATION, case_manager)
    elif target in (Stage.HEADS_OF_AGREEMENT, Stage.ADMINISTRATIVE_AGREEMENT):
        version = submit_agreement(location, case_manager, kind=target)
        approve_by_every_party(version, location)
        location.refresh_from_db()
    elif target == Stage.ESCALATED:
        fire(TransitionName.ESCALATE, ministry)
    elif target == Stage.DESIGNATION_PROCEDURE:
        record_consultation(
            location, case_manager, ConsultationOutcome.DEADLOCK_REMAINS
        )
        fire(TransitionName.START_DESIGNATION, ministry, **DESIGNATION_EXTRAS)
    elif target == Stage.DESIGNATED:
        make_designation_decidable(location)
        fire(TransitionName.DESIGNATE, ministry)
    elif target == Stage.WITHDRAWN:
        fire(TransitionName.WITHDRAW, ministry)
    else:  # pragma: no cover - a stage without a path is a bug in this helper
        raise AssertionError(f"no step to {target}")
    assert location.stage == target, (location.stage, target)


def bring_to(location: Location, stage: str, *, case_manager, ministry) -> Location:
    """Walk `location` from `proposed` to `stage` through the services."""
    if location.stage == stage:
        return location
    bring_to(
        location, PREVIOUS[Stage(stage)], case_manager=case_manager, ministry=ministry
    )
    _step(location, stage, case_manager, ministry)
    return location


class unchanged:
    """Assert that a refused action left the location as it was: the same stage in the
    database and in memory, the same stage timestamp, and not one new audit event,
    escalation or designation."""

    def __init__(self, location: Location):
        self.location = location

    def _snapshot(self):
        from casework.models import AuditEvent, Escalation

        stored = Location.objects.get(pk=self.location.pk)
        return {
            "stage": stored.stage,
            "stage_changed_at": stored.stage_changed_at,
            "in_memory_stage": self.location.stage,
            "audit_events": AuditEvent.objects.count(),
            "escalations": Escalation.objects.count(),
            "designations": Designation.objects.count(),
        }

    def __enter__(self):
        self.before = self._snapshot()
        return self

    def __exit__(self, exc_type, exc, tb):
        # Nest `pytest.raises` inside this block: it catches the domain error, then
        # this checks that nothing changed. Any other exception propagates untouched.
        if exc_type is None:
            assert self._snapshot() == self.before
        return False


def overdue_logged(
    *,
    location: Location,
    kind: str,
    reference: str,
    organisation: Organisation | None,
    description: str,
    due_on: datetime.date,
) -> DeadlineEvent:
    """What the deadline clock leaves of an overdue mark (`deadlines_fire`): the logged
    event and its audit row, for a subject the test has no task or action of."""
    event = DeadlineEvent.objects.create(
        location=location,
        kind=kind,
        event=DeadlineEventKind.OVERDUE,
        reference=reference,
        organisation=organisation,
        description=description,
        due_on=due_on,
    )
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
    return event
