"""The commitment ledger (issue 15, item 2) on the location page, on the deadline
clock, in 'who holds the ball', in the calendar feed and in impasse detection."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from casework import services
from casework.constants import CommitmentStatus, ImpasseRule
from casework.impasses import detect_impasses
from casework.models import Commitment, CommitmentEvent, Deadline, ImpasseSignal
from permissions.calendar_tokens import calendar_token_regenerate
from workflows import ledger as ledger_steps

from .ledger_world import conclude_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(world):
    return conclude_ledger(world)


def page(client, user, location):
    client.force_login(user)
    response = client.get(reverse("locations:detail", args=[location.pk]))
    assert response.status_code == 200
    return response.content.decode()


def ledger_section(content: str) -> str:
    start = content.index('id="afsprakenregister"')
    return content[start : content.index("</section>", start)]


def test_the_ledger_panel_offers_each_role_its_own_buttons(world, ledger, client):
    owner = ledger_section(page(client, world.a_member, world.own))
    assert "Afsprakenregister" in owner
    # A reports its own three commitments; nothing to confirm or waive.
    assert owner.count(">Melden als nagekomen<") == 3
    assert "Laten vervallen" not in owner and "Bevestigen" not in owner
    manager = ledger_section(page(client, world.case_manager, world.own))
    assert manager.count(">Laten vervallen<") == 5
    assert manager.count(">Termijn verlengen<") == 5
    assert "Melden als nagekomen" not in manager
    # Reported: B (waiting on it) and the case manager may confirm or dispute.
    ledger_steps.commitment_report(
        commitment=ledger.plan, actor=world.a_member, report="Vastgesteld."
    )
    dependant = ledger_section(page(client, world.b_member, world.own))
    assert dependant.count(">Bevestigen<") == 1 and dependant.count(">Betwisten<") == 1
    owner = ledger_section(page(client, world.a_member, world.own))
    assert ">Bevestigen<" not in owner
    # The viewer reads the ledger, without a button.
    viewer = ledger_section(page(client, world.viewer, world.own))
    assert "Gemeente A stelt het bestemmingsplan vast." in viewer
    assert "dk-button" not in viewer


def test_the_interface_path_report_dispute_report_confirm(world, ledger, client):
    plan = ledger.plan
    client.force_login(world.a_member)
    report_url = reverse("workflow:commitment_report", args=[plan.pk])
    form = client.get(report_url)
    assert form.status_code == 200
    assert "Hoe is de afspraak nagekomen?" in form.content.decode()
    # An empty report stays on the form with a clear error; nothing is stored.
    response = client.post(report_url, {"text": ""})
    assert response.status_code == 200
    assert "dk-error" in response.content.decode()
    assert not CommitmentEvent.objects.exists()
    response = client.post(report_url, {"text": "Het plan is vastgesteld."})
    assert response.status_code == 302
    assert response["Location"].endswith("#afsprakenregister")
    # The owner cannot confirm its own.
    response = client.get(reverse("workflow:commitment_confirm", args=[plan.pk]))
    assert response.status_code == 403

    client.force_login(world.b_member)
    response = client.post(
        reverse("workflow:commitment_dispute", args=[plan.pk]),
        {"text": "Nog niet gepubliceerd."},
    )
    assert response.status_code == 302
    assert ImpasseSignal.objects.filter(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    ).exists()
    client.force_login(world.a_member)
    client.post(report_url, {"text": "Gepubliceerd."})
    client.force_login(world.b_member)
    response = client.post(reverse("workflow:commitment_confirm", args=[plan.pk]), {})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == CommitmentStatus.DONE
    assert not ImpasseSignal.objects.filter(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    ).exists()
    # Another location's party: not found.
    client.force_login(world.c_member)
    assert client.get(report_url).status_code == 404


def test_extending_on_the_page_and_waiving_without_a_reason(world, ledger, client):
    client.force_login(world.case_manager)
    url = reverse("workflow:commitment_extend", args=[ledger.funding.pk])
    response = client.post(url, {"due_date": "2027-04-01", "text": "Eerder."})
    assert response.status_code == 200
    assert "ligt na de huidige" in response.content.decode()
    response = client.post(url, {"due_date": "2027-09-01", "text": "De bank."})
    assert response.status_code == 302
    ledger.funding.refresh_from_db()
    assert ledger.funding.current_due_date == datetime.date(2027, 9, 1)
    response = client.post(
        reverse("workflow:commitment_waive", args=[ledger.land.pk]), {"text": " "}
    )
    assert response.status_code == 200
    ledger.land.refresh_from_db()
    assert ledger.land.status == CommitmentStatus.OPEN
    # A party may not waive.
    client.force_login(world.a_member)
    response = client.get(reverse("workflow:commitment_waive", args=[ledger.land.pk]))
    assert response.status_code == 403


def test_the_ledger_panel_costs_the_same_queries_with_more_lines(world, ledger, client):
    client.force_login(world.case_manager)
    url = reverse("locations:detail", args=[world.own.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    ledger_steps.commitment_report(
        commitment=ledger.plan, actor=world.a_member, report="Gedaan."
    )
    ledger_steps.commitment_report(
        commitment=ledger.land, actor=world.a_member, report="Gedaan."
    )
    ledger_steps.commitment_dispute(
        commitment=ledger.plan, actor=world.b_member, reason="Nee."
    )
    ledger_steps.commitment_extend(
        commitment=ledger.funding,
        actor=world.case_manager,
        due_date=datetime.date(2027, 8, 1),
        reason="Later.",
    )
    assert count() == small


def test_who_holds_the_ball_reads_the_ledger(world, ledger, client):
    ledger_steps.commitment_report(
        commitment=ledger.plan, actor=world.a_member, report="Gedaan."
    )
    content = page(client, world.case_manager, world.own)
    start = content.index('id="aan-zet"')
    work = content[start : content.index("</section>", start)]
    assert "Afspraken die op iemand wachten" in work
    # Reported: the ball is with B, whose permit waits on it.
    row = work[work.index("Gemeente A stelt het bestemmingsplan vast.") :]
    assert "Ontwikkelaar B" in row[: row.index("</tr>")]


def test_the_clock_and_the_feed_follow_an_extension(world, ledger, client):
    funding = ledger.funding
    new_due = datetime.date(2027, 8, 2)
    services.commitment_extend(
        commitment=funding, actor=world.case_manager, due_date=new_due, reason="Bank."
    )
    deadline = Deadline.objects.get(reference=f"commitment:{funding.pk}")
    assert deadline.due_on == new_due
    assert deadline.remind_at.date() < new_due
    assert deadline.overdue_at.date() > new_due
    token = calendar_token_regenerate(user=world.b_member)
    response = client.get(reverse("calendar-feed", args=[token]))
    calendar = Calendar.from_ical(response.content)
    days = {
        str(event["UID"]).split("@")[0]: event["DTSTART"].dt
        for event in calendar.walk("VEVENT")
    }
    assert days[f"commitment-{funding.pk}"] == new_due
    # Kept commitments leave the feed; a disputed one comes back.
    services.commitment_report(
        commitment=ledger.permit, actor=world.b_member, report="Ingediend."
    )
    response = client.get(reverse("calendar-feed", args=[token]))
    uids = {
        str(e["UID"]).split("@")[0]
        for e in Calendar.from_ical(response.content).walk("VEVENT")
    }
    assert f"commitment-{ledger.permit.pk}" not in uids
    services.commitment_dispute(
        commitment=ledger.permit, actor=world.case_manager, reason="Onvolledig."
    )
    response = client.get(reverse("calendar-feed", args=[token]))
    uids = {
        str(e["UID"]).split("@")[0]
        for e in Calendar.from_ical(response.content).walk("VEVENT")
    }
    assert f"commitment-{ledger.permit.pk}" in uids


def test_the_detector_closes_a_dispute_whose_cause_is_gone(world, ledger):
    plan = ledger.plan
    services.commitment_report(commitment=plan, actor=world.a_member, report="Klaar.")
    services.commitment_dispute(commitment=plan, actor=world.b_member, reason="Nee.")
    signal = ImpasseSignal.objects.get(rule=ImpasseRule.COMMITMENT_DISPUTED)
    # Closed by hand (as if a run found no cause): the detector opens it again.
    ImpasseSignal.objects.filter(pk=signal.pk).update(closed_at=signal.opened_at)
    result = detect_impasses()
    reopened = ImpasseSignal.objects.get(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    )
    assert "Ontwikkelaar B" in reopened.message and "Gemeente A" in reopened.message
    assert reopened.waiting_on == world.org_a
    assert result.opened >= 1
    # Waived: the cause is gone; the service closes it, and the detector agrees.
    services.commitment_waive(commitment=plan, actor=world.case_manager, reason="Weg.")
    assert not ImpasseSignal.objects.filter(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    ).exists()
    detect_impasses()
    assert not ImpasseSignal.objects.filter(
        rule=ImpasseRule.COMMITMENT_DISPUTED, closed_at__isnull=True
    ).exists()
    # Waived or kept commitments no longer wait in a deadline's signal either.
    Deadline.objects.filter(reference=f"commitment:{plan.pk}").update(resolved_at=None)
    detect_impasses(now=datetime.datetime(2028, 1, 1, tzinfo=datetime.UTC))
    assert not ImpasseSignal.objects.filter(
        key=f"deadline:commitment:{plan.pk}", closed_at__isnull=True
    ).exists()


def test_the_frozen_commitment_is_never_changed_by_the_ledger(world, ledger):
    before = Commitment.objects.filter(pk=ledger.funding.pk).values(
        "description", "due_date", "owner_id", "version_id"
    )[0]
    services.commitment_extend(
        commitment=ledger.funding,
        actor=world.case_manager,
        due_date=datetime.date(2027, 12, 1),
        reason="Later.",
    )
    after = Commitment.objects.filter(pk=ledger.funding.pk).values(
        "description", "due_date", "owner_id", "version_id"
    )[0]
    assert after == before
