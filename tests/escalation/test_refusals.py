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
from casework.models import ConsultationOutcome, DesignationView
from documents.constants import DocumentKind
from documents.models import Document
from permissions.errors import Conflict, NotPermitted
from workflows.escalation import EscalationFlow

from ..conftest import token_client
from ..scenarios import bring_to, record_consultation, unchanged
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
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[deadlocked.pk])).content
    assert dossier.title in page.decode()
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


def test_views_only_by_case_manager_or_ministry_and_only_during_the_period(
    client, world, deadlocked, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fire(world.ministry, deadlocked, "start_designation", **DESIGNATION)
    client.force_login(world.a_signatory)
    url = reverse("workflow:designation_view_create", args=[deadlocked.pk])
    response = client.post(
        url,
        {"submitted_by": "A", "received_on": "2026-03-02", "summary": "Bezwaar."},
    )
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        casework.designation_record_view(
            location=deadlocked,
            actor=world.viewer,
            submitted_by="B",
            received_on=datetime.date(2026, 3, 2),
            summary="Bezwaar.",
        )
    time_machine.move_to(at("2026-04-14"), tick=False)  # the period ended on 13 April
    with pytest.raises(Conflict) as refused:
        casework.designation_record_view(
            location=deadlocked,
            actor=world.case_manager,
            submitted_by="C",
            received_on=datetime.date(2026, 4, 10),
            summary="Te laat vastgelegd.",
        )
    assert "13 april 2026" in refused.value.message
    assert not DesignationView.objects.exists()
