"""The parties may still agree during the procedure (design §4): the ministry resumes
the negotiation, and the open tasks and the consultation-period timer of the
procedure lapse, recorded in the audit trail. Also from the escalation itself: the
ministry resumes on the location page while the consultation task is open."""

from __future__ import annotations

import datetime

import pytest
from viewflow.workflow.status import PROCESS, STATUS

from casework.constants import Stage
from casework.models import AuditEvent, Deadline, Escalation
from permissions.constants import OrganisationKind
from workflows import services as workflows
from workflows.escalation import DesignationFlow, EscalationFlow

from ..factories import LocationFactory, OrganisationFactory, PartyFactory
from ..scenarios import bring_to, open_consultation
from ..workflows.rounds import at, sweep
from .helpers import (
    DESIGNATION,
    designation_process,
    escalation_process,
    fire,
    human_task,
    open_tasks_of,
    running_processes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_location(world):
    location = LocationFactory(programme=world.programme, name="Tweede Locatie")
    PartyFactory(location=location, organisation=world.org_a)
    PartyFactory(
        location=location,
        organisation=OrganisationFactory(
            slug="corporatie-e", name="Corporatie E", kind=OrganisationKind.DEVELOPER
        ),
    )
    return bring_to(
        location,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def escalate_to_designation(world, location, capture):
    """Escalate, record a deadlock, start designation: each through its task."""
    with capture(execute=True):
        assert fire(world.ministry, location, "escalate").status_code == 200
    process = escalation_process(location)
    workflows.task_complete(
        task_id=human_task(process, EscalationFlow.instance.consult).pk,
        user=world.case_manager,
        payload={
            "held_on": datetime.date(2026, 3, 3),
            "participants": "Minister en wethouder.",
            "outcome": "deadlock_remains",
        },
    )
    with capture(execute=True):
        workflows.task_complete(
            task_id=human_task(process, EscalationFlow.instance.intervene).pk,
            user=world.ministry,
            payload={
                "decision": "start_designation",
                "reason": "De impasse blijft.",
                **DESIGNATION,
            },
        )
    location.refresh_from_db()
    assert location.stage == Stage.DESIGNATION_PROCEDURE


def test_agreement_during_the_procedure_cancels_its_open_tasks(
    world, second_location, time_machine, django_capture_on_commit_callbacks
):
    location = second_location
    time_machine.move_to(at("2026-03-03"), tick=False)
    escalate_to_designation(world, location, django_capture_on_commit_callbacks)
    procedure = designation_process(location)
    assert open_tasks_of(location).count() == 1  # the consultation-period timer
    # From 3 March to 13 April, and the postal week to 20 April.
    open_consultation(location, world.ministry)

    # The period has run out and the decision task waits: then the parties agree.
    time_machine.move_to(at("2026-04-21", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    decide = human_task(procedure, DesignationFlow.instance.decide)
    assert decide.status == STATUS.ASSIGNED
    # The decision only (its deadline is on the clock, not a viewflow timer).
    assert [t.flow_task_type for t in open_tasks_of(location).order_by("pk")] == [
        "HUMAN"
    ]
    assert Deadline.objects.get(reference=f"task:{decide.pk}").resolved_at is None

    response = fire(world.ministry, location, "resume_negotiation")

    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "negotiation"}
    assert not open_tasks_of(location).exists()
    assert not running_processes(location).exists()
    procedure.refresh_from_db()
    assert procedure.status == PROCESS.CANCELED
    decide.refresh_from_db()
    assert decide.status == STATUS.CANCELED
    ended = AuditEvent.objects.get(location=location, action="procedure_ended")
    assert ended.actor == world.ministry
    assert ended.data == {
        "transition": "resume_negotiation",
        "tasks": ["Definitief aanwijzingsbesluit nemen"],
    }
    assert not Escalation.objects.filter(location=location, closed_at=None).exists()
    assert Deadline.objects.get(reference=f"task:{decide.pk}").resolved_at is not None
    # Nothing of the procedure fires any more.
    time_machine.move_to(at("2026-06-01", 8), tick=False)
    assert sweep() == 0
    assert not open_tasks_of(location).exists()


def test_agreement_during_the_consultation_period_cancels_the_timer(
    world, second_location, time_machine, django_capture_on_commit_callbacks
):
    location = second_location
    time_machine.move_to(at("2026-03-03"), tick=False)
    escalate_to_designation(world, location, django_capture_on_commit_callbacks)
    (timer,) = open_tasks_of(location)

    time_machine.move_to(at("2026-03-20"), tick=False)
    assert fire(world.ministry, location, "resume_negotiation").status_code == 200

    timer.refresh_from_db()
    assert timer.status == STATUS.CANCELED
    assert not running_processes(location).exists()
    location.refresh_from_db()
    assert location.stage == Stage.NEGOTIATION
    time_machine.move_to(at("2026-05-01", 8), tick=False)
    assert sweep() == 0


def test_resuming_from_the_location_page_ends_the_escalation_flow(
    world, second_location, time_machine, django_capture_on_commit_callbacks
):
    location = second_location
    time_machine.move_to(at("2026-03-03"), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert fire(world.ministry, location, "escalate").status_code == 200
    process = escalation_process(location)
    workflows.task_complete(
        task_id=human_task(process, EscalationFlow.instance.consult).pk,
        user=world.case_manager,
        payload={
            "held_on": "2026-03-03",
            "participants": "Minister en wethouder.",
            "outcome": "breakthrough",
        },
    )
    resume = human_task(process, EscalationFlow.instance.resume)
    assert resume.owner == world.ministry

    assert fire(world.ministry, location, "resume_negotiation").status_code == 200

    resume.refresh_from_db()
    assert resume.status == STATUS.CANCELED
    process.refresh_from_db()
    assert process.status == PROCESS.CANCELED
    assert not open_tasks_of(location).exists()
