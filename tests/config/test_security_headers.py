"""Security headers on every response, and requests carrying files refused (issue 7,
item 6). Production's HTTPS-only settings are checked in a production process."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.models import AuditEvent, Bottleneck

from ..conftest import token_client
from .test_settings import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


def assert_security_headers(response) -> None:
    policy = directives(response.headers["Content-Security-Policy"])
    for name, value in EXPECTED_CSP.items():
        assert policy[name] == value, name
    elem = policy["style-src-elem"].split()
    assert elem[0] == "'self'"
    assert all(source.startswith("'sha256-") for source in elem[1:])
    assert "unsafe-inline" not in policy["style-src-elem"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def test_pages_carry_the_security_headers(client, world):
    assert_security_headers(client.get(reverse("login")))
    client.force_login(world.a_member)
    response = client.get(reverse("locations:index"))
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.cookies == {} or all(
        morsel["httponly"] for morsel in response.cookies.values()
    )


def test_api_and_errors_carry_them_too(world):
    api = token_client(world.a_member)
    assert_security_headers(api.get("/api/v1/locations/"))
    not_visible = api.get(f"/api/v1/locations/{world.foreign.pk}/")
    assert not_visible.status_code == 404
    assert_security_headers(not_visible)


def test_the_session_and_csrf_cookies_are_http_only(client, world):
    response = client.post(
        reverse("login"),
        {"username": world.a_member.username, "password": "wrong"},
    )
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY
    csrf = client.cookies.get(settings.CSRF_COOKIE_NAME)
    if csrf is not None:
        assert csrf["httponly"]
    assert response.status_code in (200, 403, 429)


def test_production_makes_cookies_secure_and_asks_for_hsts():
    code = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.DEBUG]))"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == [True, True, True, True, 31536000, True, False]


def test_a_request_carrying_a_file_is_refused_and_changes_nothing(world):
    """No endpoint takes a file: a multipart request with one is refused before any
    view runs (the API takes JSON only: 415), and nothing is stored."""
    api = token_client(world.case_manager)
    bottlenecks = Bottleneck.objects.count()
    events = AuditEvent.objects.count()
    response = api.post(
        f"/api/v1/locations/{world.own.pk}/bottlenecks/",
        {
            "category": "nitrogen",
            "description": "Met een bijlage.",
            "evidence": SimpleUploadedFile(
                "bewijs.pdf", b"%PDF-1.7\n" + b"0" * 1000, "application/pdf"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 415
    assert "JSON" in response.json()["detail"]
    assert Bottleneck.objects.count() == bottlenecks
    assert AuditEvent.objects.count() == events


def test_a_request_body_over_the_limit_is_refused(world):
    api = token_client(world.case_manager)
    bottlenecks = Bottleneck.objects.count()
    response = api.post(
        f"/api/v1/locations/{world.own.pk}/bottlenecks/",
        {"category": "nitrogen", "description": "x" * (3 * 1024 * 1024)},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "De inhoud van het verzoek is te groot."}
    assert Bottleneck.objects.count() == bottlenecks


def test_an_error_outside_the_api_keeps_the_site_page(world, client):
    from django.test import RequestFactory

    from config.api import bad_request, server_error

    page = RequestFactory().get("/locations/")
    assert not bad_request(page)["Content-Type"].startswith("application/json")
    assert not server_error(page)["Content-Type"].startswith("application/json")
    api = RequestFactory().get("/api/v1/locations/")
    assert bad_request(api).status_code == 400
    assert server_error(api).status_code == 500
    assert "detail" in server_error(api).content.decode()


def test_the_api_docs_page_has_no_inline_script(world):
    """Swagger UI is served by the split view: its script is a file, so the page
    passes `script-src 'self'`."""
    api = token_client(world.a_member)
    page = api.get("/api/v1/docs/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all("src=" in attributes for attributes in scripts)
    script = api.get("/api/v1/docs/?script=", HTTP_ACCEPT="*/*")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
