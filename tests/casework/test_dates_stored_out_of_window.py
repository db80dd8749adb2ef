"""A date stored outside the window 2000-01-01..2100-12-31 (a row written before the
window existed, or by hand) never breaks a page, a feed, a document or a command
(issue 12, item 1): deadline, working-day, timer and calendar-feed arithmetic works on
the nearest edge of the window instead. A commitment due on 9999-12-31 once broke its
owners' `.ics` feed for good (the day after the last day of the calendar).

The rows are put out of the window with `.update()`, as no service accepts such a date.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from icalendar import Calendar
from viewflow.workflow.models import Task

from casework import services as casework
from casework.calendar import add_working_days
from casework.constants import Stage
from casework.limits import DATE_MAX, DATE_MIN
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Bottleneck,
    BottleneckAction,
    Commitment,
    Designation,
    VersionStatus,
)
from workflows import deadlines
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

from ..conftest import token_client
from ..scenarios import approve_by_every_party, bring_to
from .test_calendar_feed import (
    ACTION_DUE,
    COMMITMENT_DUE,
    by_summary,
    designate_foreign,
    events_of,
    feed_url,
    start_action,
    start_admin_round,
)

pytestmark = pytest.mark.django_db

LAST = datetime.date(9999, 12, 31)
FIRST = datetime.date(1, 1, 1)


def set_task_due(tasks, day: datetime.date) -> None:
    for task in tasks:
        task.data = {**task.data, "due": day.isoformat()}
        task.save(update_fields=["data"])


@pytest.fixture
def far_dates(world):
    """The calendar feed's world (tests/casework/test_calendar_feed.py), with A's
    commitment due on the last day of the calendar and B's on the first (set while
    the version was a draft: a concluded version is frozen by the database), every
    action, bottleneck and the consultation period on the last day, and the approval
    round's deadline on the first."""
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = casework.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Hoofdlijnenakkoord Eigen Locatie",
        text="Partijen spreken af de woningbouw te versnellen.",
        commitments=[
            {
                "party": organisation.pk,
                "description": f"{organisation.name} levert haar bijdrage.",
                "due_date": COMMITMENT_DUE,
            }
            for organisation in (world.org_a, world.org_b)
        ],
    )
    Commitment.objects.filter(version=version, owner=world.party_a).update(
        due_date=LAST
    )
    Commitment.objects.filter(version=version, owner=world.party_b).update(
        due_date=FIRST
    )
    version = casework.agreement_submit(version=version, actor=world.case_manager)
    approve_by_every_party(version, world.own)
    bring_to(
        world.foreign,
        Stage.HEADS_OF_AGREEMENT,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    start_admin_round(world)
    start_action(world, world.own, world.party_a, "Grondbod uitbrengen", ACTION_DUE)
    designation = designate_foreign(world)
    start_action(
        world, world.foreign, world.party_c, "Stikstofberekening leveren", ACTION_DUE
    )

    BottleneckAction.objects.update(due_on=LAST)
    set_task_due(
        Task.objects.filter(flow_task=BottleneckActionFlow.instance.perform), LAST
    )
    AgreementVersion.objects.filter(status=VersionStatus.IN_APPROVAL).update(
        approval_due_on=FIRST
    )
    set_task_due(
        Task.objects.filter(flow_task=ApprovalRoundFlow.instance.approve), FIRST
    )
    Bottleneck.objects.update(deadline=LAST)
    Designation.objects.filter(pk=designation.pk).update(
        consultation_starts_on=LAST, consultation_ends_on=LAST
    )
    return designation


def test_nothing_breaks_on_a_date_out_of_the_window(world, far_dates, client):
    """The feed (which failed), and then every page, API answer, command and
    document that reads these dates."""
    feed_still_answers(world, client)
    pages_still_answer(world, client)
    api_still_answers(world)
    commands_still_run()
    dossier_still_renders(world, client)


def feed_still_answers(world, client):
    events = events_of(client.get(feed_url(world.a_signatory)))
    summaries = by_summary(events)
    commitment = summaries[
        "Afspraak nakomen: Gemeente A levert haar bijdrage. – Eigen Locatie"
    ]
    # Shown on the last day of the window, with the date as stored in its text.
    assert commitment["DTSTART"].dt == DATE_MAX
    assert commitment["DTEND"].dt == DATE_MAX + datetime.timedelta(days=1)
    assert "Uiterlijk: 31 december 9999" in str(commitment["DESCRIPTION"])
    action = summaries["Actie uitvoeren: Grondbod uitbrengen – Eigen Locatie"]
    assert action["DTSTART"].dt == DATE_MAX
    approval = next(s for s in summaries if s.startswith("Besluiten over"))
    assert summaries[approval]["DTSTART"].dt == DATE_MIN

    summaries = by_summary(events_of(client.get(feed_url(world.b_signatory))))
    commitment = summaries[
        "Afspraak nakomen: Ontwikkelaar B levert haar bijdrage. – Eigen Locatie"
    ]
    assert commitment["DTSTART"].dt == DATE_MIN
    assert "Uiterlijk: 1 januari 0001" in str(commitment["DESCRIPTION"])
    for person in (world.c_member, world.viewer):
        calendar = Calendar.from_ical(client.get(feed_url(person)).content)
        assert calendar.walk("VEVENT"), person


def pages_still_answer(world, client):
    own, foreign = world.own, world.foreign
    pages = {
        world.a_signatory: [
            reverse("locations:detail", args=[own.pk]),
            reverse("locations:index"),
            reverse("dashboard:index"),
            "/workflow/inbox/",
            "/workflow/queue/",
            reverse("workflow:calendar"),
        ],
        world.case_manager: [
            reverse("locations:detail", args=[own.pk]),
            reverse("locations:detail", args=[foreign.pk]),
            reverse("dashboard:index"),
            reverse("locations:impasses"),
            "/workflow/inbox/",
        ],
        world.ministry: [
            reverse("locations:detail", args=[foreign.pk]),
            reverse("dashboard:index"),
        ],
    }
    for person, urls in pages.items():
        client.force_login(person)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, (person, url, response.status_code)
    client.force_login(world.a_signatory)
    for task in Task.objects.filter(
        flow_task__in=[
            ApprovalRoundFlow.instance.approve,
            BottleneckActionFlow.instance.perform,
        ],
        owner=world.a_signatory,
    ):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


def api_still_answers(world):
    api = token_client(world.case_manager)
    version = AgreementVersion.objects.filter(status=VersionStatus.CONCLUDED).first()
    for url in (
        f"/api/v1/locations/{world.own.pk}/",
        f"/api/v1/locations/{world.own.pk}/bottlenecks/",
        f"/api/v1/agreements/{version.pk}/",
        "/api/v1/dashboard/",
        "/api/v1/impasses/",
    ):
        assert api.get(url).status_code == 200, url
    assert token_client(world.a_signatory).get("/api/v1/tasks/").status_code == 200


def commands_still_run():
    out = io.StringIO()
    call_command("detect_impasses", stdout=out)
    call_command("workflow_timers", stdout=out)
    # A second run finds nothing new and fails on nothing.
    call_command("detect_impasses", stdout=out)


def dossier_still_renders(world, client):
    client.force_login(world.case_manager)
    response = client.get(reverse("location-dossier", args=[world.own.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_deadline_arithmetic_stays_on_the_calendar():
    assert deadlines.overdue_moment(LAST).date() == DATE_MAX + datetime.timedelta(
        days=1
    )
    assert deadlines.reminder_moment(LAST).date() < DATE_MAX
    assert deadlines.overdue_moment(FIRST).date() == DATE_MIN + datetime.timedelta(
        days=1
    )
    assert deadlines.reminder_moment(FIRST).date() < DATE_MIN
    assert add_working_days(datetime.date(9999, 12, 30), 10) > DATE_MAX
    assert add_working_days(datetime.date(1, 1, 2), -10) < DATE_MIN
