"""The interface passes its own Content-Security-Policy in a real browser (issue 7,
item 6).

A signatory with an approval task logs in by the form and goes where a person goes —
dashboard, location list, location page, inbox — by clicking, so that Turbo swaps the
pages as it does for a user (a policy that only holds on full page loads would fail
here). Every `securitypolicyviolation` event and every console error or page error is
collected; there must be none. JavaScript-driven parts must work under the policy:
the Material text field on the login form, Turbo's navigation without reloads, and the
account menu toggle.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.constants import Stage

from ..scenarios import bring_to
from ..workflows.rounds import submit_round
from .pages import PASSWORD, main_menu, with_password

pytestmark = pytest.mark.browser

COLLECT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(
        `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}` +
        ` (${event.sourceFile || ''}:${event.lineNumber || ''}) ${event.sample || ''}`
    );
});
"""


def test_the_pages_load_and_work_without_policy_violations(world, open_context):
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    submit_round(location, world.case_manager)
    signatory = with_password(world.a_signatory)

    page = open_context()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.add_init_script(COLLECT)

    def violations() -> list[str]:
        return page.evaluate("window.__cspViolations || []")

    # The login page; its Material text field floats its label once typed in (JS).
    response = page.goto(reverse("login"))
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    username = page.get_by_label("Gebruikersnaam")
    username.fill(signatory.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    expect(page.locator(".mdc-floating-label--float-above").first).to_be_visible()
    assert violations() == []
    page.get_by_role("button", name="Inloggen").click()
    expect(main_menu(page)).to_be_visible()
    seen = violations()  # "Mijn werk", where a party's login leads

    # From here on Turbo swaps the pages: a marker on the window survives only if no
    # page was reloaded.
    page.evaluate("window.__sameDocument = true")

    main_menu(page).get_by_role("link", name="Locaties").click()
    # A party lands on "Mijn werk", which links to the location too: wait for the list.
    expect(page.get_by_role("heading", level=1)).to_have_text("Locaties")
    expect(page.get_by_role("link", name=location.name)).to_be_visible()
    seen += violations()

    page.get_by_role("link", name=location.name).click()
    expect(page.locator("#fase")).to_contain_text("Onderhandeling")
    seen += violations()

    main_menu(page).get_by_role("link", name="Inbox").click()
    expect(page).to_have_url(reverse("workflow:inbox"))
    expect(page.get_by_role("link", name=location.name).first).to_be_visible()
    seen += violations()

    assert page.evaluate("window.__sameDocument === true"), "Turbo did not navigate"

    # The account menu opens by JavaScript.
    toggle = page.get_by_role("button", name="Accountmenu tonen of verbergen")
    logout = page.get_by_role("button", name="Uitloggen")
    expect(logout).to_be_hidden()
    toggle.click()
    expect(logout).to_be_visible()

    # Each page loaded in full once too (the policy of a fresh document).
    for url in (
        reverse("locations:index"),
        reverse("locations:detail", args=[location.pk]),
        reverse("workflow:inbox"),
    ):
        page.goto(url)
        expect(main_menu(page)).to_be_visible()
        seen += violations()

    assert seen == []
    assert problems == []
