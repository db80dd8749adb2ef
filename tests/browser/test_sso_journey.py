"""Single sign-on in Chromium against the real OpenID provider (oidc-provider on
loopback): the login button, the provider's own login and consent pages, the first
login landing on the dashboard as a member of the mapped organisation, an unmapped
organisation refused, and logout here and at the provider."""

from __future__ import annotations

import copy
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import OrganisationClaim
from permissions.models import Membership

from ..oidc.server import start_provider
from .axe import axe_audit
from .pages import PASSWORD as PASSWORD_OF_PAGES
from .pages import main_menu, with_password

pytestmark = pytest.mark.browser

User = get_user_model()


@pytest.fixture(scope="module")
def provider(live_server):
    running = start_provider([live_server.url])
    yield running
    running.stop()


@pytest.fixture
def sso(provider, settings, world):
    settings.OIDC_PROVIDERS = [provider.settings()]
    # As config.settings.base does for the providers of the environment.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(provider.issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    OrganisationClaim.objects.create(
        provider="test", claim_value="GEM-A", organisation=world.org_a
    )
    return provider


def sign_in_at_provider(page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Inloggen met Test-IdP").click()
    # The provider's own pages (its development login and consent).
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("wat-dan-ook")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_first_login_and_logout_through_the_provider(sso, world, open_context):
    page = open_context()
    sign_in_at_provider(page, "anna")
    expect(main_menu(page)).to_be_visible()
    expect(page.get_by_text("Anna de Vries").first).to_be_attached()
    anna = User.objects.get(email="anna.de.vries@gemeente-a.example")
    assert Membership.objects.get(user=anna).organisation == world.org_a

    # Her locations are organisation A's.
    page.goto("/locations/")
    expect(page.get_by_role("link", name=world.own.name)).to_be_visible()
    expect(page.get_by_role("link", name=world.foreign.name)).to_have_count(0)

    # Logging out ends the provider's session too, then the login page follows.
    page.get_by_role("button", name="Accountmenu tonen of verbergen").click()
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/(\?state=[^&]+)?$"))
    page.goto("/locations/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))

    # Back at the provider, it asks for the login again (its session ended).
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Inloggen met Test-IdP").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_an_unmapped_organisation_is_refused_in_the_browser(sso, open_context):
    page = open_context()
    sign_in_at_provider(page, "bert")
    expect(page.get_by_role("alert")).to_contain_text("niet aan Doorbraak gekoppeld")
    page.goto("/locations/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert not User.objects.filter(email="bert@elders.example").exists()


def test_the_account_pages_pass_axe(world, settings, open_context):
    """The organisation's people, the notification preferences, the second factor
    and the password reset page: no serious or critical axe violation."""
    from accounts import members

    members.administrator_set(
        organisation=world.org_a, user=world.a_signatory, is_administrator=True
    )
    pages = {
        "mensen van de organisatie": (
            world.a_signatory,
            f"/accounts/organisaties/{world.org_a.pk}/",
        ),
        "meldingsvoorkeuren": (world.a_signatory, "/accounts/meldingen/"),
        "wachtwoord vergeten": (None, "/accounts/password_reset/"),
    }
    blocking = {}
    for name, (user, url) in pages.items():
        page = open_context(user)
        response = page.goto(url)
        assert response is not None and response.status == 200, name
        summary = axe_audit(page, name)
        if summary.blocking():
            blocking[name] = summary.details
    settings.TWO_FACTOR_REQUIRED = True
    page = open_context()
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(with_password(world.ministry).username)
    page.get_by_label("Wachtwoord").fill(PASSWORD_OF_PAGES)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/accounts/tweede-factor/"))
    expect(page.locator("figure svg")).to_be_visible()  # the QR code to scan
    summary = axe_audit(page, "tweede factor")
    if summary.blocking():
        blocking["tweede factor"] = summary.details
    assert not blocking, blocking
