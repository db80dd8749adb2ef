"""Every list of impasse signals says when it was last computed (issue 19, item 9):
`detect_impasses` stores the moment of its run on every programme, also one without
a signal, and the impasse list, the dashboard and the escalation's cited signals show
it ("Bijgewerkt op 4 december 2026 om 08:00"). The scheduler that `make run` starts
runs `detect_impasses`, so the moment moves on by itself."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from casework import services
from casework.constants import Stage
from casework.impasses import detect_impasses
from casework.models import ImpasseSignal, Programme
from casework.selectors import impasses_checked_at
from workflows.management.commands import scheduler

from ..factories import ProgrammeFactory
from ..scenarios import bring_to

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
RUN = datetime.datetime(2026, 12, 4, 8, 0, tzinfo=AMSTERDAM)
STAMP = "Bijgewerkt op 4 december 2026 om 08:00"
NOT_YET = "Nog niet bijgewerkt: de impassedetectie heeft nog niet gedraaid."


def overdue_at(location, organisation):
    services.deadline_open(
        location=location,
        kind="approval",
        reference="task:9",
        organisation=organisation,
        description="Ontwikkelaar B besluit.",
        due_on=datetime.date(2026, 11, 3),
    )


def test_a_run_stores_its_moment_on_every_programme(world):
    quiet = ProgrammeFactory(name="Versnellingstafel Oost", slug="oost")
    assert impasses_checked_at() is None

    with time_machine.travel(RUN, tick=False):
        detect_impasses()

    assert set(Programme.objects.values_list("impasses_checked_at", flat=True)) == {RUN}
    assert impasses_checked_at() == RUN
    quiet.refresh_from_db()
    assert impasses_checked_at([quiet]) == RUN
    # A later run, even one that changes nothing, moves the moment on.
    later = RUN + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        result = detect_impasses()
    assert (result.opened, result.closed) == (0, 0)
    assert impasses_checked_at() == later


def test_the_impasse_list_says_when_it_was_computed(client, world):
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    overdue_at(location, world.org_b)
    client.force_login(world.ministry)
    before = client.get(reverse("locations:impasses")).content.decode()
    assert NOT_YET in before

    with time_machine.travel(RUN, tick=False):
        detect_impasses()
    page = client.get(reverse("locations:impasses")).content.decode()

    assert ImpasseSignal.objects.filter(closed_at__isnull=True).exists()
    assert STAMP in page
    assert '<time datetime="2026-12-04T08:00:00+01:00">' in page


def test_the_dashboard_says_when_the_signals_were_computed(client, world):
    with time_machine.travel(RUN, tick=False):
        detect_impasses()
    for who in (world.ministry, world.a_member):
        client.force_login(who)
        page = client.get(reverse("dashboard:index")).content.decode()
        # Beside the figure and in the table of what needs attention.
        assert page.count(STAMP) == 2


def test_the_signals_an_escalation_cited_say_when_and_whether_still_current(
    client, world
):
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    overdue_at(location, world.org_b)
    detect_impasses()
    services.location_transition(
        location=location,
        transition="escalate",
        actor=world.ministry,
        reason="Ontwikkelaar B besluit niet.",
    )
    cited = ImpasseSignal.objects.get(location=location)
    assert cited.escalation is not None
    # The deadline is resolved: the next run closes the signal.
    location.deadlines.update(resolved_at=RUN)
    with time_machine.travel(RUN, tick=False):
        detect_impasses()
    client.force_login(world.ministry)

    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()

    assert "Impassesignalen bij de escalatie" in page
    assert STAMP in page
    assert "niet meer actueel sinds 4 december 2026" in page


def test_the_scheduler_of_make_run_keeps_the_signals_current(monkeypatch, world):
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)
    assert ("detect_impasses", 5 * 60) in [
        (job.command, job.every_seconds) for job in scheduler.JOBS
    ]

    with time_machine.travel(RUN, tick=False):
        call_command("scheduler", once=True)

    assert impasses_checked_at() == RUN
