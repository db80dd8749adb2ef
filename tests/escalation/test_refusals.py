"""What the escalation branch refuses, and that a refusal changes nothing: missing
designation details (400), a stage that cannot escalate (409), anyone but the ministry
(403), a party reaching for the evidence dossier (404) while the draft decision is
theirs to read, views outside the period or from a party."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from casework import services as casework
from casework.constants import Stage
from casework.models import AuditEvent, ConsultationOutcome, DesignationView
from documents.constants import DocumentKind
from documents.models import Document
from permissions.errors import InvalidInput, NotPermitted
from workflows.escalation import EscalationFlow

from ..conftest import token_client
from ..scenarios import bring_to, open_consultation, record_consultation, unchanged
from ..workflows.pages import execute_url, load_urls
from ..workflows.rounds import at
from .helpers import DESIGNATION, document, escalation_process, fire, human_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def deadlocked(world, time_machine, django_capture_on_commit_callbacks):
    """The world's own location escalated (flow running, dossier frozen) with the
    consultation recorded as deadlock."""
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
    record_consultation(
        location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    location.refresh_from_db()
    return location


@pytest.mark.parametrize(
    "missing", ["instrument", "legal_basis", "national_interest"], ids=str
)
def test_start_designation_without_its_details_is_400(world, deadlocked, missing):
    details = {**DESIGNATION, missing: ""}
    with unchanged(deadlocked):
        response = fire(world.ministry, deadlocked, "start_designation", **details)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Document.objects.filter(kind=DocumentKind.DRAFT_DESIGNATION).exists()


# (Since issue 15, item 5, `escalate` is also possible from the administrative
# agreement: tests/casework/test_construction.py. Designated takes its place here.)
@pytest.mark.parametrize(
    "stage",
    [Stage.PROPOSED, Stage.SELECTED, Stage.DESIGNATED, Stage.WITHDRAWN],
    ids=str,
)
def test_escalating_from_a_stage_the_design_does_not_allow_is_409(world, stage):
    location = bring_to(
        world.own, stage, case_manager=world.case_manager, ministry=world.ministry
    )
    with unchanged(location):
        response = fire(world.ministry, location, "escalate")
    assert response.status_code == 409
    assert response.json()["detail"]


@pytest.mark.parametrize("who", ["case_manager", "viewer", "a_signatory"], ids=str)
@pytest.mark.parametrize(
    ("transition", "extra"),
    [("escalate", {}), ("start_designation", DESIGNATION), ("designate", {})],
    ids=["escalate", "start_designation", "designate"],
)
def test_only_the_ministry_escalates_starts_designation_and_designates(
    world, deadlocked, who, transition, extra
):
    location = deadlocked
    if transition == "escalate":
        casework.location_transition(
            location=location,
            transition="resume_negotiation",
            actor=world.ministry,
            reason="Terug naar de tafel.",
        )
    elif transition == "designate":
        casework.location_transition(
            location=location,
            transition="start_designation",
            actor=world.ministry,
            reason="Impasse.",
            **DESIGNATION,
        )
    with unchanged(location):
        response = fire(getattr(world, who), location, transition, **extra)
    assert response.status_code == 403, response.content


def test_parties_read_the_draft_decision_but_not_the_evidence_dossier(
    client, world, deadlocked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            fire(
                world.ministry, deadlocked, "start_designation", **DESIGNATION
            ).status_code
            == 200
        )
    dossier = document(deadlocked, DocumentKind.EVIDENCE_DOSSIER)
    draft = document(deadlocked, DocumentKind.DRAFT_DESIGNATION)

    party = token_client(world.a_member)
    assert party.get(f"/api/v1/documents/{dossier.pk}/download/").status_code == 404
    assert party.get(f"/api/v1/documents/{dossier.pk}/").status_code == 404
    response = party.get(f"/api/v1/documents/{draft.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    listed = {row["kind"] for row in party.get("/api/v1/documents/").json()}
    assert DocumentKind.DRAFT_DESIGNATION in listed
    assert DocumentKind.EVIDENCE_DOSSIER not in listed
    # The ministry and the case manager read both.
    for user in (world.ministry, world.case_manager):
        api = token_client(user)
        assert api.get(f"/api/v1/documents/{dossier.pk}/download/").status_code == 200
    # The interface: same rule; the location page shows the draft, not the dossier.
    client.force_login(world.a_member)
    assert (
        client.get(reverse("document-download", args=[dossier.pk])).status_code == 404
    )
    assert client.get(reverse("document-download", args=[draft.pk])).status_code == 200
    page = client.get(reverse("locations:detail", args=[deadlocked.pk])).content
    page = page.decode()
    assert draft.title in page
    assert dossier.title not in page, page[page.index(dossier.title) - 400 :][:800]
    assert "Aanwijzingsprocedure" in page
    assert "Zienswijze vastleggen" not in page
    assert "Kennisgeving van het ontwerp vastleggen" not in page
    # Before the notice: nobody records a view; the ministry records the notice.
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[deadlocked.pk])).content
    assert dossier.title in page.decode()
    assert "Zienswijze vastleggen" not in page.decode()
    assert "Kennisgeving van het ontwerp vastleggen" not in page.decode()
    client.force_login(world.ministry)
    page = client.get(reverse("locations:detail", args=[deadlocked.pk])).content
    assert "Kennisgeving van het ontwerp vastleggen" in page.decode()
    open_consultation(deadlocked, world.ministry)
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[deadlocked.pk])).content
    assert "Zienswijze vastleggen" in page.decode()


def test_ministry_tasks_are_not_for_case_managers_or_parties(client, world, deadlocked):
    process = escalation_process(deadlocked)
    # The consultation was recorded through the service, not the task: the task stays
    # open; a party may not claim or do it.
    consult = human_task(process, EscalationFlow.instance.consult)
    load_urls()
    client.force_login(world.a_signatory)
    assert client.get(execute_url(consult)).status_code == 403
    assert not Task.objects.filter(
        process=process, flow_task=EscalationFlow.instance.intervene
    ).exists()
    # Nor may they see the flow's pages.
    detail = EscalationFlow.instance.reverse("process_detail", args=[process.pk])
    assert client.get(detail).status_code in (403, 404)


def test_views_only_by_case_manager_or_ministry_and_once_the_period_started(
    client, world, deadlocked, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fire(world.ministry, deadlocked, "start_designation", **DESIGNATION)
    view = {
        "submitted_by": "A",
        "sender_address": "Straat 1, Plaats",
        "channel": "written",
        "received_on": "2026-03-02",
        "summary": "Bezwaar.",
    }
    # Before the notice: refused, nothing recorded.
    client.force_login(world.case_manager)
    url = reverse("workflow:designation_view_create", args=[deadlocked.pk])
    response = client.post(url, view, follow=True)
    assert "De zienswijzetermijn is nog niet begonnen" in response.content.decode()
    assert not DesignationView.objects.exists()
    # From 2 March six weeks end on Sunday 12 April: the period runs to Monday 13.
    open_consultation(deadlocked, world.ministry)
    client.force_login(world.a_signatory)
    response = client.post(url, view)
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        casework.designation_record_view(
            location=deadlocked,
            actor=world.viewer,
            submitted_by="B",
            sender_address="Straat 2, Plaats",
            received_on=datetime.date(2026, 3, 2),
            summary="Bezwaar.",
        )
    assert not DesignationView.objects.exists()


def test_a_view_received_after_the_period_is_recorded_marked_late(
    world, deadlocked, time_machine, django_capture_on_commit_callbacks
):
    """After the period (ended 13 April): an e-mail received on the 14th is late; a
    letter posted on the 13th and received on the 20th is on time (6:9 Awb); a
    letter posted on the 14th is late. Late views are recorded, marked, answered."""
    with django_capture_on_commit_callbacks(execute=True):
        fire(world.ministry, deadlocked, "start_designation", **DESIGNATION)
    designation = open_consultation(deadlocked, world.ministry)
    assert designation.consultation_ends_on == datetime.date(2026, 4, 13)
    time_machine.move_to(at("2026-04-21"), tick=False)

    def record(who, channel, received_on, sent_on=None):
        return casework.designation_record_view(
            location=deadlocked,
            actor=world.case_manager,
            submitted_by=who,
            sender_address=f"{who}, Straat 1",
            channel=channel,
            sent_on=sent_on,
            received_on=received_on,
            summary=f"Zienswijze van {who}.",
        )

    assert record("E-mail", "email", datetime.date(2026, 4, 14)).late is True
    assert (
        record(
            "Brief op tijd",
            "written",
            datetime.date(2026, 4, 20),
            sent_on=datetime.date(2026, 4, 13),
        ).late
        is False
    )
    assert (
        record(
            "Brief te laat",
            "written",
            datetime.date(2026, 4, 16),
            sent_on=datetime.date(2026, 4, 14),
        ).late
        is True
    )
    assert record("Mondeling", "oral", datetime.date(2026, 4, 13)).late is False
    event = AuditEvent.objects.filter(action="view_recorded").order_by("pk").first()
    assert event.data["late"] is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sender_address": ""}, "adres"),
        ({"channel": "fax"}, "written"),
        ({"sent_on": datetime.date(2026, 3, 4)}, "niet later verzonden"),
        ({"channel": "email", "sent_on": datetime.date(2026, 3, 2)}, "schriftelijke"),
        ({"received_on": datetime.date(2026, 3, 1)}, "vanaf het begin"),
    ],
    ids=["no-address", "channel", "sent-after-received", "sent-on-email", "early"],
)
def test_a_view_with_bad_dates_or_fields_is_400(
    world, deadlocked, time_machine, change, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fire(world.ministry, deadlocked, "start_designation", **DESIGNATION)
    open_consultation(deadlocked, world.ministry)
    time_machine.move_to(at("2026-03-05"), tick=False)
    with pytest.raises(InvalidInput, match=message):
        casework.designation_record_view(
            location=deadlocked,
            actor=world.case_manager,
            **{
                "submitted_by": "A",
                "sender_address": "Straat 1",
                "channel": "written",
                "received_on": datetime.date(2026, 3, 3),
                "summary": "Bezwaar.",
                **change,
            },
        )
    assert not DesignationView.objects.exists()
