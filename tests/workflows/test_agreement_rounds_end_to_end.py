"""Issue 3, "Done when": a location with five parties concludes its heads of agreement
and then its administrative agreement, entirely through the API and as each role —
including a rejected round and its revision — and the test asserts the stage, the
frozen hash and the audit trail.
"""

from __future__ import annotations

import datetime
import hashlib

import pytest
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework import services
from casework.constants import AuditAction, PartyRole, Stage
from casework.models import AgreementVersion, Approval, AuditEvent, VersionStatus
from permissions.constants import MembershipRole, OrganisationKind
from permissions.errors import Conflict
from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client
from ..factories import LocationFactory, OrganisationFactory, PartyFactory, person_of
from ..scenarios import bring_to
from .api_helpers import (
    HEX,
    approval_task,
    assert_error,
    complete,
    revise_tasks,
    unchanged,
)

ORGANISATIONS = [
    (
        "gemeente-breda",
        "Gemeente Breda",
        OrganisationKind.MUNICIPALITY,
        PartyRole.MUNICIPALITY,
    ),
    (
        "provincie-noord-brabant",
        "Provincie Noord-Brabant",
        OrganisationKind.PROVINCE,
        PartyRole.PROVINCE,
    ),
    (
        "ontwikkelaar-zuid",
        "Ontwikkelaar Zuid",
        OrganisationKind.DEVELOPER,
        PartyRole.DEVELOPER,
    ),
    (
        "woonstichting-west",
        "Woonstichting West",
        OrganisationKind.HOUSING_CORPORATION,
        PartyRole.HOUSING_CORPORATION,
    ),
    ("belegger-oost", "Belegger Oost", OrganisationKind.INVESTOR, PartyRole.INVESTOR),
]


class Participant:
    """One participating organisation and its people."""

    def __init__(self, location, slug, name, kind, role):
        self.organisation = OrganisationFactory(slug=slug, name=name, kind=kind)
        self.signatory = person_of(
            self.organisation, MembershipRole.SIGNATORY, username=f"{slug}-teken"
        )
        self.member = person_of(
            self.organisation, MembershipRole.MEMBER, username=f"{slug}-lid"
        )
        self.signers = [self.signatory]
        PartyFactory(location=location, organisation=self.organisation, role=role)

    @property
    def client(self):
        return token_client(self.signatory)


@pytest.fixture
def five(world):
    location = LocationFactory(
        programme=world.programme, name="Breda Havenkwartier", municipality="Breda"
    )
    parties = [Participant(location, *spec) for spec in ORGANISATIONS]
    # The housing corporation has two signatories: its task waits in their queue.
    second = person_of(
        parties[3].organisation,
        MembershipRole.SIGNATORY,
        username="woonstichting-west-teken-2",
    )
    parties[3].signers.append(second)
    bring_to(
        location,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    return location, parties


def payload(parties, kind: str, text: str):
    return {
        "kind": kind,
        "title": "Hoofdlijnenakkoord Havenkwartier"
        if kind == "heads_of_agreement"
        else "Bestuurlijke overeenkomst Havenkwartier",
        "text": text,
        "commitments": [
            {
                "party": party.organisation.pk,
                "description": f"{party.organisation.name} levert haar deel.",
                "due_date": (
                    datetime.date(2026, 9, 1) + datetime.timedelta(days=7 * i)
                ).isoformat(),
                # The market parties build once the municipality and province deliver.
                "depends_on": [0, 1] if i >= 2 else [],
            }
            for i, party in enumerate(parties)
        ],
    }


def tasks_of(user):
    response = token_client(user).get("/api/v1/tasks/")
    assert response.status_code == 200, response.content
    return response.json()


def decide(party, version_id, decision, comment="", signer=None):
    task = approval_task(version_id, party.organisation)
    response = complete(
        token_client(signer or party.signatory),
        task,
        decision=decision,
        comment=comment,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    return task


def run_round(world, location, parties, kind, text):
    """Draft and submit through the API as the case manager; returns the version id."""
    manager = token_client(world.case_manager)
    response = manager.post(
        f"/api/v1/locations/{location.pk}/agreements/",
        payload(parties, kind, text),
        format="json",
    )
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["status"] == "draft"
    # Parties and the ministry cannot submit a version.
    for user in (parties[0].signatory, world.ministry):
        with unchanged():
            assert_error(
                token_client(user).post(f"/api/v1/agreements/{draft['id']}/submit/"),
                403,
            )
    response = manager.post(f"/api/v1/agreements/{draft['id']}/submit/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_approval"
    assert [o["id"] for o in body["awaiting"]] == [
        p.organisation.pk for p in sorted(parties, key=lambda p: p.organisation.name)
    ]
    # Every party sees its own approval task: assigned to its only signatory, or in
    # the queue of both signatories of the housing corporation.
    for party in parties:
        for signer in party.signers:
            rows = [r for r in tasks_of(signer) if r["agreement"] == body["id"]]
            assert [(r["kind"], r["organisation"]["id"]) for r in rows] == [
                ("approval", party.organisation.pk)
            ]
            assert rows[0]["status"] == (
                "assigned" if len(party.signers) == 1 else "claimable"
            )
            assert rows[0]["location"] == {"id": location.pk, "name": location.name}
        assert tasks_of(party.member) == []
    return body["id"]


def test_heads_of_agreement_and_administrative_agreement_for_five_parties(world, five):
    location, parties = five
    municipality, province, developer, corporation, investor = parties
    manager = token_client(world.case_manager)

    # The case manager opens the negotiation through the API.
    response = manager.post(
        f"/api/v1/locations/{location.pk}/bottlenecks/",
        {"category": "financing_gap", "description": "Tekort op de grondexploitatie."},
        format="json",
    )
    assert response.status_code == 201, response.content
    response = manager.post(
        f"/api/v1/locations/{location.pk}/transitions/",
        {"transition": "start_negotiation", "reason": "Knelpunten in beeld."},
        format="json",
    )
    assert response.json() == {"stage": "negotiation"}
    # A party cannot draft the agreement.
    with unchanged():
        assert_error(
            municipality.client.post(
                f"/api/v1/locations/{location.pk}/agreements/",
                payload(parties, "heads_of_agreement", "x"),
                format="json",
            ),
            403,
        )

    # --- Round 1: two approve, the developer rejects ---------------------------------
    first = run_round(
        world,
        location,
        parties,
        "heads_of_agreement",
        "Eerste versie van de afspraken.",
    )
    decide(municipality, first, "approve", "Akkoord namens het college.")
    # Approving for an organisation you do not sign for: 403, nothing changes.
    with unchanged():
        assert_error(
            complete(
                municipality.client,
                approval_task(first, province.organisation),
                decision="approve",
            ),
            403,
        )
        assert_error(
            complete(
                token_client(province.member),
                approval_task(first, province.organisation),
                decision="approve",
            ),
            403,
        )
    # Approving twice: 409, nothing changes.
    with unchanged():
        assert_error(
            complete(
                municipality.client,
                approval_task(first, municipality.organisation),
                decision="approve",
            ),
            409,
        )
    decide(province, first, "approve")
    decide(developer, first, "reject", "De grondprijs is niet afgesproken.")

    version = AgreementVersion.objects.get(pk=first)
    assert version.status == VersionStatus.REJECTED
    # The round is closed: the open decisions are cancelled ...
    for party in (corporation, investor):
        task = approval_task(first, party.organisation)
        assert task.status == STATUS.CANCELED
        for signer in party.signers:
            assert tasks_of(signer) == []
    # ... and approving a task of the closed round is a 409 that changes nothing.
    with unchanged():
        assert "gesloten" in assert_error(
            complete(
                investor.client,
                approval_task(first, investor.organisation),
                decision="approve",
            ),
            409,
        )
    detail = world_get(world.ministry, f"/api/v1/agreements/{first}/")
    assert detail["status"] == "rejected"
    assert detail["awaiting"] == []
    assert [
        (a["organisation"]["id"], a["decision"], a["decided_by"])
        for a in detail["approvals"]
    ] == [
        (municipality.organisation.pk, "approve", "gemeente-breda-teken"),
        (province.organisation.pk, "approve", "provincie-noord-brabant-teken"),
        (developer.organisation.pk, "reject", "ontwikkelaar-zuid-teken"),
    ]
    # The case manager gets the revise task.
    revise = revise_tasks(location).get()
    assert tasks_of(world.case_manager) == [
        {
            "id": revise.pk,
            "kind": "revise",
            "complete_url": f"/api/v1/tasks/{revise.pk}/complete/",
            "location": {"id": location.pk, "name": location.name},
            "agreement": first,
            "action": None,
            "organisation": None,
            "due_date": None,
            "overdue": False,
            "status": "assigned",
        }
    ]
    assert world_get(world.ministry, f"/api/v1/locations/{location.pk}/")["stage"] == (
        "negotiation"
    )

    # --- Round 2: the revision; all five approve -----------------------------------------
    second = run_round(
        world,
        location,
        parties,
        "heads_of_agreement",
        "Tweede versie: de grondprijs is afgesproken.",
    )
    assert (
        world_get(world.case_manager, f"/api/v1/agreements/{second}/")["version"] == 2
    )
    revise.refresh_from_db()
    assert revise.status == STATUS.DONE
    assert revise.data["revised_by_version"] == second
    assert tasks_of(world.case_manager) == []

    for party in parties:
        # The corporation's second signatory claims and decides from the queue.
        decide(party, second, "approve", signer=party.signers[-1])
    location.refresh_from_db()
    assert location.stage == Stage.HEADS_OF_AGREEMENT
    assert_concluded(world, second, Stage.NEGOTIATION, Stage.HEADS_OF_AGREEMENT)
    # Frozen: no new version of a concluded agreement, through the API or a service.
    with unchanged():
        assert_error(
            manager.post(
                f"/api/v1/locations/{location.pk}/agreements/",
                payload(parties, "heads_of_agreement", "Nog een versie."),
                format="json",
            ),
            409,
        )
    with unchanged(), pytest.raises(Conflict):
        services.agreement_draft(
            location=location,
            actor=world.case_manager,
            kind="heads_of_agreement",
            title="Poging",
            text="Wijziging na vaststelling.",
            commitments=[],
        )

    # --- Round 3: the administrative agreement --------------------------------------------
    third = run_round(
        world,
        location,
        parties,
        "administrative_agreement",
        "Bestuurlijke overeenkomst: de doorbraak.",
    )
    for party in reversed(parties):
        decide(party, third, "approve", signer=party.signers[0])
    location.refresh_from_db()
    assert location.stage == Stage.ADMINISTRATIVE_AGREEMENT
    assert_concluded(
        world, third, Stage.HEADS_OF_AGREEMENT, Stage.ADMINISTRATIVE_AGREEMENT
    )

    # --- The audit trail of the three rounds ------------------------------------------------
    events = list(location.audit_events.order_by("at", "id"))
    decisions = [
        (
            e.actor.username,
            e.data["organisation"],
            e.data["decision"],
            e.data["version"],
        )
        for e in events
        if e.action == AuditAction.APPROVAL_RECORDED
    ]
    slugs = [slug for slug, *_ in ORGANISATIONS]
    assert decisions == [
        ("gemeente-breda-teken", "gemeente-breda", "approve", 1),
        ("provincie-noord-brabant-teken", "provincie-noord-brabant", "approve", 1),
        ("ontwikkelaar-zuid-teken", "ontwikkelaar-zuid", "reject", 1),
        *[
            (s.signers[-1].username, slug, "approve", 2)
            for s, slug in zip(parties, slugs, strict=True)
        ],
        *[
            (s.signers[0].username, slug, "approve", 1)
            for s, slug in reversed(list(zip(parties, slugs, strict=True)))
        ],
    ]
    rejection = next(
        e
        for e in events
        if e.action == AuditAction.APPROVAL_RECORDED and e.data["decision"] == "reject"
    )
    assert rejection.reason == "De grondprijs is niet afgesproken."
    assert [
        (e.action, e.data.get("version"))
        for e in events
        if e.action
        in (
            AuditAction.AGREEMENT_DRAFTED,
            AuditAction.AGREEMENT_SUBMITTED,
            AuditAction.AGREEMENT_REJECTED,
            AuditAction.AGREEMENT_CONCLUDED,
        )
    ] == [
        ("agreement_drafted", 1),
        ("agreement_submitted", 1),
        ("agreement_rejected", 1),
        ("agreement_drafted", 2),
        ("agreement_submitted", 2),
        ("agreement_concluded", 2),
        ("agreement_drafted", 1),
        ("agreement_submitted", 1),
        ("agreement_concluded", 1),
    ]
    transitions = [
        (e.transition, e.from_stage, e.to_stage, e.actor)
        for e in events
        if e.action == AuditAction.TRANSITION
    ]
    assert transitions[-3:] == [
        ("start_negotiation", "bottleneck_analysis", "negotiation", world.case_manager),
        ("conclude_heads_of_agreement", "negotiation", "heads_of_agreement", None),
        (
            "conclude_administrative_agreement",
            "heads_of_agreement",
            "administrative_agreement",
            None,
        ),
    ]
    assert Approval.objects.count() == 3 + 5 + 5

    # Nothing is left open: no task for anybody, every round finished.
    for party in parties:
        for signer in party.signers:
            assert tasks_of(signer) == []
    assert tasks_of(world.case_manager) == []
    assert not Task.objects.filter(
        flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    ).exists()
    rounds = Process.objects.filter(flow_class=ApprovalRoundFlow)
    assert rounds.count() == 3
    assert set(rounds.values_list("status", flat=True)) == {PROCESS.DONE}


def world_get(user, url):
    response = token_client(user).get(url)
    assert response.status_code == 200, response.content
    return response.json()


def assert_concluded(world, version_id, from_stage, to_stage):
    """The version is concluded, frozen and hashed, and the system fired the transition."""
    version = AgreementVersion.objects.get(pk=version_id)
    for user in (world.case_manager, world.viewer):
        detail = world_get(user, f"/api/v1/agreements/{version_id}/")
        assert detail["status"] == "concluded"
        assert detail["awaiting"] == []
        assert len(detail["approvals"]) == 5
        sha = detail["sha256"]
        assert len(sha) == 64 and set(sha) <= HEX
        assert sha == version.sha256
        assert (
            sha
            == hashlib.sha256(services.version_canonical_content(version)).hexdigest()
        )
    assert version.concluded_at is not None
    event = AuditEvent.objects.get(
        action=AuditAction.TRANSITION, to_stage=to_stage, from_stage=from_stage
    )
    assert event.actor is None
    concluded = AuditEvent.objects.get(
        action=AuditAction.AGREEMENT_CONCLUDED, data__agreement=version.agreement_id
    )
    assert concluded.data["sha256"] == version.sha256
