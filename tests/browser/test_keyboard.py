"""Keyboard-only use (WCAG 2.1.1, 2.4.1, 2.4.7): a skip link as the first stop that
moves focus to the main content, a visible focus indicator on every stop, and the main
journey — logging in and deciding on an agreement — without a mouse."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.models import Approval

from ..workflows.pages import approval_task, negotiating, submit, task_url
from .keyboard import active, has_visible_focus, tab_to
from .pages import PASSWORD, main_menu, with_password

pytestmark = pytest.mark.browser


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    world, open_context
):
    page = open_context(world.case_manager)
    page.goto(reverse("locations:index"))

    page.keyboard.press("Tab")
    first = active(page)
    assert first is not None and "skip-link" in first["classes"], first
    assert first["text"] == "Naar de inhoud"
    skip_link = page.locator(".skip-link")
    box = skip_link.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]
    assert skip_link.is_visible()
    assert has_visible_focus(first), first

    page.keyboard.press("Enter")
    # `expect` polls from Playwright's side: `wait_for_function` with a string polls
    # by evaluating it in the page, which the page's policy (no 'unsafe-eval') refuses
    # whenever the focus has not moved by the first look.
    expect(page.locator("#inhoud")).to_be_focused()
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    # The next stop is the first control of the content, not the menu.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )
    assert active(page)["name"] == "q"


def test_every_stop_on_the_way_to_a_location_shows_where_the_focus_is(
    world, open_context
):
    page = open_context(world.case_manager)
    page.goto(reverse("locations:index"))
    link = page.get_by_role("link", name=world.own.name)
    unfocused = link.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0}; }"
    )

    stops = []

    def reached(element):
        stops.append(element)
        return element["text"] == world.own.name

    focused = tab_to(page, reached)
    # The skip link, the side menu (viewflow's list would keep it out of the Tab
    # order: static/doorbraak/keyboard.js), the language switch, the filters.
    hrefs = [stop["href"] for stop in stops]
    assert reverse("workflow:inbox") in hrefs and reverse("locations:index") in hrefs
    assert {"q", "stage", "province"} <= {stop["name"] for stop in stops}
    hidden = [stop for stop in stops if not has_visible_focus(stop)]
    assert not hidden, hidden
    # The indicator is the focus itself: the same link without focus has none.
    assert unfocused["style"] == "none" or unfocused["width"] == 0, unfocused
    assert focused["outlineStyle"] == "solid" and focused["outlineWidth"] >= 2

    page.keyboard.press("Enter")
    page.wait_for_url(
        re.compile(re.escape(reverse("locations:detail", args=[world.own.pk])) + "$")
    )


def test_logging_in_and_approving_with_the_keyboard_only(world, open_context):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    signatory = with_password(world.a_signatory)

    page = open_context()
    page.goto(reverse("login"))
    # The username field has the focus when the page opens, and its field shows it.
    assert active(page)["name"] == "username"
    ring = page.evaluate(
        "() => { const s = getComputedStyle("
        "document.activeElement.closest('.mdc-text-field'));"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2, ring
    page.keyboard.type(signatory.username)
    tab_to(page, lambda element: element["name"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(re.escape(reverse("login"))))
    expect(main_menu(page)).to_be_visible()

    # To the inbox through the menu, then the task's link.
    inbox = reverse("workflow:inbox")
    tab_to(page, lambda element: element["href"] == inbox)
    page.keyboard.press("Enter")
    # Turbo changes the address before it shows the page: wait for the page itself.
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    tab_to(page, lambda element: element["href"] == task_url(task))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/execute/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Besluit over de overeenkomst"
    )

    radio = tab_to(page, lambda element: element["name"] == "decision")
    if radio["value"] != "approve":
        page.keyboard.press("ArrowUp")  # arrow keys move within a radio group
    page.keyboard.press("Space")
    assert page.locator("input[name=decision][value=approve]").is_checked()
    tab_to(page, lambda element: element["text"] == "Besluit vastleggen")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(re.escape(inbox) + "$"))
    expect(page.get_by_role("status").filter(has_text="goedkeuring")).to_have_count(1)
    approval = Approval.objects.get(version__pk=process.artifact_object_id)
    assert (approval.organisation, approval.decision, approval.decided_by) == (
        world.org_a,
        "approve",
        signatory,
    )
