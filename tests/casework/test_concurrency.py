"""Two people changing one location at the same moment (design §2): exactly one wins,
the other gets a 409, and the audit trail and the stage stay consistent.

Real threads, each with its own database connection, against PostgreSQL (SQLite
serialises writers on the whole database, which would hide the race).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from casework import services
from casework.constants import PartyRole, Stage, TransitionName
from casework.models import AgreementKind, Escalation, Location, VersionStatus
from casework.services import locations as location_services
from permissions.constants import Role

from ..conftest import token_client, transition_events
from ..factories import LocationFactory, PartyFactory, user_with_role
from ..scenarios import bring_to, signatory_for, submit_agreement

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: real concurrent transactions",
    ),
]

ITERATIONS = 6
TIMEOUT = 20


def race(*calls):
    """Run each call in its own thread, released together by a barrier. Returns what
    each call returned (or raised). Every thread closes its connections when done."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = call()
        except BaseException as exc:  # reported to the test below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
        assert not thread.is_alive(), "a racing thread hung"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def fire(client, location, transition):
    def call():
        return client.post(
            f"/api/v1/locations/{location.pk}/transitions/",
            {"transition": transition, "reason": f"Tegelijk: {transition}."},
            format="json",
        )

    return call


@pytest.fixture
def second_ministry(world):
    return user_with_role(Role.MINISTRY, username="ministerie-2")


def new_location(world, stage, name):
    location = LocationFactory(programme=world.programme, name=name)
    PartyFactory(location=location, organisation=world.org_a)
    PartyFactory(location=location, organisation=world.org_b, role=PartyRole.DEVELOPER)
    return bring_to(
        location, stage, case_manager=world.case_manager, ministry=world.ministry
    )


def test_two_ministry_users_withdraw_at_once(transactional_db, world, second_ministry):
    clients = [token_client(world.ministry), token_client(second_ministry)]
    for iteration in range(ITERATIONS):
        location = new_location(world, Stage.NEGOTIATION, f"Withdraw race {iteration}")
        events_before = transition_events(location).count()

        responses = race(*(fire(client, location, "withdraw") for client in clients))

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.content for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["detail"]
        assert Location.objects.get(pk=location.pk).stage == Stage.WITHDRAWN
        assert transition_events(location).count() == events_before + 1
        event = transition_events(location).last()
        assert event.transition == "withdraw"
        assert event.from_stage == Stage.NEGOTIATION


def test_escalate_and_withdraw_at_once(
    transactional_db, world, second_ministry, monkeypatch
):
    """Both requests read the location and pass its guards before either writes (a
    second barrier inside the transition holds them there), so each one acts on the
    stage `negotiation`: the worst interleaving, every iteration. The optimistic lock
    on the stage lets exactly one of them write."""
    checked = threading.Barrier(2)
    original = location_services.transition_blocker
    main = threading.main_thread()

    def blocker_then_wait(location, name):
        result = original(location, name)
        if threading.current_thread() is not main:  # only the racing requests wait
            checked.wait(timeout=TIMEOUT)
        return result

    monkeypatch.setattr(location_services, "transition_blocker", blocker_then_wait)
    escalator, withdrawer = token_client(world.ministry), token_client(second_ministry)
    for iteration in range(ITERATIONS):
        checked.reset()
        location = new_location(world, Stage.NEGOTIATION, f"Mixed race {iteration}")
        events_before = transition_events(location).count()

        escalated, withdrawn = race(
            fire(escalator, location, "escalate"),
            fire(withdrawer, location, "withdraw"),
        )

        statuses = sorted([escalated.status_code, withdrawn.status_code])
        assert statuses == [200, 409], [escalated.content, withdrawn.content]
        stored = Location.objects.get(pk=location.pk)
        assert transition_events(location).count() == events_before + 1
        event = transition_events(location).last()
        if escalated.status_code == 200:
            assert escalated.json() == {"stage": "escalated"}
            assert stored.stage == Stage.ESCALATED
            assert event.transition == "escalate"
            assert Escalation.objects.filter(location=location).count() == 1
        else:
            assert withdrawn.json() == {"stage": "withdrawn"}
            assert stored.stage == Stage.WITHDRAWN
            assert event.transition == "withdraw"
            # The losing escalation left nothing behind.
            assert not Escalation.objects.filter(location=location).exists()
        # The loser read `negotiation` too: it lost on the optimistic lock, and says so.
        loser = withdrawn if escalated.status_code == 200 else escalated
        assert "tegelijk" in loser.json()["detail"]


def test_the_last_two_approvals_at_once_conclude_exactly_once(transactional_db, world):
    for iteration in range(ITERATIONS):
        location = new_location(world, Stage.NEGOTIATION, f"Approval race {iteration}")
        PartyFactory(location=location, organisation=world.org_c)
        version = submit_agreement(
            location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
        )
        services.approval_record(
            version=version,
            organisation=world.org_c,
            actor=signatory_for(world.org_c),
            decision="approve",
        )
        events_before = transition_events(location).count()

        def approve(organisation, version=version):
            signatory = signatory_for(organisation)
            return lambda: services.approval_record(
                version=version,
                organisation=organisation,
                actor=signatory,
                decision="approve",
            )

        race(approve(world.org_a), approve(world.org_b))

        assert Location.objects.get(pk=location.pk).stage == Stage.HEADS_OF_AGREEMENT
        concluded = transition_events(location).filter(
            transition=TransitionName.CONCLUDE_HEADS_OF_AGREEMENT
        )
        assert concluded.count() == 1
        assert transition_events(location).count() == events_before + 1
        version.refresh_from_db()
        assert version.status == VersionStatus.CONCLUDED
        assert len(version.sha256) == 64
        assert version.approvals.filter(decision="approve").count() == 3
