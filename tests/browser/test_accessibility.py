"""axe-core on the pages of the main journey, in a real Chromium: zero violations of
impact serious or critical (WCAG 2.1 AA). Each page is audited with content on it — a
location in negotiation with an open approval round, an action on its breakthrough
agenda and an open impasse signal — so the tables, forms and panels are really there.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse

from casework import services as casework
from casework.impasses import detect_impasses
from workflows import services as workflows

from ..workflows.pages import approval_task, execute_url, negotiating, submit
from .axe import axe_audit

pytestmark = pytest.mark.browser


@dataclass
class BusyWorld:
    world: object
    location: object
    approval_url: str
    version_pk: int = 0


@pytest.fixture
def busy_world(world) -> BusyWorld:
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    workflows.action_start(
        bottleneck=location.bottlenecks.get(),
        actor=world.case_manager,
        assignee=world.party_b,
        description="Ontwikkelaar B levert de stikstofberekening aan.",
        due_on=datetime.date(2027, 3, 1),
    )
    casework.deadline_open(
        location=location,
        kind="approval",
        reference="task:browser",
        organisation=world.org_b,
        description="Ontwikkelaar B besluit over het hoofdlijnenakkoord.",
        due_on=datetime.date(2026, 1, 9),
    )
    assert detect_impasses().opened >= 1
    return BusyWorld(
        world=world,
        location=location,
        approval_url=execute_url(task),
        version_pk=process.version.pk,
    )


# name, who looks, where
PAGES = [
    ("inlogpagina", None, lambda busy: reverse("login")),
    ("dashboard", "ministry", lambda busy: "/dashboard/"),
    ("locatielijst", "case_manager", lambda busy: reverse("locations:index")),
    (
        "locatiepagina",
        "case_manager",
        lambda busy: reverse("locations:detail", args=[busy.location.pk]),
    ),
    ("inbox", "a_signatory", lambda busy: reverse("workflow:inbox")),
    ("taakformulier (goedkeuren)", "a_signatory", lambda busy: busy.approval_url),
    (
        "overeenkomstformulier",
        "case_manager",
        lambda busy: reverse("workflow:agreement_create", args=[busy.location.pk]),
    ),
    ("impasselijst", "ministry", lambda busy: reverse("locations:impasses")),
    # Issue 19: the new pages and the steps that were API-only.
    ("mijn werk", "a_signatory", lambda busy: reverse("mywork:index")),
    ("zoeken", "a_signatory", lambda busy: reverse("search:index") + "?q=locatie"),
    (
        "locatiepagina (ministerie)",
        "ministry",
        lambda busy: reverse("locations:detail", args=[busy.world.foreign.pk]),
    ),
    (
        "selectiecriteria",
        "case_manager",
        lambda busy: reverse("locations:criteria", args=[busy.world.foreign.pk]),
    ),
    (
        "gegevens",
        "case_manager",
        lambda busy: reverse("locations:facts", args=[busy.world.foreign.pk]),
    ),
    (
        "partij toevoegen",
        "case_manager",
        lambda busy: reverse("locations:party_add", args=[busy.world.foreign.pk]),
    ),
    ("locatie voordragen", "case_manager", lambda busy: reverse("locations:create")),
    (
        "overeenkomst (versie)",
        "a_signatory",
        lambda busy: reverse(
            "locations:version", args=[busy.location.pk, busy.version_pk]
        ),
    ),
    ("toegankelijkheid", None, lambda busy: reverse("about:accessibility")),
    ("begrippenlijst", None, lambda busy: reverse("about:glossary")),
]


def test_the_pages_have_no_serious_or_critical_axe_violations(busy_world, open_context):
    # One test for every page: the world is built once (a transactional test empties
    # the database after itself); the terminal summary shows each page's results.
    blocking = {}
    for name, who, url in PAGES:
        user = getattr(busy_world.world, who) if who else None
        page = open_context(user)
        response = page.goto(url(busy_world))
        assert response is not None and response.status == 200, (name, response)
        summary = axe_audit(page, name)
        assert summary.passes > 0, name
        if summary.blocking():
            blocking[name] = summary.details
    assert not blocking, blocking


def test_the_audit_fails_a_page_with_serious_violations(browser):
    # The audit itself can fail: an unlabelled field, an image without a text
    # alternative and light grey text on white are all caught as serious or worse.
    page = browser.new_page()
    try:
        page.set_content(
            '<!DOCTYPE html><html lang="nl"><title>Fout</title><body><main>'
            '<input type="text"><img src="data:,">'
            '<p style="color:#bbb;background:#fff">Nauwelijks leesbaar</p>'
            "</main></body></html>"
        )
        summary = axe_audit(page, "zelftest", record=False)
    finally:
        page.close()
    assert {"label", "image-alt", "color-contrast"} <= set(summary.blocking())
