"""Deadlines throughout the branch (reminder, overdue mark, escalation deadline
events), the task list of the API, and the location page's escalation section in a
constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import services as casework
from casework.constants import DeadlineKind, Stage
from casework.models import ConsultationOutcome, Deadline, DeadlineEvent
from workflows.escalation import EscalationFlow
from workflows.models import Notification

from ..conftest import token_client
from ..scenarios import bring_to, record_consultation
from ..workflows.rounds import at, open_events, sweep
from .helpers import DESIGNATION, escalation_process, fire, human_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(world, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(at("2026-03-02"), tick=False)
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert fire(world.ministry, location, "escalate").status_code == 200
    location.refresh_from_db()
    return location


def test_the_consultation_task_is_reminded_and_marked_overdue(
    world, escalated, time_machine, django_capture_on_commit_callbacks
):
    consult = human_task(escalation_process(escalated), EscalationFlow.instance.consult)
    assert consult.data["due"] == "2026-03-30"  # 20 working days after 2 March

    time_machine.move_to(at("2026-03-26", 8), tick=False)  # two working days before
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    reminder = DeadlineEvent.objects.get(reference=f"task:{consult.pk}")
    assert (reminder.event, reminder.kind) == ("reminder", DeadlineKind.ESCALATION)
    assert reminder.organisation is None  # the case manager's task
    assert Notification.objects.filter(
        user=world.case_manager, message__startswith="Herinnering"
    ).exists()

    time_machine.move_to(at("2026-03-31", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    assert Deadline.objects.get(reference=f"task:{consult.pk}").overdue_marked_at == (
        at("2026-03-31", 8)
    )
    overdue = DeadlineEvent.objects.get(reference=f"task:{consult.pk}", event="overdue")
    assert open_events(pk=overdue.pk).exists()

    # Done late after all: the deadline no longer signals anything.
    from workflows import services as workflows

    workflows.task_complete(
        task_id=consult.pk,
        user=world.case_manager,
        payload={
            "held_on": "2026-03-31",
            "participants": "Minister en wethouder.",
            "outcome": "deadlock_remains",
        },
    )
    assert not open_events(pk=overdue.pk).exists()
    # The ministry's decision has its own deadline, waiting on the ministry.
    intervene = human_task(
        escalation_process(escalated), EscalationFlow.instance.intervene
    )
    # 10 working days from 31 March: Good Friday and Easter Monday do not count.
    assert intervene.data["due"] == "2026-04-16"


def test_the_task_api_lists_the_branch_tasks_by_kind(world, escalated):
    rows = token_client(world.case_manager).get("/api/v1/tasks/").json()
    assert [(row["kind"], row["location"]["id"]) for row in rows] == [
        ("consultation", escalated.pk)
    ]
    assert token_client(world.a_signatory).get("/api/v1/tasks/").json() == []
    assert token_client(world.ministry).get("/api/v1/tasks/").json() == []


def test_the_escalation_section_costs_the_same_whatever_the_number_of_views(
    client, world, escalated, time_machine, django_capture_on_commit_callbacks
):
    location = escalated
    record_consultation(
        location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    with django_capture_on_commit_callbacks(execute=True):
        fire(world.ministry, location, "start_designation", **DESIGNATION)
    url = reverse("locations:detail", args=[location.pk])

    def record_views(count: int) -> None:
        for i in range(count):
            casework.designation_record_view(
                location=location,
                actor=world.case_manager,
                submitted_by=f"Indiener {i}",
                submitted_on=datetime.date(2026, 3, 2),
                summary=f"Zienswijze {i}.",
            )

    counts = []
    for user in (world.case_manager, world.a_member):
        client.force_login(user)
        record_views(1)
        client.get(url)  # warm the caches of this session
        with CaptureQueriesContext(connection) as few:
            page = client.get(url)
        assert page.status_code == 200
        record_views(6)
        with CaptureQueriesContext(connection) as many:
            page = client.get(url)
        assert "Zienswijze 5." in page.content.decode()
        counts.append((len(few), len(many)))
    assert all(few == many for few, many in counts), counts
