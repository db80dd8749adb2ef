"""The audit trail is tamper-evident and append-only (issue 7 item 5).

Each event carries the hash of its predecessor; `manage.py verify_audit` recomputes the
chain and names the first broken link. The database refuses UPDATE and DELETE of audit
rows (triggers of migration casework 0006, SQLite and PostgreSQL alike), so the tests
that tamper lift the trigger inside their own transaction first, as someone with the
table owner's rights could; the rollback at the end of the test puts it back.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import ProtectedError

from casework import services
from casework.audit_chain import GENESIS, digest_of, seal_pending
from casework.constants import AuditAction, BottleneckCategory, PartyRole, Stage
from casework.models import (
    AgreementKind,
    AgreementVersion,
    AuditEvent,
    Location,
    VersionStatus,
)
from permissions.errors import Conflict

from ..factories import LocationFactory, PartyFactory
from ..scenarios import bring_to, submit_agreement
from ..workflows.rounds import approval_tasks, decide, submit_round

APPEND_ONLY = "audit trail is append-only"
audit_migration = import_module("casework.migrations.0006_audit_chain")


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        verify(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


@contextlib.contextmanager
def trigger_lifted():
    """Tamper as the table's owner would: the append-only triggers are switched off
    inside the current transaction (DDL is transactional on both databases) and
    switched back on afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no queued foreign-key checks: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE casework_auditevent DISABLE TRIGGER casework_audit_append_only"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for name in audit_migration.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE casework_auditevent "
                    "ENABLE TRIGGER casework_audit_append_only"
                )
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for statement in audit_migration.SQLITE:
                    cursor.execute(statement)


def refused(write) -> None:
    """`write` fails in the database with the append-only trigger's error; its
    savepoint is rolled back so the test can go on."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert APPEND_ONLY in str(caught.value)


@pytest.fixture
def scenario(world) -> list[AuditEvent]:
    """A real history: the world's own location brought to negotiation by the case
    manager and the ministry, a heads of agreement drafted, submitted and approved by
    both parties through the approval round (which concludes it); a transition on the
    foreign location too. Returns the trail in chain order."""
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    process = submit_round(location, world.case_manager)
    for task in approval_tasks(process):
        decide(task)
    version = AgreementVersion.objects.get(pk=process.artifact_object_id)
    assert version.status == VersionStatus.CONCLUDED
    bring_to(
        world.foreign,
        Stage.SELECTED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    seal_pending()  # PostgreSQL seals on commit; this test's transaction never does
    events = list(AuditEvent.objects.order_by("id"))
    actions = {event.action for event in events}
    assert {
        AuditAction.TRANSITION,
        AuditAction.APPROVAL_RECORDED,
        AuditAction.AGREEMENT_SUBMITTED,
    } <= actions
    return events


# --- The chain -----------------------------------------------------------------------


def test_a_real_history_is_one_unbroken_chain(scenario):
    assert len(scenario) > 10
    assert scenario[0].prev_hash == GENESIS
    for previous, event in itertools.pairwise(scenario):
        assert event.prev_hash == previous.hash
    for event in scenario:
        assert len(event.hash) == 64
        assert event.hash == digest_of(event)
    assert len({event.hash for event in scenario}) == len(scenario)

    output = verify()
    assert f"Audittrail intact: {len(scenario)} gebeurtenissen" in output
    assert scenario[-1].hash in output


def test_the_hash_covers_every_field_of_the_event(scenario):
    """Changing any one covered field (or the link) gives another digest."""
    event = next(e for e in scenario if e.action == AuditAction.APPROVAL_RECORDED)
    original = digest_of(event)
    changes = {
        "actor_id": (event.actor_id or 0) + 1000,
        "at": event.at.replace(microsecond=(event.at.microsecond + 1) % 1_000_000),
        "action": AuditAction.TRANSITION,
        "location_id": (event.location_id or 0) + 1000,
        "transition": "withdraw",
        "from_stage": Stage.PROPOSED,
        "to_stage": Stage.WITHDRAWN,
        "reason": event.reason + ".",
        "data": {**event.data, "decision": "reject"},
        "prev_hash": "0" * 64,
    }
    for field, value in changes.items():
        changed = AuditEvent(
            **{
                f.attname: getattr(event, f.attname)
                for f in AuditEvent._meta.concrete_fields
            }
        )
        setattr(changed, field, value)
        assert digest_of(changed) != original, field


def test_an_empty_trail_is_intact(db):
    assert "Audittrail intact: 0 gebeurtenissen" in verify()


# --- Tampering is detected -----------------------------------------------------------


def test_an_edited_row_is_named_by_verify_audit(scenario):
    victim = scenario[len(scenario) // 2]
    with trigger_lifted():
        AuditEvent.objects.filter(pk=victim.pk).update(reason="Achteraf verzonnen.")

    message = verify_fails()
    assert f"gebeurtenis {victim.pk} " in message
    assert "gewijzigd" in message
    assert f"na {scenario.index(victim)} intacte gebeurtenissen" in message


def test_an_edited_row_with_its_own_hash_recomputed_breaks_the_next_link(scenario):
    """Whoever rewrites a row and its hash still breaks the link of its successor."""
    index = len(scenario) // 2
    victim, successor = scenario[index], scenario[index + 1]
    victim.reason = "Achteraf verzonnen."
    with trigger_lifted():
        AuditEvent.objects.filter(pk=victim.pk).update(
            reason=victim.reason, hash=digest_of(victim)
        )

    message = verify_fails()
    assert f"gebeurtenis {successor.pk} " in message
    assert f"vorige gebeurtenis ({victim.pk})" in message


def test_an_edited_time_or_actor_is_detected(scenario, world):
    victim = scenario[3]
    with trigger_lifted():
        AuditEvent.objects.filter(pk=victim.pk).update(actor=world.viewer)
    assert f"gebeurtenis {victim.pk} " in verify_fails()


def test_a_deleted_row_is_named_by_verify_audit(scenario):
    index = len(scenario) // 2
    victim, successor = scenario[index], scenario[index + 1]
    with trigger_lifted():
        AuditEvent.objects.filter(pk=victim.pk).delete()

    message = verify_fails()
    assert f"gebeurtenis {successor.pk} " in message
    assert "ontbreekt" in message
    assert f"({scenario[index - 1].pk})" in message


def test_a_deleted_first_row_is_detected(scenario):
    with trigger_lifted():
        AuditEvent.objects.filter(pk=scenario[0].pk).delete()

    message = verify_fails()
    assert f"gebeurtenis {scenario[1].pk} " in message
    assert "begin van de audittrail" in message


def test_removing_the_latest_rows_is_caught_by_a_published_anchor(scenario):
    """The chain alone cannot miss what comes after its last row: the last hash,
    printed by verify_audit and kept elsewhere, anchors it."""
    anchor = scenario[-1].hash
    assert "intact" in verify("--anchor", anchor)
    with trigger_lifted():
        AuditEvent.objects.filter(pk=scenario[-1].pk).delete()

    assert f"Audittrail intact: {len(scenario) - 1}" in verify()
    message = verify_fails("--anchor", anchor)
    assert "ingekort" in message
    assert anchor in message


# --- The database refuses changes ----------------------------------------------------


def test_the_database_refuses_to_update_or_delete_audit_rows(scenario):
    victim = scenario[2]
    rows = AuditEvent.objects.filter(pk=victim.pk)

    refused(lambda: rows.update(reason="Stilletjes gewijzigd."))
    refused(lambda: rows.update(hash="0" * 64))

    def save_changed():
        event = AuditEvent.objects.get(pk=victim.pk)
        event.reason = "Via save() gewijzigd."
        event.save()

    refused(save_changed)

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE casework_auditevent SET reason = %s WHERE id = %s",
                ["Met SQL gewijzigd.", victim.pk],
            )

    refused(raw_update)
    refused(lambda: AuditEvent.objects.get(pk=victim.pk).delete())
    refused(lambda: rows.delete())
    refused(lambda: AuditEvent.objects.all().delete())

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM casework_auditevent WHERE id = %s", [victim.pk])

    refused(raw_delete)

    if connection.vendor == "postgresql":

        def truncate():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("TRUNCATE casework_auditevent")

        refused(truncate)

    assert list(AuditEvent.objects.order_by("id")) == scenario
    assert AuditEvent.objects.get(pk=victim.pk).reason == victim.reason
    assert "intact" in verify()


def test_a_location_with_a_trail_cannot_be_deleted(scenario, world):
    with pytest.raises(ProtectedError), transaction.atomic():
        Location.objects.get(pk=world.own.pk).delete()
    assert AuditEvent.objects.filter(location=world.own).exists()


def test_a_fork_is_refused_by_the_database(scenario):
    """Two events after the same predecessor cannot both exist."""
    head = scenario[-1]
    fork = AuditEvent(action=AuditAction.TRANSITION, prev_hash=head.prev_hash)
    fork.hash = digest_of(fork)
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


def test_flush_empties_the_trail_and_keeps_it_append_only(scenario):
    """`manage.py flush` (the test runner's reset between transactional tests) may
    empty the table; afterwards the triggers refuse changes again."""
    if connection.vendor == "postgresql":
        # TRUNCATE waits for no queued foreign-key checks of this test's transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    services.audit_record(action=AuditAction.TRANSITION, reason="Na de flush.")
    seal_pending()
    event = AuditEvent.objects.get()
    assert event.prev_hash == GENESIS
    assert event.hash == digest_of(event)
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="x"))
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: its TRUNCATE trigger"
)
def test_the_flush_setting_empties_nothing_outside_a_test_database(db):
    """Setting the flush switch is all the application could do; on a database that is
    not a test database the TRUNCATE trigger refuses it all the same. Checked on a
    scratch database holding the migration's own trigger SQL."""
    import psycopg
    from psycopg import sql

    settings = connection.settings_dict
    conninfo = {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
    }
    scratch = f"doorbraak_audit_guard_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        with psycopg.connect(dbname=scratch, **conninfo) as guarded:
            guarded.execute(
                "CREATE TABLE casework_auditevent "
                "(id serial PRIMARY KEY, prev_hash varchar(70), hash varchar(64))"
            )
            guarded.execute(audit_migration.POSTGRES)
            guarded.execute(
                "INSERT INTO casework_auditevent (prev_hash, hash) VALUES ('', 'a')"
            )
            guarded.commit()
            guarded.execute(
                "SELECT set_config(%s, 'on', true)", [audit_migration.FLUSH_SETTING]
            )
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
                guarded.execute("TRUNCATE casework_auditevent")
            guarded.rollback()
            assert guarded.execute(
                "SELECT count(*) FROM casework_auditevent"
            ).fetchone() == (1,)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch))
            )


# --- Cost on the hot path ------------------------------------------------------------


def test_an_append_costs_one_insert_on_postgresql_and_one_query_more_on_sqlite(
    world, django_assert_num_queries
):
    services.audit_record(action=AuditAction.TRANSITION, location=world.own)
    # PostgreSQL: the INSERT (sealed by the database on commit).
    # SQLite: the head of the chain, the INSERT.
    queries = 1 if connection.vendor == "postgresql" else 2
    with transaction.atomic(), django_assert_num_queries(queries):
        services.audit_record(
            action=AuditAction.TRANSITION,
            actor=world.ministry,
            location=world.own,
            reason="Gemeten.",
            data={"b": [1, 2], "a": "é"},
        )
    seal_pending()
    head, stored = list(AuditEvent.objects.order_by("-id")[:2])[::-1]
    assert stored.reason == "Gemeten."
    assert stored.data == {"a": "é", "b": [1, 2]}
    assert stored.prev_hash == head.hash
    assert stored.hash == digest_of(stored)


def test_the_seal_links_in_commit_order(world):
    """On PostgreSQL a pending event is linked at commit and takes the next id; in
    SQLite at once. Either way the chain follows the ids."""
    first = services.audit_record(action=AuditAction.TRANSITION, reason="Eerste.")
    second = services.audit_record(action=AuditAction.TRANSITION, reason="Tweede.")
    if connection.vendor == "postgresql":
        assert first.prev_hash.startswith("~") and second.prev_hash.startswith("~")
    seal_pending()
    events = list(AuditEvent.objects.order_by("-id")[:3])[::-1]
    assert [event.reason for event in events[1:]] == ["Eerste.", "Tweede."]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert "intact" in verify()


# --- Concurrent appends (PostgreSQL) -------------------------------------------------

THREADS = 10
EVENTS_PER_THREAD = 5
RACE_TIMEOUT = 30
RACE_ITERATIONS = int(os.environ.get("AUDIT_RACE_ITERATIONS", "4"))


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: real concurrent transactions",
)
def test_concurrent_appends_never_fork_the_chain(transactional_db, world):
    """Ten threads, each with its own connection, append at the same moment: through
    the real service (a bottleneck registered) and straight through audit_record in
    longer transactions. Every event lands, the chain verifies, nobody chained onto
    a predecessor someone else took (the unique constraint would have made that
    thread fail)."""
    before = AuditEvent.objects.count()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    locations = [world.own, world.foreign]

    def append(index: int) -> None:
        try:
            barrier.wait(timeout=RACE_TIMEOUT)
            for round_ in range(EVENTS_PER_THREAD):
                if round_ % 2 == 0:
                    services.bottleneck_create(
                        location=locations[index % 2],
                        actor=world.case_manager,
                        category=BottleneckCategory.CAPACITY,
                        description=f"Knelpunt {index}.{round_}",
                    )
                else:
                    with transaction.atomic():
                        services.audit_record(
                            action=AuditAction.TRANSITION,
                            location=locations[index % 2],
                            reason=f"Draad {index}, ronde {round_}",
                        )
                        services.audit_record(
                            action=AuditAction.TRANSITION,
                            location=locations[index % 2],
                            reason=f"Draad {index}, ronde {round_}, tweede",
                        )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=append, args=(i,), daemon=True) for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT * 2)
        assert not thread.is_alive(), "an appending thread hung"

    assert errors == []
    per_thread = sum(1 if r % 2 == 0 else 2 for r in range(EVENTS_PER_THREAD))
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == before + THREADS * per_thread
    links = [event.prev_hash for event in events]
    assert len(set(links)) == len(links), "two events chained onto one predecessor"
    assert f"Audittrail intact: {len(events)} gebeurtenissen" in verify()


def test_bulk_appends_chain_in_two_queries(world, django_assert_num_queries):
    """Bulk loaders (scale data, test portfolios) chain their rows too."""
    from casework.audit_chain import bulk_append

    services.audit_record(action=AuditAction.TRANSITION, location=world.own)
    events = [
        AuditEvent(action=AuditAction.TRANSITION, location=world.own, reason=str(i))
        for i in range(50)
    ]
    before = AuditEvent.objects.count()
    # (PostgreSQL: the advisory lock), the head, one INSERT for all rows
    queries = 3 if connection.vendor == "postgresql" else 2
    with transaction.atomic(), django_assert_num_queries(queries):
        bulk_append(events)
    assert f"Audittrail intact: {before + 50} gebeurtenissen" in verify()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: real concurrent transactions",
)
def test_an_approval_concluding_while_the_location_is_withdrawn_never_deadlocks(
    transactional_db, world
):
    """The approval writes its audit event and then changes the location; the
    withdrawal changes the location and then writes its audit event. Were the chain
    locked from the first audit write to the commit, each would wait for the other.
    The seal locks at commit only: one wins, the other gets a clean conflict or goes
    after it, and the chain holds."""
    for iteration in range(RACE_ITERATIONS):
        location = LocationFactory(programme=world.programme, name=f"Race {iteration}")
        PartyFactory(location=location, organisation=world.org_a)
        PartyFactory(
            location=location, organisation=world.org_b, role=PartyRole.DEVELOPER
        )
        location = bring_to(
            location,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
        version = submit_agreement(
            location, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
        )
        services.approval_record(
            version=version,
            organisation=world.org_a,
            actor=world.a_signatory,
            decision="approve",
        )
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def run(index, call, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=RACE_TIMEOUT)
                results[index] = call()
            except BaseException as exc:  # judged below
                results[index] = exc
            finally:
                connections.close_all()

        calls = [
            lambda version=version: services.approval_record(
                version=version,
                organisation=world.org_b,
                actor=world.b_signatory,
                decision="approve",
            ),
            lambda location=location: services.location_transition(
                location=Location.objects.get(pk=location.pk),
                actor=world.ministry,
                transition="withdraw",
                reason="Tegelijk afgevoerd.",
            ),
        ]
        threads = [
            threading.Thread(target=run, args=(i, call), daemon=True)
            for i, call in enumerate(calls)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=RACE_TIMEOUT * 2)
            assert not thread.is_alive(), "a racing thread hung"

        for result in results:
            assert not isinstance(result, BaseException) or isinstance(
                result, Conflict
            ), repr(result)
        assert Location.objects.get(pk=location.pk).stage == Stage.WITHDRAWN or (
            isinstance(results[1], Conflict)
        )
    assert "intact" in verify()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: real concurrent transactions",
)
def test_audit_then_row_lock_against_row_lock_then_audit_does_not_deadlock(
    transactional_db, world
):
    """The pattern behind the race above, step by step: transaction 1 writes an
    audit event and then updates a location; transaction 2 has updated that location
    first and then writes an audit event. Both must finish."""
    location_id = world.own.pk
    audited = threading.Event()
    locked = threading.Event()
    results: list = [None, None]

    def first():
        with transaction.atomic():
            services.audit_record(action=AuditAction.TRANSITION, reason="Eén.")
            audited.set()
            assert locked.wait(RACE_TIMEOUT)
            # Waits for transaction 2's row lock.
            Location.objects.filter(pk=location_id).update(name="Eén")

    def second():
        assert audited.wait(RACE_TIMEOUT)
        with transaction.atomic():
            Location.objects.filter(pk=location_id).update(name="Twee")
            locked.set()
            services.audit_record(action=AuditAction.TRANSITION, reason="Twee.")

    def run(index, call):
        try:
            results[index] = call()
        except BaseException as exc:  # judged below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True)
        for i, call in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT * 2)
        assert not thread.is_alive(), "a thread hung"
    assert results == [None, None]
    assert Location.objects.get(pk=location_id).name == "Eén"
    reasons = list(AuditEvent.objects.order_by("-id").values_list("reason", flat=True))
    # Sealed in commit order: transaction 2 committed first.
    assert reasons[:2] == ["Eén.", "Twee."]
    assert "intact" in verify()
