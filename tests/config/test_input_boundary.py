"""The input boundary (issue 12, item 1): a NUL or an unpaired surrogate in any text a
request brings — query keys and values, cookies (the session cookie included), form
fields, JSON strings and keys, headers and the path — and JSON nested too deeply are
refused with a 400 before anything reads them: `{"detail"}` under /api/, a Dutch page
elsewhere. The bad text is never echoed, and nothing is stored.

Both ways a lone surrogate arrives are tried: a JSON escape (`"\\ud800"`) and
percent-encoded bytes that are not UTF-8 (`%ED%A0%80`, `%FF`). On PostgreSQL a NUL
that got through was a 500 (the database refuses it); these tests run on both
databases.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from casework.constants import Stage
from casework.limits import JSON_NESTING_MAX
from casework.models import AuditEvent, Bottleneck

from ..conftest import token_client
from ..scenarios import bring_to

pytestmark = pytest.mark.django_db

NUL_OR_SURROGATE = "nulteken, een losse surrogaat"


def bottlenecks_url(location) -> str:
    return f"/api/v1/locations/{location.pk}/bottlenecks/"


@pytest.fixture
def analysing(world):
    return bring_to(
        world.own,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def assert_api_refusal(response, *, names: str | None = None) -> str:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert NUL_OR_SURROGATE in detail or "genest" in detail, detail
    if names is not None:
        assert f"‘{names}’" in detail, detail
    # Never the bad text back: no NUL, no surrogate, no replacement character.
    body = response.content.decode("utf-8")
    assert "\x00" not in body and "\\u0000" not in body and "\ufffd" not in body
    assert "\\ud800" not in body.lower()
    return detail


def assert_page_refusal(response, *, names: str | None = None) -> str:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode("utf-8")
    assert '<html lang="nl"' in page
    assert "Ongeldig verzoek" in page
    assert "Er is niets opgeslagen." in page
    assert NUL_OR_SURROGATE in page
    if names is not None:
        assert f"‘{names}’" in page
    assert "\x00" not in page and "\ufffd" not in page
    return page


# --- The address: query keys and values, the path --------------------------------------


@pytest.mark.parametrize(
    "query",
    ["programme=a%00b", "programme=%ED%A0%80", "programme=%FF", "programme=%C3"],
    ids=["nul", "encoded-surrogate", "ff", "truncated-utf8"],
)
def test_a_bad_query_value_is_refused_by_the_api(world, query):
    api = token_client(world.ministry)
    assert_api_refusal(api.get(f"/api/v1/locations/?{query}"), names="programme")
    # Text that is valid UTF-8 passes: é, an emoji (four bytes), a space.
    for valid in ("programme=%C3%A9", "programme=%F0%9F%98%80", "programme=a+b"):
        assert api.get(f"/api/v1/locations/?{valid}").status_code == 200, valid


def test_a_bad_query_key_is_refused_without_naming_it(world):
    response = token_client(world.ministry).get("/api/v1/locations/?a%00b=1")
    detail = assert_api_refusal(response)
    assert "‘" not in detail  # the name is the bad text: not shown


@pytest.mark.parametrize("query", ["q=a%00b", "q=%ED%A0%80", "stage=%FF"])
def test_a_bad_query_is_refused_by_the_pages(client, world, query):
    client.force_login(world.a_member)
    response = client.get(f"/locations/?{query}")
    assert_page_refusal(response, names=query.split("=")[0])


def test_the_refusal_page_speaks_the_persons_language(client, world):
    client.cookies["django_language"] = "en"
    response = client.get("/locations/?q=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "Bad request" in page
    assert "The parameter ‘q’" in page


@pytest.mark.parametrize(
    "path",
    ["/agenda/abc%00def.ics", "/agenda/abc%ED%A0%80def.ics", "/agenda/%FF.ics"],
    ids=["nul", "encoded-surrogate", "ff"],
)
def test_a_bad_path_is_refused(client, path):
    response = client.get(path)
    page = assert_page_refusal(response)
    assert "Het adres bevat" in page


def test_a_bad_api_path_is_refused_in_the_apis_shape(world):
    response = token_client(world.ministry).get("/api/v1/locations/%00/")
    assert_api_refusal(response)


# --- Cookies and headers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    [
        "sessionid=abcdefgh\x00ijklmnop",
        'sessionid="abcdefgh\\000ijklmnop"',  # an octal escape in a quoted value
        "sessionid=abcdefgh\xed\xa0\x80ijklmnop",  # raw bytes, not UTF-8
        "sessionid=abcdefgh\xffijklmnop",
    ],
    ids=["nul", "octal-nul", "surrogate-bytes", "ff"],
)
def test_a_bad_session_cookie_is_refused_before_the_session_is_read(cookie):
    client = Client(HTTP_COOKIE=cookie)
    page = assert_page_refusal(client.get("/locations/"), names="sessionid")
    assert "De cookie" in page
    api = client.get("/api/v1/locations/")
    assert_api_refusal(api, names="sessionid")


def test_a_nul_in_a_header_is_refused(world):
    client = Client(HTTP_AUTHORIZATION="Token abc\x00def")
    response = client.get("/api/v1/locations/")
    assert response.status_code == 400
    assert "kopregel" in response.json()["detail"]


# --- Bodies: forms, multipart, JSON -----------------------------------------------------


@pytest.mark.parametrize(
    "value", [b"Stik%00stof", b"Stik%ED%A0%80stof", b"Stik%FFstof"]
)
def test_a_bad_form_field_is_refused_and_nothing_is_stored(
    client, world, analysing, value
):
    client.force_login(world.case_manager)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("locations:bottleneck_create", args=[analysing.pk]),
        b"category=nitrogen&description=" + value,
        content_type="application/x-www-form-urlencoded",
    )
    assert_page_refusal(response, names="description")
    assert Bottleneck.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_bad_multipart_field_is_refused(client, world, analysing):
    client.force_login(world.case_manager)
    response = client.post(
        reverse("locations:bottleneck_create", args=[analysing.pk]),
        {"category": "nitrogen", "description": "Stik\x00stof"},
    )
    assert_page_refusal(response, names="description")
    assert Bottleneck.objects.count() == 0


def test_undecodable_bytes_in_a_multipart_field_are_refused(client, world, analysing):
    client.force_login(world.case_manager)
    boundary = "grens"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="category"\r\n\r\nnitrogen\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="description"\r\n\r\n'
        ).encode()
        + b"Stik\xed\xa0\x80stof\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        reverse("locations:bottleneck_create", args=[analysing.pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_page_refusal(response, names="description")
    assert Bottleneck.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ('{"category": "nitrogen", "description": "Stik\\u0000stof"}', "description"),
        ('{"category": "nitrogen", "description": "Stik\\ud800stof"}', "description"),
        ('{"category": "nitrogen", "description": "\\udc00"}', "description"),
        ('{"category": "nitrogen", "description": "x", "a\\u0000": 1}', None),
        ('{"category": "nitrogen", "description": "x", "\\ud800": 1}', None),
        ('{"category": "nitrogen", "description": ["ok", {"b": "\\u0000"}]}', None),
        # Bytes that are not UTF-8 at all (no escape): the body as a whole is refused.
        (b'{"category": "nitrogen", "description": "Stik\xed\xa0\x80stof"}', None),
        (b'{"category": "nitrogen", "description": "\xff"}', None),
    ],
    ids=[
        "nul",
        "surrogate",
        "low-surrogate",
        "nul-key",
        "surrogate-key",
        "nested",
        "surrogate-bytes",
        "ff-byte",
    ],
)
def test_bad_json_text_is_refused_and_nothing_is_stored(world, analysing, body, names):
    response = token_client(world.case_manager).post(
        bottlenecks_url(analysing), body, content_type="application/json"
    )
    assert_api_refusal(response, names=names)
    assert Bottleneck.objects.count() == 0


def test_a_lone_surrogate_is_refused_and_a_pair_is_one_character(world, analysing):
    api = token_client(world.case_manager)
    lone = api.post(
        bottlenecks_url(analysing),
        '{"category": "nitrogen", "description": "Stikstof \\ud83d"}',
        content_type="application/json",
    )
    assert_api_refusal(lone, names="description")
    pair = api.post(
        bottlenecks_url(analysing),
        '{"category": "nitrogen", "description": "Stikstof \\ud83d\\ude00"}',
        content_type="application/json",
    )
    assert pair.status_code == 201, pair.content
    assert Bottleneck.objects.get().description == "Stikstof \U0001f600"


def test_a_nested_member_is_named_by_its_path(world, analysing):
    body = '{"commitments": [{"description": "ok"}, {"description": "\\ud800"}]}'
    response = token_client(world.case_manager).post(
        f"/api/v1/locations/{analysing.pk}/agreements/",
        body,
        content_type="application/json",
    )
    assert_api_refusal(response, names="commitments[1].description")


@pytest.mark.parametrize("depth", [JSON_NESTING_MAX + 1, 5_000, 100_000])
def test_json_nested_too_deeply_is_refused(world, analysing, depth):
    body = '{"category": "nitrogen", "description": "x", "extra": '
    body += "[" * depth + "]" * depth + "}"
    response = token_client(world.case_manager).post(
        bottlenecks_url(analysing), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"De JSON is te diep genest: hooguit {JSON_NESTING_MAX} niveaus."
    }
    assert Bottleneck.objects.count() == 0


def test_json_is_refused_one_level_past_the_limit_and_not_at_it(world, analysing):
    api = token_client(world.case_manager)

    def post(depth: int, description: str = "Stikstof."):
        # The body's own object is the first level.
        extra = json.loads("[" * (depth - 1) + "]" * (depth - 1))
        body = {"category": "nitrogen", "description": description, "extra": extra}
        return api.post(
            bottlenecks_url(analysing),
            json.dumps(body),
            content_type="application/json",
        )

    assert post(JSON_NESTING_MAX + 1).status_code == 400
    assert post(JSON_NESTING_MAX).status_code == 201
    # Brackets inside strings do not count.
    assert post(2, description="[" * 1_000).status_code == 201
