"""Single sign-on against a real OpenID provider (oidc-provider on loopback), driven
with Django's test client: login, first-login creation, the mapped organisation, an
unmapped claim refused, a wrong `state` or `nonce` refused, logout, and local login
switched off."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from accounts.models import ExternalIdentity, OrganisationClaim
from casework.constants import AuditAction
from casework.models import AuditEvent
from permissions.constants import MembershipRole
from permissions.models import Membership

from ..factories import person_of
from ..oidc.server import sign_in_at_provider as at_provider
from ..oidc.server import start_provider

User = get_user_model()
SITE = "http://testserver"


@pytest.fixture(scope="module")
def provider():
    running = start_provider([SITE])
    yield running
    running.stop()


@pytest.fixture
def sso(provider, settings, world):
    """The provider configured as `test`; its claim value GEM-A mapped to A."""
    settings.OIDC_PROVIDERS = [provider.settings()]
    OrganisationClaim.objects.create(
        provider="test", claim_value="GEM-A", organisation=world.org_a
    )
    return provider


def start_login(client: Client, next_url: str = "") -> str:
    url = "/accounts/sso/test/login/"
    if next_url:
        url += "?" + urlencode({"next": next_url})
    response = client.get(url)
    assert response.status_code == 302, response.content
    return response["Location"]


def callback(client: Client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, login: str, next_url: str = ""):
    authorize = start_login(client, next_url)
    return callback(client, at_provider(authorize, login, back_to=SITE))


def signed_in_user(client: Client):
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def test_the_login_page_offers_the_provider(sso, client):
    page = client.get("/accounts/login/").content.decode()
    assert "Inloggen met Test-IdP" in page
    assert 'href="/accounts/sso/test/login/' in page
    assert 'name="password"' in page  # local login stays available


def test_first_login_creates_a_member_of_the_mapped_organisation(sso, world, client):
    response = sign_in(client, "anna", next_url="/locations/")
    assert response.status_code == 302
    assert response["Location"] == "/locations/"
    anna = signed_in_user(client)
    assert anna is not None
    assert anna.email == "anna.de.vries@gemeente-a.example"
    assert (anna.first_name, anna.last_name) == ("Anna", "de Vries")
    assert not anna.has_usable_password()
    membership = Membership.objects.get(user=anna)
    assert membership.organisation == world.org_a
    assert membership.role == MembershipRole.MEMBER  # the administrator decides signing
    identity = ExternalIdentity.objects.get(user=anna)
    assert (identity.provider, identity.subject) == ("test", "anna")
    assert AuditEvent.objects.filter(
        action=AuditAction.MEMBER_JOINED, actor=anna
    ).exists()

    # She sees what organisation A sees, and nothing else.
    locations = client.get("/api/v1/locations/").json()
    assert [row["name"] for row in locations] == [world.own.name]

    # The next login finds the same account.
    again = Client()
    assert sign_in(again, "anna").status_code == 302
    assert signed_in_user(again) == anna
    assert User.objects.filter(email=anna.email).count() == 1


def test_a_verified_address_of_an_existing_member_is_linked_not_duplicated(
    sso, world, client
):
    existing = person_of(
        world.org_a,
        MembershipRole.SIGNATORY,
        username="anna-lokaal",
        email="anna.de.vries@gemeente-a.example",
    )
    sign_in(client, "anna")
    assert signed_in_user(client) == existing
    assert (
        ExternalIdentity.objects.get(provider="test", subject="anna").user == existing
    )


def test_an_unmapped_organisation_claim_is_refused(sso, world, client):
    response = sign_in(client, "bert")
    assert response.status_code == 403
    assert "niet aan Doorbraak gekoppeld" in response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="bert@elders.example").exists()


def test_no_organisation_claim_is_refused(sso, client):
    response = sign_in(client, "carla")
    assert response.status_code == 403
    assert signed_in_user(client) is None


def test_a_mapping_of_another_provider_does_not_count(sso, world, client):
    OrganisationClaim.objects.all().delete()
    OrganisationClaim.objects.create(
        provider="andere", claim_value="GEM-A", organisation=world.org_a
    )
    assert sign_in(client, "anna").status_code == 403
    assert signed_in_user(client) is None


def test_removing_the_mapping_stops_the_next_login(sso, world, client):
    sign_in(client, "anna")
    OrganisationClaim.objects.all().delete()
    again = Client()
    assert sign_in(again, "anna").status_code == 403
    assert signed_in_user(again) is None


def test_a_wrong_state_is_refused(sso, client):
    authorize = start_login(client)
    back = at_provider(authorize, "anna", back_to=SITE)
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    query["state"] = ["nagemaakt"]
    response = client.get(f"{parts.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert signed_in_user(client) is None


def test_a_callback_in_another_browser_is_refused(sso):
    """Login CSRF: a code obtained by an attacker, delivered to a victim's browser
    whose session never started that login."""
    attacker, victim = Client(), Client()
    back = at_provider(start_login(attacker), "anna", back_to=SITE)
    victim.get("/accounts/login/")
    assert callback(victim, back).status_code == 400
    assert signed_in_user(victim) is None


def test_a_wrong_nonce_is_refused(sso, client):
    """A code from an authorization request with the session's `state` but another
    `nonce` (a code injected from another login): the token exchange works, the ID
    token's nonce does not match the session's, and nobody is signed in."""
    authorize = start_login(client)
    parts = urlsplit(authorize)
    query = parse_qs(parts.query)
    query["nonce"] = ["een-andere-nonce"]
    forged = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    response = callback(client, at_provider(forged, "anna", back_to=SITE))
    assert response.status_code == 400
    assert signed_in_user(client) is None
    assert not User.objects.filter(email__startswith="anna").exists()


def test_logout_ends_the_session_here_and_at_the_provider(sso, client):
    sign_in(client, "anna")
    assert signed_in_user(client) is not None
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{sso.issuer}/session/end")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == [f"{SITE}/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert signed_in_user(client) is None
    # The provider asks to confirm and sends the browser back to the login page.
    back = at_provider(end_session, "anna", back_to=SITE)
    assert urlsplit(back).path == "/accounts/login/"


def test_logout_is_post_only(sso, client):
    sign_in(client, "anna")
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user(client) is not None


def test_local_login_can_be_switched_off(sso, world, client, settings):
    settings.LOCAL_LOGIN = False
    world.a_member.set_password("een-goed-wachtwoord-123")
    world.a_member.save()
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' not in page
    assert "Inloggen met Test-IdP" in page
    client.post(
        "/accounts/login/",
        {"username": world.a_member.username, "password": "een-goed-wachtwoord-123"},
    )
    assert signed_in_user(client) is None
    assert client.get("/accounts/password_reset/").status_code == 404
    # Single sign-on still works.
    sign_in(client, "anna")
    assert signed_in_user(client) is not None


def test_an_unreachable_provider_is_a_clear_refusal(settings, world, client):
    settings.OIDC_PROVIDERS = [
        {
            "name": "weg",
            "issuer": "http://127.0.0.1:9",
            "client_id": "x",
            "client_secret": "y",
            "scopes": "openid",
            "organisation_claim": "organisation",
            "email_claim": "email",
            "label": "Weg",
        }
    ]
    response = client.get("/accounts/sso/weg/login/")
    assert response.status_code == 400
    assert "niet bereikbaar" in response.content.decode()
    assert client.get("/accounts/sso/onbekend/login/").status_code == 404


def test_the_provider_checks_the_client_secret(sso):
    """The provider really authenticates the client (a real provider, not a stub)."""
    response = requests.post(
        f"{sso.issuer}/token",
        data={"grant_type": "authorization_code", "code": "x"},
        auth=("doorbraak-test", "verkeerd"),
        timeout=5,
    )
    assert response.status_code == 401
