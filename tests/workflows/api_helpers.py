"""Helpers of the agreement and task API tests: requests, a negotiating location with
a round, and the "nothing changed" check for refused requests."""

from __future__ import annotations

import datetime
from typing import Any

from viewflow.workflow.models import Task

from casework.constants import Stage
from casework.models import (
    AgreementVersion,
    Approval,
    AuditEvent,
    Commitment,
    Location,
)
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow
from workflows.models import Notification

from ..conftest import token_client
from ..scenarios import bring_to

HEX = set("0123456789abcdef")


def assert_error(response, status: int) -> str:
    """The status is `status` and the body is `{"detail": "<non-empty string>", ...}`."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body.get("detail"), str) and body["detail"].strip()
    return body["detail"]


def negotiating(world) -> Location:
    """The world's own location (parties A and B), in stage `negotiation`."""
    return bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def draft_payload(location: Location, kind: str = "heads_of_agreement", **extra):
    """A draft with one commitment per party; the second waits for the first."""
    parties = list(location.parties.order_by("organisation__name"))
    commitments = [
        {
            "party": party.organisation_id,
            "description": f"{party.organisation.name} levert haar bijdrage.",
            "due_date": (
                datetime.date(2026, 6, 1) + datetime.timedelta(days=i)
            ).isoformat(),
            "depends_on": [0] if i == 1 else [],
        }
        for i, party in enumerate(parties)
    ]
    return {
        "kind": kind,
        "title": f"Hoofdlijnenakkoord {location.name}",
        "text": "Partijen versnellen samen de woningbouw.",
        "commitments": commitments,
        **extra,
    }


def draft(client, location: Location, **extra) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/locations/{location.pk}/agreements/",
        draft_payload(location, **extra),
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def submit(client, version_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/agreements/{version_id}/submit/")
    assert response.status_code == 200, response.content
    return response.json()


def open_round(world, location: Location | None = None, **extra) -> dict[str, Any]:
    """Draft and submit a heads of agreement through the API as the case manager."""
    location = location or negotiating(world)
    client = token_client(world.case_manager)
    return submit(client, draft(client, location, **extra)["id"])


def approval_task(version_id: int, organisation) -> Task:
    """The approval task of `organisation` in the round of version `version_id`."""
    return Task.objects.get(
        flow_task=ApprovalRoundFlow.instance.approve,
        process__artifact_object_id=version_id,
        data__organisation=organisation.pk,
    )


def revise_tasks(location: Location):
    return Task.objects.filter(
        flow_task=ApprovalRoundFlow.instance.revise,
        process__data__location=location.pk,
    )


def action_tasks(action, node: str = "perform"):
    return Task.objects.filter(
        flow_task=getattr(BottleneckActionFlow.instance, node),
        process__data__action=action.pk,
    ).order_by("pk")


def complete(client, task, **payload):
    pk = getattr(task, "pk", task)
    return client.post(f"/api/v1/tasks/{pk}/complete/", payload, format="json")


def task_ids(client) -> list[int]:
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


def state() -> dict[str, Any]:
    """Everything a task or agreement request could change."""
    return {
        "tasks": list(
            Task.objects.values_list(
                "pk", "status", "owner_id", "data", "started", "finished"
            ).order_by("pk")
        ),
        "versions": list(
            AgreementVersion.objects.values_list(
                "pk", "status", "sha256", "text", "submitted_at", "concluded_at"
            ).order_by("pk")
        ),
        "commitments": list(
            Commitment.objects.values_list("pk", "version_id", "status").order_by("pk")
        ),
        "approvals": list(
            Approval.objects.values_list(
                "pk", "organisation_id", "decision", "decided_by_id"
            ).order_by("pk")
        ),
        "audit_events": AuditEvent.objects.count(),
        "stages": list(Location.objects.values_list("pk", "stage").order_by("pk")),
        "notifications": Notification.objects.count(),
    }


class unchanged:
    """Assert that a refused request changed nothing at all (nest the request in it)."""

    def __enter__(self):
        self.before = state()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            assert state() == self.before
        return False
