"""API v1 for locations, transitions and bottlenecks: the shapes and status codes of
design §8."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from casework.api import LocationSerializer, location_rows
from casework.constants import BottleneckCategory, Province, Stage
from casework.models import AuditEvent, Bottleneck, Location

from ..conftest import token_client, transition_events
from ..factories import LocationFactory, ProgrammeFactory, UserFactory
from ..scenarios import add_bottleneck, bring_to, record_criteria

LIST_FIELDS = {"id", "name", "municipality", "province", "stage", "planned_homes"}
DETAIL_FIELDS = LIST_FIELDS | {
    "programme",
    "planned_homes_note",
    "share_social_rent",
    "share_mid_rent",
    "stage_changed_at",
    "available_transitions",
    "parties",
}
BOTTLENECK_FIELDS = {
    "id",
    "category",
    "description",
    "owner",
    "status",
    "deadline",
    "created_at",
}


def url(location_or_id, suffix: str = "") -> str:
    pk = getattr(location_or_id, "pk", location_or_id)
    return f"/api/v1/locations/{pk}/{suffix}"


def assert_error(response, status: int) -> str:
    """The status is `status` and the body is `{"detail": "<non-empty string>", ...}`."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body.get("detail"), str) and body["detail"].strip()
    return body["detail"]


@pytest.fixture
def as_ministry(world) -> APIClient:
    return token_client(world.ministry)


@pytest.fixture
def as_case_manager(world) -> APIClient:
    return token_client(world.case_manager)


# --- GET /api/v1/locations/ ---------------------------------------------------------------


def test_list_shape_and_order(world):
    LocationFactory(
        programme=world.programme,
        name="Aardhuis",
        municipality="Zwolle",
        province=Province.OVERIJSSEL,
        planned_homes=1200,
    )
    response = token_client(world.viewer).get("/api/v1/locations/")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert [item["name"] for item in body] == [
        "Aardhuis",
        "Eigen Locatie",
        "Vreemde Locatie",
    ]
    for item in body:
        assert set(item) == LIST_FIELDS
    assert body[0] == {
        "id": Location.objects.get(name="Aardhuis").pk,
        "name": "Aardhuis",
        "municipality": "Zwolle",
        "province": "Overijssel",
        "stage": "proposed",
        "planned_homes": 1200,
    }
    assert body[1]["planned_homes"] is None


def test_list_rows_are_what_the_serializer_says(world):
    """The list reads plain rows (`location_rows`) instead of serializing model
    instances: the same JSON, key order included, as `LocationSerializer`."""
    LocationFactory(programme=world.programme, name="Zonder woningen")
    LocationFactory(
        programme=world.programme,
        name="Met woningen",
        province=Province.FRIESLAND,
        planned_homes=0,
    )
    locations = Location.objects.order_by("name", "id")
    rows = location_rows(locations)
    assert rows == LocationSerializer(locations, many=True).data
    assert [list(row) for row in rows] == [
        list(item) for item in LocationSerializer(locations, many=True).data
    ]
    body = token_client(world.viewer).get("/api/v1/locations/").json()
    assert body == json.loads(json.dumps(rows))


def test_list_shows_a_party_member_only_its_locations(world):
    body = token_client(world.a_member).get("/api/v1/locations/").json()
    assert [item["id"] for item in body] == [world.own.pk]
    body = token_client(world.outsider).get("/api/v1/locations/").json()
    assert body == []


def test_list_filters(world):
    other_programme = ProgrammeFactory(slug="versnellingstafel-oost", name="Oost")
    zwolle = LocationFactory(
        programme=other_programme,
        name="Zwolle Oost",
        municipality="Zwolle",
        province=Province.OVERIJSSEL,
    )
    bring_to(
        world.foreign,
        Stage.SELECTED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    client = token_client(world.viewer)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/locations/?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()]

    assert ids("stage=selected") == [world.foreign.pk]
    assert ids("stage=proposed") == [world.own.pk, zwolle.pk]
    assert ids("province=Overijssel") == [zwolle.pk]
    assert ids("programme=versnellingstafel-oost") == [zwolle.pk]
    assert ids("programme=bestaat-niet") == []
    assert ids("stage=proposed&province=Utrecht") == [world.own.pk]


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("stage=unknown", "fase"),
        ("stage=Proposed", "fase"),
        ("province=Brabant", "provincie"),
    ],
)
def test_list_invalid_filter_value_is_400(world, query, word):
    response = token_client(world.viewer).get(f"/api/v1/locations/?{query}")
    assert word in assert_error(response, 400)


# --- GET /api/v1/locations/{id}/ ----------------------------------------------------------


def test_detail_shape(world, as_ministry):
    record_criteria(world.own, world.case_manager)
    response = as_ministry.get(url(world.own))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == DETAIL_FIELDS
    assert body["id"] == world.own.pk
    assert body["stage"] == "proposed"
    assert body["programme"] == world.programme.slug
    assert sorted(body["available_transitions"]) == ["select", "withdraw"]
    assert body["parties"] == [
        {
            "organisation": {
                "id": world.org_a.pk,
                "name": "Gemeente A",
                "kind": "municipality",
            },
            "role": "municipality",
            "signatories": ["a-teken"],
        },
        {
            "organisation": {
                "id": world.org_b.pk,
                "name": "Ontwikkelaar B",
                "kind": "developer",
            },
            "role": "developer",
            "signatories": ["b-teken"],
        },
    ]
    # stage_changed_at is an ISO 8601 timestamp with offset.
    datetime.datetime.fromisoformat(body["stage_changed_at"])


def test_detail_lists_every_signatory_sorted_and_no_plain_members(world, as_ministry):
    from ..factories import person_of

    person_of(world.org_a, "signatory", username="0-eerste-ondertekenaar")
    body = as_ministry.get(url(world.own)).json()
    assert body["parties"][0]["signatories"] == ["0-eerste-ondertekenaar", "a-teken"]
    assert "a-lid" not in str(body)


def test_detail_available_transitions_depend_on_the_guards(world, as_ministry):
    assert as_ministry.get(url(world.own)).json()["available_transitions"] == [
        "withdraw"
    ]
    record_criteria(world.own, world.case_manager)
    assert sorted(as_ministry.get(url(world.own)).json()["available_transitions"]) == [
        "select",
        "withdraw",
    ]


@pytest.mark.parametrize("who", ["a_member", "outsider", "c_member"])
def test_detail_of_an_invisible_or_missing_location_is_404(world, who):
    client = token_client(getattr(world, who))
    location = world.foreign if who != "c_member" else world.own
    detail = assert_error(client.get(url(location)), 404)
    assert location.name not in detail
    assert_error(client.get(url(999_999)), 404)


# --- POST /api/v1/locations/{id}/transitions/ ---------------------------------------------


def test_transition_200_returns_the_new_stage(world, as_ministry):
    record_criteria(world.own, world.case_manager)
    response = as_ministry.post(
        url(world.own, "transitions/"),
        {"transition": "select", "reason": "Voldoet aan de criteria."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "selected"}
    assert Location.objects.get(pk=world.own.pk).stage == Stage.SELECTED
    event = transition_events(world.own).get()
    assert (event.actor, event.reason) == (world.ministry, "Voldoet aan de criteria.")


def test_start_designation_through_the_api_takes_the_extra_fields(world, as_ministry):
    from ..scenarios import record_consultation

    location = bring_to(
        world.own,
        Stage.ESCALATED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    record_consultation(location, world.case_manager, "deadlock_remains")
    payload = {"transition": "start_designation", "reason": "Impasse blijft."}
    for missing in ("instrument", "legal_basis", "national_interest"):
        extras = {
            "instrument": "instruction",
            "legal_basis": "Art. 4.35 Omgevingswet.",
            "national_interest": "Woningbouw.",
        }
        del extras[missing]
        assert_error(
            as_ministry.post(
                url(location, "transitions/"), {**payload, **extras}, format="json"
            ),
            400,
        )
    assert_error(
        as_ministry.post(
            url(location, "transitions/"),
            {
                **payload,
                "instrument": "decree",
                "legal_basis": "x",
                "national_interest": "y",
            },
            format="json",
        ),
        400,
    )
    response = as_ministry.post(
        url(location, "transitions/"),
        {
            **payload,
            "instrument": "instruction",
            "legal_basis": "Art. 4.35 Omgevingswet.",
            "national_interest": "Woningbouw.",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "designation_procedure"}
    assert location.designations.get().instrument == "instruction"


@pytest.mark.parametrize(
    ("payload", "word"),
    [
        ({"transition": "fly", "reason": "x"}, "Onbekende overgang"),
        ({"transition": "", "reason": "x"}, "transition"),
        ({"reason": "x"}, "transition"),
        ({"transition": "withdraw"}, "reden"),
        ({"transition": "withdraw", "reason": ""}, "reden"),
        ({"transition": "withdraw", "reason": "   "}, "reden"),
        ({"transition": "withdraw", "reason": None}, "reason"),
    ],
    ids=[
        "unknown",
        "empty-name",
        "no-name",
        "no-reason",
        "empty-reason",
        "blank-reason",
        "null-reason",
    ],
)
def test_transition_400(world, as_ministry, payload, word):
    before = AuditEvent.objects.count()
    response = as_ministry.post(url(world.own, "transitions/"), payload, format="json")
    assert word in assert_error(response, 400)
    assert AuditEvent.objects.count() == before
    assert Location.objects.get(pk=world.own.pk).stage == Stage.PROPOSED


@pytest.mark.parametrize(
    ("who", "transition"),
    [
        ("viewer", "withdraw"),
        ("case_manager", "withdraw"),
        ("ministry", "start_analysis"),
        ("a_member", "withdraw"),
        ("a_signatory", "withdraw"),
        ("ministry", "conclude_heads_of_agreement"),
        ("case_manager", "conclude_administrative_agreement"),
    ],
)
def test_transition_403(world, who, transition):
    bring_to(
        world.own,
        Stage.SELECTED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    before = AuditEvent.objects.count()
    response = token_client(getattr(world, who)).post(
        url(world.own, "transitions/"),
        {"transition": transition, "reason": "Mag dit?"},
        format="json",
    )
    assert_error(response, 403)
    assert AuditEvent.objects.count() == before
    assert Location.objects.get(pk=world.own.pk).stage == Stage.SELECTED


@pytest.mark.parametrize("who", ["a_member", "outsider"])
def test_transition_on_an_invisible_location_is_404_even_when_invalid(world, who):
    client = token_client(getattr(world, who))
    for payload in (
        {"transition": "withdraw", "reason": "x"},
        {"transition": "fly"},
        {},
    ):
        assert_error(
            client.post(url(world.foreign, "transitions/"), payload, format="json"), 404
        )
    assert Location.objects.get(pk=world.foreign.pk).stage == Stage.PROPOSED


def test_transition_on_a_missing_location_is_404(as_ministry):
    assert_error(
        as_ministry.post(
            url(999_999, "transitions/"),
            {"transition": "withdraw", "reason": "x"},
            format="json",
        ),
        404,
    )


def test_transition_409_wrong_stage(world, as_case_manager):
    response = as_case_manager.post(
        url(world.own, "transitions/"),
        {"transition": "start_negotiation", "reason": "Te vroeg."},
        format="json",
    )
    assert "Voorgedragen" in assert_error(response, 409)
    assert not transition_events().exists()


def test_transition_409_guard_unmet(world, as_ministry, as_case_manager):
    response = as_ministry.post(
        url(world.own, "transitions/"),
        {"transition": "select", "reason": "Zonder criteria."},
        format="json",
    )
    assert "selectiecriteria" in assert_error(response, 409)

    bring_to(
        world.own,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    events = transition_events().count()
    response = as_case_manager.post(
        url(world.own, "transitions/"),
        {"transition": "start_negotiation", "reason": "Zonder knelpunt."},
        format="json",
    )
    assert "knelpunt" in assert_error(response, 409)
    assert transition_events().count() == events
    assert Location.objects.get(pk=world.own.pk).stage == Stage.BOTTLENECK_ANALYSIS


def test_transition_from_a_final_stage_is_409(world, as_ministry):
    bring_to(
        world.own,
        Stage.WITHDRAWN,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    assert_error(
        as_ministry.post(
            url(world.own, "transitions/"),
            {"transition": "withdraw", "reason": "Nog een keer."},
            format="json",
        ),
        409,
    )


def test_transitions_endpoint_allows_only_post(world, as_ministry):
    assert_error(as_ministry.get(url(world.own, "transitions/")), 405)


# --- /api/v1/locations/{id}/bottlenecks/ --------------------------------------------------


def test_bottleneck_post_201_and_get(world, as_case_manager):
    response = as_case_manager.post(
        url(world.own, "bottlenecks/"),
        {
            "category": BottleneckCategory.NITROGEN,
            "description": "Stikstofruimte ontbreekt.",
            "owner": world.org_b.pk,
            "deadline": "2026-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == BOTTLENECK_FIELDS
    assert body["category"] == "nitrogen"
    assert body["description"] == "Stikstofruimte ontbreekt."
    assert body["owner"] == world.org_b.pk
    assert body["status"] == "open"
    assert body["deadline"] == "2026-03-31"
    bottleneck = Bottleneck.objects.get(pk=body["id"])
    assert bottleneck.created_by == world.case_manager
    assert AuditEvent.objects.filter(
        location=world.own, action="bottleneck_created", data__bottleneck=bottleneck.pk
    ).exists()

    response = as_case_manager.post(
        url(world.own, "bottlenecks/"),
        {"category": "other", "description": "Zonder eigenaar.", "owner": None},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["owner"] is None
    assert response.json()["deadline"] is None

    listed = as_case_manager.get(url(world.own, "bottlenecks/"))
    assert listed.status_code == 200
    assert [b["description"] for b in listed.json()] == [
        "Stikstofruimte ontbreekt.",
        "Zonder eigenaar.",
    ]
    assert all(set(b) == BOTTLENECK_FIELDS for b in listed.json())


def test_bottleneck_list_of_a_party_member(world):
    add_bottleneck(world.own, world.case_manager)
    client = token_client(world.a_member)
    assert len(client.get(url(world.own, "bottlenecks/")).json()) == 1
    assert_error(client.get(url(world.foreign, "bottlenecks/")), 404)


@pytest.mark.parametrize(
    ("payload", "word"),
    [
        ({"category": "meteor", "description": "x"}, "category"),
        ({"description": "x"}, "category"),
        ({"category": "nitrogen"}, "description"),
        ({"category": "nitrogen", "description": ""}, "description"),
        ({"category": "nitrogen", "description": "x", "owner": 999_999}, "partij"),
        (
            {"category": "nitrogen", "description": "x", "deadline": "31-03-2026"},
            "deadline",
        ),
    ],
    ids=[
        "bad-category",
        "no-category",
        "no-description",
        "empty-description",
        "owner-not-party",
        "bad-date",
    ],
)
def test_bottleneck_post_400(world, as_case_manager, payload, word):
    response = as_case_manager.post(
        url(world.own, "bottlenecks/"), payload, format="json"
    )
    assert word in assert_error(response, 400)
    assert not Bottleneck.objects.exists()


def test_bottleneck_post_403_and_404(world):
    payload = {"category": "nitrogen", "description": "x"}
    assert_error(
        token_client(world.viewer).post(
            url(world.own, "bottlenecks/"), payload, format="json"
        ),
        403,
    )
    assert_error(
        token_client(world.ministry).post(
            url(world.own, "bottlenecks/"), payload, format="json"
        ),
        403,
    )
    assert_error(
        token_client(world.a_member).post(
            url(world.foreign, "bottlenecks/"), payload, format="json"
        ),
        404,
    )
    assert_error(
        token_client(world.case_manager).post(
            url(999_999, "bottlenecks/"), payload, format="json"
        ),
        404,
    )
    assert not Bottleneck.objects.exists()


def test_bottleneck_post_on_a_closed_location_is_409(world, as_case_manager):
    bring_to(
        world.own,
        Stage.WITHDRAWN,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    response = as_case_manager.post(
        url(world.own, "bottlenecks/"),
        {"category": "nitrogen", "description": "Te laat."},
        format="json",
    )
    assert_error(response, 409)
    assert not Bottleneck.objects.exists()


# --- Authentication -----------------------------------------------------------------------


def test_token_auth(world):
    response = token_client(world.a_member).get("/api/v1/locations/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [world.own.pk]


@pytest.mark.parametrize(
    "header", ["Token wrong", "Token", "Bearer abc", "Token a b"], ids=repr
)
def test_bad_token_is_refused_without_data(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/locations/")
    # TokenAuthentication comes first: a failed authentication is a 401 with a challenge.
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert world.own.name not in response.content.decode()


def test_inactive_users_token_is_refused(world):
    client = token_client(world.ministry)
    world.ministry.is_active = False
    world.ministry.save()
    assert_error(client.get("/api/v1/locations/"), 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/locations/"),
        ("get", "/api/v1/locations/{pk}/"),
        ("get", "/api/v1/locations/{pk}/bottlenecks/"),
        ("post", "/api/v1/locations/{pk}/bottlenecks/"),
        ("post", "/api/v1/locations/{pk}/transitions/"),
    ],
)
def test_anonymous_is_refused_without_data(world, method, path):
    response = getattr(APIClient(), method)(
        path.format(pk=world.own.pk), {}, format="json"
    )
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert world.own.name not in response.content.decode()


def test_session_auth(world):
    client = Client()
    client.force_login(world.a_member)
    response = client.get("/api/v1/locations/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [world.own.pk]

    client.force_login(world.ministry)
    response = client.post(
        url(world.own, "transitions/"),
        {"transition": "withdraw", "reason": "Via de sessie."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "withdrawn"}


def test_session_auth_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ministry)
    response = client.post(
        url(world.own, "transitions/"),
        {"transition": "withdraw", "reason": "Zonder CSRF-token."},
        content_type="application/json",
    )
    assert "CSRF" in assert_error(response, 403)
    assert Location.objects.get(pk=world.own.pk).stage == Stage.PROPOSED


# --- Schema -------------------------------------------------------------------------------


def test_openapi_schema(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/locations/",
        "/api/v1/locations/{id}/",
        "/api/v1/locations/{id}/transitions/",
        "/api/v1/locations/{id}/bottlenecks/",
    ):
        assert path in paths, sorted(paths)
    assert set(paths["/api/v1/locations/{id}/transitions/"]) == {"post"}
    assert {"get", "post"} <= set(paths["/api/v1/locations/{id}/bottlenecks/"])
    responses = paths["/api/v1/locations/{id}/transitions/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(responses)
    stage_filter = next(
        p
        for p in paths["/api/v1/locations/"]["get"]["parameters"]
        if p["name"] == "stage"
    )
    assert set(stage_filter["schema"]["enum"]) == set(Stage.values)


def test_openapi_schema_yaml_mentions_the_four_paths(db):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/locations/:",
        "/api/v1/locations/{id}/:",
        "/api/v1/locations/{id}/transitions/:",
        "/api/v1/locations/{id}/bottlenecks/:",
    ):
        assert path in text


# --- Odd requests ---------------------------------------------------------------------------


def test_an_invisible_location_answers_exactly_like_a_missing_one(world):
    """No oracle: the 404 of a location that exists but is hidden is the 404 of one
    that does not exist."""
    client = token_client(world.a_member)
    for suffix, method, payload in [
        ("", "get", None),
        ("bottlenecks/", "get", None),
        ("bottlenecks/", "post", {"category": "nitrogen", "description": "x"}),
        ("transitions/", "post", {"transition": "withdraw", "reason": "x"}),
    ]:
        hidden = getattr(client, method)(
            url(world.foreign, suffix), payload, format="json"
        )
        missing = getattr(client, method)(url(999_999, suffix), payload, format="json")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


@pytest.mark.parametrize("pk", ["9223372036854775808", "99999999999999999999"])
def test_an_id_beyond_the_integer_range_is_404(world, as_ministry, pk):
    assert_error(as_ministry.get(url(pk)), 404)
    assert_error(
        as_ministry.post(
            url(pk, "transitions/"),
            {"transition": "withdraw", "reason": "x"},
            format="json",
        ),
        404,
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("[1, 2]", "application/json"),
        ("not json", "application/json"),
        ('"withdraw"', "application/json"),
    ],
    ids=["list", "not-json", "string"],
)
def test_a_malformed_body_is_400(world, as_ministry, body, content_type):
    response = as_ministry.generic(
        "POST", url(world.own, "transitions/"), body, content_type=content_type
    )
    assert_error(response, 400)
    assert Location.objects.get(pk=world.own.pk).stage == Stage.PROPOSED


def test_errors_speak_the_users_chosen_language(world):
    from django.conf import settings

    client = token_client(world.case_manager)
    body = {"transition": "start_analysis", "reason": "Te vroeg."}
    dutch = assert_error(
        client.post(url(world.own, "transitions/"), body, format="json"), 409
    )
    assert dutch == "Dit kan niet vanuit de fase ‘Voorgedragen’."

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = assert_error(
        client.post(url(world.own, "transitions/"), body, format="json"), 409
    )
    assert english == "This is not possible from the stage ‘Proposed’."
