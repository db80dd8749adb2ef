"""The API takes JSON and says so (issue 12, item 6): a form or multipart body is a
415 `{"detail"}` on every operation, the schema publishes `application/json` request
bodies only, documents 401 and 415 on every operation with the error body, names
`transition`, `decision`, kinds and stages as enums, and marks the fields a response
always carries as required."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, get_resolver
from rest_framework.test import APIClient

from casework.constants import ImpasseRule, Stage, TransitionName
from casework.models import Decision
from config.api import JSONAPIView
from permissions.constants import OrganisationKind
from workflows.api import TaskKind

from ..conftest import token_client
from ..workflows.api_helpers import assert_error, open_round, unchanged

FORM = "application/x-www-form-urlencoded"
# The evidence upload takes a file (multipart/form-data) and nothing else.
UPLOAD = ("/api/v1/locations/{id}/evidence/", "post")


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get(
            "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
        )
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def enum_of(schema: dict, prop: dict) -> list[str]:
    """The enum a property names (directly, through `$ref` or `allOf`)."""
    if "enum" in prop:
        return prop["enum"]
    if "$ref" in prop:
        return enum_of(schema, component(schema, prop["$ref"]))
    (only,) = prop["allOf"]
    return enum_of(schema, only)


# --- The schema -------------------------------------------------------------------------


def test_request_bodies_are_published_as_json_only(schema):
    bodies = {
        (path, method): set(operation["requestBody"]["content"])
        for path, method, operation in operations(schema)
        if "requestBody" in operation
    }
    # Transitions, bottlenecks, agreements, task completion, construction starts, the
    # notice of a draft designation decision and its views, the bottleneck lifecycle
    # (3) and the commitment ledger (5); and the one body that is not JSON: an
    # evidence file (issue 15, item 3).
    assert len(bodies) == 16
    assert bodies.pop(UPLOAD) == {"multipart/form-data"}
    assert all(types == {"application/json"} for types in bodies.values()), bodies
    assert all(
        operation["requestBody"].get("required") is True
        for _path, _method, operation in operations(schema)
        if "requestBody" in operation
    )


def test_every_operation_documents_401_and_415_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        for status in ("401", "415"):
            response = operation["responses"].get(status)
            assert response, (method, path, status)
            assert response["description"], (method, path, status)
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path, status)
        for status, response in operation["responses"].items():
            if status >= "400":
                assert response["description"], (method, path, status)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]


def test_transitions_decisions_kinds_and_stages_are_enums(schema):
    schemas = schema["components"]["schemas"]
    transition = schemas["TransitionRequest"]
    assert enum_of(schema, transition["properties"]["transition"]) == list(
        TransitionName.values
    )
    assert set(transition["required"]) == {"transition", "reason"}
    available = schemas["LocationDetail"]["properties"]["available_transitions"]
    assert enum_of(schema, available["items"]) == list(TransitionName.values)
    for name in ("Location", "LocationDetail"):
        assert enum_of(schema, schemas[name]["properties"]["stage"]) == list(
            Stage.values
        )
    assert enum_of(schema, schemas["Task"]["properties"]["kind"]) == [
        value for value, _label in TaskKind.choices
    ]
    assert enum_of(schema, schemas["Impasse"]["properties"]["rule"]) == list(
        ImpasseRule.values
    )
    assert enum_of(schema, schemas["Organisation"]["properties"]["kind"]) == list(
        OrganisationKind.values
    )

    # One body per kind of task, told apart by `kind`, each decision an enum.
    completion = schemas["TaskCompletionRequest"]
    mapping = completion["discriminator"]["mapping"]
    assert completion["discriminator"]["propertyName"] == "kind"
    assert set(mapping) == {value for value, _label in TaskKind.choices}
    assert sorted(completion["oneOf"], key=str) == sorted(
        ({"$ref": ref} for ref in mapping.values()), key=str
    )
    decisions = {}
    for kind, ref in mapping.items():
        body = component(schema, ref)
        assert "kind" in body["required"], kind
        assert enum_of(schema, body["properties"]["kind"]) == [kind]
        if "decision" in body["properties"]:
            assert "decision" in body["required"], kind
            decisions[kind] = enum_of(schema, body["properties"]["decision"])
    assert decisions == {
        "approval": list(Decision.values),
        "action_review": ["accept", "return"],
        "intervention": ["start_designation", "resume_negotiation", "withdraw"],
        "designation_decision": ["designate", "resume_negotiation", "withdraw"],
    }


def response_components(schema: dict) -> set[str]:
    """Every component a response refers to, and what those refer to."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found.add(name)
                    walk(schema["components"]["schemas"][name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for _path, _method, operation in operations(schema):
        walk(operation["responses"])
    return found


# What an answer may leave out: categories without bottlenecks, and the per-field
# messages an error has only when fields were wrong.
OPTIONAL_IN_RESPONSES = {
    "BottlenecksByCategory": "*",
    "Error": {"errors"},
}


def test_response_fields_are_required_and_nullable_as_the_answers_are(schema):
    names = response_components(schema)
    assert {"Location", "LocationDetail", "Task", "Agreement", "Document"} <= names
    for name in sorted(names):
        body = schema["components"]["schemas"][name]
        if body.get("type") != "object" or "properties" not in body:
            continue
        optional = set(body["properties"]) - set(body.get("required", []))
        allowed = OPTIONAL_IN_RESPONSES.get(name, set())
        if allowed != "*":
            assert optional == allowed, (name, sorted(optional))

    # Nullable where the answer can be null (the fuzzing and the generated client
    # check the answers themselves against this).
    nullable = {
        (name, prop)
        for name in response_components(schema)
        for prop, spec in schema["components"]["schemas"][name]
        .get("properties", {})
        .items()
        if spec.get("nullable")
    }
    for expected in [
        ("Location", "planned_homes"),
        ("Agreement", "sha256"),
        ("Task", "agreement"),
        ("Task", "action"),
        ("Task", "organisation"),
        ("Task", "due_date"),
        ("Bottleneck", "owner"),
        ("Bottleneck", "deadline"),
        ("Document", "location"),
        ("Document", "agreement_version"),
        ("Impasse", "waiting_on"),
        ("Impasse", "closed_at"),
    ]:
        assert expected in nullable, expected
    # An object that is always there is never null.
    assert ("Task", "location") not in nullable
    assert ("Impasse", "location") not in nullable


# --- The server -------------------------------------------------------------------------


def test_every_api_view_is_a_json_view():
    """Every endpoint under /api/v1/ refuses what is not JSON (the class of the
    defect): each view of the API's URLconf is a `JSONAPIView`, except the schema,
    its documentation page and the catch-all 404."""
    (api,) = [
        pattern
        for pattern in get_resolver().url_patterns
        if str(pattern.pattern) == "api/v1/"
    ]
    views = {
        pattern.name: pattern.callback
        for pattern in api.url_patterns
        if isinstance(pattern, URLPattern)
    }
    exempt = {"schema", "swagger-ui", None}
    checked = {
        name: view.view_class for name, view in views.items() if name not in exempt
    }
    assert len(checked) == 44
    for name, view_class in checked.items():
        assert issubclass(view_class, JSONAPIView), name


def concrete(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{id\}", str(ids.get(path, 1)), path)


@pytest.fixture
def ids(world) -> dict[str, int]:
    """Real objects behind the ids (a refusal must not depend on a 404)."""
    version = open_round(world)["id"]
    location = world.own.pk
    return {
        "/api/v1/locations/{id}/": location,
        "/api/v1/locations/{id}/transitions/": location,
        "/api/v1/locations/{id}/bottlenecks/": location,
        "/api/v1/locations/{id}/agreements/": location,
        "/api/v1/locations/{id}/dossier.pdf": location,
        "/api/v1/locations/{id}/designation-decision.pdf": location,
        "/api/v1/agreements/{id}/": version,
        "/api/v1/agreements/{id}/submit/": version,
        "/api/v1/agreements/{id}/pdf/": version,
        "/api/v1/locations/{id}/evidence/": location,
        "/api/v1/locations/{id}/construction/": location,
        "/api/v1/locations/{id}/audit.csv": location,
        "/api/v1/locations/{id}/audit.xlsx": location,
    }


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("transition=withdraw&reason=Weg.", FORM),
        (
            '--B\r\nContent-Disposition: form-data; name="transition"\r\n\r\n'
            "withdraw\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
        ),
        ('{"transition": "withdraw", "reason": "Weg."}', "text/plain"),
        ('{"transition": "withdraw", "reason": "Weg."}', ""),
    ],
    ids=["form", "multipart", "json-as-text", "no-content-type"],
)
def test_a_body_that_is_not_json_is_415_on_every_operation(
    world, schema, ids, body, content_type
):
    client = token_client(world.ministry)
    with unchanged():
        for path, method, _operation in operations(schema):
            response = client.generic(
                method.upper(), concrete(path, ids), body, content_type=content_type
            )
            if (path, method) != UPLOAD:
                assert "JSON" in assert_error(response, 415), (method, path)
            elif content_type.startswith("multipart/"):
                # Multipart, but without a file: the upload says what it needs.
                assert "‘file’" in assert_error(response, 400)
            else:
                assert "multipart/form-data" in assert_error(response, 415)


def test_json_is_taken_and_authentication_comes_first(world, schema, ids):
    # Without a token: 401 on every operation, before the content type is looked at.
    anonymous = APIClient()
    with unchanged():
        for path, method, _operation in operations(schema):
            response = anonymous.generic(
                method.upper(), concrete(path, ids), "a=1", content_type=FORM
            )
            assert_error(response, 401)
            assert response["WWW-Authenticate"] == "Token"
    client = token_client(world.ministry)
    # A request without a body needs no content type; a form body is refused.
    response = client.generic("GET", "/api/v1/locations/", "", content_type=FORM)
    assert response.status_code == 200
    url = f"/api/v1/locations/{world.own.pk}/transitions/"
    with unchanged():
        assert_error(
            client.generic("POST", url, "transition=withdraw", content_type=FORM), 415
        )
    # JSON with its charset is JSON.
    response = client.generic(
        "POST",
        url,
        '{"transition": "withdraw", "reason": "Afgevoerd."}',
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "withdrawn"}


def test_the_415_speaks_the_users_language(world):
    from django.conf import settings

    client = token_client(world.ministry)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.generic(
        "POST",
        f"/api/v1/locations/{world.own.pk}/transitions/",
        "a=1",
        content_type=FORM,
    )
    assert assert_error(response, 415) == (
        "The API accepts JSON only: send the body with Content-Type: application/json."
    )
