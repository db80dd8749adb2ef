"""The commitment ledger and the bottleneck lifecycle in Chromium (issue 15, items 1
and 2), found by what a person sees: the owner reports a commitment kept from the
location page, the party waiting on it confirms it; the owner of a bottleneck reports
it resolved and the case manager confirms. The whole journey of the issue too: a
resolution returned once and reported again with a PDF; a report disputed by the
party that waits on it (the impasse signal opens and closes again), the waiting
party told it can start; a commitment waived, another extended (the version's hash
unchanged); the evidence a 404 for a party of another location. axe finds no
violation on the step pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.models import AgreementVersion, Commitment, ImpasseSignal
from evidence.models import EvidenceFile

from ..casework.ledger_world import conclude_ledger
from ..evidence import files
from ..scenarios import add_bottleneck
from .axe import axe_audit

pytestmark = pytest.mark.browser


def test_a_commitment_is_reported_and_confirmed_through_the_page(world, open_context):
    ledger = conclude_ledger(world)
    url = reverse("locations:detail", args=[world.own.pk])
    owner = open_context(world.a_member)
    owner.goto(url)
    ledger_section = owner.locator("#afsprakenregister")
    ledger_section.get_by_role(
        "link", name=re.compile(r"^Melden als nagekomen — Gemeente A stelt")
    ).click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text(
        "Melden als nagekomen"
    )
    audit = axe_audit(owner, "melden als nagekomen")
    assert audit.passes > 0 and not audit.violations, audit.details
    # Empty: a clear error, still on the form.
    owner.get_by_role("button", name="Melden als nagekomen").click()
    expect(owner.locator(".dk-error").first).to_be_visible()
    owner.get_by_label("Hoe is de afspraak nagekomen?").fill(
        "Het bestemmingsplan is vastgesteld op 12 januari."
    )
    owner.get_by_role("button", name="Melden als nagekomen").click()
    expect(owner.get_by_text("De afspraak is nagekomen gemeld.")).to_be_visible()
    owner.close()

    waiting = open_context(world.b_member)
    waiting.goto(url)
    waiting.locator("#afsprakenregister").get_by_role(
        "link", name=re.compile(r"^Bevestigen — Gemeente A stelt")
    ).click()
    waiting.get_by_role("button", name="Nakoming bevestigen").click()
    expect(waiting.get_by_text("De nakoming is bevestigd.")).to_be_visible()
    ledger.plan.refresh_from_db()
    assert ledger.plan.status == "done"
    waiting.close()


def test_a_bottleneck_is_reported_resolved_and_confirmed(world, open_context):
    add_bottleneck(
        world.own,
        world.case_manager,
        owner=world.party_a,
        deadline=datetime.date(2027, 2, 1),
        description="De netaansluiting ontbreekt.",
    )
    url = reverse("locations:detail", args=[world.own.pk])
    owner = open_context(world.a_member)
    owner.goto(url)
    owner.locator("#knelpunten").get_by_role(
        "link", name=re.compile(r"^Melden als opgelost")
    ).click()
    owner.get_by_label("Hoe is het knelpunt opgelost?").fill(
        "De netbeheerder sluit in maart aan."
    )
    owner.get_by_role("button", name="Melden als opgelost").click()
    expect(owner.get_by_text("Het knelpunt is opgelost gemeld.")).to_be_visible()
    owner.close()

    manager = open_context(world.case_manager)
    manager.goto(url)
    manager.locator("#knelpunten").get_by_role(
        "link", name=re.compile(r"^Bevestigen")
    ).click()
    audit = axe_audit(manager, "oplossing bevestigen")
    assert audit.passes > 0 and not audit.violations, audit.details
    manager.get_by_role("button", name="Oplossing bevestigen").click()
    expect(manager.get_by_text("Het knelpunt is opgelost.")).to_be_visible()
    manager.close()


def _upload_evidence(page, location, name: str) -> None:
    """Add a real PDF at the location by the Bewijsstukken section's file field."""
    page.goto(reverse("locations:detail", args=[location.pk]) + "#bewijs")
    evidence = page.locator("#bewijs")
    evidence.get_by_text("Bewijsstuk toevoegen").click()
    evidence.get_by_label("Bestand").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": files.pdf()}]
    )
    evidence.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#bewijs").get_by_role("link", name=name)).to_be_visible()


def _cite(page, name: str) -> None:
    """Choose the uncited file `name` in the step form's Bewijsstukken list."""
    file = EvidenceFile.objects.get(original_name=name)
    page.get_by_label("Bewijsstukken").select_option(
        label=f"{file.original_name} (SHA-256 {file.sha256[:12]}…)"
    )


def test_a_returned_bottleneck_is_resolved_with_a_pdf_and_confirmed(
    world, open_context
):
    add_bottleneck(
        world.own,
        world.case_manager,
        owner=world.party_a,
        deadline=datetime.date(2027, 2, 1),
        description="De netaansluiting ontbreekt.",
    )
    url = reverse("locations:detail", args=[world.own.pk])
    owner = open_context(world.a_member)
    owner.goto(url)
    owner.locator("#knelpunten").get_by_role(
        "link", name=re.compile(r"^Melden als opgelost")
    ).click()
    owner.get_by_label("Hoe is het knelpunt opgelost?").fill("Het is geregeld.")
    owner.get_by_role("button", name="Melden als opgelost").click()
    expect(owner.get_by_text("Het knelpunt is opgelost gemeld.")).to_be_visible()
    owner.close()

    # The case manager returns it once, with a note; the owner is told.
    manager = open_context(world.case_manager)
    manager.goto(url)
    manager.locator("#knelpunten").get_by_role(
        "link", name=re.compile(r"^Teruggeven")
    ).click()
    manager.get_by_role("button", name="Oplossing teruggeven").click()
    expect(manager.locator(".dk-error").first).to_be_visible()
    manager.get_by_label("Wat ontbreekt er nog?").fill(
        "Er is geen brief van de netbeheerder."
    )
    manager.get_by_role("button", name="Oplossing teruggeven").click()
    expect(
        manager.get_by_text("De oplossing is teruggegeven aan de eigenaar.")
    ).to_be_visible()
    row = manager.locator("#knelpunten tbody tr").filter(
        has_text="De netaansluiting ontbreekt."
    )
    expect(row.locator("td").nth(3)).to_have_text("In behandeling")
    manager.close()

    # Again, now with the grid operator's letter as a PDF.
    owner = open_context(world.a_member)
    owner.goto(reverse("workflow:notifications"))
    expect(
        owner.get_by_text(re.compile("Er is geen brief van de netbeheerder"))
    ).to_be_visible()
    _upload_evidence(owner, world.own, "brief-netbeheerder.pdf")
    owner.locator("#knelpunten").get_by_role(
        "link", name=re.compile(r"^Melden als opgelost")
    ).click()
    owner.get_by_label("Hoe is het knelpunt opgelost?").fill(
        "De netbeheerder bevestigt de aansluiting in maart; zie de brief."
    )
    _cite(owner, "brief-netbeheerder.pdf")
    owner.get_by_role("button", name="Melden als opgelost").click()
    expect(owner.get_by_text("Het knelpunt is opgelost gemeld.")).to_be_visible()
    owner.close()

    manager = open_context(world.case_manager)
    manager.goto(url)
    manager.locator("#knelpunten").get_by_role(
        "link", name=re.compile(r"^Bevestigen")
    ).click()
    manager.get_by_role("button", name="Oplossing bevestigen").click()
    expect(manager.get_by_text("Het knelpunt is opgelost.")).to_be_visible()
    row = manager.locator("#knelpunten tbody tr").filter(
        has_text="De netaansluiting ontbreekt."
    )
    expect(row.locator("td").nth(3)).to_have_text("Opgelost")
    expect(row).to_contain_text("De netbeheerder bevestigt de aansluiting in maart")
    evidence_row = manager.locator("#bewijs tbody tr").filter(
        has_text="brief-netbeheerder.pdf"
    )
    expect(evidence_row).to_contain_text("Oplossing van een knelpunt")
    manager.close()

    # A party of another location: the file is not there for them.
    file = EvidenceFile.objects.get(original_name="brief-netbeheerder.pdf")
    stranger = open_context(world.c_member)
    response = stranger.goto(reverse("evidence-download", args=[file.pk]))
    assert response is not None and response.status == 404
    stranger.close()


def _ledger_link(page, step: str, commitment: str):
    return page.locator("#afsprakenregister").get_by_role(
        "link", name=re.compile(f"^{re.escape(step)} — {re.escape(commitment)}")
    )


DISPUTE = "Ontwikkelaar B betwist dat Gemeente A deze afspraak is nagekomen"


def test_a_disputed_commitment_is_reported_again_and_confirmed(world, open_context):
    ledger = conclude_ledger(world)
    url = reverse("locations:detail", args=[world.own.pk])
    plan = "Gemeente A stelt het bestemmingsplan vast."
    owner = open_context(world.a_member)
    _upload_evidence(owner, world.own, "bestemmingsplan.pdf")
    _ledger_link(owner, "Melden als nagekomen", plan).click()
    owner.get_by_label("Hoe is de afspraak nagekomen?").fill(
        "De raad stelde het plan vast; zie het besluit."
    )
    _cite(owner, "bestemmingsplan.pdf")
    owner.get_by_role("button", name="Melden als nagekomen").click()
    expect(owner.get_by_text("De afspraak is nagekomen gemeld.")).to_be_visible()
    expect(
        owner.locator("#bewijs tbody tr").filter(has_text="bestemmingsplan.pdf")
    ).to_contain_text("Melding van een afspraak")
    owner.close()

    # Ontwikkelaar B's permit waits on the plan: B disputes the report.
    dependant = open_context(world.b_member)
    dependant.goto(url)
    _ledger_link(dependant, "Betwisten", plan).click()
    dependant.get_by_label("Waarom is de afspraak niet nagekomen?").fill(
        "Het besluit is nog niet gepubliceerd."
    )
    dependant.get_by_role("button", name="Nakoming betwisten").click()
    expect(dependant.get_by_text("De nakoming is betwist.")).to_be_visible()
    row = dependant.locator("#afsprakenregister tbody tr").filter(has_text=plan)
    expect(row.locator("td").nth(2)).to_have_text("Betwist")
    dependant.close()

    manager = open_context(world.case_manager)
    manager.goto(reverse("locations:impasses"))
    signal = manager.locator("tbody tr").filter(has_text=DISPUTE)
    expect(signal).to_have_count(1)
    expect(signal).to_contain_text("Nakoming betwist")
    expect(signal).to_contain_text(world.own.name)
    manager.close()

    owner = open_context(world.a_member)
    owner.goto(url)
    _ledger_link(owner, "Melden als nagekomen", plan).click()
    owner.get_by_label("Hoe is de afspraak nagekomen?").fill(
        "Het besluit is gepubliceerd in het Gemeenteblad."
    )
    owner.get_by_role("button", name="Melden als nagekomen").click()
    expect(owner.get_by_text("De afspraak is nagekomen gemeld.")).to_be_visible()
    owner.close()

    dependant = open_context(world.b_member)
    dependant.goto(url)
    _ledger_link(dependant, "Bevestigen", plan).click()
    dependant.get_by_role("button", name="Nakoming bevestigen").click()
    expect(dependant.get_by_text("De nakoming is bevestigd.")).to_be_visible()
    row = dependant.locator("#afsprakenregister tbody tr").filter(has_text=plan)
    expect(row.locator("td").nth(2)).to_have_text("Nagekomen")
    # B's own commitment waited on the plan: B is told that it can start.
    dependant.goto(reverse("workflow:notifications"))
    expect(
        dependant.get_by_text(
            re.compile(
                r"U kunt beginnen aan: Ontwikkelaar B dient de omgevingsvergunning"
            )
        )
    ).to_be_visible()
    dependant.close()
    ledger.plan.refresh_from_db()
    assert ledger.plan.status == "done"

    manager = open_context(world.case_manager)
    manager.goto(reverse("locations:impasses"))
    expect(manager.get_by_role("heading", level=1)).to_have_text("Impasses")
    expect(manager.locator("tbody tr").filter(has_text=DISPUTE)).to_have_count(0)
    assert not ImpasseSignal.objects.filter(
        location=world.own, rule="commitment_disputed", closed_at=None
    ).exists()
    manager.close()


def test_the_case_manager_waives_one_commitment_and_extends_another(
    world, open_context
):
    ledger = conclude_ledger(world)
    sha256 = AgreementVersion.objects.get(pk=ledger.version.pk).sha256
    assert len(sha256) == 64
    url = reverse("locations:detail", args=[world.own.pk])
    manager = open_context(world.case_manager)
    manager.goto(url)
    land = "Gemeente A levert de grond."
    _ledger_link(manager, "Laten vervallen", land).click()
    manager.get_by_label("Reden").fill("De gemeente is al eigenaar van de grond.")
    manager.get_by_role("button", name="Laten vervallen").click()
    expect(manager.get_by_text("De afspraak is vervallen.")).to_be_visible()
    row = manager.locator("#afsprakenregister tbody tr").filter(has_text=land)
    expect(row.locator("td").nth(2)).to_have_text("Vervallen")
    expect(_ledger_link(manager, "Laten vervallen", land)).to_have_count(0)

    funding = "Ontwikkelaar B regelt de financiering."
    _ledger_link(manager, "Termijn verlengen", funding).click()
    manager.get_by_label("Nieuwe uiterste datum").fill("2027-08-15")
    manager.get_by_label("Reden").fill("De bank vraagt een extra taxatie.")
    manager.get_by_role("button", name="Termijn verlengen").click()
    expect(manager.get_by_text("De termijn is verlengd.")).to_be_visible()
    row = manager.locator("#afsprakenregister tbody tr").filter(has_text=funding)
    expect(row.locator("td").nth(3)).to_contain_text("15 augustus 2027")
    expect(row.locator("td").nth(3)).to_contain_text(
        "verlengd; vastgesteld: 1 mei 2027"
    )
    manager.close()

    assert Commitment.objects.get(pk=ledger.land.pk).status == "waived"
    assert Commitment.objects.get(pk=ledger.funding.pk).current_due_date == (
        datetime.date(2027, 8, 15)
    )
    # The extension lies next to the concluded text: its hash is the same.
    assert AgreementVersion.objects.get(pk=ledger.version.pk).sha256 == sha256
