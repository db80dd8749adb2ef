"""No dead ends in Chromium (issue 19, item 7), found by what a person sees: a
signatory with the task open in two tabs decides in one; the other tab's decision
lands on a Dutch page that says the task is already done, by whom and when, with the
way back to the work. A notification followed from "Meldingen" is no longer "Nieuw";
the 403 page leads back to "Mijn werk". axe finds no violation on the new pages.
Checked at 1280 and 375 px (no horizontal scroll, readable controls); screenshots in
`test-artifacts/dead-ends/`."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.constants import Stage

from ..scenarios import bring_to
from ..workflows.pages import approval_task, execute_url, submit
from .axe import axe_audit
from .seeing import check_page

pytestmark = pytest.mark.browser


def test_deciding_in_a_second_tab_says_the_task_is_done(
    world, open_context, artifacts_dir
):
    folder = artifacts_dir / "dead-ends"
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    task = approval_task(submit(location, world.case_manager), world.org_a)
    first = open_context(world.a_signatory)
    first.goto(execute_url(task))
    second = first.context.new_page()
    second.goto(execute_url(task))

    first.get_by_label("Goedkeuren").check()
    first.get_by_role("button", name="Besluit vastleggen").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Inbox")

    second.get_by_label("Goedkeuren").check()
    second.get_by_role("button", name="Besluit vastleggen").click()
    expect(second.get_by_role("heading", level=1)).to_have_text(
        "Deze taak is al afgerond"
    )
    expect(second.get_by_text("Deze taak is al afgerond door u op ")).to_be_visible()
    expect(
        second.get_by_text("Wat u heeft ingevuld is niet opgeslagen")
    ).to_be_visible()
    assert "no transition" not in second.content()
    check_page(second, "taak-al-afgerond", folder)
    audit = axe_audit(second, "taak al afgerond")
    assert audit.passes > 0 and not audit.violations, audit.details
    second.get_by_role("link", name="Naar Mijn werk").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("Mijn werk")
    second.close()

    # The notification of the new task, followed from "Meldingen": read from then
    # on, and it leads to the task's page, which says it is done.
    first.goto(reverse("workflow:notifications"))
    notification = first.get_by_role("link", name="Nieuwe taak:")
    expect(first.get_by_text("Nieuw", exact=True)).to_have_count(1)
    notification.click()
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "Deze taak is al afgerond"
    )
    first.goto(reverse("workflow:notifications"))
    expect(first.get_by_role("link", name="Nieuwe taak:")).to_be_visible()
    expect(first.get_by_text("Nieuw", exact=True)).to_have_count(0)
    check_page(first, "meldingen-gelezen", folder)
    # The 403 page: what happened, and the way back to the work.
    theirs = approval_task(task.process, world.org_b)
    first.goto(execute_url(theirs))
    expect(first.get_by_role("heading", level=1)).to_have_text("403 Geen toegang")
    expect(first.get_by_text("Er is niets gewijzigd.")).to_be_visible()
    audit = axe_audit(first, "403")
    assert audit.passes > 0 and not audit.violations, audit.details
    first.get_by_role("link", name="Mijn werk").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Mijn werk")
