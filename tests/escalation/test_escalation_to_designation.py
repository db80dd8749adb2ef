"""The escalation branch end to end (design §4, issue 5): a location deadlocks in two
rejected rounds, the detector raises the signal, the ministry escalates, the evidence
dossier is frozen, the consultation ends in deadlock, the ministry starts the
designation procedure, views are recorded during the consultation period, the timer
ends the period, and the ministry takes the final decision and designates. Time is
frozen and moved with time-machine; timers fire as `workflow_timers` fires them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.status import PROCESS, STATUS

from casework import services as casework
from casework.constants import ImpasseRule, Stage
from casework.impasses import detect_impasses
from casework.models import (
    AuditEvent,
    Designation,
    DesignationView,
    Escalation,
    ImpasseSignal,
    Location,
)
from documents.constants import DocumentKind
from workflows.escalation import DesignationFlow, EscalationFlow

from ..documents.pdf import compact, compact_text_of, json_attachment
from ..scenarios import bring_to
from ..workflows.pages import open_task
from ..workflows.rounds import at, sweep
from .helpers import (
    DESIGNATION,
    REASON_ONE,
    REASON_TWO,
    assert_frozen,
    designation_process,
    document,
    escalation_process,
    fire,
    human_task,
    open_tasks_of,
    reject_twice,
)

pytestmark = pytest.mark.django_db


def test_from_two_rejected_rounds_to_designation(
    client, world, time_machine, django_capture_on_commit_callbacks
):
    location = world.own
    time_machine.move_to(at("2026-03-02"), tick=False)
    bring_to(
        location,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    reject_twice(location, world.case_manager, world.org_a, world.org_b)

    # The detector sees the deadlock.
    time_machine.move_to(at("2026-03-05"), tick=False)
    detect_impasses()
    (signal,) = ImpasseSignal.objects.filter(location=location, closed_at=None)
    assert signal.rule == ImpasseRule.REJECTED_TWICE

    # The ministry escalates; the flow starts once the escalation has committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = fire(world.ministry, location, "escalate")
    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "escalated"}
    escalation = Escalation.objects.get(location=location)
    signal.refresh_from_db()
    assert signal.escalation == escalation

    # The evidence dossier is frozen: its hash links it to the escalation.
    dossier = document(location, DocumentKind.EVIDENCE_DOSSIER)
    escalation.refresh_from_db()
    assert escalation.dossier_sha256 == dossier.sha256
    pdf = assert_frozen(dossier)
    text = compact_text_of(pdf)
    for expected in (
        REASON_ONE,
        REASON_TWO,
        "Gemeente A",
        "Ontwikkelaar B",
        signal.message,
        "Test: escalate.",
    ):
        assert compact(expected) in text, expected
    data = json_attachment(pdf, "bewijsdossier.json")
    assert [
        r["reason"] for v in data["rejected_versions"] for r in v["rejections"]
    ] == [REASON_ONE, REASON_TWO]
    assert data["escalation"]["id"] == escalation.pk

    # The case manager records the consultation on the task page: deadlock remains.
    process = escalation_process(location)
    consult = human_task(process, EscalationFlow.instance.consult)
    assert consult.owner == world.case_manager  # the only case manager
    assert consult.data["due"] == "2026-04-02"  # 20 working days
    client.force_login(world.case_manager)
    url = open_task(client, consult)
    page = client.get(url)
    assert "Bestuurlijk overleg vastleggen" in page.content.decode()
    time_machine.move_to(at("2026-03-12"), tick=False)
    response = client.post(
        url,
        {
            "held_on": "2026-03-11",
            "participants": "Minister, gedeputeerde, wethouder, directie B.",
            "outcome": "deadlock_remains",
            "summary": "Partijen blijven verdeeld over het tekort.",
        },
    )
    assert response.status_code == 302, response.content
    escalation.refresh_from_db()
    assert escalation.consultation_outcome == "deadlock_remains"
    assert escalation.consultation_held_on == datetime.date(2026, 3, 11)

    # The ministry decides on intervention: start the designation procedure.
    intervene = human_task(process, EscalationFlow.instance.intervene)
    assert intervene.owner == world.ministry
    client.force_login(world.ministry)
    url = open_task(client, intervene)
    time_machine.move_to(at("2026-03-16"), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "decision": "start_designation",
                "reason": "De impasse blijft na het bestuurlijk overleg.",
                "note": "Intern: juridische toets afgerond.",
                **DESIGNATION,
            },
        )
    assert response.status_code == 302, response.content
    location.refresh_from_db()
    assert location.stage == Stage.DESIGNATION_PROCEDURE
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    designation = Designation.objects.get(location=location)
    assert designation.consultation_ends_on == datetime.date(2026, 4, 27)  # 42 days

    # The draft decision is frozen and lies open for views until the timer fires.
    draft = document(location, DocumentKind.DRAFT_DESIGNATION)
    designation.refresh_from_db()
    assert designation.draft_sha256 == draft.sha256
    draft_text = compact_text_of(assert_frozen(draft))
    for expected in (
        "Instructie(besluit)",
        DESIGNATION["legal_basis"],
        DESIGNATION["national_interest"],
        "27 april 2026",
        "ONTWERP",
    ):
        assert compact(expected) in draft_text, expected
    procedure = designation_process(location)
    (timer,) = open_tasks_of(location)
    assert timer.flow_task == DesignationFlow.instance.consultation_period
    assert timer.status == STATUS.SCHEDULED
    assert timer.scheduled == at("2026-04-28", 8)

    # Views are recorded during the period: on the location page and by the ministry.
    time_machine.move_to(at("2026-03-20"), tick=False)
    client.force_login(world.case_manager)
    response = client.post(
        reverse("workflow:designation_view_create", args=[location.pk]),
        {
            "submitted_by": "Bewonersvereniging Eigen Locatie",
            "submitted_on": "2026-03-20",
            "summary": "Vraagt om meer groen in het plan.",
        },
    )
    assert response.status_code == 302
    casework.designation_record_view(
        location=location,
        actor=world.ministry,
        submitted_by="Gemeente A",
        submitted_on=datetime.date(2026, 3, 16),
        summary="De gemeente betwist het nationaal belang.",
    )
    assert DesignationView.objects.filter(designation=designation).count() == 2

    # Designating before the period has passed: 409 with the date it ends.
    time_machine.move_to(at("2026-04-27", 23, 59), tick=False)
    response = fire(world.ministry, location, "designate")
    assert response.status_code == 409
    assert "27 april 2026" in response.json()["detail"]
    assert sweep() == 0

    # The morning after the period the timer fires: the ministry's task appears.
    time_machine.move_to(at("2026-04-28", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    decide = human_task(procedure, DesignationFlow.instance.decide)
    assert decide.owner == world.ministry
    assert decide.data["due"] == "2026-05-12"  # 10 working days
    assert (
        AuditEvent.objects.filter(location=location, action="consultation_period_ended")
        .get()
        .data["views"]
        == 2
    )

    client.force_login(world.ministry)
    url = open_task(client, decide)
    page = client.get(url).content.decode()
    assert "Bewonersvereniging Eigen Locatie" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "decision": "designate",
                "response": "Het groen wordt in het omgevingsplan geborgd.",
                "reason": "Aanwijzing na afloop van de zienswijzetermijn.",
                "confirm": "on",
            },
        )
    assert response.status_code == 302, response.content
    location.refresh_from_db()
    assert location.stage == Stage.DESIGNATED
    final = document(location, DocumentKind.FINAL_DESIGNATION)
    designation.refresh_from_db()
    assert designation.decision_sha256 == final.sha256
    assert designation.closed_at is not None
    final_pdf = assert_frozen(final)
    final_text = compact_text_of(final_pdf)
    for expected in (
        "Vraagt om meer groen in het plan.",
        "De gemeente betwist het nationaal belang.",
        "Het groen wordt in het omgevingsplan geborgd.",
        draft.sha256,
    ):
        assert compact(expected) in final_text, expected
    assert json_attachment(final_pdf, "aanwijzingsbesluit.json")["draft_sha256"] == (
        draft.sha256
    )
    procedure.refresh_from_db()
    assert procedure.status == PROCESS.DONE
    assert not open_tasks_of(location).exists()

    # The audit trail: every step with its actor, reason and frozen documents.
    events = list(
        AuditEvent.objects.filter(location=location, at__gte=at("2026-03-05"))
        .exclude(action__in=["deadline_passed", "party_added"])
        .order_by("at", "id")
        .values_list("action", "transition", "actor__username")
    )
    assert events == [
        ("transition", "escalate", "ministerie"),
        # The case manager's revision of the rejected round lapsed: no new version
        # can be submitted while the location is escalated.
        ("procedure_ended", "", "ministerie"),
        ("document_frozen", "", "ministerie"),
        ("consultation_recorded", "", "procesregisseur"),
        ("transition", "start_designation", "ministerie"),
        ("document_frozen", "", "ministerie"),
        ("view_recorded", "", "procesregisseur"),
        ("view_recorded", "", "ministerie"),
        ("consultation_period_ended", "", None),
        ("document_frozen", "", "ministerie"),
        ("transition", "designate", "ministerie"),
    ]
    designate = AuditEvent.objects.get(location=location, transition="designate")
    assert designate.reason == "Aanwijzing na afloop van de zienswijzetermijn."
    assert designate.data["decision_sha256"] == final.sha256
    escalate = AuditEvent.objects.get(location=location, transition="escalate")
    assert escalate.data["impasse_signals"] == [signal.pk]
    assert Location.objects.get(pk=location.pk).stage == Stage.DESIGNATED
