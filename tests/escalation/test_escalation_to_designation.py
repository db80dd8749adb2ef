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
from permissions.errors import Conflict
from workflows.escalation import DesignationFlow, EscalationFlow

from ..conftest import token_client
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
    # No notice yet: the period has not started and has no end.
    assert designation.consultation_starts_on is None
    assert designation.consultation_ends_on is None

    # The draft decision is frozen; it names no dates, the notice will.
    draft = document(location, DocumentKind.DRAFT_DESIGNATION)
    designation.refresh_from_db()
    assert designation.draft_sha256 == draft.sha256
    draft_text = compact_text_of(assert_frozen(draft))
    for expected in (
        "Instructie(besluit)",
        DESIGNATION["legal_basis"],
        DESIGNATION["national_interest"],
        "kennisgeving",
        "ONTWERP",
    ):
        assert compact(expected) in draft_text, expected
    procedure = designation_process(location)
    (timer,) = open_tasks_of(location)
    assert timer.flow_task == DesignationFlow.instance.consultation_period
    assert timer.status == STATUS.SCHEDULED
    assert timer.scheduled.date() > datetime.date(2090, 1, 1)  # waits for the notice

    # Before the notice no view can be recorded, and the page says why.
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    assert "De zienswijzetermijn is nog niet begonnen" in page
    with pytest.raises(Conflict, match="nog niet begonnen"):
        casework.designation_record_view(
            location=location,
            actor=world.ministry,
            submitted_by="Gemeente A",
            sender_address="Postbus 1, Gemeente A",
            received_on=datetime.date(2026, 3, 16),
            summary="Te vroeg.",
        )
    assert not DesignationView.objects.exists()

    # The ministry records the notice: published on the 16th, the draft lies open
    # from the 17th. Six weeks from 17 March end on 27 April, Koningsdag: the
    # period runs to Tuesday 28 April (Atw); a posted view may arrive until 5 May.
    time_machine.move_to(at("2026-03-17", 10), tick=False)
    response = token_client(world.ministry).post(
        f"/api/v1/locations/{location.pk}/designation/notice/",
        {
            "published_on": "2026-03-16",
            "journal": "staatscourant",
            "reference": "Stcrt. 2026, 12345",
            "open_on": "2026-03-17",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "designation": designation.pk,
        "notice_published_on": "2026-03-16",
        "notice_journal": "staatscourant",
        "notice_reference": "Stcrt. 2026, 12345",
        "draft_open_on": "2026-03-17",
        "consultation_starts_on": "2026-03-17",
        "consultation_ends_on": "2026-04-28",
        "views_until": "2026-05-05",
        "decision_possible_on": "2026-05-06",
    }
    timer.refresh_from_db()
    assert timer.scheduled == at("2026-05-06", 8)  # after the postal week
    notice = AuditEvent.objects.get(location=location, action="notice_published")
    assert notice.actor == world.ministry
    assert notice.data["consultation_ends_on"] == "2026-04-28"

    # Views are recorded during the period: on the location page and by the ministry.
    time_machine.move_to(at("2026-03-20"), tick=False)
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    assert "28 april 2026" in page
    response = client.post(
        reverse("workflow:designation_view_create", args=[location.pk]),
        {
            "submitted_by": "Bewonersvereniging Eigen Locatie",
            "sender_address": "Dorpsstraat 1, 1234 AB Eigen",
            "channel": "written",
            "sent_on": "2026-03-19",
            "received_on": "2026-03-20",
            "summary": "Vraagt om meer groen in het plan.",
        },
    )
    assert response.status_code == 302
    casework.designation_record_view(
        location=location,
        actor=world.ministry,
        submitted_by="Gemeente A",
        sender_address="gemeente@example.org",
        channel="email",
        received_on=datetime.date(2026, 3, 17),
        summary="De gemeente betwist het nationaal belang.",
    )
    # Posted on the last day, received five days after it: on time (6:9 Awb).
    time_machine.move_to(at("2026-05-03", 12), tick=False)
    postal = casework.designation_record_view(
        location=location,
        actor=world.case_manager,
        submitted_by="Stichting Polderlandschap",
        sender_address="Postbus 99, 1000 AB Amsterdam",
        channel="written",
        sent_on=datetime.date(2026, 4, 28),
        received_on=datetime.date(2026, 5, 3),
        summary="Vraagt de polderstructuur te behouden.",
    )
    assert postal.late is False
    assert DesignationView.objects.filter(designation=designation).count() == 3
    assert not DesignationView.objects.filter(late=True).exists()

    # Designating before the postal week has passed: 409 with the day it can.
    time_machine.move_to(at("2026-05-05", 23, 59), tick=False)
    response = fire(world.ministry, location, "designate")
    assert response.status_code == 409
    assert "6 mei 2026" in response.json()["detail"]
    assert sweep() == 0

    # The morning after the postal week the timer fires: the ministry's task appears.
    time_machine.move_to(at("2026-05-06", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    decide = human_task(procedure, DesignationFlow.instance.decide)
    assert decide.owner == world.ministry
    assert decide.data["due"] == "2026-05-21"  # 10 working days (Hemelvaart 14 May)
    assert (
        AuditEvent.objects.filter(location=location, action="consultation_period_ended")
        .get()
        .data["views"]
        == 3
    )

    client.force_login(world.ministry)
    url = open_task(client, decide)
    page = client.get(url).content.decode()
    assert "Bewonersvereniging Eigen Locatie" in page
    views = {v.submitted_by: v for v in DesignationView.objects.all()}
    answers = {
        "Bewonersvereniging Eigen Locatie": "Het groen wordt in het omgevingsplan geborgd.",
        "Gemeente A": "Het nationaal belang is in het ontwerp onderbouwd.",
        "Stichting Polderlandschap": "De polderstructuur blijft herkenbaar.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "decision": "designate",
                "response": "De zienswijzen zijn alle beantwoord.",
                "reason": "Aanwijzing na afloop van de zienswijzetermijn.",
                "confirm": "on",
                **{f"answer_{views[who].pk}": text for who, text in answers.items()},
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
        "Vraagt de polderstructuur te behouden.",
        *answers.values(),
        "De zienswijzen zijn alle beantwoord.",
        "Stcrt. 2026, 12345",
        draft.sha256,
    ):
        assert compact(expected) in final_text, expected
    attachment = json_attachment(final_pdf, "aanwijzingsbesluit.json")
    assert attachment["draft_sha256"] == draft.sha256
    assert attachment["consultation"]["until"] == "2026-04-28"
    assert {v["submitted_by"]: v["answer"] for v in attachment["views"]} == answers
    # The addresses are for sending the decision, not for the published document.
    assert "Postbus 99" not in final_text
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
        ("notice_published", "", "ministerie"),
        ("view_recorded", "", "procesregisseur"),
        ("view_recorded", "", "ministerie"),
        ("view_recorded", "", "procesregisseur"),
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
