"""Breakthroughs as recorded events (issue 15, item 4): recorded in the transaction of
the transition that cut the knot, counted by the programme's rule once per location
per year, named in the progress report with their date and what they broke, derived
for the data that existed before them, and in the demo."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from casework.breakthroughs import breakthrough_lines, breakthroughs_by_year
from casework.constants import BottleneckCategory, BreakthroughRule, Stage
from casework.dashboard import dashboard_figures
from casework.models import Breakthrough, Location, Programme

from ..factories import LocationFactory, PartyFactory
from ..scenarios import add_bottleneck, bring_to
from .dashboard_world import travel, utc

pytestmark = pytest.mark.django_db


def walk(world, location, stage, moment):
    with travel(moment):
        bring_to(
            location, stage, case_manager=world.case_manager, ministry=world.ministry
        )


def test_each_knot_is_recorded_when_it_is_cut(world):
    walk(world, world.own, Stage.HEADS_OF_AGREEMENT, utc(2025, 6, 16, 9))
    (heads,) = Breakthrough.objects.all()
    assert heads.kind == "heads_of_agreement"
    assert heads.occurred_on == datetime.date(2025, 6, 16)
    version = world.own.agreements.get(kind="heads_of_agreement").versions.get()
    assert heads.source == f"version:{version.pk}"
    assert heads.data["title"] == version.agreement.title
    assert heads.data["sha256"] == version.sha256 != ""

    walk(world, world.own, Stage.ADMINISTRATIVE_AGREEMENT, utc(2026, 2, 2, 9))
    assert Breakthrough.objects.filter(
        kind="administrative_agreement"
    ).get().occurred_on == (datetime.date(2026, 2, 2))

    designated = LocationFactory(programme=world.programme, name="Plan Aangewezen")
    walk(world, designated, Stage.DESIGNATED, utc(2026, 3, 2, 9))
    decision = Breakthrough.objects.get(location=designated)
    assert decision.kind == "intervention_final"
    assert decision.data["instrument"] == "project_decision"
    # Escalating, resuming or withdrawing cuts no knot.
    assert Breakthrough.objects.count() == 3


def test_the_doorbraakaanpak_counts_agreements_and_final_decisions_once_per_location_per_year(
    world,
):
    # own: heads of agreement and administrative agreement in 2025 (one location,
    # one year: once); foreign: heads of agreement in 2025, D: designated in 2026.
    walk(world, world.own, Stage.HEADS_OF_AGREEMENT, utc(2025, 6, 16, 9))
    walk(world, world.own, Stage.ADMINISTRATIVE_AGREEMENT, utc(2025, 12, 10, 9))
    walk(world, world.foreign, Stage.HEADS_OF_AGREEMENT, utc(2025, 7, 1, 9))
    designated = LocationFactory(programme=world.programme, name="Plan Aangewezen")
    walk(world, designated, Stage.DESIGNATED, utc(2026, 3, 2, 9))
    assert world.programme.breakthrough_rule == BreakthroughRule.DOORBRAAKAANPAK
    programmes = [world.programme]
    assert breakthroughs_by_year(Location.objects.all(), programmes) == {
        "2025": 2,
        "2026": 1,
    }
    # A heads of agreement in one year and the agreement in the next: each year once.
    walk(world, world.foreign, Stage.ADMINISTRATIVE_AGREEMENT, utc(2026, 1, 5, 9))
    assert breakthroughs_by_year(Location.objects.all(), programmes) == {
        "2025": 2,
        "2026": 2,
    }
    # What a party may see: its own locations only.
    assert dashboard_figures(world.a_member).breakthroughs_by_year == {"2025": 1}


def test_the_first_release_rule_counts_only_the_agreement_and_the_decision(world):
    Programme.objects.filter(pk=world.programme.pk).update(
        breakthrough_rule=BreakthroughRule.AGREEMENT_OR_DESIGNATION
    )
    walk(world, world.foreign, Stage.HEADS_OF_AGREEMENT, utc(2025, 7, 1, 9))
    walk(world, world.own, Stage.ADMINISTRATIVE_AGREEMENT, utc(2025, 12, 10, 9))
    designated = LocationFactory(programme=world.programme, name="Plan Aangewezen")
    walk(world, designated, Stage.DESIGNATED, utc(2026, 3, 2, 9))
    programmes = [Programme.objects.get(pk=world.programme.pk)]
    assert breakthroughs_by_year(Location.objects.all(), programmes) == {
        "2025": 1,
        "2026": 1,
    }
    assert [
        line.location for line in breakthrough_lines(Location.objects.all(), programmes)
    ] == [
        "Eigen Locatie",
        "Plan Aangewezen",
    ]


def test_each_programme_counts_by_its_own_rule(world):
    other = Programme.objects.create(
        name="Versnellingstafel Oost",
        slug="versnellingstafel-oost",
        breakthrough_rule=BreakthroughRule.AGREEMENT_OR_DESIGNATION,
    )
    elsewhere = LocationFactory(programme=other, name="Plan Oost")
    PartyFactory(location=elsewhere, organisation=world.org_c)
    walk(world, elsewhere, Stage.HEADS_OF_AGREEMENT, utc(2025, 7, 1, 9))
    walk(world, world.foreign, Stage.HEADS_OF_AGREEMENT, utc(2025, 7, 1, 9))
    figures = dashboard_figures(world.ministry)
    # The doorbraakaanpak counts foreign's heads of agreement; the other not its own.
    assert figures.breakthroughs_by_year == {"2025": 1}


def test_the_progress_report_names_each_breakthrough_with_its_date_and_knot(world):
    from documents.builders import progress_context

    with travel(utc(2025, 6, 2, 9)):
        add_bottleneck(
            world.foreign,
            world.case_manager,
            category=BottleneckCategory.FINANCING_GAP,
            description="Tekort op de grondexploitatie.",
        )
    walk(world, world.foreign, Stage.HEADS_OF_AGREEMENT, utc(2025, 7, 1, 9))
    # Registered after the breakthrough: not what it broke.
    add_bottleneck(world.foreign, world.case_manager, description="Later knelpunt.")
    context, data = progress_context(Location.objects.all())
    assert data["breakthroughs"] == [
        ["Vreemde Locatie", "2025-07-01", "heads_of_agreement"]
    ]
    (line,) = context["breakthrough_lines"]
    assert line.occurred_on == datetime.date(2025, 7, 1)
    assert "Hoofdlijnenakkoord" in line.what
    assert "door alle partijen goedgekeurd" in line.what
    assert line.broke == ["Financieel tekort: Tekort op de grondexploitatie."]


def _derive():
    migration = importlib.import_module("casework.migrations.0013_derive_breakthroughs")
    migration.derive(apps, None)


def test_the_data_migration_derives_the_events_of_existing_data(world):
    walk(world, world.own, Stage.ADMINISTRATIVE_AGREEMENT, utc(2025, 12, 10, 9))
    designated = LocationFactory(programme=world.programme, name="Plan Aangewezen")
    walk(world, designated, Stage.DESIGNATED, utc(2026, 3, 2, 9))
    recorded = sorted(
        Breakthrough.objects.values_list("location", "kind", "source", "occurred_on")
    )
    # Loaded in bulk in a breakthrough stage, without any history.
    imported = Location.objects.bulk_create(
        [
            Location(
                programme=world.programme,
                name="Plan Geïmporteerd",
                slug="plan-geimporteerd",
                municipality="Zwolle",
                province="Overijssel",
                stage=Stage.ADMINISTRATIVE_AGREEMENT,
                stage_changed_at=utc(2024, 5, 1, 12),
            )
        ]
    )[0]
    Breakthrough.objects.all().delete()
    _derive()
    derived = sorted(
        Breakthrough.objects.exclude(location=imported).values_list(
            "location", "kind", "source", "occurred_on"
        )
    )
    assert derived == recorded
    from_stage = Breakthrough.objects.get(location=imported)
    assert (from_stage.kind, from_stage.occurred_on) == (
        "administrative_agreement",
        datetime.date(2024, 5, 1),
    )
    # Running it again records nothing twice.
    _derive()
    assert Breakthrough.objects.count() == len(recorded) + 1


def test_the_demo_counts_stougjeswijk_gnephoek_and_barendrecht_in_2025(world):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    programme = Programme.objects.get(slug="doorbraakaanpak-2025")
    locations = Location.objects.filter(programme=programme)
    lines = [
        line
        for line in breakthrough_lines(locations, [programme])
        if line.occurred_on.year == 2025
    ]
    names = {line.location for line in lines}
    assert {"Stougjeswijk", "Gnephoek", "Doorbraaklocatie Barendrecht"} <= names
    assert breakthroughs_by_year(locations, [programme])["2025"] >= 3
    gnephoek = next(line for line in lines if line.location == "Gnephoek")
    assert gnephoek.kind == "heads_of_agreement"
