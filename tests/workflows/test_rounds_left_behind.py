"""A transition that leaves the normal path stops the approval round it leaves behind
(issue 19, item 2): escalating or withdrawing a location while its parties decide
ends the version's round, cancels the open decisions (and a revision waiting for the
case manager), tells their holders why, and leaves no open task that its holder
cannot do. De-escalating brings the location back to where a new round can start.

Every branch transition is fired here with the invariant checked after it: each open
human task of the location can be done by whoever holds (or may claim) it, or it is
closed."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework import services as casework
from casework.constants import (
    AuditAction,
    ConsultationOutcome,
    Stage,
    TransitionName,
    VersionStatus,
)
from casework.models import AgreementKind, AgreementVersion, AuditEvent, Location
from permissions.errors import Conflict
from workflows import services as workflows
from workflows.constants import (
    APPROVE,
    CONSULT,
    FINAL_DECISION,
    INTERVENE,
    OPEN_TASK_STATUSES,
    PERFORM,
    RESUME,
    REVIEW,
    REVISE,
)
from workflows.flows import ApprovalRoundFlow
from workflows.models import Notification
from workflows.presenters import task_url

from ..escalation.helpers import DESIGNATION
from ..factories import LocationFactory, PartyFactory
from ..scenarios import (
    bring_to,
    make_designation_decidable,
    record_consultation,
    signatory_for,
)
from .rounds import approval_task_of, approval_tasks, decide, revise_tasks, submit_round

pytestmark = pytest.mark.django_db

# A body that does each kind of task (the API's), for the check below.
DOING = {
    APPROVE: {"decision": "approve"},
    REVISE: {"title": "Herzien", "text": "Nieuwe tekst.", "commitments": []},
    PERFORM: {"outcome": "done", "report": "Gedaan."},
    REVIEW: {"decision": "accept"},
    CONSULT: {
        "held_on": "2026-01-01",
        "participants": "Minister, wethouder.",
        "outcome": "deadlock_remains",
    },
    RESUME: {"reason": "Doorbraak aan tafel."},
    INTERVENE: {"decision": "withdraw", "reason": "Niet haalbaar."},
    FINAL_DECISION: {"decision": "withdraw", "reason": "Niet haalbaar."},
}


class _TriedOnly(Exception):
    """Raised to roll back a task that was done only to see that it can be."""


def open_human_tasks(location: Location):
    return Task.objects.filter(
        process__data__location=location.pk,
        flow_task_type="HUMAN",
        status__in=OPEN_TASK_STATUSES,
    ).order_by("pk")


def holders(task: Task) -> list:
    if task.owner_id:
        return [task.owner]
    return list(task.flow_task.flow_class.instance.claimants(task))


def assert_every_open_task_can_be_done(location: Location) -> None:
    """Each open human task of the location is done (then rolled back) by its
    holder, or one who may claim it: none is left that its holder cannot do."""
    for task in open_human_tasks(location):
        people = holders(task)
        assert people, f"nobody holds {task.flow_task.name} (task {task.pk})"
        payload = dict(DOING[task.flow_task.name])
        if task.flow_task.name == CONSULT:
            payload["held_on"] = timezone.localdate().isoformat()
        try:
            with transaction.atomic():
                workflows.task_complete(
                    task_id=task.pk, user=people[0], payload=payload
                )
                raise _TriedOnly
        except _TriedOnly:
            pass
        task.refresh_from_db()
        assert task.status in OPEN_TASK_STATUSES  # rolled back


def fire(location: Location, transition: str, actor, **extra) -> None:
    casework.location_transition(
        location=location,
        transition=transition,
        actor=actor,
        reason=f"Test: {transition}.",
        **extra,
    )


def running_round(world, stage: str):
    """The own location in `stage` with a round of the agreement of that stage: A
    approved, B still to decide."""
    location = bring_to(
        world.own, stage, case_manager=world.case_manager, ministry=world.ministry
    )
    kind = (
        AgreementKind.HEADS_OF_AGREEMENT
        if stage == Stage.NEGOTIATION
        else AgreementKind.ADMINISTRATIVE_AGREEMENT
    )
    process = submit_round(location, world.case_manager, kind)
    decide(approval_task_of(process, world.org_a), "approve")
    return location, process


@pytest.mark.parametrize(
    ("stage", "transition"),
    [
        (Stage.NEGOTIATION, TransitionName.ESCALATE),
        (Stage.HEADS_OF_AGREEMENT, TransitionName.ESCALATE),
        (Stage.NEGOTIATION, TransitionName.WITHDRAW),
        (Stage.HEADS_OF_AGREEMENT, TransitionName.WITHDRAW),
    ],
)
def test_leaving_the_stage_stops_the_running_round(
    world, client, stage, transition, django_capture_on_commit_callbacks
):
    location, process = running_round(world, stage)
    pending = approval_task_of(process, world.org_b)
    assert pending.status in OPEN_TASK_STATUSES
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        fire(location, transition, world.ministry)

    # The round is over: its version ended, its open decision and timers cancelled.
    version = AgreementVersion.objects.get(pk=process.data["version"])
    assert version.status == VersionStatus.ENDED
    process.refresh_from_db()
    assert process.status == PROCESS.CANCELED
    pending.refresh_from_db()
    assert pending.status == STATUS.CANCELED
    assert (
        not Task.objects.filter(process=process)
        .exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
        .exists()
    )
    # A's decision stays on record.
    assert approval_task_of(process, world.org_a).status == STATUS.DONE

    # The audit trail says why, after the transition.
    ended = AuditEvent.objects.get(location=location, action=AuditAction.ROUND_ENDED)
    assert ended.actor == world.ministry
    assert f"versie {version.number}" in ended.reason
    assert str(Stage(location.stage).label) in ended.reason
    lapsed = AuditEvent.objects.get(
        location=location, action=AuditAction.PROCEDURE_ENDED
    )
    assert lapsed.data["tasks"] == ["Besluit over de overeenkomst"]
    assert (
        lapsed.pk
        > ended.pk
        > (AuditEvent.objects.get(location=location, transition=transition).pk)
    )

    # B's signatory is told why, in Dutch; nobody else is bothered.
    (told,) = Notification.objects.filter(message__contains="gestopt")
    assert told.user == signatory_for(world.org_b)
    assert "De goedkeuringsronde van" in told.message
    assert f"fase ‘{Stage(location.stage).label!s}’" in told.message
    assert "u hoeft hierover niet meer te besluiten" in told.message

    # The last approver cannot decide any more: a clear 409, nothing changes.
    with pytest.raises(Conflict) as refused:
        decide(pending, "approve")
    assert "gesloten" in refused.value.message
    assert not version.approvals.filter(organisation=world.org_b).exists()

    # It is gone from their work; its page says it lapsed and promises nothing.
    client.force_login(signatory_for(world.org_b))
    inbox = client.get("/api/v1/tasks/").json()
    assert pending.pk not in [row["id"] for row in inbox]
    page = client.get(task_url(pending), follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Vervallen: de ronde is gesloten" in text
    assert "gaat de locatie naar de fase" not in text

    assert_every_open_task_can_be_done(location)


def test_escalating_after_a_rejection_ends_the_revision_too(
    world, django_capture_on_commit_callbacks
):
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    process = submit_round(location, world.case_manager)
    decide(approval_task_of(process, world.org_a), "reject", "Grondprijs ontbreekt.")
    (revise,) = revise_tasks(process)
    assert revise.status in OPEN_TASK_STATUSES

    with django_capture_on_commit_callbacks(execute=True):
        fire(location, TransitionName.ESCALATE, world.ministry)

    revise.refresh_from_db()
    assert revise.status == STATUS.CANCELED
    # The rejected version stays rejected (its history), it is not "ended".
    version = AgreementVersion.objects.get(pk=process.data["version"])
    assert version.status == VersionStatus.REJECTED
    assert Notification.objects.filter(
        user=world.case_manager, message__contains="Overeenkomst herzien"
    ).exists()
    assert_every_open_task_can_be_done(location)


def test_every_branch_transition_leaves_only_tasks_that_can_be_done(
    world, django_capture_on_commit_callbacks, time_machine
):
    """Walk the branch with a round running when it starts, checking after every
    transition: escalate, start_designation, designate; and the transitions that
    leave it (resume_negotiation from both branch stages, withdraw from both)."""
    time_machine.move_to(timezone.now(), tick=False)

    def walk(location, steps):
        for step in steps:
            with django_capture_on_commit_callbacks(execute=True):
                step(location)
            assert_every_open_task_can_be_done(location)

    def escalate(location):
        fire(location, TransitionName.ESCALATE, world.ministry)

    def deadlock(location):
        record_consultation(
            location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
        )
        fire(location, TransitionName.START_DESIGNATION, world.ministry, **DESIGNATION)

    def breakthrough(location):
        record_consultation(
            location, world.case_manager, ConsultationOutcome.BREAKTHROUGH
        )
        fire(location, TransitionName.RESUME_NEGOTIATION, world.ministry)

    def designate(location):
        make_designation_decidable(location)
        fire(location, TransitionName.DESIGNATE, world.ministry)

    def resume(location):
        fire(location, TransitionName.RESUME_NEGOTIATION, world.ministry)

    def withdraw(location):
        fire(location, TransitionName.WITHDRAW, world.ministry)

    paths = [
        [escalate, deadlock, designate],
        [escalate, breakthrough],
        [escalate, deadlock, resume],
        [escalate, withdraw],
        [escalate, deadlock, withdraw],
    ]
    for index, steps in enumerate(paths):
        location = LocationFactory(
            programme=world.programme, name=f"Pad {index}", municipality="Gemeente A"
        )
        for party in (world.party_a, world.party_b):
            PartyFactory(
                location=location, organisation=party.organisation, role=party.role
            )
        location, _process = running_round_at(world, location)
        walk(location, steps)
        assert not Process.objects.filter(
            flow_class=ApprovalRoundFlow, data__location=location.pk, status="NEW"
        ).exists()


def running_round_at(world, location: Location):
    location = bring_to(
        location,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    process = submit_round(location, world.case_manager)
    return location, process


def test_after_de_escalation_a_new_round_starts_and_concludes(
    world, django_capture_on_commit_callbacks
):
    location, process = running_round(world, Stage.NEGOTIATION)
    with django_capture_on_commit_callbacks(execute=True):
        fire(location, TransitionName.ESCALATE, world.ministry)
        record_consultation(
            location, world.case_manager, ConsultationOutcome.BREAKTHROUGH
        )
        fire(location, TransitionName.RESUME_NEGOTIATION, world.ministry)
    location.refresh_from_db()
    assert location.stage == Stage.NEGOTIATION
    assert_every_open_task_can_be_done(location)

    # The case manager drafts and submits a new version: a new round, one decision
    # per party, and the location concludes its heads of agreement.
    with django_capture_on_commit_callbacks(execute=True):
        new_round = submit_round(location, world.case_manager)
    assert new_round.pk != process.pk
    tasks = list(approval_tasks(new_round))
    assert len(tasks) == 2
    assert_every_open_task_can_be_done(location)
    with django_capture_on_commit_callbacks(execute=True):
        for task in tasks:
            decide(task, "approve")
    location.refresh_from_db()
    assert location.stage == Stage.HEADS_OF_AGREEMENT
    versions = AgreementVersion.objects.filter(agreement__location=location)
    assert sorted(versions.values_list("number", "status")) == [
        (1, VersionStatus.ENDED),
        (2, VersionStatus.CONCLUDED),
    ]


def test_the_concluding_transition_does_not_stop_its_own_round(
    world, django_capture_on_commit_callbacks
):
    location, process = running_round(world, Stage.NEGOTIATION)
    with django_capture_on_commit_callbacks(execute=True):
        decide(approval_task_of(process, world.org_b), "approve")
    location.refresh_from_db()
    assert location.stage == Stage.HEADS_OF_AGREEMENT
    version = AgreementVersion.objects.get(pk=process.data["version"])
    assert version.status == VersionStatus.CONCLUDED
    assert not AuditEvent.objects.filter(action=AuditAction.ROUND_ENDED).exists()
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
