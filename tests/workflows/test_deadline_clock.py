"""The one deadline clock (issue 14): commitments and bottlenecks on the same clock as
the tasks, a due date that moves in one UPDATE, a sweep whose cost does not grow with
the number of open deadlines, and the migration that moved the running portfolio's
viewflow timers onto the clock."""

from __future__ import annotations

import datetime
import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import services as casework
from casework.constants import (
    AuditAction,
    BottleneckCategory,
    BottleneckStatus,
    CommitmentStatus,
    DeadlineEventKind,
    DeadlineKind,
    ImpasseRule,
    Stage,
)
from casework.impasses import detect_impasses
from casework.models import (
    AuditEvent,
    Commitment,
    Deadline,
    DeadlineEvent,
    ImpasseSignal,
)
from workflows import clock

from ..scenarios import approve_by_every_party, bring_to
from .rounds import (
    approval_task_of,
    approval_tasks,
    at,
    deadline_notifications,
    deadline_of,
    decide,
    draft,
    submit_round,
    sweep,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def negotiating(world):
    return bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def conclude(location, case_manager):
    """Conclude a heads of agreement with one commitment per party (due 1 June 2027
    and the days after)."""
    version = casework.agreement_submit(
        version=draft(location, case_manager), actor=case_manager
    )
    approve_by_every_party(version, location)
    version.refresh_from_db()
    return version


def test_the_commitments_of_a_concluded_agreement_are_on_the_clock(
    world, negotiating, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at("2027-01-11"), tick=False)
    version = conclude(negotiating, world.case_manager)
    commitments = list(Commitment.objects.filter(version=version).order_by("pk"))
    assert commitments
    for commitment in commitments:
        deadline = deadline_of(f"commitment:{commitment.pk}")
        assert deadline.kind == DeadlineKind.COMMITMENT
        assert deadline.due_on == commitment.due_date
        assert deadline.organisation == commitment.owner.organisation
        assert deadline.commitment == commitment
    first = commitments[0]
    due = first.due_date  # Tuesday 1 June 2027: reminded Friday 28 May
    assert deadline_of(f"commitment:{first.pk}").remind_at == at("2027-05-28", 8)

    time_machine.move_to(at(due + datetime.timedelta(days=1), 8), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() >= 2  # at least the first commitment's reminder and mark
    deadline = deadline_of(f"commitment:{first.pk}")
    assert deadline.reminder_sent_at and deadline.overdue_marked_at
    assert AuditEvent.objects.filter(
        action=AuditAction.DEADLINE_PASSED,
        data__reference=f"commitment:{first.pk}",
    ).exists()
    # The owning party's people are told (members and signatories alike).
    owner_people = {
        user.email
        for user in first.owner.organisation.members_group.user_set.all()
        if user.email
    }
    told = {m.to[0] for m in mail.outbox if m.subject.startswith("Termijn verstreken")}
    assert owner_people and owner_people <= told
    # The impasse detector reads the same fact, and the signal names the party.
    detect_impasses()
    signal = ImpasseSignal.objects.get(
        key=f"deadline:commitment:{first.pk}", closed_at=None
    )
    assert signal.rule == ImpasseRule.DEADLINE_PASSED
    assert signal.waiting_on == first.owner.organisation
    # Kept after all: the cause is gone, the signal closes.
    Commitment.objects.filter(pk=first.pk).update(status=CommitmentStatus.DONE)
    detect_impasses()
    assert not ImpasseSignal.objects.filter(
        key=f"deadline:commitment:{first.pk}", closed_at=None
    ).exists()


def test_a_bottleneck_with_a_deadline_is_on_the_clock(
    world, negotiating, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at("2026-12-14"), tick=False)
    bottleneck = casework.bottleneck_create(
        location=negotiating,
        actor=world.case_manager,
        category=BottleneckCategory.LAND_POSITION,
        description="Grondverwerving loopt vast.",
        owner=world.party_b,
        deadline=datetime.date(2026, 12, 29),
    )
    deadline = deadline_of(f"bottleneck:{bottleneck.pk}")
    assert (deadline.kind, deadline.organisation) == (
        DeadlineKind.BOTTLENECK,
        world.org_b,
    )
    assert (deadline.remind_at, deadline.overdue_at) == (
        at("2026-12-24", 8),
        at("2026-12-30", 8),
    )
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2
    assert set(
        DeadlineEvent.objects.filter(
            reference=f"bottleneck:{bottleneck.pk}"
        ).values_list("event", flat=True)
    ) == {DeadlineEventKind.REMINDER, DeadlineEventKind.OVERDUE}
    assert deadline_notifications().filter(user=world.b_member).exists()
    detect_impasses()
    assert ImpasseSignal.objects.filter(
        key=f"deadline:bottleneck:{bottleneck.pk}", closed_at=None
    ).exists()
    # Resolved: the signal closes with its cause.
    type(bottleneck).objects.filter(pk=bottleneck.pk).update(
        status=BottleneckStatus.RESOLVED
    )
    detect_impasses()
    assert not ImpasseSignal.objects.filter(
        key=f"deadline:bottleneck:{bottleneck.pk}", closed_at=None
    ).exists()
    assert sweep() == 0


def test_a_due_date_that_moves_is_one_update(world, negotiating, time_machine):
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = submit_round(negotiating, world.case_manager)
    task = approval_task_of(process, world.org_a)
    time_machine.move_to(at("2026-12-24", 8), tick=False)
    assert sweep() == 2  # both reminders
    reference = f"task:{task.pk}"

    # Extended to 15 January: the reminder comes again before the new date, the
    # overdue mark the morning after it.
    with CaptureQueriesContext(connection) as queries:
        assert casework.deadline_move(
            reference=reference, due_on=datetime.date(2027, 1, 15)
        )
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1 and len(queries) <= 2
    deadline = deadline_of(task)
    assert deadline.due_on == datetime.date(2027, 1, 15)
    assert (deadline.remind_at, deadline.overdue_at) == (
        at("2027-01-13", 8),
        at("2027-01-16", 8),
    )
    assert deadline.reminder_sent_at is None
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    assert sweep() == 1  # B's overdue mark only: A's date moved
    time_machine.move_to(at("2027-01-16", 8), tick=False)
    assert sweep() == 2  # A's reminder (missed runs caught up) and overdue mark
    assert (
        DeadlineEvent.objects.filter(
            reference=reference, event=DeadlineEventKind.OVERDUE
        ).get()
    ).due_on == datetime.date(2027, 1, 15)


def test_the_sweep_costs_the_same_whatever_the_number_of_open_deadlines(
    world, negotiating, time_machine
):
    """Finding what is due is one indexed statement, whatever is open besides; the
    work of a batch does not grow with the deadlines that are not due."""
    time_machine.move_to(at("2026-12-14"), tick=False)
    submit_round(negotiating, world.case_manager)

    def sweep_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            clock.sweep()
        return len(queries)

    nothing_due = sweep_queries()
    # Many more open deadlines, none due.
    for i in range(40):
        casework.deadline_open(
            location=negotiating,
            kind=DeadlineKind.ACTION,
            reference=f"action:{10_000 + i}",
            due_on=datetime.date(2027, 3, 1),
            description="Later.",
        )
    assert sweep_queries() == nothing_due

    time_machine.move_to(at("2026-12-24", 8), tick=False)
    few = sweep_queries()  # the round's two reminders
    # The same two due again, among forty more open deadlines that are not.
    Deadline.objects.filter(kind=DeadlineKind.APPROVAL).update(reminder_sent_at=None)
    DeadlineEvent.objects.all().delete()
    for i in range(40):
        casework.deadline_open(
            location=negotiating,
            kind=DeadlineKind.ACTION,
            reference=f"action:{20_000 + i}",
            due_on=datetime.date(2027, 6, 1),
            description="Nog later.",
        )
    assert sweep_queries() == few


def test_nothing_fires_after_completion(world, negotiating, time_machine):
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = submit_round(negotiating, world.case_manager)
    for task in approval_tasks(process):
        decide(task)
    assert not Deadline.objects.filter(
        kind=DeadlineKind.APPROVAL, resolved_at__isnull=True
    ).exists()
    time_machine.move_to(at("2027-03-01", 8), tick=False)
    fired = sweep()
    # What is left are the concluded agreement's commitments (due in June 2027).
    assert fired == 0
    assert not DeadlineEvent.objects.exists()


# --- The migration ---------------------------------------------------------------------

MIGRATION = importlib.import_module("workflows.migrations.0004_deadlines_on_the_clock")


def _old_timers(task, reminder_at, overdue_at, reminder_done: bool) -> None:
    """What a task of the old flows carried: two boundary timers (the reminder already
    fired or not) and, for a fired one, the node it led to."""
    flow = "workflows/flows.ApprovalRoundFlow"
    rows = [
        (
            f"{flow}.approve__timeout",
            STATUS.DONE if reminder_done else STATUS.SCHEDULED,
            reminder_at,
        ),
        (f"{flow}.approve__timeout_2", STATUS.SCHEDULED, overdue_at),
    ]
    if reminder_done:
        rows.append((f"{flow}.remind", STATUS.DONE, None))
    with connection.cursor() as cursor:
        for flow_task, status, scheduled in rows:
            cursor.execute(
                "INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, "
                "scheduled, token, process_id, data) VALUES (%s, %s, %s, %s, %s, %s, "
                "%s, %s)",
                [
                    flow_task,
                    "TIMER" if "timeout" in flow_task else "FUNCTION",
                    status,
                    task.created,
                    scheduled,
                    str(task.token),
                    task.process_id,
                    json.dumps({}),
                ],
            )
            cursor.execute(
                "INSERT INTO viewflow_task_previous (from_task_id, to_task_id) "
                "SELECT id, %s FROM viewflow_task WHERE id = (SELECT MAX(id) FROM "
                "viewflow_task)",
                [task.pk],
            )


def test_the_migration_moves_open_timers_to_the_clock(
    world, negotiating, time_machine, django_capture_on_commit_callbacks
):
    """A running round as the old flows left it: the reminder of A's task fired
    (logged), B's not yet; both overdue marks still to come. After the migration the
    timers are gone, the clock has both deadlines, A's reminder does not come again
    and every overdue mark comes once."""
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = submit_round(negotiating, world.case_manager)
    task_a = approval_task_of(process, world.org_a)
    task_b = approval_task_of(process, world.org_b)
    Deadline.objects.all().delete()  # as before the clock
    time_machine.move_to(at("2026-12-24", 9), tick=False)
    reminder_at, overdue_at = at("2026-12-24", 8), at("2026-12-30", 8)
    _old_timers(task_a, reminder_at, overdue_at, reminder_done=True)
    _old_timers(task_b, reminder_at, overdue_at, reminder_done=False)
    # What the old timer logged when it reminded.
    DeadlineEvent.objects.create(
        location=negotiating,
        kind=DeadlineKind.APPROVAL,
        event=DeadlineEventKind.REMINDER,
        reference=f"task:{task_a.pk}",
        organisation=world.org_a,
        description="Herinnering van de oude timer.",
        due_on=datetime.date(2026, 12, 29),
    )
    assert Task.objects.filter(flow_task_type="TIMER").count() == 4

    # The data migration's own function, on this database (it reads and writes
    # rows only; it needs of the schema editor nothing but its connection).
    MIGRATION.forwards(apps, SimpleNamespace(connection=connection))

    assert not Task.objects.filter(flow_task_type="TIMER").exists()
    assert not Task.objects.filter(process=process, flow_task_type="FUNCTION").exists()
    assert approval_tasks(process).count() == 2  # the tasks themselves stay
    a, b = deadline_of(task_a), deadline_of(task_b)
    assert (a.remind_at, a.overdue_at) == (reminder_at, overdue_at)
    assert a.reminder_sent_at is not None and b.reminder_sent_at is None
    assert a.organisation == world.org_a and a.task_id == task_a.pk
    assert "besluit over" in a.description

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1  # B's reminder; A's came already
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2  # both overdue marks, once
        assert sweep() == 0
    assert DeadlineEvent.objects.filter(event=DeadlineEventKind.REMINDER).count() == 2
    assert DeadlineEvent.objects.filter(event=DeadlineEventKind.OVERDUE).count() == 2


def test_a_batch_costs_the_same_whatever_the_number_due(world, negotiating):
    """Recording and telling a batch: the same statements for 2 due deadlines as for
    24 (holders, languages, choices, notifications and the mail job read or written
    once for the batch)."""

    def due(count: int, offset: int) -> int:
        for i in range(count):
            casework.deadline_open(
                location=negotiating,
                kind=DeadlineKind.COMMITMENT,
                reference=f"commitment:{offset + i}",
                organisation=(world.org_a, world.org_b)[i % 2],
                due_on=datetime.date(2026, 1, 5),
                description=f"Afspraak {offset + i}.",
            )
        with CaptureQueriesContext(connection) as queries:
            result = clock.sweep()
        assert result.fired == 2 * count  # each reminder and overdue mark
        return len(queries)

    assert due(2, 1000) == due(24, 2000)


def test_each_programme_sets_its_own_reminder_lead(world, negotiating, time_machine):
    """The reminder comes the programme's number of working days before the due date
    (`reminder_working_days`): five here, over a weekend."""
    programme = negotiating.programme
    programme.reminder_working_days = 5
    programme.save(update_fields=["reminder_working_days"])
    time_machine.move_to(at("2026-03-02"), tick=False)  # a Monday; due 16 March
    process = submit_round(negotiating, world.case_manager)
    deadline = deadline_of(approval_task_of(process, world.org_a))
    assert deadline.due_on == datetime.date(2026, 3, 16)
    assert deadline.reminder_working_days == 5
    assert deadline.remind_at == at("2026-03-09", 8)  # Monday, five working days before
    time_machine.move_to(at("2026-03-09", 7, 59), tick=False)
    assert sweep() == 0
    time_machine.move_to(at("2026-03-09", 8), tick=False)
    assert sweep() == 2
