"""Every kind of task `GET /api/v1/tasks/` lists is done through
`POST /api/v1/tasks/{id}/complete/` with the body of its kind (issue 12, item 5): the
revision of a rejected agreement and the four tasks of the escalation branch
(consultation, resumption, intervention, final decision), with the page's rules and
its permissions: 404 for a task you may not see (a party, an internal procedure),
403 not yours, 409 done, 400 a bad body; a refusal changes nothing."""

from __future__ import annotations

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import services as casework
from casework.constants import Stage
from casework.models import (
    AgreementVersion,
    ConsultationOutcome,
    Designation,
    DesignationView,
    Escalation,
    VersionStatus,
)
from documents.constants import DocumentKind
from documents.models import Document
from workflows.api import COMPLETION_BODIES, TaskKind
from workflows.api import api_task_kind as task_kind
from workflows.escalation import DesignationFlow, EscalationFlow
from workflows.flows import BottleneckActionFlow
from workflows.services import flow_classes

from ..conftest import token_client
from ..escalation.helpers import (
    DESIGNATION,
    designation_process,
    escalation_process,
    fire,
    human_task,
)
from ..factories import user_with_role
from ..scenarios import bring_to
from .api_helpers import (
    approval_task,
    assert_error,
    open_round,
    revise_tasks,
    task_ids,
)
from .api_helpers import unchanged as tasks_unchanged
from .rounds import at, sweep

pytestmark = pytest.mark.django_db


class unchanged(tasks_unchanged):
    """Nothing at all changed: tasks, versions, approvals, audit trail, stages (see
    `api_helpers.state`), and the escalation branch's records and documents."""

    @staticmethod
    def branch():
        return {
            "escalations": list(
                Escalation.objects.values_list(
                    "pk", "consultation_outcome", "consultation_held_on", "closed_at"
                ).order_by("pk")
            ),
            "designations": list(
                Designation.objects.values_list(
                    "pk",
                    "instrument",
                    "decision_sha256",
                    "decided_at",
                    "decision_response",
                    "consultation_ends_on",
                    "closed_at",
                ).order_by("pk")
            ),
            "views": list(
                DesignationView.objects.values_list("pk", "answer").order_by("pk")
            ),
            "documents": Document.objects.count(),
        }

    def __enter__(self):
        self.branch_before = self.branch()
        return super().__enter__()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            assert self.branch() == self.branch_before
        return super().__exit__(exc_type, exc, tb)


def complete(client, task, body, **kwargs):
    pk = getattr(task, "pk", task)
    return client.post(f"/api/v1/tasks/{pk}/complete/", body, format="json", **kwargs)


def listed(user) -> list[dict]:
    response = token_client(user).get("/api/v1/tasks/")
    assert response.status_code == 200, response.content
    return response.json()


def hidden_like_missing(client, task, body) -> None:
    """The task answers exactly as one that does not exist."""
    hidden = complete(client, task, body)
    missing = complete(client, 999_999, body)
    assert_error(hidden, 404)
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


# --- Every kind has its body ----------------------------------------------------------------


def test_every_human_task_of_every_flow_has_a_kind_and_a_body():
    """The class, not the examples: no flow has a human task the API lists but
    cannot complete."""
    human_nodes = [
        node
        for flow_class in flow_classes()
        for node in flow_class.instance.nodes()
        if getattr(node, "task_type", None) == "HUMAN"
    ]
    assert len(human_nodes) == 8
    kinds = {task_kind(Task(flow_task=node)) for node in human_nodes}
    assert kinds == {value for value, _label in TaskKind.choices}
    assert set(COMPLETION_BODIES) == kinds


# --- Revising a rejected agreement ----------------------------------------------------------


@pytest.fixture
def rejected(world):
    """A heads of agreement rejected by organisation B: the case manager's revise task."""
    body = open_round(world)
    response = complete(
        token_client(world.b_signatory),
        approval_task(body["id"], world.org_b),
        {"decision": "reject", "comment": "De grondprijs ontbreekt."},
    )
    assert response.status_code == 200, response.content
    return body


def revision(world, **extra) -> dict:
    return {
        "kind": "revise",
        "title": "Hoofdlijnenakkoord Eigen Locatie, herzien",
        "text": "Met de grondprijs van 450 euro per m².",
        "commitments": [
            {
                "party": world.org_a.pk,
                "description": "De gemeente levert de grond.",
                "due_date": "2026-09-01",
            },
            {
                "party": world.org_b.pk,
                "description": "De ontwikkelaar bouwt.",
                "due_date": "2027-03-01",
                "depends_on": [0],
            },
        ],
        **extra,
    }


def test_a_revision_through_the_api_opens_the_next_round(world, rejected):
    revise = revise_tasks(world.own).get()
    (row,) = listed(world.case_manager)
    assert (row["id"], row["kind"], row["complete_url"]) == (
        revise.pk,
        "revise",
        f"/api/v1/tasks/{revise.pk}/complete/",
    )
    client = token_client(world.case_manager)
    response = client.post(row["complete_url"], revision(world), format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["status"]) == ("revise", "done")

    revise.refresh_from_db()
    assert revise.status == STATUS.DONE
    new = AgreementVersion.objects.get(pk=revise.data["revised_by_version"])
    assert (new.number, new.status, new.text) == (
        2,
        VersionStatus.IN_APPROVAL,
        "Met de grondprijs van 450 euro per m².",
    )
    first, second = new.commitments.order_by("id")
    assert list(second.depends_on.all()) == [first]
    # The parties find the new version in their inboxes; the case manager is done.
    assert task_ids(token_client(world.a_signatory)) == [
        approval_task(new.pk, world.org_a).pk
    ]
    assert listed(world.case_manager) == []
    with unchanged():
        assert "al gedaan" in assert_error(
            client.post(row["complete_url"], revision(world), format="json"), 409
        )


@pytest.mark.parametrize(
    ("change", "word"),
    [
        (lambda body: {k: v for k, v in body.items() if k != "text"}, "text"),
        (lambda body: {**body, "title": ""}, "title"),
        (
            lambda body: {
                **body,
                "commitments": [{**body["commitments"][0], "party": 999_999}],
            },
            "partij",
        ),
        (lambda body: {"decision": "approve"}, "title"),
        (lambda body: {**body, "kind": "approval"}, "revise"),
    ],
    ids=[
        "no-text",
        "empty-title",
        "no-party",
        "an-approval-body",
        "another-kind",
    ],
)
def test_a_bad_revision_is_400_and_changes_nothing(world, rejected, change, word):
    revise = revise_tasks(world.own).get()
    with unchanged():
        detail = assert_error(
            complete(token_client(world.case_manager), revise, change(revision(world))),
            400,
        )
    assert word in detail


def test_a_revision_by_anyone_else_is_refused(world, rejected):
    revise = revise_tasks(world.own).get()
    other = user_with_role("case_manager", username="procesregisseur-2")
    with unchanged():
        # Not theirs (it is the submitting case manager's), whatever the body.
        for who in (other, world.a_signatory, world.ministry):
            assert_error(complete(token_client(who), revise, revision(world)), 403)
            assert_error(complete(token_client(who), revise, {}), 403)
        hidden_like_missing(token_client(world.outsider), revise, revision(world))


# --- The escalation branch ------------------------------------------------------------------


@pytest.fixture
def escalated(world, time_machine, django_capture_on_commit_callbacks):
    """The own location escalated on 2 March 2026: the consultation task is open."""
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


def consultation(**extra) -> dict:
    return {
        "kind": "consultation",
        "held_on": "2026-03-02",
        "participants": "Minister, gedeputeerde, wethouder.",
        "outcome": ConsultationOutcome.DEADLOCK_REMAINS,
        "summary": "Partijen blijven verdeeld over het tekort.",
        **extra,
    }


def test_the_consultation_through_the_api(world, escalated):
    consult = human_task(escalation_process(escalated), EscalationFlow.instance.consult)
    (row,) = listed(world.case_manager)
    assert (row["id"], row["kind"], row["location"]["id"]) == (
        consult.pk,
        "consultation",
        escalated.pk,
    )
    # The parties do not learn the procedure's tasks exist; the ministry's role is
    # not the case manager's.
    with unchanged():
        for party in (world.a_signatory, world.b_member, world.outsider):
            hidden_like_missing(token_client(party), consult, consultation())
        assert_error(
            complete(token_client(world.ministry), consult, consultation()), 403
        )

    response = complete(token_client(world.case_manager), consult, consultation())
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["status"]) == (
        "consultation",
        "done",
    )
    escalation = Escalation.objects.get(location=escalated)
    assert (escalation.consultation_outcome, escalation.consultation_held_on) == (
        ConsultationOutcome.DEADLOCK_REMAINS,
        datetime.date(2026, 3, 2),
    )
    event = escalated.audit_events.get(action="consultation_recorded")
    assert event.reason == "Partijen blijven verdeeld over het tekort."
    # The deadlock goes to the ministry.
    assert [row["kind"] for row in listed(world.ministry)] == ["intervention"]
    with unchanged():
        assert_error(
            complete(token_client(world.case_manager), consult, consultation()), 409
        )


@pytest.mark.parametrize(
    ("body", "word"),
    [
        (consultation(held_on="2026-03-03"), "toekomst"),
        (consultation(held_on="3 maart"), "held_on"),
        (consultation(outcome="maybe"), "outcome"),
        (consultation(participants="   "), "participants"),
        ({"kind": "consultation"}, "held_on"),
        ({**consultation(), "kind": "intervention"}, "consultation"),
        ({"decision": "approve"}, "held_on"),
    ],
    ids=[
        "in-the-future",
        "not-a-date",
        "unknown-outcome",
        "blank-participants",
        "empty",
        "another-kind",
        "an-approval-body",
    ],
)
def test_a_bad_consultation_is_400_and_changes_nothing(world, escalated, body, word):
    consult = human_task(escalation_process(escalated), EscalationFlow.instance.consult)
    with unchanged():
        detail = assert_error(
            complete(token_client(world.case_manager), consult, body), 400
        )
    assert word in detail
    assert listed(world.case_manager)[0]["id"] == consult.pk


@pytest.fixture
def deadlocked(world, escalated):
    """The consultation recorded as deadlock: the ministry's intervention task."""
    consult = human_task(escalation_process(escalated), EscalationFlow.instance.consult)
    response = complete(token_client(world.case_manager), consult, consultation())
    assert response.status_code == 200, response.content
    return escalated


def intervention(**extra) -> dict:
    return {
        "kind": "intervention",
        "decision": "start_designation",
        "reason": "De impasse blijft na het bestuurlijk overleg.",
        "note": "Intern: juridische toets afgerond.",
        **DESIGNATION,
        **extra,
    }


def test_the_intervention_decision_through_the_api(
    world, deadlocked, django_capture_on_commit_callbacks
):
    intervene = human_task(
        escalation_process(deadlocked), EscalationFlow.instance.intervene
    )
    (row,) = listed(world.ministry)
    assert (row["id"], row["kind"]) == (intervene.pk, "intervention")
    with unchanged():
        for party in (world.a_signatory, world.outsider):
            hidden_like_missing(token_client(party), intervene, intervention())
        assert_error(
            complete(token_client(world.case_manager), intervene, intervention()), 403
        )

    with django_capture_on_commit_callbacks(execute=True):
        response = complete(token_client(world.ministry), intervene, intervention())
    assert response.status_code == 200, response.content
    deadlocked.refresh_from_db()
    assert deadlocked.stage == Stage.DESIGNATION_PROCEDURE
    designation = Designation.objects.get(location=deadlocked)
    assert (designation.instrument, designation.legal_basis) == (
        "instruction",
        DESIGNATION["legal_basis"],
    )
    intervene.refresh_from_db()
    assert intervene.data["note"] == "Intern: juridische toets afgerond."
    # The draft decision is frozen by the procedure's flow.
    assert Document.objects.filter(
        location=deadlocked, kind=DocumentKind.DRAFT_DESIGNATION
    ).exists()
    with unchanged():
        assert_error(
            complete(token_client(world.ministry), intervene, intervention()), 409
        )


@pytest.mark.parametrize(
    ("body", "word"),
    [
        (intervention(instrument=""), "instrument"),
        ({**intervention(), "instrument": "decree"}, "instrument"),
        (intervention(legal_basis=""), "grondslag"),
        (intervention(reason=""), "reason"),
        (intervention(decision="designate"), "decision"),
        (intervention(decision="approve"), "decision"),
    ],
    ids=[
        "no-instrument",
        "unknown-instrument",
        "no-legal-basis",
        "no-reason",
        "not-an-intervention",
        "an-approval",
    ],
)
def test_a_bad_intervention_is_400_and_changes_nothing(world, deadlocked, body, word):
    intervene = human_task(
        escalation_process(deadlocked), EscalationFlow.instance.intervene
    )
    with unchanged():
        detail = assert_error(
            complete(token_client(world.ministry), intervene, body), 400
        )
    assert word in detail


def test_after_a_breakthrough_the_ministry_resumes_through_the_api(world, escalated):
    consult = human_task(escalation_process(escalated), EscalationFlow.instance.consult)
    response = complete(
        token_client(world.case_manager),
        consult,
        consultation(outcome=ConsultationOutcome.BREAKTHROUGH),
    )
    assert response.status_code == 200, response.content
    resume = human_task(escalation_process(escalated), EscalationFlow.instance.resume)
    (row,) = listed(world.ministry)
    assert (row["id"], row["kind"]) == (resume.pk, "resume_negotiation")
    body = {"kind": "resume_negotiation", "reason": "Doorbraak aan tafel."}
    with unchanged():
        assert_error(complete(token_client(world.case_manager), resume, body), 403)
        hidden_like_missing(token_client(world.a_signatory), resume, body)
        assert "reason" in assert_error(
            complete(
                token_client(world.ministry), resume, {"kind": "resume_negotiation"}
            ),
            400,
        )
        assert "reason" in assert_error(
            complete(token_client(world.ministry), resume, {**body, "reason": " "}),
            400,
        )

    response = complete(token_client(world.ministry), resume, body)
    assert response.status_code == 200, response.content
    escalated.refresh_from_db()
    assert escalated.stage == Stage.NEGOTIATION
    assert escalated.audit_events.filter(
        transition="resume_negotiation", reason="Doorbraak aan tafel."
    ).exists()
    assert listed(world.ministry) == []


@pytest.fixture
def decidable(world, deadlocked, time_machine, django_capture_on_commit_callbacks):
    """The designation procedure started through the API, its notice recorded
    through the API (the period from 2 March to 13 April, posted views until 20
    April), two views; the postal week has passed and the timer fired: the
    ministry's final decision task is open."""
    intervene = human_task(
        escalation_process(deadlocked), EscalationFlow.instance.intervene
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = complete(token_client(world.ministry), intervene, intervention())
    assert response.status_code == 200, response.content
    response = token_client(world.ministry).post(
        f"/api/v1/locations/{deadlocked.pk}/designation/notice/",
        {
            "published_on": "2026-03-02",
            "journal": "staatscourant",
            "reference": "Stcrt. 2026, 4321",
            "open_on": "2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["decision_possible_on"] == "2026-04-21"
    time_machine.move_to(at("2026-03-05"), tick=False)
    for who, received_on in (("Buurtvereniging", 3), ("Waterschap", 4)):
        casework.designation_record_view(
            location=deadlocked,
            actor=world.case_manager,
            submitted_by=who,
            sender_address=f"{who}, Postbus 1",
            received_on=datetime.date(2026, 3, received_on),
            summary=f"Zienswijze van {who}.",
        )
    time_machine.move_to(at("2026-04-21", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    return deadlocked


def every_answer() -> list[dict]:
    return [
        {"view": pk, "answer": f"Antwoord op zienswijze {pk}."}
        for pk in DesignationView.objects.order_by("pk").values_list("pk", flat=True)
    ]


def final_decision(**extra) -> dict:
    return {
        "kind": "designation_decision",
        "decision": "designate",
        "reason": "Aanwijzing na afloop van de zienswijzetermijn.",
        "response": "De zienswijzen geven geen reden af te zien van de aanwijzing.",
        **extra,
    }


def test_the_final_decision_through_the_api(
    world, decidable, django_capture_on_commit_callbacks
):
    decide = human_task(designation_process(decidable), DesignationFlow.instance.decide)
    (row,) = listed(world.ministry)
    assert (row["id"], row["kind"], row["complete_url"]) == (
        decide.pk,
        "designation_decision",
        f"/api/v1/tasks/{decide.pk}/complete/",
    )
    with unchanged():
        for party in (world.a_signatory, world.outsider):
            hidden_like_missing(token_client(party), decide, final_decision())
        assert_error(
            complete(token_client(world.case_manager), decide, final_decision()), 403
        )

    with django_capture_on_commit_callbacks(execute=True):
        response = complete(
            token_client(world.ministry),
            decide,
            final_decision(answers=every_answer()),
        )
    assert response.status_code == 200, response.content
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATED
    assert sorted(DesignationView.objects.values_list("answer", flat=True)) == sorted(
        item["answer"] for item in every_answer()
    )
    final = Document.objects.get(
        location=decidable, kind=DocumentKind.FINAL_DESIGNATION
    )
    assert Designation.objects.get(location=decidable).decision_sha256 == final.sha256
    with unchanged():
        assert_error(
            complete(token_client(world.ministry), decide, final_decision()), 409
        )


@pytest.mark.parametrize(
    ("body", "word"),
    [
        (final_decision(response=""), "zienswijzen"),
        (final_decision(reason=""), "reason"),
        (final_decision(decision="start_designation"), "decision"),
        ({"kind": "designation_decision", "decision": "designate"}, "reason"),
    ],
    ids=["designate-without-response", "no-reason", "not-a-final-decision", "bare"],
)
def test_a_bad_final_decision_is_400_and_changes_nothing(world, decidable, body, word):
    decide = human_task(designation_process(decidable), DesignationFlow.instance.decide)
    with unchanged():
        detail = assert_error(complete(token_client(world.ministry), decide, body), 400)
    assert word in detail


def test_a_final_decision_that_leaves_a_view_unanswered_is_409_naming_it(
    world, decidable
):
    decide = human_task(designation_process(decidable), DesignationFlow.instance.decide)
    first, _second = every_answer()
    for answers in ([], [first]):
        with unchanged():
            detail = assert_error(
                complete(
                    token_client(world.ministry),
                    decide,
                    final_decision(answers=answers),
                ),
                409,
            )
        assert "Waterschap (ontvangen op 4 maart 2026)" in detail
        assert ("Buurtvereniging" in detail) is (not answers)
    # An answer to a view of another procedure is bad input.
    with unchanged():
        detail = assert_error(
            complete(
                token_client(world.ministry),
                decide,
                final_decision(
                    answers=[*every_answer(), {"view": 999_999, "answer": "Nee."}]
                ),
            ),
            400,
        )
    assert "999999" in detail


def test_the_final_decision_may_also_refrain_from_designating(
    world, decidable, django_capture_on_commit_callbacks
):
    decide = human_task(designation_process(decidable), DesignationFlow.instance.decide)
    with django_capture_on_commit_callbacks(execute=True):
        response = complete(
            token_client(world.ministry),
            decide,
            {
                "kind": "designation_decision",
                "decision": "withdraw",
                "reason": "Het plan is niet meer haalbaar.",
            },
        )
    assert response.status_code == 200, response.content
    decidable.refresh_from_db()
    assert decidable.stage == Stage.WITHDRAWN
    assert not Document.objects.filter(kind=DocumentKind.FINAL_DESIGNATION).exists()


# --- The kinds of the first release, with their `kind` given ---------------------------------


def test_approval_and_action_bodies_may_name_their_kind(world):
    from .test_tasks_api import start_action

    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    client = token_client(world.a_signatory)
    with unchanged():
        assert "approval" in assert_error(
            complete(client, task, {"kind": "action", "decision": "approve"}), 400
        )
    response = complete(client, task, {"kind": "approval", "decision": "approve"})
    assert response.status_code == 200, response.content

    action = start_action(world)
    perform = Task.objects.get(
        flow_task=BottleneckActionFlow.instance.perform, process__data__action=action.pk
    )
    response = complete(
        token_client(world.a_member),
        perform,
        {"kind": "action", "outcome": "help", "report": "Wie heeft de netkaart?"},
    )
    assert response.status_code == 200, response.content
    review = Task.objects.get(
        flow_task=BottleneckActionFlow.instance.review, process__data__action=action.pk
    )
    response = complete(
        token_client(world.case_manager),
        review,
        {"kind": "action_review", "decision": "accept"},
    )
    assert response.status_code == 200, response.content
