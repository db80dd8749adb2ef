"""Impasse detection: each rule of design §5, closing when the cause is gone,
idempotence, inconsistent data, and a constant number of queries."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from casework import services
from casework.constants import ImpasseRule, Stage
from casework.impasses import detect_impasses
from casework.models import (
    AgreementKind,
    Commitment,
    CommitmentStatus,
    ImpasseSignal,
    Location,
)

from ..scenarios import (
    approve_by_every_party,
    bring_to,
    signatory_for,
    submit_agreement,
)

pytestmark = pytest.mark.django_db


def open_signals(location=None):
    signals = ImpasseSignal.objects.filter(closed_at__isnull=True)
    if location is not None:
        signals = signals.filter(location=location)
    return list(signals.order_by("rule", "key"))


def in_negotiation(world):
    return bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def test_a_passed_task_deadline_raises_a_signal_that_names_the_party(world):
    location = in_negotiation(world)
    services.deadline_open(
        location=location,
        kind="approval",
        reference="task:42",
        organisation=world.org_b,
        description="Ontwikkelaar B besluit over het akkoord.",
        due_on=datetime.date(2026, 1, 9),
    )
    result = detect_impasses()
    assert result.opened == 1
    (signal,) = open_signals(location)
    assert signal.rule == ImpasseRule.DEADLINE_PASSED
    assert signal.waiting_on == world.org_b
    assert "9 januari 2026" in signal.message and "Ontwikkelaar B" in signal.message
    # Running again raises nothing new.
    assert detect_impasses().opened == 0
    assert ImpasseSignal.objects.count() == 1
    # The task was done after all: the cause is gone, the signal closes.
    services.deadline_resolve(reference="task:42")
    assert detect_impasses().closed == 1
    assert open_signals(location) == []


def test_an_overdue_commitment_raises_a_signal_until_it_is_kept(world):
    location = in_negotiation(world)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    approve_by_every_party(version, location)
    commitment = Commitment.objects.filter(version=version).order_by("pk").first()
    with time_machine.travel(datetime.datetime(2026, 7, 2, 9, tzinfo=datetime.UTC)):
        detect_impasses()
        signals = [
            s for s in open_signals(location) if s.key.startswith("deadline:commitment")
        ]
        assert len(signals) == 2  # both parties' commitments were due 30 June 2026
        Commitment.objects.filter(pk=commitment.pk).update(status=CommitmentStatus.DONE)
        assert detect_impasses().closed == 1


def test_two_consecutive_rejected_rounds(world):
    location = in_negotiation(world)

    def rejected_round():
        version = submit_agreement(
            location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
        )
        services.approval_record(
            version=version,
            organisation=world.org_b,
            actor=signatory_for(world.org_b),
            decision="reject",
            comment="Onvoldoende financiële dekking.",
        )
        return version

    rejected_round()
    detect_impasses()
    assert [s.rule for s in open_signals(location)] == []
    rejected_round()
    detect_impasses()
    (signal,) = open_signals(location)
    assert signal.rule == ImpasseRule.REJECTED_TWICE
    assert signal.waiting_on == world.org_b
    assert "twee rondes" in signal.message and "Ontwikkelaar B" in signal.message
    # A third version goes to the parties: no longer two rejections in a row.
    submit_agreement(location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT)
    detect_impasses()
    assert open_signals(location) == []


def test_too_long_in_a_stage_follows_the_programme_limit(world):
    location = in_negotiation(world)
    world.programme.stage_limit_days = 30
    world.programme.save()
    later = timezone.now() + datetime.timedelta(days=31)
    with time_machine.travel(later):
        detect_impasses()
        (signal,) = open_signals(location)
        assert signal.rule == ImpasseRule.STAGE_TOO_LONG
        assert "‘Onderhandeling’" in signal.message and "30 dagen" in signal.message
        services.location_transition(
            location=Location.objects.get(pk=location.pk),
            transition="escalate",
            actor=world.ministry,
            reason="Partijen komen er niet uit.",
        )
        assert detect_impasses().closed == 1
        assert open_signals(location) == []


def _cycle(version, pairs):
    through = Commitment.depends_on.through
    through.objects.bulk_create(
        [through(from_commitment_id=a, to_commitment_id=b) for a, b in pairs]
    )


def test_commitments_waiting_on_each_other_in_a_cycle_are_named(world):
    location = in_negotiation(world)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    first, second = Commitment.objects.filter(version=version).order_by("pk")
    _cycle(version, [(first.pk, second.pk), (second.pk, first.pk)])
    detect_impasses()
    (signal,) = open_signals(location)
    assert signal.rule == ImpasseRule.COMMITMENT_CYCLE
    assert signal.key == f"cycle:{first.pk}-{second.pk}"
    assert "Gemeente A" in signal.message and "Ontwikkelaar B" in signal.message
    assert "wacht op" in signal.message
    # One of them is kept: nobody waits in a circle any more.
    Commitment.objects.filter(pk=first.pk).update(status=CommitmentStatus.DONE)
    assert detect_impasses().closed == 1


def test_inconsistent_data_is_skipped_with_a_warning(world, caplog):
    location = in_negotiation(world)
    version = submit_agreement(
        location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    first = Commitment.objects.filter(version=version).order_by("pk").first()
    _cycle(version, [(first.pk, first.pk)])
    with caplog.at_level(logging.WARNING, logger="casework.impasses"):
        result = detect_impasses()
    assert "depends on itself" in caplog.text
    assert result.opened == 0


def test_constant_queries_whatever_the_portfolio(world):
    """20 locations against 2,000 (the scale the issue names)."""

    def add_locations(n):
        Location.objects.bulk_create(
            [
                Location(
                    programme=world.programme,
                    name=f"L{i}",
                    slug=f"l-{n}-{i}",
                    municipality="X",
                    province="Utrecht",
                    stage=Stage.NEGOTIATION,
                    stage_changed_at=timezone.now() - datetime.timedelta(days=400),
                )
                for i in range(n)
            ]
        )

    # A run reads: overdue deadline events; overdue commitments; submitted versions;
    # rejections of the latest versions; watched locations; binding commitments; their
    # dependencies; then, in one transaction, the open signals (locked), and writes
    # the closed and the new ones in one statement each.
    add_locations(20)
    opening_small = count_queries(detect_impasses)
    steady_small = count_queries(detect_impasses)
    add_locations(1980)
    opening_large = count_queries(detect_impasses)
    steady_large = count_queries(detect_impasses)
    assert ImpasseSignal.objects.filter(closed_at__isnull=True).count() == 2000
    assert steady_small == steady_large
    if connection.vendor == "postgresql":
        assert opening_small == opening_large
    else:
        # SQLite caps the variables of one statement: the bulk insert of 1,980 new
        # signals is split into batches; every other query stays the same.
        fields = [f for f in ImpasseSignal._meta.concrete_fields if not f.primary_key]
        per_batch = connection.ops.bulk_batch_size(fields, [None] * 1980)
        batches = -(-1980 // per_batch)
        assert opening_large == opening_small + batches - 1


def count_queries(func) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def test_impasses_api_is_for_ministry_and_case_managers(world):
    from ..conftest import token_client

    location = in_negotiation(world)
    services.deadline_open(
        location=location,
        kind="action",
        reference="action:7",
        organisation=world.org_a,
        description="Gemeente A levert de grondexploitatie.",
        due_on=datetime.date(2026, 2, 2),
    )
    detect_impasses()
    for user in (world.ministry, world.case_manager):
        response = token_client(user).get("/api/v1/impasses/")
        assert response.status_code == 200
        (item,) = response.json()
        assert item["location"] == {"id": location.pk, "name": location.name}
        assert item["rule"] == "deadline_passed"
        assert item["waiting_on"] == {"id": world.org_a.pk, "name": "Gemeente A"}
        assert "Gemeente A" in item["message"]
    for user in (world.viewer, world.a_member, world.a_signatory, world.c_member):
        response = token_client(user).get("/api/v1/impasses/")
        assert response.status_code == 403
        assert response.json()["detail"]
    client = token_client(world.ministry)
    assert client.get("/api/v1/impasses/?status=nonsense").status_code == 400
    assert client.get(f"/api/v1/impasses/?location={world.foreign.pk}").json() == []
    services.deadline_resolve(reference="action:7")
    detect_impasses()
    assert client.get("/api/v1/impasses/").json() == []
    assert len(client.get("/api/v1/impasses/?status=all").json()) == 1


def test_impasse_page_in_the_interface(world, client):
    from django.urls import reverse

    location = in_negotiation(world)
    services.deadline_open(
        location=location,
        kind="approval",
        reference="task:9",
        organisation=world.org_b,
        description="Ontwikkelaar B besluit.",
        due_on=datetime.date(2026, 3, 3),
    )
    detect_impasses()
    client.force_login(world.ministry)
    page = client.get(reverse("locations:impasses"))
    assert page.status_code == 200
    text = page.content.decode()
    assert location.name in text and "Ontwikkelaar B" in text and "3 maart 2026" in text
    client.force_login(world.a_signatory)
    assert client.get(reverse("locations:impasses")).status_code == 403


def test_escalating_links_the_open_signals_and_cites_them_in_the_audit_trail(world):
    location = in_negotiation(world)
    services.deadline_open(
        location=location,
        kind="approval",
        reference="task:77",
        organisation=world.org_b,
        description="Ontwikkelaar B besluit.",
        due_on=datetime.date(2026, 4, 1),
    )
    detect_impasses()
    (signal,) = open_signals(location)
    services.location_transition(
        location=Location.objects.get(pk=location.pk),
        transition="escalate",
        actor=world.ministry,
        reason="De ontwikkelaar besluit niet; de partijen staan stil.",
    )
    signal.refresh_from_db()
    escalation = location.escalations.get()
    assert signal.escalation == escalation
    event = location.audit_events.get(transition="escalate")
    assert event.data["impasse_signals"] == [signal.pk]
    assert event.data["impasse_messages"] == [signal.message]
