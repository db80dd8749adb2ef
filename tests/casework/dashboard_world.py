"""A small world whose history is played through the real services at known moments,
for the dashboard's figures (tests/casework/test_dashboard.py, tests/api/...)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import time_machine

from casework.constants import BottleneckCategory, BottleneckStatus, Stage
from casework.models import (
    AgreementKind,
    Bottleneck,
    Commitment,
    CommitmentStatus,
    ImpasseSignal,
    Location,
)
from workflows import services as workflows

from ..factories import LocationFactory, PartyFactory
from ..scenarios import add_bottleneck, bring_to
from ..workflows.pages import approval_task, submit
from ..workflows.rounds import decide


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


# The moments the small world's history happens, and the day the dashboard is read.
PROPOSED_ON = utc(2025, 6, 2, 9)  # P created, W created and withdrawn
FOREIGN_HEADS_ON = utc(2025, 6, 16, 9)  # foreign: heads of agreement
OWN_BREAKTHROUGH_ON = utc(2025, 12, 10, 9)  # own: administrative agreement
DESIGNATED_ON = utc(2026, 3, 2, 9)  # D: designated
NEGOTIATION_ON = utc(2026, 5, 4, 9)  # N: negotiation
ROUND_ON = utc(2026, 6, 15, 9)  # N: a round (due 29 June) and an action (due 1 July)
IMPORTED_ON = utc(2024, 5, 1, 12)  # I: bulk-loaded in its final stage, no audit trail
TODAY = utc(2026, 7, 20, 10)


@dataclass
class Known:
    world: object
    proposed: Location
    withdrawn: Location
    negotiating: Location
    designated: Location
    imported: Location


def travel(moment):
    return time_machine.travel(moment, tick=False)


def build_known(world) -> Known:
    """Seven locations, the programme's targets 100,000 homes and {2025: 5, 2026: 10}.

    | location    | stage (since)                    | homes   | parties      |
    |-------------|----------------------------------|---------|--------------|
    | own         | administrative agreement (T2)    | 1,200   | A, B         |
    | foreign     | heads of agreement (T1b)         | unknown | C            |
    | P           | proposed (T1)                    | unknown | —            |
    | W           | withdrawn (T1)                   | 300     | —            |
    | N           | negotiation (T4), round open     | 500     | B, C         |
    | D           | designated (T3)                  | 800     | —            |
    | I           | administrative agreement (2024)  | 400     | —            |
    """
    programme = world.programme
    programme.breakthrough_targets = {"2025": 5, "2026": 10}
    programme.save()
    cm, ministry = world.case_manager, world.ministry
    with travel(PROPOSED_ON):
        proposed = LocationFactory(programme=programme, name="Plan Voorgedragen")
        withdrawn = LocationFactory(
            programme=programme, name="Plan Afgevoerd", planned_homes=300
        )
        bring_to(withdrawn, Stage.WITHDRAWN, case_manager=cm, ministry=ministry)
        negotiating = LocationFactory(
            programme=programme, name="Plan Onderhandeling", planned_homes=500
        )
        party_b_at_n = PartyFactory(location=negotiating, organisation=world.org_b)
        PartyFactory(location=negotiating, organisation=world.org_c)
        designated = LocationFactory(
            programme=programme, name="Plan Aangewezen", planned_homes=800
        )
    with travel(FOREIGN_HEADS_ON):
        bring_to(
            world.foreign, Stage.HEADS_OF_AGREEMENT, case_manager=cm, ministry=ministry
        )
    Location.objects.filter(pk=world.own.pk).update(planned_homes=1200)
    world.own.refresh_from_db()
    with travel(OWN_BREAKTHROUGH_ON):
        bring_to(
            world.own,
            Stage.ADMINISTRATIVE_AGREEMENT,
            case_manager=cm,
            ministry=ministry,
        )
        add_bottleneck(world.own, cm, category=BottleneckCategory.GRID_CONGESTION)
        solved = add_bottleneck(world.own, cm, category=BottleneckCategory.NITROGEN)
        Bottleneck.objects.filter(pk=solved.pk).update(status=BottleneckStatus.RESOLVED)
    with travel(DESIGNATED_ON):
        bring_to(designated, Stage.DESIGNATED, case_manager=cm, ministry=ministry)
    with travel(NEGOTIATION_ON):
        bring_to(negotiating, Stage.NEGOTIATION, case_manager=cm, ministry=ministry)
        for _ in range(2):
            add_bottleneck(negotiating, cm, category=BottleneckCategory.FINANCING_GAP)
    with travel(ROUND_ON):
        process = submit(negotiating, cm, AgreementKind.HEADS_OF_AGREEMENT)
        decide(approval_task(process, world.org_b))
        workflows.action_start(
            bottleneck=negotiating.bottlenecks.filter(
                category=BottleneckCategory.NITROGEN
            ).get(),
            actor=cm,
            assignee=party_b_at_n,
            description="Ontwikkelaar B levert de stikstofberekening aan.",
            due_on=datetime.date(2026, 7, 1),
        )
    imported = Location.objects.bulk_create(
        [
            Location(
                programme=programme,
                name="Plan Geïmporteerd",
                slug="plan-geimporteerd",
                municipality="Zwolle",
                province="overijssel",
                planned_homes=400,
                stage=Stage.ADMINISTRATIVE_AGREEMENT,
                stage_changed_at=IMPORTED_ON,
            )
        ]
    )[0]
    # One of own's commitments was kept; the other four of own and foreign (due 30
    # June 2026) were not.
    Commitment.objects.filter(
        version__agreement__location=world.own,
        version__agreement__kind=AgreementKind.ADMINISTRATIVE_AGREEMENT,
        owner__organisation=world.org_a,
    ).update(status=CommitmentStatus.DONE)
    for location, key, closed in [
        (negotiating, "stage", None),
        (negotiating, "cycle", None),
        (world.own, "stage", None),
        (world.foreign, "stage", TODAY),
    ]:
        ImpasseSignal.objects.create(
            location=location,
            rule="stage_too_long",
            key=key,
            message="Te lang in dezelfde fase.",
            closed_at=closed,
        )
    return Known(
        world=world,
        proposed=proposed,
        withdrawn=withdrawn,
        negotiating=negotiating,
        designated=designated,
        imported=imported,
    )
