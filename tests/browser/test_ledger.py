"""The commitment ledger and the bottleneck lifecycle in Chromium (issue 15, items 1
and 2), found by what a person sees: the owner reports a commitment kept from the
location page, the party waiting on it confirms it; the owner of a bottleneck reports
it resolved and the case manager confirms. axe finds no violation on the step pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ..casework.ledger_world import conclude_ledger
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
