"""Each role's journey in Chromium, by what a person sees (issue 19, "Done when").

The case manager, a signatory, the ministry and a programme viewer each log in by
the form and go through their main pages, finding buttons and links by their visible
text. Every page is checked at 1280 and at 375 px wide: no horizontal scrolling
(`scrollWidth <= innerWidth`), and every visible button with a contrast of at least
4.5:1 computed from the rendered colours (`tests/browser/seeing.py`; axe alone missed
the blue-on-blue main button). Screenshots of every page at both widths go to
`test-artifacts/roles/`.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.constants import Stage
from casework.models import AgreementVersion, Location, VersionStatus

from ..scenarios import add_bottleneck, bring_to
from .pages import PASSWORD, log_in, with_password
from .seeing import assert_readable, check_page, seen

pytestmark = pytest.mark.browser

CALL_TO_ACTION = "Hoofdlijnenakkoord opstellen en ter goedkeuring aanbieden"


@pytest.fixture
def journeys(world):
    """The own location in negotiation (no round yet, a bottleneck on its agenda);
    the foreign one proposed, its party C. Everyone can log in by the form."""
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    add_bottleneck(location, world.case_manager)
    for user in (
        world.case_manager,
        world.ministry,
        world.viewer,
        world.a_signatory,
        world.b_signatory,
    ):
        with_password(user)
    return world


def heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def test_the_main_call_to_action_is_readable(journeys, open_context, artifacts_dir):
    """Item 1: the link styled as a button had its text in the link colour, the same
    blue as its background (contrast 1:1)."""
    page = open_context(journeys.case_manager)
    page.goto(reverse("locations:detail", args=[journeys.own.pk]))
    button = page.get_by_role("link", name=CALL_TO_ACTION)
    result = assert_readable(button)
    assert result.text != result.background
    assert result.ratio > 5, result


def test_case_manager_drafts_keeps_and_submits_an_agreement(
    journeys, open_context, artifacts_dir
):
    folder = artifacts_dir / "roles" / "procesregisseur"
    page = open_context()
    log_in(page, journeys.case_manager.username, PASSWORD)
    heading(page, "Dashboard")
    check_page(page, "dashboard", folder)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Locaties"
    ).click()
    heading(page, "Locaties")
    check_page(page, "locaties", folder)
    # Sort by stage: the column header is a link; the order is the lifecycle's.
    page.get_by_role("link", name=re.compile("^Fase")).click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Fase")

    page.get_by_role("link", name=journeys.own.name).click()
    heading(page, journeys.own.name)
    check_page(page, "locatiepagina", folder)
    assert_readable(page.get_by_role("link", name=CALL_TO_ACTION))
    page.get_by_role("link", name=CALL_TO_ACTION).click()
    heading(page, "Hoofdlijnenakkoord opstellen")
    check_page(page, "overeenkomstformulier", folder)

    page.get_by_label("Titel").fill("Hoofdlijnenakkoord Eigen Locatie")
    page.get_by_label("Tekst").fill("Partijen versnellen samen de woningbouw.")
    first = page.get_by_role("group", name="Afspraak 1", exact=True)
    first.get_by_label("Afspraak", exact=True).fill("Gemeente A wijzigt het plan.")
    first.get_by_label("Uiterste datum").fill("2027-06-01")
    # One more row, and the second waits for the first.
    assert_readable(page.get_by_role("button", name="Afspraak toevoegen"))
    page.get_by_role("button", name="Afspraak toevoegen").click()
    expect(page.get_by_role("group", name="Afspraak 3", exact=True)).to_be_visible()
    expect(first.get_by_label("Afspraak", exact=True)).to_have_value(
        "Gemeente A wijzigt het plan."
    )
    second = page.get_by_role("group", name="Afspraak 2", exact=True)
    second.get_by_label("Afspraak", exact=True).fill("Ontwikkelaar B start de bouw.")
    second.get_by_label("Uiterste datum").fill("2028-01-01")
    second.get_by_label("Afspraak 1 (Gemeente A)").check()
    assert_readable(page.get_by_role("button", name="Opslaan als concept"))
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Het concept is opgeslagen"
    )
    heading(page, journeys.own.name)
    drafts = page.locator("#concepten")
    expect(drafts).to_contain_text("versie 1")
    drafts.get_by_role("link", name=re.compile("versie 1")).click()
    heading(page, "versie 1")
    check_page(page, "concept", folder)
    expect(page.get_by_text("afspraak 1 (Gemeente A)")).to_be_visible()
    page.goto(reverse("locations:detail", args=[journeys.own.pk]))

    submit = page.get_by_role("button", name="Versie 1 ter goedkeuring aanbieden")
    assert_readable(submit)
    submit.click()
    expect(page.get_by_role("status").first).to_contain_text(
        "ter goedkeuring aangeboden"
    )
    expect(page.locator("#aan-zet")).to_contain_text("Nog 2 van de 2 partijen")
    version = AgreementVersion.objects.get(agreement__location=journeys.own)
    assert version.status == VersionStatus.IN_APPROVAL
    assert version.commitments.count() == 2

    # A proposed location: the page says what is missing and where to do it.
    page.goto(reverse("locations:detail", args=[journeys.foreign.pk]))
    expect(page.get_by_text("‘Selecteren’ kan nog niet.")).to_be_visible()
    page.get_by_role("link", name="Selectiecriteria vastleggen").first.click()
    heading(page, "Selectiecriteria vastleggen")
    check_page(page, "selectiecriteria", folder)

    page.goto(reverse("search:index") + "?q=locatie")
    check_page(page, "zoeken", folder)


def test_signatory_lands_on_its_work_and_approves(
    journeys, open_context, artifacts_dir
):
    from workflows import services as workflows

    from ..workflows.pages import submit

    submit(journeys.own, journeys.case_manager)
    folder = artifacts_dir / "roles" / "ondertekenaar"
    page = open_context()
    log_in(page, journeys.a_signatory.username, PASSWORD)
    # Item 10: a party lands on its work, not on the national dashboard.
    heading(page, "Mijn werk")
    check_page(page, "mijn-werk", folder)
    page.get_by_role("link", name="Besluit over de overeenkomst").first.click()
    heading(page, "Besluit over de overeenkomst")
    check_page(page, "goedkeuringstaak", folder)
    page.get_by_label("Goedkeuren").check()
    assert_readable(page.get_by_role("button", name="Besluit vastleggen"))
    page.get_by_role("button", name="Besluit vastleggen").click()
    message = page.get_by_role("status").filter(has_text="Uw goedkeuring van")
    expect(message).to_have_count(1)
    # Item 5: one message, in the page's font, above the heading, not in a column.
    font = message.evaluate("el => getComputedStyle(el).fontFamily")
    assert "serif" not in font.replace("sans-serif", ""), font
    box, title = message.bounding_box(), page.get_by_role("heading", level=1)
    assert box["y"] < title.bounding_box()["y"]
    assert box["width"] > 300
    expect(page.locator(".vf-snackbar")).not_to_contain_text("Uw goedkeuring")
    check_page(page, "na-besluit", folder)

    page.goto(reverse("locations:detail", args=[journeys.own.pk]))
    check_page(page, "locatiepagina", folder)
    page.get_by_role("link", name=re.compile("versie 1")).first.click()
    expect(
        page.get_by_role("heading", name="Besluiten van de partijen")
    ).to_be_visible()
    check_page(page, "versie", folder)
    del workflows


def test_ministry_withdraws_only_after_confirming(
    journeys, open_context, artifacts_dir
):
    folder = artifacts_dir / "roles" / "ministerie"
    page = open_context()
    log_in(page, journeys.ministry.username, PASSWORD)
    heading(page, "Dashboard")
    check_page(page, "dashboard", folder)
    page.goto(reverse("locations:impasses"))
    check_page(page, "impasses", folder)

    page.goto(reverse("locations:detail", args=[journeys.foreign.pk]))
    check_page(page, "locatiepagina", folder)
    withdraw = page.get_by_role("button", name="Afvoeren")
    escalate_colour = None
    result = assert_readable(withdraw)
    # Item 8: dangerous-looking (red), unlike the other steps.
    red, green, blue = result.background
    assert red > 150 and green < 60 and blue < 60, result
    del escalate_colour
    page.get_by_label("Reden voor ‘Afvoeren’").fill("Geen perspectief op woningbouw.")
    withdraw.click()
    # Not confirmed: nothing happens (the box is required), the page stays.
    page.wait_for_timeout(300)
    assert Location.objects.get(pk=journeys.foreign.pk).stage == Stage.PROPOSED
    page.get_by_label(
        "Ik begrijp dat ‘Afvoeren’ niet ongedaan kan worden gemaakt."
    ).check()
    withdraw.click()
    expect(page.locator("#fase")).to_contain_text("Afgevoerd")
    assert Location.objects.get(pk=journeys.foreign.pk).stage == Stage.WITHDRAWN
    check_page(page, "afgevoerd", folder)


def test_viewer_reads_and_finds(journeys, open_context, artifacts_dir):
    folder = artifacts_dir / "roles" / "programmalezer"
    page = open_context()
    log_in(page, journeys.viewer.username, PASSWORD)
    heading(page, "Dashboard")
    check_page(page, "dashboard", folder)
    page.goto(reverse("locations:index"))
    check_page(page, "locaties", folder)
    page.get_by_role("link", name=journeys.own.name).click()
    heading(page, journeys.own.name)
    check_page(page, "locatiepagina", folder)
    expect(page.locator("[data-transition]")).to_have_count(0)
    page.goto(reverse("search:index"))
    page.get_by_label("Zoekterm").fill("eigen")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("status")).to_contain_text("1 resultaat voor ‘eigen’")
    expect(page.get_by_role("link", name=journeys.own.name)).to_be_visible()
    check_page(page, "zoeken", folder)
    page.get_by_role("link", name="Toegankelijkheid").click()
    heading(page, "Toegankelijkheidsverklaring")
    check_page(page, "toegankelijkheid", folder)


def test_the_login_error_is_said_once(journeys, open_context, artifacts_dir):
    page = open_context()
    page.goto(reverse("login"))
    page.get_by_label("Gebruikersnaam").fill(journeys.viewer.username)
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    error = page.get_by_text("Voer een juiste gebruikersnaam en wachtwoord in")
    expect(error).to_have_count(2)  # ours, and viewflow's copy in the form ...
    visible = [error.nth(i) for i in range(2) if error.nth(i).is_visible()]
    assert len(visible) == 1  # ... which is not shown
    font = visible[0].evaluate("el => getComputedStyle(el).fontFamily")
    assert font.lower().startswith("roboto"), font
    check_page(page, "inloggen-fout", artifacts_dir / "roles" / "anoniem")
    assert seen(page.get_by_role("button", name="Inloggen")).ratio >= 4.5
