"""The main journey end to end in a real browser (issue 6, item 6): the case manager
logs in, opens a location in bottleneck analysis, starts the negotiation, drafts and
submits a heads-of-agreement; each party's signatory logs in and approves from the
inbox; the location then shows `Hoofdlijnenakkoord` and the agreement's PDF downloads.

Everything goes through the pages as a person uses them (login form, menu, links,
forms); the database is only read to check what the pages said. Screenshots of the
location page and the dashboard are kept as test artifacts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from casework.constants import Stage
from casework.models import AgreementVersion, AuditEvent, VersionStatus
from documents.models import Document, DocumentKind

from ..documents.pdf import reader, text_of
from ..scenarios import add_bottleneck, bring_to
from .pages import PASSWORD, log_in, log_out, open_from_menu, with_password

pytestmark = pytest.mark.browser

TITLE = "Hoofdlijnenakkoord Eigen Locatie 2027"
REASON = "Knelpunten in kaart; partijen willen onderhandelen."


def test_case_manager_and_signatories_reach_a_heads_of_agreement(
    world, open_context, artifacts_dir
):
    location = bring_to(
        world.own,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    add_bottleneck(location, world.case_manager)
    case_manager = with_password(world.case_manager)
    signatories = [with_password(world.a_signatory), with_password(world.b_signatory)]

    # The case manager logs in and opens the location from the list.
    page = open_context()
    log_in(page, case_manager.username, PASSWORD)
    open_from_menu(page, "Locaties")
    page.get_by_role("link", name=location.name).click()
    stage = page.locator("#fase")
    expect(stage).to_contain_text("Knelpuntenanalyse")

    # Start the negotiation, with a reason.
    page.get_by_label("Reden voor ‘Onderhandeling starten’").fill(REASON)
    page.get_by_role("button", name="Onderhandeling starten").click()
    expect(stage).to_contain_text("Onderhandeling")
    event = AuditEvent.objects.get(location=location, to_stage=Stage.NEGOTIATION)
    assert (event.actor, event.reason) == (case_manager, REASON)

    # Draft the heads-of-agreement with a commitment per party, and submit it.
    page.get_by_role(
        "link", name="Hoofdlijnenakkoord opstellen en ter goedkeuring aanbieden"
    ).click()
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Tekst").fill(
        "Partijen versnellen samen de bouw van 1.200 woningen."
    )
    for index, party in enumerate(["Gemeente A", "Ontwikkelaar B"]):
        commitment = page.get_by_role("group", name=f"Afspraak {index + 1}")
        expect(commitment.get_by_label("Partij")).to_have_value(
            str(world.org_a.pk if index == 0 else world.org_b.pk)
        )
        commitment.get_by_label("Afspraak", exact=True).fill(
            f"{party} levert haar bijdrage."
        )
        commitment.get_by_label("Uiterste datum").fill("2027-06-01")
    page.get_by_role("button", name="Ter goedkeuring aanbieden").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "ter goedkeuring aangeboden"
    )
    expect(page.locator("#aan-zet")).to_contain_text("Nog 2 van de 2 partijen")
    version = AgreementVersion.objects.get(agreement__location=location)
    assert version.status == VersionStatus.IN_APPROVAL

    # Each party's signatory logs in and approves from the inbox.
    for signatory in signatories:
        log_out(page)
        log_in(page, signatory.username, PASSWORD)
        open_from_menu(page, "Inbox")
        row = page.get_by_role("row").filter(has_text=location.name)
        expect(row).to_have_count(1)
        row.get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Besluit over de overeenkomst"
        )
        page.get_by_label("Goedkeuren").check()
        page.get_by_role("button", name="Besluit vastleggen").click()
        expect(page.get_by_role("status").first).to_contain_text("Uw goedkeuring van")

    # The round concluded: the location moved on and the PDF was rendered on commit.
    # The case manager comes back to the dashboard and the location.
    version.refresh_from_db()
    assert version.status == VersionStatus.CONCLUDED
    assert Document.objects.filter(
        kind=DocumentKind.AGREEMENT, agreement_version=version
    ).exists()
    log_out(page)
    log_in(page, case_manager.username, PASSWORD)
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("#tabel-knelpunten")).to_contain_text(location.name)
    page.screenshot(path=artifacts_dir / "dashboard.png", full_page=True)

    open_from_menu(page, "Locaties")
    page.get_by_role("link", name=location.name).click()
    expect(stage).to_contain_text("Hoofdlijnenakkoord")
    page.screenshot(path=artifacts_dir / "locatiepagina.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"{TITLE} — versie 1 (PDF/A)").click()
    content = Path(download_info.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert reader(content).metadata.title == f"{TITLE} — versie 1"
    text = text_of(content)
    for expected in (location.name, "Gemeente A", "Ontwikkelaar B", version.sha256):
        assert expected in text, expected
