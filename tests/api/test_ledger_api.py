"""The bottleneck lifecycle and the commitment ledger through the API, as each role
(issue 15, items 1 and 2)."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import services
from casework.constants import (
    AuditAction,
    BottleneckStatus,
    CommitmentStatus,
    ImpasseRule,
)
from casework.impasses import detect_impasses
from casework.models import (
    AgreementVersion,
    AuditEvent,
    Bottleneck,
    Commitment,
    CommitmentEvent,
    Deadline,
    ImpasseSignal,
)
from casework.services.ledger import commitment_event_content
from evidence.constants import EvidenceSubject
from evidence.models import EvidenceCitation
from workflows.models import Notification

from ..casework.ledger_world import conclude_ledger
from ..conftest import token_client
from ..evidence import files
from ..evidence.helpers import upload
from ..scenarios import add_bottleneck

pytestmark = pytest.mark.django_db


def pdf_evidence(user, location) -> int:
    response = upload(token_client(user), location, files.pdf(), "oplossing.pdf")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def deadline(reference: str) -> Deadline:
    return Deadline.objects.get(reference=reference)


def stored_state():
    """What a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        CommitmentEvent.objects.count(),
        EvidenceCitation.objects.count(),
        ImpasseSignal.objects.count(),
        sorted(
            Commitment.objects.values_list(
                "pk", "status", "extended_due_date", "disputed_by"
            )
        ),
        sorted(Bottleneck.objects.values_list("pk", "status", "resolution")),
        sorted(Deadline.objects.values_list("reference", "due_on", "resolved_at")),
    )


def refused(client, url: str, body: dict, status: int) -> dict:
    before = stored_state()
    response = client.post(url, body, format="json")
    assert response.status_code == status, response.content
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    assert stored_state() == before
    return payload


# --- Bottlenecks ----------------------------------------------------------------------


@pytest.fixture
def bottleneck(world):
    return add_bottleneck(
        world.own,
        world.case_manager,
        owner=world.party_a,
        deadline=datetime.date(2027, 2, 1),
    )


def test_a_bottleneck_is_reported_resolved_returned_once_then_resolved_with_a_pdf(
    world, bottleneck
):
    url = f"/api/v1/bottlenecks/{bottleneck.pk}/"
    owner, manager = token_client(world.a_member), token_client(world.case_manager)
    reference = f"bottleneck:{bottleneck.pk}"
    assert deadline(reference).resolved_at is None

    response = owner.patch(url, {"status": "in_progress"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == BottleneckStatus.IN_PROGRESS

    response = owner.post(
        url + "resolve/", {"resolution": "De vergunning is verleend."}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == BottleneckStatus.RESOLUTION_REPORTED
    assert body["resolution_reported_by"] == world.a_member.username
    assert body["resolved_by"] is None
    assert deadline(reference).resolved_at is not None

    # Returned once: in progress again, its deadline on the clock again.
    response = manager.post(
        url + "reopen/", {"note": "Stuur het besluit mee."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == BottleneckStatus.IN_PROGRESS
    assert response.json()["review_note"] == "Stuur het besluit mee."
    assert deadline(reference).resolved_at is None

    evidence = pdf_evidence(world.a_member, world.own)
    response = owner.post(
        url + "resolve/",
        {"resolution": "Het besluit is bijgevoegd.", "evidence": [evidence]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == BottleneckStatus.RESOLUTION_REPORTED
    citation = EvidenceCitation.objects.get(
        subject_kind=EvidenceSubject.BOTTLENECK_RESOLUTION
    )
    assert (citation.subject_id, citation.file_id) == (bottleneck.pk, evidence)

    response = manager.post(url + "resolve/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == BottleneckStatus.RESOLVED
    assert body["resolved_by"] == world.case_manager.username
    assert body["resolution"] == "Het besluit is bijgevoegd."
    assert body["resolved_at"]
    assert deadline(reference).resolved_at is not None

    actions = list(
        AuditEvent.objects.filter(data__bottleneck=bottleneck.pk)
        .exclude(action=AuditAction.BOTTLENECK_CREATED)
        .values_list("action", flat=True)
        .order_by("at", "pk")
    )
    assert actions == [
        AuditAction.BOTTLENECK_UPDATED,
        AuditAction.BOTTLENECK_RESOLUTION_REPORTED,
        AuditAction.BOTTLENECK_RETURNED,
        AuditAction.BOTTLENECK_RESOLUTION_REPORTED,
        AuditAction.BOTTLENECK_RESOLVED,
    ]

    # It came back: reopened, its deadline (the same reference) unresolved again.
    response = manager.post(
        url + "reopen/", {"note": "De vergunning is vernietigd."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == BottleneckStatus.OPEN
    assert deadline(reference).resolved_at is None
    assert AuditEvent.objects.filter(
        action=AuditAction.BOTTLENECK_REOPENED, reason="De vergunning is vernietigd."
    ).exists()
    # The owner was told.
    assert Notification.objects.filter(
        user=world.a_member, message__contains="De vergunning is vernietigd."
    ).exists()


def test_bottleneck_refusals(world, bottleneck):
    url = f"/api/v1/bottlenecks/{bottleneck.pk}/"
    # Another party of the location: may see, may not act.
    other = token_client(world.b_member)
    assert other.get(url).status_code == 200
    refused(other, url + "resolve/", {"resolution": "Klaar."}, 403)
    before = stored_state()
    response = other.patch(url, {"status": "in_progress"}, format="json")
    assert response.status_code == 403 and "detail" in response.json()
    # The owner changes only the status.
    response = token_client(world.a_member).patch(
        url, {"description": "Anders."}, format="json"
    )
    assert response.status_code == 403
    assert stored_state() == before
    owner = token_client(world.a_member)
    refused(owner, url + "resolve/", {"resolution": " "}, 400)
    refused(owner, url + "reopen/", {"note": "Nee."}, 403)
    refused(token_client(world.case_manager), url + "reopen/", {"note": "Nee."}, 409)
    # A party of another location: not found, whatever it does.
    foreign = token_client(world.c_member)
    assert foreign.get(url).status_code == 404
    refused(foreign, url + "resolve/", {"resolution": "Klaar."}, 404)
    refused(foreign, url + "reopen/", {"note": "Klaar."}, 404)


# --- The commitment ledger --------------------------------------------------------------


def commitment_url(commitment, step: str = "") -> str:
    return f"/api/v1/commitments/{commitment.pk}/{step + '/' if step else ''}"


def test_a_commitment_is_reported_disputed_reported_again_and_confirmed(world):
    ledger = conclude_ledger(world)
    plan = ledger.plan
    owner, dependant = token_client(world.a_member), token_client(world.b_member)
    evidence = pdf_evidence(world.a_member, world.own)

    response = owner.post(
        commitment_url(plan, "report"),
        {"report": "Het plan is vastgesteld.", "evidence": [evidence]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == CommitmentStatus.REPORTED
    assert [e["kind"] for e in body["events"]] == ["reported"]
    assert EvidenceCitation.objects.filter(
        subject_kind=EvidenceSubject.COMMITMENT_REPORT, subject_id=plan.pk
    ).exists()
    assert deadline(f"commitment:{plan.pk}").resolved_at is not None
    # The party it was made to is asked to confirm.
    assert Notification.objects.filter(
        user=world.b_member, message__contains="bevestig of betwist"
    ).exists()
    assert not Notification.objects.filter(
        user=world.c_member, message__contains="bevestig of betwist"
    ).exists()

    response = dependant.post(
        commitment_url(plan, "dispute"),
        {"reason": "Het plan is nog niet gepubliceerd."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == CommitmentStatus.DISPUTED
    assert response.json()["disputed_by"]["id"] == world.org_b.pk
    signal = ImpasseSignal.objects.get(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    )
    assert signal.location == world.own
    assert signal.waiting_on == world.org_a
    assert "Gemeente A" in signal.message and "Ontwikkelaar B" in signal.message
    # Back on the clock for the owner.
    assert deadline(f"commitment:{plan.pk}").resolved_at is None
    # The detector sees the same cause: the signal stays, no second one.
    detect_impasses()
    assert (
        ImpasseSignal.objects.get(
            rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
        ).pk
        == signal.pk
    )

    response = owner.post(
        commitment_url(plan, "report"),
        {"report": "Gepubliceerd in het Gemeenteblad."},
        format="json",
    )
    assert response.status_code == 200, response.content
    Notification.objects.filter(user=world.b_member).delete()
    response = dependant.post(commitment_url(plan, "confirm"), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == CommitmentStatus.DONE
    assert body["disputed_by"] is None
    assert [e["kind"] for e in body["events"]] == [
        "reported",
        "disputed",
        "reported",
        "confirmed",
    ]
    signal.refresh_from_db()
    assert signal.closed_at is not None
    detect_impasses()
    assert not ImpasseSignal.objects.filter(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    ).exists()
    # The owner of the commitment that waited on it is told it can start.
    told = Notification.objects.filter(
        user=world.b_member, message__contains=ledger.permit.description
    )
    assert told.exists()
    assert [
        action
        for action in AuditEvent.objects.filter(data__commitment=plan.pk)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    ] == [
        AuditAction.COMMITMENT_REPORTED,
        AuditAction.COMMITMENT_DISPUTED,
        AuditAction.COMMITMENT_REPORTED,
        AuditAction.COMMITMENT_CONFIRMED,
    ]


def test_a_commitment_is_waived_with_a_reason(world):
    ledger = conclude_ledger(world)
    manager = token_client(world.case_manager)
    refused(manager, commitment_url(ledger.land, "waive"), {"reason": ""}, 400)
    refused(manager, commitment_url(ledger.land, "waive"), {}, 400)
    response = manager.post(
        commitment_url(ledger.land, "waive"),
        {"reason": "De grond is al van de ontwikkelaar."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == CommitmentStatus.WAIVED
    assert deadline(f"commitment:{ledger.land.pk}").resolved_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.COMMITMENT_WAIVED,
        reason="De grond is al van de ontwikkelaar.",
    ).exists()
    # Waived is settled: nothing more to waive.
    refused(manager, commitment_url(ledger.land, "waive"), {"reason": "Nog eens."}, 409)


def test_an_extension_is_an_amendment_beside_the_frozen_version(world):
    ledger = conclude_ledger(world)
    version = AgreementVersion.objects.get(pk=ledger.version.pk)
    frozen = version.sha256
    assert frozen == services.content_hash(services.version_canonical_content(version))
    funding = ledger.funding
    new_due = datetime.date(2027, 8, 1)
    Notification.objects.all().delete()

    response = token_client(world.case_manager).post(
        commitment_url(funding, "extend"),
        {"due_date": new_due.isoformat(), "reason": "De bank vraagt meer tijd."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_date"] == funding.due_date.isoformat()
    assert body["current_due_date"] == new_due.isoformat()
    (event,) = body["events"]
    assert event["kind"] == "extended"
    assert event["previous_due_date"] == funding.due_date.isoformat()
    assert event["due_date"] == new_due.isoformat()
    assert len(event["sha256"]) == 64 and event["sha256"] != frozen
    # The frozen version: the same text, due dates and hash.
    version.refresh_from_db()
    assert version.sha256 == frozen
    assert services.content_hash(services.version_canonical_content(version)) == frozen
    funding.refresh_from_db()
    assert funding.due_date == datetime.date(2027, 5, 1)
    # The clock watches the new date; the amendment has its audit row with its hash.
    assert deadline(f"commitment:{funding.pk}").due_on == new_due
    audit = AuditEvent.objects.get(action=AuditAction.COMMITMENT_EXTENDED)
    assert audit.data["sha256"] == event["sha256"]
    assert audit.data["due_date"] == new_due.isoformat()
    # The dependent party (A's construction waits on the financing) is told.
    assert Notification.objects.filter(user=world.a_member).exists()
    # An earlier date is no extension.
    refused(
        token_client(world.case_manager),
        commitment_url(funding, "extend"),
        {"due_date": "2027-07-01", "reason": "Eerder."},
        400,
    )
    # The amendment's hash is of its own content, recomputed from what is stored.
    stored = CommitmentEvent.objects.get(pk=event["id"])
    assert stored.sha256 == event["sha256"]
    content = commitment_event_content(stored)
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    assert frozen.encode() in content and b"2027-08-01" in content


def test_refusals_of_the_ledger_each_a_detail_and_nothing_stored(world):
    ledger = conclude_ledger(world)
    a, b = token_client(world.a_member), token_client(world.b_member)
    manager = token_client(world.case_manager)
    # Someone else's commitment.
    refused(a, commitment_url(ledger.permit, "report"), {"report": "Gedaan."}, 403)
    # Confirming (or disputing) your own.
    assert (
        a.post(
            commitment_url(ledger.plan, "report"), {"report": "Gedaan."}, format="json"
        ).status_code
        == 200
    )
    refused(a, commitment_url(ledger.plan, "confirm"), {}, 403)
    refused(a, commitment_url(ledger.plan, "dispute"), {"reason": "Nee."}, 403)
    # A party the commitment was not made to (A's land: nobody waits on it).
    a.post(
        commitment_url(ledger.land, "report"), {"report": "Geleverd."}, format="json"
    )
    refused(b, commitment_url(ledger.land, "confirm"), {}, 403)
    # Waiving and extending are the case manager's.
    refused(b, commitment_url(ledger.funding, "waive"), {"reason": "Weg."}, 403)
    refused(
        b,
        commitment_url(ledger.funding, "extend"),
        {"due_date": "2027-12-01", "reason": "Later."},
        403,
    )
    # Waiving without a reason.
    refused(manager, commitment_url(ledger.funding, "waive"), {"reason": "  "}, 400)
    # A commitment of a version that is not concluded: any action.
    draft = ledger.draft
    refused(a, commitment_url(draft, "report"), {"report": "Gedaan."}, 409)
    refused(manager, commitment_url(draft, "confirm"), {}, 409)
    refused(manager, commitment_url(draft, "dispute"), {"reason": "Nee."}, 409)
    refused(manager, commitment_url(draft, "waive"), {"reason": "Weg."}, 409)
    refused(
        manager,
        commitment_url(draft, "extend"),
        {"due_date": "2027-12-01", "reason": "Later."},
        409,
    )
    # A party of another location: not found.
    foreign = token_client(world.c_member)
    for step, body in (
        ("report", {"report": "Gedaan."}),
        ("confirm", {}),
        ("dispute", {"reason": "Nee."}),
        ("waive", {"reason": "Weg."}),
        ("extend", {"due_date": "2027-12-01", "reason": "Later."}),
    ):
        refused(foreign, commitment_url(ledger.funding, step), body, 404)


def test_the_ledger_lists_what_each_role_may_see(world):
    ledger = conclude_ledger(world)
    listed = token_client(world.b_member).get("/api/v1/commitments/")
    assert listed.status_code == 200
    ids = [row["id"] for row in listed.json()]
    assert sorted(ids) == sorted(
        c.pk
        for c in (ledger.plan, ledger.permit, ledger.land, ledger.funding, ledger.build)
    )
    # Ordered by the current due date.
    dates = [row["current_due_date"] for row in listed.json()]
    assert dates == sorted(dates)
    mine = token_client(world.case_manager).get(
        f"/api/v1/commitments/?location={world.own.pk}&party={world.org_b.pk}"
    )
    assert [row["id"] for row in mine.json()] == [ledger.funding.pk, ledger.permit.pk]
    status = token_client(world.viewer).get("/api/v1/commitments/?status=waived")
    assert status.json() == []
    foreign = token_client(world.c_member)
    assert foreign.get("/api/v1/commitments/").json() == []
    response = foreign.get(f"/api/v1/commitments/?location={world.own.pk}")
    assert response.status_code == 404 and "detail" in response.json()
    response = foreign.get("/api/v1/commitments/?status=kwijt")
    assert response.status_code == 400 and "detail" in response.json()


def test_the_ledger_list_costs_the_same_queries_for_more_commitments(world):
    ledger = conclude_ledger(world)
    client = token_client(world.case_manager)
    client.get("/api/v1/commitments/")  # warm the token and permission caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/commitments/")
        assert response.status_code == 200
        return len(queries)

    small = count()
    # More lines, events and dependencies.
    a = token_client(world.a_member)
    for commitment in (ledger.plan, ledger.land):
        a.post(
            commitment_url(commitment, "report"), {"report": "Gedaan."}, format="json"
        )
    token_client(world.b_member).post(
        commitment_url(ledger.plan, "dispute"), {"reason": "Nee."}, format="json"
    )
    token_client(world.case_manager).post(
        commitment_url(ledger.funding, "extend"),
        {"due_date": "2027-08-01", "reason": "Later."},
        format="json",
    )
    assert count() == small
