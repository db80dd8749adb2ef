"""API v1 for tasks (design §8): the user's open tasks, and doing one, with the
contract's status codes (403 not your organisation's task, 409 already decided or round
closed, 400 bad input, 404 invisible); a refused request changes nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.constants import ActionStatus
from casework.models import (
    AgreementVersion,
    Approval,
    AuditEvent,
    BottleneckAction,
    VersionStatus,
)
from permissions.constants import MembershipRole
from workflows import services as workflows

from ..conftest import token_client
from ..factories import person_of, user_with_role
from ..scenarios import add_bottleneck
from .api_helpers import (
    action_tasks,
    approval_task,
    assert_error,
    complete,
    draft,
    negotiating,
    open_round,
    revise_tasks,
    submit,
    task_ids,
    unchanged,
)

TASK_FIELDS = {
    "id",
    "kind",
    "complete_url",
    "location",
    "agreement",
    "action",
    "organisation",
    "due_date",
    "overdue",
    "status",
}


def start_action(world, *, assignee=None, due_on=datetime.date(2030, 1, 31)):
    """A breakthrough-agenda action for organisation A (two members: a queue task)."""
    location = negotiating(world)
    bottleneck = location.bottlenecks.first() or add_bottleneck(
        location, world.case_manager
    )
    process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=assignee or world.party_a,
        description="Vraag de netaansluiting aan.",
        due_on=due_on,
    )
    return BottleneckAction.objects.get(pk=process.data["action"])


# --- GET /api/v1/tasks/ --------------------------------------------------------------------


def test_list_shows_a_signatory_the_approval_task_of_the_organisation(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    response = token_client(world.a_signatory).get("/api/v1/tasks/")
    assert response.status_code == 200
    (row,) = response.json()
    assert set(row) == TASK_FIELDS
    assert row == {
        "id": task.pk,
        "kind": "approval",
        "complete_url": f"/api/v1/tasks/{task.pk}/complete/",
        "location": {"id": world.own.pk, "name": "Eigen Locatie"},
        "agreement": body["id"],
        "action": None,
        "organisation": {"id": world.org_a.pk, "name": "Gemeente A"},
        "due_date": task.data["due"],
        "overdue": False,
        "status": "assigned",
    }
    datetime.date.fromisoformat(row["due_date"])


@pytest.mark.parametrize(
    "who", ["a_member", "b_member", "case_manager", "ministry", "viewer", "outsider"]
)
def test_list_does_not_show_other_peoples_approval_tasks(world, who):
    open_round(world)
    assert task_ids(token_client(getattr(world, who))) == []


def test_the_queue_of_an_organisation_with_two_signatories(world):
    second = person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    assert task.status == STATUS.NEW and task.owner is None
    for signatory in (world.a_signatory, second):
        rows = token_client(signatory).get("/api/v1/tasks/").json()
        assert [(r["id"], r["status"]) for r in rows] == [(task.pk, "claimable")]
    assert task_ids(token_client(world.b_signatory)) == [
        approval_task(body["id"], world.org_b).pk
    ]
    assert task_ids(token_client(world.a_member)) == []

    # Doing a claimable task claims it: it is done by, and archived for, who did it.
    response = complete(token_client(second), task, decision="approve")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, second)
    assert Approval.objects.get().decided_by == second
    assert task_ids(token_client(world.a_signatory)) == []
    # The other signatory now finds it decided.
    with unchanged():
        assert_error(
            complete(
                token_client(world.a_signatory), task, decision="reject", comment="Nee."
            ),
            409,
        )


def test_list_shows_assigned_and_claimable_tasks_most_urgent_first(world):
    body = open_round(world)
    action = start_action(world, due_on=datetime.date(2026, 1, 15))
    rows = token_client(world.a_signatory).get("/api/v1/tasks/").json()
    perform = action_tasks(action).get()
    approval = approval_task(body["id"], world.org_a)
    expected = sorted(
        [
            (perform.pk, "claimable", "2026-01-15"),
            (approval.pk, "assigned", approval.data["due"]),
        ],
        key=lambda row: row[2],
    )
    assert [(r["id"], r["status"], r["due_date"]) for r in rows] == expected


def test_overdue_once_the_due_date_has_passed(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    due = datetime.date.fromisoformat(task.data["due"])
    client = token_client(world.a_signatory)

    def noon(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    with time_machine.travel(noon(due), tick=False):
        assert client.get("/api/v1/tasks/").json()[0]["overdue"] is False
    with time_machine.travel(noon(due + datetime.timedelta(days=1)), tick=False):
        assert client.get("/api/v1/tasks/").json()[0]["overdue"] is True


def test_session_auth(world):
    open_round(world)
    client = Client()
    client.force_login(world.b_signatory)
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    assert [row["kind"] for row in response.json()] == ["approval"]


def test_session_auth_writes_need_the_csrf_token(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a_signatory)
    with unchanged():
        response = client.post(
            f"/api/v1/tasks/{task.pk}/complete/",
            {"decision": "approve"},
            content_type="application/json",
        )
        assert "CSRF" in assert_error(response, 403)


# --- POST /api/v1/tasks/{id}/complete/: approvals ------------------------------------------


def test_approve_200(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    response = complete(
        token_client(world.a_signatory), task, decision="approve", comment="Prima."
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": task.pk,
        "kind": "approval",
        "complete_url": f"/api/v1/tasks/{task.pk}/complete/",
        "location": {"id": world.own.pk, "name": "Eigen Locatie"},
        "agreement": body["id"],
        "action": None,
        "organisation": {"id": world.org_a.pk, "name": "Gemeente A"},
        "due_date": task.data["due"],
        "overdue": False,
        "status": "done",
    }
    approval = Approval.objects.get()
    assert (
        approval.organisation,
        approval.decision,
        approval.comment,
        approval.decided_by,
    ) == (
        world.org_a,
        "approve",
        "Prima.",
        world.a_signatory,
    )
    event = AuditEvent.objects.get(action="approval_recorded")
    assert (event.actor, event.data["organisation"], event.data["decision"]) == (
        world.a_signatory,
        "gemeente-a",
        "approve",
    )
    assert task_ids(token_client(world.a_signatory)) == []
    assert task_ids(token_client(world.b_signatory)) == [
        approval_task(body["id"], world.org_b).pk
    ]


def test_reject_200_closes_the_round_and_gives_the_case_manager_a_revise_task(world):
    body = open_round(world)
    response = complete(
        token_client(world.b_signatory),
        approval_task(body["id"], world.org_b),
        decision="reject",
        comment="De grondprijs ontbreekt.",
    )
    assert response.status_code == 200, response.content
    assert approval_task(body["id"], world.org_a).status == STATUS.CANCELED
    assert task_ids(token_client(world.a_signatory)) == []
    revise = revise_tasks(world.own).get()
    rows = token_client(world.case_manager).get("/api/v1/tasks/").json()
    assert rows == [
        {
            "id": revise.pk,
            "kind": "revise",
            "complete_url": f"/api/v1/tasks/{revise.pk}/complete/",
            "location": {"id": world.own.pk, "name": "Eigen Locatie"},
            "agreement": body["id"],
            "action": None,
            "organisation": None,
            "due_date": None,
            "overdue": False,
            "status": "assigned",
        }
    ]
    # Approving a task of the closed round is a conflict, and changes nothing.
    with unchanged():
        detail = assert_error(
            complete(
                token_client(world.a_signatory),
                approval_task(body["id"], world.org_a),
                decision="approve",
            ),
            409,
        )
    assert "gesloten" in detail
    # A revise task takes a revision (title, text, commitments): an approval's
    # body is a 400. Submitting a new version of the agreement does it too.
    with unchanged():
        assert_error(
            complete(token_client(world.case_manager), revise, decision="approve"), 400
        )
    client = token_client(world.case_manager)
    submit(client, draft(client, world.own, text="Met grondprijs.")["id"])
    revise.refresh_from_db()
    assert revise.status == STATUS.DONE
    assert task_ids(client) == []


def test_approving_twice_is_409(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    client = token_client(world.a_signatory)
    assert complete(client, task, decision="approve").status_code == 200
    with unchanged():
        assert "al gedaan" in assert_error(
            complete(client, task, decision="approve"), 409
        )
        assert_error(
            complete(client, task, decision="reject", comment="Toch niet."), 409
        )
    assert Approval.objects.count() == 1


@pytest.mark.parametrize(
    "who", ["a_member", "b_signatory", "b_member", "case_manager", "ministry", "viewer"]
)
def test_approving_for_an_organisation_you_do_not_sign_for_is_403(world, who):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    client = token_client(getattr(world, who))
    with unchanged():
        assert_error(complete(client, task, decision="approve"), 403)
        # Permission comes before validation: a bad body is still a 403.
        assert_error(complete(client, task, decision="maybe"), 403)
    assert (
        AgreementVersion.objects.get(pk=body["id"]).status == VersionStatus.IN_APPROVAL
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"decision": "reject"},
        {"decision": "reject", "comment": "   "},
        {"decision": "maybe"},
        {"decision": ""},
        {},
        {"decision": ["approve"]},
        {"decision": "approve", "comment": {"tekst": "x"}},
        {"outcome": "done", "report": "Gedaan."},
    ],
    ids=[
        "reject-without-comment",
        "reject-blank-comment",
        "unknown-decision",
        "empty-decision",
        "no-decision",
        "decision-not-a-string",
        "comment-not-a-string",
        "action-fields-on-an-approval",
    ],
)
def test_bad_input_is_400_and_changes_nothing(world, payload):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    with unchanged():
        assert_error(complete(token_client(world.a_signatory), task, **payload), 400)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, world.a_signatory)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("[1, 2]", "application/json"), ("geen json", "application/json")],
    ids=["list", "not-json"],
)
def test_a_malformed_body_is_400(world, body, content_type):
    version = open_round(world)
    task = approval_task(version["id"], world.org_a)
    with unchanged():
        response = token_client(world.a_signatory).generic(
            "POST",
            f"/api/v1/tasks/{task.pk}/complete/",
            body,
            content_type=content_type,
        )
        assert_error(response, 400)


def test_a_claimable_task_refused_for_bad_input_stays_unclaimed(world):
    person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    with unchanged():
        assert_error(
            complete(token_client(world.a_signatory), task, decision="reject"), 400
        )
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)


@pytest.mark.parametrize("who", ["outsider", "c_signatory"])
def test_a_task_of_an_invisible_location_is_404_like_a_missing_one(world, who):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    client = token_client(getattr(world, who))
    with unchanged():
        hidden = complete(client, task, decision="approve")
        missing = complete(client, 999_999, decision="approve")
        beyond = complete(client, "9223372036854775808", decision="approve")
    assert_error(hidden, 404)
    assert hidden.json() == missing.json()
    assert_error(beyond, 404)


def test_a_task_that_is_not_a_human_task_is_404(world):
    body = open_round(world)
    start = (
        Task.objects.filter(process__artifact_object_id=body["id"])
        .order_by("pk")
        .first()
    )
    assert start.flow_task_type != "HUMAN"
    with unchanged():
        assert_error(
            complete(token_client(world.case_manager), start, decision="approve"), 404
        )


def test_complete_allows_only_post(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    assert_error(
        token_client(world.a_signatory).get(f"/api/v1/tasks/{task.pk}/complete/"), 405
    )


# --- Breakthrough-agenda actions --------------------------------------------------------------


def test_an_action_is_done_and_reviewed_through_the_api(world):
    action = start_action(world)
    perform = action_tasks(action).get()
    for member in (world.a_member, world.a_signatory):
        rows = token_client(member).get("/api/v1/tasks/").json()
        assert rows == [
            {
                "id": perform.pk,
                "kind": "action",
                "complete_url": f"/api/v1/tasks/{perform.pk}/complete/",
                "location": {"id": world.own.pk, "name": "Eigen Locatie"},
                "agreement": None,
                "action": action.pk,
                "organisation": {"id": world.org_a.pk, "name": "Gemeente A"},
                "due_date": "2030-01-31",
                "overdue": False,
                "status": "claimable",
            }
        ]
    assert task_ids(token_client(world.b_member)) == []

    with unchanged():
        assert_error(
            complete(token_client(world.b_member), perform, outcome="done", report="x"),
            403,
        )
        assert_error(
            complete(
                token_client(world.a_member), perform, outcome="klaar", report="x"
            ),
            400,
        )
        assert_error(
            complete(token_client(world.a_member), perform, outcome="done"), 400
        )
        assert_error(
            complete(token_client(world.a_member), perform, outcome="help", report=" "),
            400,
        )

    response = complete(
        token_client(world.a_member),
        perform,
        outcome="done",
        report="Aanvraag 123 ingediend.",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    action.refresh_from_db()
    assert (action.status, action.report) == (
        ActionStatus.DONE_REPORTED,
        "Aanvraag 123 ingediend.",
    )
    with unchanged():
        assert_error(
            complete(token_client(world.a_member), perform, outcome="done", report="x"),
            409,
        )

    review = action_tasks(action, "review").get()
    assert token_client(world.case_manager).get("/api/v1/tasks/").json() == [
        {
            "id": review.pk,
            "kind": "action_review",
            "complete_url": f"/api/v1/tasks/{review.pk}/complete/",
            "location": {"id": world.own.pk, "name": "Eigen Locatie"},
            "agreement": None,
            "action": action.pk,
            "organisation": None,
            "due_date": None,
            "overdue": False,
            "status": "assigned",
        }
    ]
    with unchanged():
        assert_error(
            complete(token_client(world.a_member), review, decision="accept"), 403
        )
        assert_error(
            complete(token_client(world.case_manager), review, decision="return"), 400
        )
        assert_error(
            complete(token_client(world.case_manager), review, decision="goed"), 400
        )

    # Returned: the party gets the action again.
    response = complete(
        token_client(world.case_manager),
        review,
        decision="return",
        note="Stuur het bewijs mee.",
    )
    assert response.status_code == 200, response.content
    again = action_tasks(action).exclude(pk=perform.pk).get()
    assert task_ids(token_client(world.a_member)) == [again.pk]
    assert (
        complete(
            token_client(world.a_signatory),
            again,
            outcome="done",
            report="Bewijs bijgevoegd.",
        ).status_code
        == 200
    )
    review = action_tasks(action, "review").exclude(status=STATUS.DONE).get()
    response = complete(token_client(world.case_manager), review, decision="accept")
    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert action.status == ActionStatus.ACCEPTED
    assert task_ids(token_client(world.case_manager)) == []
    assert task_ids(token_client(world.a_member)) == []


def test_a_second_case_manager_does_not_see_anothers_assigned_review(world):
    action = start_action(world)
    complete(
        token_client(world.a_member),
        action_tasks(action).get(),
        outcome="help",
        report="Hulp graag.",
    )
    other = user_with_role("case_manager", username="procesregisseur-2")
    assert task_ids(token_client(other)) == []
    assert len(task_ids(token_client(world.case_manager))) == 1
