"""API v1 for agreements (design §8): draft, submit and read a version, with the
contract's status codes; a refused request changes nothing."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from casework import services
from casework.constants import Stage
from casework.models import (
    Agreement,
    AgreementVersion,
    AuditEvent,
    Commitment,
    VersionStatus,
)
from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client
from ..factories import LocationFactory, UserFactory
from ..scenarios import bring_to
from .api_helpers import (
    HEX,
    approval_task,
    assert_error,
    complete,
    draft,
    draft_payload,
    negotiating,
    open_round,
    unchanged,
)

AGREEMENT_FIELDS = {
    "id",
    "location",
    "kind",
    "title",
    "version",
    "status",
    "text",
    "commitments",
    "approvals",
    "awaiting",
    "sha256",
}
COMMITMENT_FIELDS = {"id", "party", "description", "due_date", "status", "depends_on"}
APPROVAL_FIELDS = {"organisation", "decision", "comment", "decided_by", "decided_at"}


def agreements_url(location_or_id) -> str:
    return (
        f"/api/v1/locations/{getattr(location_or_id, 'pk', location_or_id)}/agreements/"
    )


@pytest.fixture
def as_case_manager(world) -> APIClient:
    return token_client(world.case_manager)


# --- POST /api/v1/locations/{id}/agreements/ ------------------------------------------------


def test_create_201_is_a_draft_with_its_commitments(world, as_case_manager):
    location = negotiating(world)
    response = as_case_manager.post(
        agreements_url(location), draft_payload(location), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == AGREEMENT_FIELDS
    version = AgreementVersion.objects.get(pk=body["id"])
    first, second = body["commitments"]
    assert body == {
        "id": version.pk,
        "location": {"id": location.pk, "name": "Eigen Locatie"},
        "kind": "heads_of_agreement",
        "title": "Hoofdlijnenakkoord Eigen Locatie",
        "version": 1,
        "status": "draft",
        "text": "Partijen versnellen samen de woningbouw.",
        "commitments": [
            {
                "id": first["id"],
                "party": {"id": world.org_a.pk, "name": "Gemeente A"},
                "description": "Gemeente A levert haar bijdrage.",
                "due_date": "2026-06-01",
                "status": "open",
                "depends_on": [],
            },
            {
                "id": second["id"],
                "party": {"id": world.org_b.pk, "name": "Ontwikkelaar B"},
                "description": "Ontwikkelaar B levert haar bijdrage.",
                "due_date": "2026-06-02",
                "status": "open",
                "depends_on": [first["id"]],
            },
        ],
        "approvals": [],
        "awaiting": [],
        "sha256": None,
    }
    assert version.status == VersionStatus.DRAFT
    assert version.agreement.created_by == world.case_manager
    dependant = Commitment.objects.get(pk=second["id"])
    assert list(dependant.depends_on.values_list("pk", flat=True)) == [first["id"]]
    assert list(Commitment.objects.get(pk=first["id"]).dependants.all()) == [dependant]
    event = AuditEvent.objects.get(action="agreement_drafted")
    assert (event.actor, event.location, event.data["version"]) == (
        world.case_manager,
        location,
        1,
    )


def test_create_with_several_dependencies_and_without_commitments(
    world, as_case_manager
):
    location = negotiating(world)
    payload = draft_payload(location)
    third = {
        **payload["commitments"][0],
        "description": "Samen",
        "depends_on": [1, 0, 1],
    }
    payload["commitments"].append(third)
    body = as_case_manager.post(agreements_url(location), payload, format="json").json()
    ids = [c["id"] for c in body["commitments"]]
    assert body["commitments"][2]["depends_on"] == sorted(ids[:2])

    payload = draft_payload(location, kind="administrative_agreement")
    del payload["commitments"]
    response = as_case_manager.post(agreements_url(location), payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["commitments"] == []
    assert response.json()["kind"] == "administrative_agreement"


def test_a_new_draft_replaces_the_draft_of_the_same_kind(world, as_case_manager):
    location = negotiating(world)
    first = draft(as_case_manager, location)
    second = draft(as_case_manager, location, text="Tweede concept.")
    assert second["version"] == 1
    assert second["text"] == "Tweede concept."
    assert list(AgreementVersion.objects.values_list("pk", flat=True)) == [second["id"]]
    assert not Commitment.objects.filter(version_id=first["id"]).exists()
    assert_error(
        token_client(world.case_manager).get(f"/api/v1/agreements/{first['id']}/"), 404
    )


def _with_commitment(location, **changes):
    payload = draft_payload(location)
    payload["commitments"][0] = {**payload["commitments"][0], **changes}
    return payload


@pytest.mark.parametrize(
    ("change", "word"),
    [
        (lambda p, w: {**p, "kind": "covenant"}, "kind"),
        (lambda p, w: {k: v for k, v in p.items() if k != "kind"}, "kind"),
        (lambda p, w: {**p, "title": ""}, "title"),
        (lambda p, w: {**p, "text": "   "}, "text"),
        (lambda p, w: {**p, "commitments": "veel"}, "commitments"),
        (
            lambda p, w: {
                **p,
                "commitments": [{**p["commitments"][0], "party": w.org_c.pk}],
            },
            "partij",
        ),
        (
            lambda p, w: {
                **p,
                "commitments": [{**p["commitments"][0], "due_date": "1-6-2026"}],
            },
            "due_date",
        ),
        (
            lambda p, w: {
                **p,
                "commitments": [{**p["commitments"][0], "description": ""}],
            },
            "description",
        ),
        (
            lambda p, w: {
                **p,
                "commitments": [
                    p["commitments"][0],
                    {**p["commitments"][1], "depends_on": [1]},
                ],
            },
            "zichzelf",
        ),
        (
            lambda p, w: {
                **p,
                "commitments": [
                    p["commitments"][0],
                    {**p["commitments"][1], "depends_on": [2]},
                ],
            },
            "index 0",
        ),
        (
            lambda p, w: {
                **p,
                "commitments": [
                    p["commitments"][0],
                    {**p["commitments"][1], "depends_on": [-1]},
                ],
            },
            "index 0",
        ),
        (
            lambda p, w: {
                **p,
                "commitments": [
                    p["commitments"][0],
                    {**p["commitments"][1], "depends_on": 0},
                ],
            },
            "depends_on",
        ),
    ],
    ids=[
        "unknown-kind",
        "no-kind",
        "empty-title",
        "blank-text",
        "commitments-not-a-list",
        "party-not-a-party",
        "bad-date",
        "no-description",
        "depends-on-itself",
        "depends-on-out-of-range",
        "depends-on-negative",
        "depends-on-not-a-list",
    ],
)
def test_create_400_changes_nothing(world, as_case_manager, change, word):
    location = negotiating(world)
    payload = change(draft_payload(location), world)
    with unchanged():
        response = as_case_manager.post(
            agreements_url(location), payload, format="json"
        )
        assert word in assert_error(response, 400)
    assert not Agreement.objects.exists()


def test_a_cycle_is_recorded_and_named_by_impasse_detection(world, as_case_manager):
    """Parties may say "we deliver once you deliver": the agreement records it and the
    impasse detector names the circle (design §5) instead of the API refusing it."""
    from casework.impasses import detect_impasses
    from casework.models import ImpasseSignal

    location = negotiating(world)
    payload = draft_payload(location)
    one, two = payload["commitments"]
    payload["commitments"] = [
        {**one, "depends_on": []},
        {**two, "depends_on": [2]},
        {**one, "description": "Derde", "depends_on": [3]},
        {**two, "description": "Vierde", "depends_on": [1]},
    ]
    response = as_case_manager.post(agreements_url(location), payload, format="json")
    assert response.status_code == 201, response.content
    version = response.json()["id"]
    assert (
        as_case_manager.post(f"/api/v1/agreements/{version}/submit/").status_code == 200
    )
    detect_impasses()
    (signal,) = ImpasseSignal.objects.filter(location=location, closed_at__isnull=True)
    assert signal.rule == "commitment_cycle"
    assert "Derde" in signal.message and "Vierde" in signal.message


def test_a_bad_draft_keeps_the_earlier_draft(world, as_case_manager):
    location = negotiating(world)
    earlier = draft(as_case_manager, location)
    payload = _with_commitment(location, depends_on=[0])
    with unchanged():
        assert_error(
            as_case_manager.post(agreements_url(location), payload, format="json"), 400
        )
    assert AgreementVersion.objects.get().pk == earlier["id"]


@pytest.mark.parametrize("who", ["viewer", "ministry", "a_signatory", "a_member"])
def test_create_403_even_with_a_bad_body(world, who):
    location = negotiating(world)
    client = token_client(getattr(world, who))
    with unchanged():
        assert_error(
            client.post(
                agreements_url(location), draft_payload(location), format="json"
            ),
            403,
        )
        assert_error(client.post(agreements_url(location), {}, format="json"), 403)
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("who", ["a_member", "outsider", "c_signatory"])
def test_create_on_an_invisible_location_is_404_like_a_missing_one(world, who):
    client = token_client(getattr(world, who))
    location = world.own if who == "c_signatory" else world.foreign
    payload = draft_payload(location)
    with unchanged():
        hidden = client.post(agreements_url(location), payload, format="json")
        missing = client.post(agreements_url(999_999), payload, format="json")
    assert_error(hidden, 404)
    assert hidden.json() == missing.json()


def test_create_409_while_a_round_runs_and_after_conclusion(world, as_case_manager):
    location = negotiating(world)
    body = open_round(world, location)
    with unchanged():
        assert "goedkeuringsronde" in assert_error(
            as_case_manager.post(
                agreements_url(location), draft_payload(location), format="json"
            ),
            409,
        )
    for organisation, signatory in [
        (world.org_a, world.a_signatory),
        (world.org_b, world.b_signatory),
    ]:
        task = approval_task(body["id"], organisation)
        assert (
            complete(token_client(signatory), task, decision="approve").status_code
            == 200
        )
    location.refresh_from_db()
    assert location.stage == Stage.HEADS_OF_AGREEMENT
    with unchanged():
        assert_error(
            as_case_manager.post(
                agreements_url(location), draft_payload(location), format="json"
            ),
            409,
        )


# --- POST /api/v1/agreements/{id}/submit/ ---------------------------------------------------


def test_submit_200_starts_the_round(world, as_case_manager):
    location = negotiating(world)
    version = draft(as_case_manager, location)
    response = as_case_manager.post(f"/api/v1/agreements/{version['id']}/submit/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == AGREEMENT_FIELDS
    assert body["status"] == "in_approval"
    assert body["awaiting"] == [
        {"id": world.org_a.pk, "name": "Gemeente A"},
        {"id": world.org_b.pk, "name": "Ontwikkelaar B"},
    ]
    assert body["approvals"] == []
    assert body["sha256"] is None
    stored = AgreementVersion.objects.get(pk=version["id"])
    assert stored.status == VersionStatus.IN_APPROVAL
    assert stored.submitted_at is not None
    # One approval task per party, each assigned to the organisation's only signatory.
    assert approval_task(version["id"], world.org_a).owner == world.a_signatory
    assert approval_task(version["id"], world.org_b).owner == world.b_signatory
    process = ApprovalRoundFlow.process_class.objects.get()
    assert process.artifact_object_id == version["id"]
    event = AuditEvent.objects.get(action="agreement_submitted")
    assert (event.actor, event.data["version"]) == (world.case_manager, 1)


def test_submit_409_when_not_a_draft(world, as_case_manager):
    location = negotiating(world)
    version = open_round(world, location)
    with unchanged():
        detail = assert_error(
            as_case_manager.post(f"/api/v1/agreements/{version['id']}/submit/"), 409
        )
    assert "concept" in detail
    assert ApprovalRoundFlow.process_class.objects.count() == 1


@pytest.mark.parametrize(
    ("stage", "kind"),
    [
        (Stage.BOTTLENECK_ANALYSIS, "heads_of_agreement"),
        (Stage.NEGOTIATION, "administrative_agreement"),
    ],
)
def test_submit_409_in_the_wrong_stage(world, as_case_manager, stage, kind):
    location = bring_to(
        world.own, stage, case_manager=world.case_manager, ministry=world.ministry
    )
    version = draft(as_case_manager, location, kind=kind)
    with unchanged():
        detail = assert_error(
            as_case_manager.post(f"/api/v1/agreements/{version['id']}/submit/"), 409
        )
    assert location.get_stage_display() in detail
    assert not ApprovalRoundFlow.process_class.objects.exists()


def test_submit_409_without_parties(world, as_case_manager):
    location = LocationFactory(programme=world.programme, name="Zonder partijen")
    bring_to(
        location,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = draft(as_case_manager, location)
    with unchanged():
        assert "partijen" in assert_error(
            as_case_manager.post(f"/api/v1/agreements/{version['id']}/submit/"), 409
        )
    assert not ApprovalRoundFlow.process_class.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "ministry", "a_signatory", "a_member"])
def test_submit_403_for_anyone_but_the_case_manager(world, as_case_manager, who):
    location = negotiating(world)
    version = draft(as_case_manager, location)
    with unchanged():
        assert_error(
            token_client(getattr(world, who)).post(
                f"/api/v1/agreements/{version['id']}/submit/"
            ),
            403,
        )
    assert not ApprovalRoundFlow.process_class.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "c_signatory"])
def test_submit_of_an_invisible_version_is_404_like_a_missing_one(
    world, as_case_manager, who
):
    version = draft(as_case_manager, negotiating(world))
    client = token_client(getattr(world, who))
    with unchanged():
        hidden = client.post(f"/api/v1/agreements/{version['id']}/submit/")
        missing = client.post("/api/v1/agreements/999999/submit/")
    assert_error(hidden, 404)
    assert hidden.json() == missing.json()


# --- GET /api/v1/agreements/{id}/ -----------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["case_manager", "ministry", "viewer", "a_member", "b_signatory"]
)
def test_detail_for_everyone_who_sees_the_location(world, as_case_manager, who):
    version = draft(as_case_manager, negotiating(world))
    response = token_client(getattr(world, who)).get(
        f"/api/v1/agreements/{version['id']}/"
    )
    assert response.status_code == 200, response.content
    assert response.json() == version


@pytest.mark.parametrize("who", ["outsider", "c_member", "c_signatory"])
def test_detail_of_an_invisible_version_is_404_like_a_missing_one(
    world, as_case_manager, who
):
    version = draft(as_case_manager, negotiating(world))
    client = token_client(getattr(world, who))
    hidden = client.get(f"/api/v1/agreements/{version['id']}/")
    missing = client.get("/api/v1/agreements/999999/")
    assert "Eigen Locatie" not in assert_error(hidden, 404)
    assert hidden.json() == missing.json()
    assert_error(client.get("/api/v1/agreements/9223372036854775808/"), 404)


def test_detail_during_the_round_shows_approvals_and_who_is_awaited(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_b)
    assert (
        complete(
            token_client(world.b_signatory),
            task,
            decision="approve",
            comment="Akkoord.",
        ).status_code
        == 200
    )
    detail = (
        token_client(world.a_member).get(f"/api/v1/agreements/{body['id']}/").json()
    )
    assert detail["status"] == "in_approval"
    assert detail["awaiting"] == [{"id": world.org_a.pk, "name": "Gemeente A"}]
    (approval,) = detail["approvals"]
    assert set(approval) == APPROVAL_FIELDS
    assert approval["organisation"] == {"id": world.org_b.pk, "name": "Ontwikkelaar B"}
    assert approval["decision"] == "approve"
    assert approval["comment"] == "Akkoord."
    assert approval["decided_by"] == "b-teken"
    assert approval["decided_at"]
    assert detail["sha256"] is None


def test_detail_of_a_rejected_version(world):
    body = open_round(world)
    task = approval_task(body["id"], world.org_a)
    response = complete(
        token_client(world.a_signatory), task, decision="reject", comment="Te vaag."
    )
    assert response.status_code == 200, response.content
    detail = token_client(world.viewer).get(f"/api/v1/agreements/{body['id']}/").json()
    assert detail["status"] == "rejected"
    assert detail["awaiting"] == []
    assert [(a["decision"], a["comment"]) for a in detail["approvals"]] == [
        ("reject", "Te vaag.")
    ]
    assert detail["sha256"] is None


def test_detail_of_a_concluded_version_carries_its_hash(world):
    body = open_round(world)
    for organisation, signatory in [
        (world.org_a, world.a_signatory),
        (world.org_b, world.b_signatory),
    ]:
        response = complete(
            token_client(signatory),
            approval_task(body["id"], organisation),
            decision="approve",
        )
        assert response.status_code == 200, response.content
    detail = (
        token_client(world.a_member).get(f"/api/v1/agreements/{body['id']}/").json()
    )
    version = AgreementVersion.objects.get(pk=body["id"])
    assert detail["status"] == "concluded"
    assert detail["awaiting"] == []
    assert len(detail["sha256"]) == 64 and set(detail["sha256"]) <= HEX
    assert (
        detail["sha256"]
        == hashlib.sha256(services.version_canonical_content(version)).hexdigest()
    )
    assert [a["organisation"]["id"] for a in detail["approvals"]] == [
        world.org_a.pk,
        world.org_b.pk,
    ]


def test_detail_query_count_does_not_grow_with_commitments(
    world, as_case_manager, django_assert_max_num_queries
):
    location = negotiating(world)
    payload = draft_payload(location)
    payload["commitments"] = [
        {
            **payload["commitments"][i % 2],
            "description": f"Afspraak {i}",
            "depends_on": list(range(i))[:3],
        }
        for i in range(30)
    ]
    version = as_case_manager.post(
        agreements_url(location), payload, format="json"
    ).json()
    as_case_manager.get(f"/api/v1/agreements/{version['id']}/")
    # token, user and group permissions, the version, commitments, their dependencies,
    # approvals, parties; well under one query per commitment.
    with django_assert_max_num_queries(10):
        response = as_case_manager.get(f"/api/v1/agreements/{version['id']}/")
    assert len(response.json()["commitments"]) == 30


# --- Authentication and schema ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/locations/{pk}/agreements/"),
        ("get", "/api/v1/agreements/{version}/"),
        ("post", "/api/v1/agreements/{version}/submit/"),
        ("get", "/api/v1/tasks/"),
        ("post", "/api/v1/tasks/1/complete/"),
    ],
)
def test_anonymous_is_refused_without_data(world, as_case_manager, method, path):
    version = draft(as_case_manager, negotiating(world))
    with unchanged():
        response = getattr(APIClient(), method)(
            path.format(pk=world.own.pk, version=version["id"]), {}, format="json"
        )
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert "Eigen Locatie" not in response.content.decode()


def test_bad_token_is_refused(world, as_case_manager):
    version = draft(as_case_manager, negotiating(world))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nietgeldig")
    assert_error(client.get(f"/api/v1/agreements/{version['id']}/"), 401)
    assert_error(client.get("/api/v1/tasks/"), 401)


def test_openapi_schema_has_the_agreement_and_task_paths(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/locations/{id}/agreements/": {
            "post": {"201", "400", "403", "404", "409"}
        },
        "/api/v1/agreements/{id}/": {"get": {"200", "404"}},
        "/api/v1/agreements/{id}/submit/": {"post": {"200", "403", "404", "409"}},
        "/api/v1/tasks/": {"get": {"200"}},
        "/api/v1/tasks/{id}/complete/": {"post": {"200", "400", "403", "404", "409"}},
    }
    for path, methods in expected.items():
        assert path in paths, sorted(paths)
        assert set(paths[path]) == set(methods)
        for method, codes in methods.items():
            assert codes <= set(paths[path][method]["responses"])
    components = schema["components"]["schemas"]
    assert set(components["AgreementKindEnum"]["enum"]) == {
        "heads_of_agreement",
        "administrative_agreement",
    }
    assert set(components["TaskKindEnum"]["enum"]) == {
        "approval",
        "revise",
        "action",
        "action_review",
        # The escalation branch (workflows.escalation).
        "consultation",
        "resume_negotiation",
        "intervention",
        "designation_decision",
    }
    assert set(components["Agreement"]["properties"]) == AGREEMENT_FIELDS
    assert set(components["Task"]["properties"]) == {
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
