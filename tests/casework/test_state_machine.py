"""The location state machine of design §2, through `services.location_transition`
and the agreement services.

The design table is written out here (not read from the model) so that the model is
checked against the design, not against itself.
"""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from casework import guards, services
from casework.atw import period_end
from casework.constants import Stage, TransitionName
from casework.models import (
    AgreementKind,
    AgreementVersion,
    AuditEvent,
    ConsultationOutcome,
    Designation,
    Escalation,
    Location,
    VersionStatus,
)
from permissions.errors import Conflict, DomainError, InvalidInput, NotPermitted

from ..conftest import transition_events
from ..factories import UserFactory
from ..scenarios import (
    CRITERIA,
    DESIGNATION_EXTRAS,
    add_bottleneck,
    approve_by_every_party,
    bring_to,
    make_designation_decidable,
    open_consultation,
    record_consultation,
    submit_agreement,
    unchanged,
)

T = TransitionName
S = Stage

# Design §2: transition → (source stages, target stage, who).
DESIGN = {
    T.SELECT: ({S.PROPOSED}, S.SELECTED, "ministry"),
    T.START_ANALYSIS: ({S.SELECTED}, S.BOTTLENECK_ANALYSIS, "case_manager"),
    T.START_NEGOTIATION: ({S.BOTTLENECK_ANALYSIS}, S.NEGOTIATION, "case_manager"),
    T.CONCLUDE_HEADS_OF_AGREEMENT: ({S.NEGOTIATION}, S.HEADS_OF_AGREEMENT, "system"),
    T.CONCLUDE_ADMINISTRATIVE_AGREEMENT: (
        {S.HEADS_OF_AGREEMENT},
        S.ADMINISTRATIVE_AGREEMENT,
        "system",
    ),
    # Issue 15, item 5: also after the agreement (lapsed or disputed commitments
    # deadlock too); design §2's stable value `escalate` is kept.
    T.ESCALATE: (
        {
            S.BOTTLENECK_ANALYSIS,
            S.NEGOTIATION,
            S.HEADS_OF_AGREEMENT,
            S.ADMINISTRATIVE_AGREEMENT,
        },
        S.ESCALATED,
        "ministry",
    ),
    T.RESUME_NEGOTIATION: (
        {S.ESCALATED, S.DESIGNATION_PROCEDURE},
        S.NEGOTIATION,
        "ministry",
    ),
    T.START_DESIGNATION: ({S.ESCALATED}, S.DESIGNATION_PROCEDURE, "ministry"),
    T.DESIGNATE: ({S.DESIGNATION_PROCEDURE}, S.DESIGNATED, "ministry"),
    T.WITHDRAW: (set(S) - {S.DESIGNATED, S.WITHDRAWN}, S.WITHDRAWN, "ministry"),
}
PERSON_TRANSITIONS = [name for name, (_, _, who) in DESIGN.items() if who != "system"]
SYSTEM_TRANSITIONS = [name for name, (_, _, who) in DESIGN.items() if who == "system"]


def extras_for(name: str) -> dict:
    return DESIGNATION_EXTRAS if name == T.START_DESIGNATION else {}


def meet_guard(location: Location, name: str, world) -> None:
    """Make the guard of `name` hold at the location's current stage."""
    if name == T.SELECT:
        services.location_record_criteria(
            location=location, actor=world.case_manager, **CRITERIA
        )
    elif name == T.START_NEGOTIATION and not location.bottlenecks.exists():
        add_bottleneck(location, world.case_manager)
    elif name == T.RESUME_NEGOTIATION and location.stage == S.ESCALATED:
        record_consultation(
            location, world.case_manager, ConsultationOutcome.BREAKTHROUGH
        )
    elif name == T.START_DESIGNATION:
        record_consultation(
            location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
        )
    elif name == T.DESIGNATE:
        make_designation_decidable(location)


# Stages ordered by how much it takes to reach them.
STAGES_BY_COST = [
    S.PROPOSED,
    S.SELECTED,
    S.BOTTLENECK_ANALYSIS,
    S.NEGOTIATION,
    S.ESCALATED,
    S.WITHDRAWN,
    S.HEADS_OF_AGREEMENT,
    S.DESIGNATION_PROCEDURE,
    S.ADMINISTRATIVE_AGREEMENT,
    S.DESIGNATED,
]


def to_stage(world, stage: str) -> Location:
    return bring_to(
        world.own, stage, case_manager=world.case_manager, ministry=world.ministry
    )


def test_the_model_declares_exactly_the_transitions_of_the_design():
    location = Location()
    declared = {}
    for name in T:
        meta = getattr(location, name)._django_fsm
        declared[name] = (
            {str(s) for s in meta.transitions},
            {str(t.target) for t in meta.transitions.values()},
        )
    assert declared == {
        name: ({str(s) for s in sources}, {str(target)})
        for name, (sources, target, _) in DESIGN.items()
    }


def _fire(location, name, actor, reason="Een reden.", **extra):
    return services.location_transition(
        location=location, transition=name, actor=actor, reason=reason, **extra
    )


# --- Allowed ------------------------------------------------------------------------------

ALLOWED = [
    (name, source) for name in PERSON_TRANSITIONS for source in sorted(DESIGN[name][0])
]


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_allowed_transition_moves_the_stage_and_writes_one_audit_event(
    world, name, source
):
    location = to_stage(world, source)
    meet_guard(location, name, world)
    actor = getattr(world, DESIGN[name][2])
    target = DESIGN[name][1]
    before = timezone.now()
    events_before = set(AuditEvent.objects.values_list("pk", flat=True))

    result = services.location_transition(
        location=location,
        transition=name,
        actor=actor,
        reason=f"  Reden voor {name}.  ",
        **extras_for(name),
    )

    assert result.stage == target
    stored = Location.objects.get(pk=location.pk)
    assert stored.stage == target
    assert stored.stage_changed_at >= before
    new_events = AuditEvent.objects.exclude(pk__in=events_before)
    # Leaving `escalated` from the location page also cancels the escalation flow's
    # open consultation task (the flow starts in the escalation's own transaction),
    # which the audit trail says in one event of its own.
    lapsed = new_events.exclude(action="transition")
    expected_lapsed = ["procedure_ended"] if source == S.ESCALATED else []
    assert list(lapsed.values_list("action", flat=True)) == expected_lapsed
    new_events = new_events.filter(action="transition")
    assert new_events.count() == 1
    event = new_events.get()
    assert event.action == "transition"
    assert event.location_id == location.pk
    assert event.actor == actor
    assert event.transition == name
    assert event.reason == f"Reden voor {name}."
    assert event.from_stage == source
    assert event.to_stage == target


def test_escalate_opens_an_escalation_and_resume_closes_it(world):
    location = to_stage(world, S.NEGOTIATION)
    services.location_transition(
        location=location,
        transition=T.ESCALATE,
        actor=world.ministry,
        reason="Impasse over de financiering.",
    )
    escalation = Escalation.objects.get(location=location)
    assert escalation.closed_at is None
    assert escalation.reason == "Impasse over de financiering."
    assert escalation.opened_by == world.ministry
    # No impasse signal was open, so the escalation cites none.
    assert transition_events(location).last().data == {
        "escalation": escalation.pk,
        "impasse_signals": [],
        "impasse_messages": [],
    }

    record_consultation(location, world.case_manager, ConsultationOutcome.BREAKTHROUGH)
    services.location_transition(
        location=location,
        transition=T.RESUME_NEGOTIATION,
        actor=world.ministry,
        reason="Doorbraak in het overleg.",
    )
    escalation.refresh_from_db()
    assert escalation.closed_at is not None
    assert location.stage == S.NEGOTIATION


def test_a_location_can_be_escalated_again_after_resuming(world):
    """Resuming closes the escalation, so a later deadlock opens a new one (at most one
    escalation is open per location)."""
    location = to_stage(world, S.ESCALATED)
    record_consultation(location, world.case_manager, ConsultationOutcome.BREAKTHROUGH)
    _fire(location, T.RESUME_NEGOTIATION, world.ministry)
    _fire(location, T.ESCALATE, world.ministry, reason="Opnieuw vastgelopen.")
    assert location.stage == S.ESCALATED
    assert Escalation.objects.filter(location=location).count() == 2
    open_escalation = Escalation.objects.get(location=location, closed_at=None)
    assert open_escalation.reason == "Opnieuw vastgelopen."
    assert open_escalation.consultation_outcome == ""
    # The new escalation has no consultation yet: resuming waits for it.
    with unchanged(location), pytest.raises(Conflict):
        _fire(location, T.RESUME_NEGOTIATION, world.ministry)


def test_start_designation_opens_a_designation_with_its_details(world):
    location = to_stage(world, S.ESCALATED)
    record_consultation(
        location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    services.location_transition(
        location=location,
        transition=T.START_DESIGNATION,
        actor=world.ministry,
        reason="De impasse blijft.",
        **DESIGNATION_EXTRAS,
    )
    designation = Designation.objects.get(location=location)
    assert designation.closed_at is None
    assert designation.instrument == DESIGNATION_EXTRAS["instrument"]
    assert designation.legal_basis == DESIGNATION_EXTRAS["legal_basis"]
    assert designation.national_interest == DESIGNATION_EXTRAS["national_interest"]
    # The period starts with the notice, not with the transition.
    assert designation.consultation_starts_on is None
    assert designation.consultation_ends_on is None
    assert designation.escalation == Escalation.objects.get(location=location)
    data = transition_events(location).last().data
    assert data["designation"] == designation.pk
    assert data["instrument"] == DESIGNATION_EXTRAS["instrument"]
    assert "consultation_ends_on" not in data
    designation = open_consultation(location, world.ministry)
    today = timezone.localdate()
    assert designation.consultation_starts_on == today
    assert designation.consultation_ends_on == period_end(today, weeks=6)
    assert designation.consultation_ends_on >= today + datetime.timedelta(days=41)


@pytest.mark.parametrize(
    "closing", [T.DESIGNATE, T.WITHDRAW, T.RESUME_NEGOTIATION], ids=str
)
def test_leaving_the_designation_procedure_closes_designation_and_escalation(
    world, closing
):
    location = to_stage(world, S.DESIGNATION_PROCEDURE)
    if closing == T.DESIGNATE:
        make_designation_decidable(location)
    services.location_transition(
        location=location, transition=closing, actor=world.ministry, reason="Klaar."
    )
    assert not Designation.objects.filter(location=location, closed_at=None).exists()
    assert not Escalation.objects.filter(location=location, closed_at=None).exists()


# --- Refused: wrong stage -----------------------------------------------------------------


def outcome(call) -> tuple[str, str | None]:
    """What a call did: ("ok", None) or (the domain error's class name, its message)."""
    try:
        call()
    except DomainError as exc:
        return type(exc).__name__, exc.message
    return "ok", None


@pytest.mark.parametrize("stage", list(S), ids=str)
def test_transition_from_a_wrong_stage_is_a_conflict(world, stage):
    """Every person transition that design §2 does not allow from `stage` is a Conflict
    naming the stage, fired by the role that holds its permission."""
    location = to_stage(world, stage)
    wrong = [name for name in PERSON_TRANSITIONS if stage not in DESIGN[name][0]]
    assert wrong
    message = f"Dit kan niet vanuit de fase ‘{Stage(stage).label}’."
    outcomes = {}
    for name in wrong:
        with unchanged(location):
            outcomes[name] = outcome(
                lambda name=name: _fire(
                    location,
                    name,
                    getattr(world, DESIGN[name][2]),
                    **extras_for(name),
                )
            )
    assert outcomes == dict.fromkeys(wrong, ("Conflict", message))


# --- Refused: guard unmet -----------------------------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [
        "land_positions",
        "planning_status",
        "market_involvement",
        "financial_prospect",
        None,
    ],
)
def test_select_needs_all_four_selection_criteria(world, missing):
    location = world.own
    if missing is not None:
        criteria = {**CRITERIA, missing: "   "}
        services.location_record_criteria(
            location=location, actor=world.case_manager, **criteria
        )
    with (
        unchanged(location),
        pytest.raises(Conflict) as caught,
    ):
        _fire(location, T.SELECT, world.ministry)
    assert caught.value.message == str(guards.selection_criteria_recorded.message)


def test_start_negotiation_needs_a_bottleneck(world):
    location = to_stage(world, S.BOTTLENECK_ANALYSIS)
    with unchanged(location), pytest.raises(Conflict) as caught:
        _fire(location, T.START_NEGOTIATION, world.case_manager)
    assert caught.value.message == str(guards.has_bottleneck.message)


def test_resume_from_escalated_needs_the_consultation_outcome(world):
    location = to_stage(world, S.ESCALATED)
    with unchanged(location), pytest.raises(Conflict) as caught:
        _fire(location, T.RESUME_NEGOTIATION, world.ministry)
    assert caught.value.message == str(guards.consultation_outcome_recorded.message)


@pytest.mark.parametrize(
    "consultation",
    [None, ConsultationOutcome.BREAKTHROUGH],
    ids=["none", "breakthrough"],
)
def test_start_designation_needs_the_outcome_deadlock_remains(world, consultation):
    location = to_stage(world, S.ESCALATED)
    if consultation is not None:
        record_consultation(location, world.case_manager, consultation)
    with unchanged(location), pytest.raises(Conflict) as caught:
        _fire(location, T.START_DESIGNATION, world.ministry, **DESIGNATION_EXTRAS)
    assert caught.value.message == str(guards.consultation_outcome_deadlock.message)


def test_designate_waits_for_the_end_of_the_consultation_period(world):
    location = to_stage(world, S.DESIGNATION_PROCEDURE)
    # The decision document comes from a later issue: set its hash directly.
    Designation.objects.filter(location=location).update(decision_sha256="b" * 64)
    with unchanged(location), pytest.raises(Conflict) as caught:
        _fire(location, T.DESIGNATE, world.ministry)
    assert "nog niet begonnen" in caught.value.message
    designation = open_consultation(location, world.ministry)
    ends_on = designation.consultation_ends_on
    until = ends_on + datetime.timedelta(days=7)
    possible = until + datetime.timedelta(days=1)
    with unchanged(location), pytest.raises(Conflict) as caught:
        _fire(location, T.DESIGNATE, world.ministry)
    months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]

    def day(value):
        return f"{value.day} {months[value.month - 1]} {value.year}"

    assert caught.value.message == (
        f"Het aanwijzingsbesluit kan worden genomen vanaf {day(possible)}: de "
        f"zienswijzetermijn loopt tot en met {day(ends_on)} en een zienswijze die "
        f"binnen de termijn per post is verzonden, kan tot en met {day(until)} "
        "binnenkomen."
    )


def test_designate_needs_the_decision_document(world):
    location = to_stage(world, S.DESIGNATION_PROCEDURE)
    # Consultation period elapsed (set directly, see make_designation_decidable), but
    # no decision document yet.
    Designation.objects.filter(location=location).update(
        consultation_starts_on=timezone.localdate() - datetime.timedelta(days=50),
        consultation_ends_on=timezone.localdate() - datetime.timedelta(days=8),
    )
    with unchanged(location), pytest.raises(Conflict) as caught:
        _fire(location, T.DESIGNATE, world.ministry)
    assert caught.value.message == str(guards.designation_decision_ready.message)


@pytest.mark.parametrize("days_ago", [0, 7], ids=["last-day", "last-postal-day"])
def test_designate_on_the_last_day_of_the_period_or_its_postal_week_is_refused(
    world, days_ago
):
    location = to_stage(world, S.DESIGNATION_PROCEDURE)
    today = timezone.localdate()
    Designation.objects.filter(location=location).update(
        consultation_starts_on=today - datetime.timedelta(days=50),
        consultation_ends_on=today - datetime.timedelta(days=days_ago),
        decision_sha256="c" * 64,
    )
    with unchanged(location), pytest.raises(Conflict, match="zienswijzetermijn"):
        _fire(location, T.DESIGNATE, world.ministry)


@pytest.mark.parametrize("kind", list(AgreementKind), ids=str)
def test_conclusion_guard_needs_every_party_to_approve(world, kind):
    """The guards behind the system transitions hold only when every party approved."""
    location = to_stage(
        world,
        S.NEGOTIATION
        if kind == AgreementKind.HEADS_OF_AGREEMENT
        else S.HEADS_OF_AGREEMENT,
    )
    guard = (
        guards.heads_of_agreement_approved
        if kind == AgreementKind.HEADS_OF_AGREEMENT
        else guards.administrative_agreement_approved
    )
    assert not guard(location)
    version = submit_agreement(location, world.case_manager, kind)
    assert not guard(location)
    services.approval_record(
        version=version,
        organisation=world.org_a,
        actor=world.a_signatory,
        decision="approve",
    )
    assert not guard(location)


# --- Refused: wrong role ------------------------------------------------------------------

NOT_PERMITTED_ACTORS = {
    "ministry": ["case_manager", "viewer", "a_member", "a_signatory", "outsider"],
    "case_manager": ["ministry", "viewer", "a_member", "a_signatory", "outsider"],
}
# The cheapest stage to reach from which each transition is allowed.
CHEAP_SOURCE = {
    name: min(DESIGN[name][0], key=STAGES_BY_COST.index) for name in PERSON_TRANSITIONS
}


@pytest.mark.parametrize("name", PERSON_TRANSITIONS, ids=str)
def test_transition_by_a_role_without_the_permission_is_not_permitted(world, name):
    """From a stage where the transition is allowed and its guard met, every role
    without its permission (and an anonymous user) is refused with NotPermitted; the
    role with the permission then succeeds."""
    location = to_stage(world, CHEAP_SOURCE[name])
    meet_guard(location, name, world)
    actors = {who: getattr(world, who) for who in NOT_PERMITTED_ACTORS[DESIGN[name][2]]}
    actors["anonymous"] = AnonymousUser()
    outcomes = {}
    for who, user in actors.items():
        with unchanged(location):
            outcomes[who] = outcome(
                lambda user=user: _fire(location, name, user, **extras_for(name))
            )[0]
    assert outcomes == dict.fromkeys(actors, "NotPermitted")
    # The refusals were about the role, not the stage or the guard:
    _fire(location, name, getattr(world, DESIGN[name][2]), **extras_for(name))
    assert location.stage == DESIGN[name][1]


def test_inactive_ministry_user_is_not_permitted(world):
    world.ministry.is_active = False
    world.ministry.save()
    location = world.own
    with unchanged(location), pytest.raises(NotPermitted):
        _fire(location, T.WITHDRAW, world.ministry)


@pytest.mark.parametrize("name", SYSTEM_TRANSITIONS, ids=str)
def test_system_transitions_are_refused_for_every_person(world, name):
    location = to_stage(world, next(iter(DESIGN[name][0])))
    actors = {
        who: getattr(world, who)
        for who in (
            "ministry",
            "case_manager",
            "viewer",
            "a_member",
            "a_signatory",
            "outsider",
        )
    }
    actors["superuser"] = UserFactory(is_superuser=True, is_staff=True)
    actors["anonymous"] = AnonymousUser()
    outcomes = {}
    for who, user in actors.items():
        with unchanged(location):
            outcomes[who] = outcome(lambda user=user: _fire(location, name, user))[0]
    assert outcomes == dict.fromkeys(actors, "NotPermitted")


# --- Refused: bad input -------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None], ids=repr)
@pytest.mark.parametrize("name", [T.WITHDRAW, T.SELECT, T.ESCALATE], ids=str)
def test_transition_without_a_reason_is_invalid(world, name, reason):
    location = to_stage(world, next(iter(sorted(DESIGN[name][0]))))
    meet_guard(location, name, world)
    with unchanged(location), pytest.raises(InvalidInput, match="reden"):
        _fire(location, name, getattr(world, DESIGN[name][2]), reason=reason)


@pytest.mark.parametrize(
    "name", ["fly", "", "SELECT", "select ", "conclude", "proposed"], ids=repr
)
def test_unknown_transition_is_invalid(world, name):
    location = world.own
    services.location_record_criteria(
        location=location, actor=world.case_manager, **CRITERIA
    )
    with unchanged(location), pytest.raises(InvalidInput, match="Onbekende overgang"):
        _fire(location, name, world.ministry)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("instrument", None),
        ("instrument", "decree"),
        ("legal_basis", None),
        ("legal_basis", "  "),
        ("national_interest", None),
        ("national_interest", ""),
    ],
)
def test_start_designation_needs_instrument_legal_basis_and_national_interest(
    world, field, value
):
    location = to_stage(world, S.ESCALATED)
    record_consultation(
        location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    extras = {**DESIGNATION_EXTRAS}
    if value is None:
        del extras[field]
    else:
        extras[field] = value
    with unchanged(location), pytest.raises(InvalidInput):
        _fire(location, T.START_DESIGNATION, world.ministry, **extras)


def test_checks_run_in_the_documented_order(world):
    """Unknown name, then reason, then permission, then stage (docstring of
    `location_transition`): a viewer without a reason on the wrong stage hears about the
    reason; with a reason, about the permission."""
    location = world.own
    with unchanged(location):
        with pytest.raises(InvalidInput, match="Onbekende"):
            _fire(location, "nope", world.viewer, reason="")
        with pytest.raises(InvalidInput, match="reden"):
            _fire(location, T.DESIGNATE, world.viewer, reason="")
        with pytest.raises(NotPermitted):
            _fire(location, T.DESIGNATE, world.viewer)
        with pytest.raises(Conflict):
            _fire(location, T.DESIGNATE, world.ministry)


# --- The agreement path -------------------------------------------------------------------


def test_every_party_approving_concludes_the_heads_of_agreement(world):
    location = to_stage(world, S.NEGOTIATION)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    assert version.status == VersionStatus.IN_APPROVAL

    services.approval_record(
        version=version,
        organisation=world.org_a,
        actor=world.a_signatory,
        decision="approve",
    )
    location.refresh_from_db()
    assert location.stage == S.NEGOTIATION
    assert (
        not transition_events(location)
        .filter(transition=T.CONCLUDE_HEADS_OF_AGREEMENT)
        .exists()
    )

    events_before = transition_events(location).count()
    services.approval_record(
        version=version,
        organisation=world.org_b,
        actor=world.b_signatory,
        decision="approve",
    )

    location.refresh_from_db()
    assert location.stage == S.HEADS_OF_AGREEMENT
    version.refresh_from_db()
    assert version.status == VersionStatus.CONCLUDED
    assert version.concluded_at is not None
    assert re.fullmatch(r"[0-9a-f]{64}", version.sha256)
    assert (
        version.sha256
        == hashlib.sha256(services.version_canonical_content(version)).hexdigest()
    )
    assert transition_events(location).count() == events_before + 1
    event = transition_events(location).last()
    assert event.actor is None
    assert event.transition == T.CONCLUDE_HEADS_OF_AGREEMENT
    assert (event.from_stage, event.to_stage) == (S.NEGOTIATION, S.HEADS_OF_AGREEMENT)
    assert AuditEvent.objects.filter(
        location=location, action="agreement_concluded", data__sha256=version.sha256
    ).exists()


def test_every_party_approving_concludes_the_administrative_agreement(world):
    location = to_stage(world, S.HEADS_OF_AGREEMENT)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.ADMINISTRATIVE_AGREEMENT
    )
    approve_by_every_party(version, location)
    location.refresh_from_db()
    assert location.stage == S.ADMINISTRATIVE_AGREEMENT
    version.refresh_from_db()
    assert version.status == VersionStatus.CONCLUDED
    assert re.fullmatch(r"[0-9a-f]{64}", version.sha256)
    event = transition_events(location).last()
    assert event.transition == T.CONCLUDE_ADMINISTRATIVE_AGREEMENT
    assert event.actor is None


@pytest.mark.parametrize("comment", ["", "   "], ids=repr)
def test_reject_needs_a_comment(world, comment):
    location = to_stage(world, S.NEGOTIATION)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    with unchanged(location), pytest.raises(InvalidInput, match="toelichting"):
        services.approval_record(
            version=version,
            organisation=world.org_a,
            actor=world.a_signatory,
            decision="reject",
            comment=comment,
        )
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_APPROVAL
    assert not version.approvals.exists()


def test_reject_closes_the_round_without_a_transition(world):
    location = to_stage(world, S.NEGOTIATION)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    transitions_before = transition_events(location).count()

    services.approval_record(
        version=version,
        organisation=world.org_a,
        actor=world.a_signatory,
        decision="reject",
        comment="De planning van de afspraken is niet haalbaar.",
    )

    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED
    assert version.sha256 == ""
    location.refresh_from_db()
    assert location.stage == S.NEGOTIATION
    assert transition_events(location).count() == transitions_before
    assert AuditEvent.objects.filter(
        location=location, action="agreement_rejected"
    ).exists()
    # The round is closed: the other party can no longer approve this version.
    with unchanged(location), pytest.raises(Conflict, match="gesloten"):
        services.approval_record(
            version=version,
            organisation=world.org_b,
            actor=world.b_signatory,
            decision="approve",
        )
    # A new version opens a new round, which every party can approve.
    second = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    assert second.number == 2
    approve_by_every_party(second, location)
    location.refresh_from_db()
    assert location.stage == S.HEADS_OF_AGREEMENT
    assert AgreementVersion.objects.get(pk=version.pk).status == VersionStatus.REJECTED


def test_only_a_signatory_of_a_party_may_decide(world):
    location = to_stage(world, S.NEGOTIATION)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    for organisation, actor in [
        (world.org_a, world.a_member),  # a member, not a signatory
        (world.org_a, world.b_signatory),  # a signatory of another organisation
        (world.org_c, world.c_signatory),  # a signatory of a non-party
        (world.org_a, world.ministry),
    ]:
        with unchanged(location), pytest.raises(NotPermitted):
            services.approval_record(
                version=version,
                organisation=organisation,
                actor=actor,
                decision="approve",
            )
    assert not version.approvals.exists()


def test_an_organisation_decides_once_per_version(world):
    location = to_stage(world, S.NEGOTIATION)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    services.approval_record(
        version=version,
        organisation=world.org_a,
        actor=world.a_signatory,
        decision="approve",
    )
    with unchanged(location), pytest.raises(Conflict, match="al besloten"):
        services.approval_record(
            version=version,
            organisation=world.org_a,
            actor=world.a_signatory,
            decision="approve",
        )


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_stage_label_is_djangos(language):
    """`Location.get_stage_display` (a shortcut past Django's generated method, which
    translates every stage's label on each call) says what Django's would."""
    from django.utils import translation

    field = Location._meta.get_field("stage")
    with translation.override(language):
        for value in [*Stage.values, "unknown"]:
            location = Location(stage=value)
            assert location.get_stage_display() == location._get_FIELD_display(field)
            assert type(location.get_stage_display()) is str
