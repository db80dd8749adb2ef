"""Approval rounds and deadline timers under real concurrency (issue 3, "Bad input and
races").

Real threads, each with its own database connection, released together by a barrier,
against PostgreSQL: the flows lock their process row (`select_for_update`), which is a
no-op on SQLite, where writers are serialised on the whole database anyway.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.constants import (
    AuditAction,
    DeadlineEventKind,
    Stage,
    TransitionName,
)
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Approval,
    AuditEvent,
    Deadline,
    DeadlineEvent,
    Location,
    VersionStatus,
)
from permissions.errors import Conflict
from permissions.models import Organisation
from workflows import clock
from workflows.flows import ApprovalRoundFlow

from ..conftest import transition_events
from ..scenarios import signatory_for
from .rounds import (
    approval_task_of,
    approval_tasks,
    deadline_mails,
    deadline_notifications,
    deadline_of,
    decide,
    five_organisations,
    location_with,
    no_flow_errors,
    open_events,
    race,
    revise_tasks,
    submit_round,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: real concurrent transactions",
    ),
]

ITERATIONS = 4
STILL_OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED)


@pytest.fixture
def organisations(transactional_db):
    return five_organisations()


def new_round(world, organisations, name: str, kind: str):
    stage = (
        Stage.NEGOTIATION
        if kind == AgreementKind.HEADS_OF_AGREEMENT
        else Stage.HEADS_OF_AGREEMENT
    )
    location = location_with(
        organisations,
        programme=world.programme,
        case_manager=world.case_manager,
        ministry=world.ministry,
        name=name,
        stage=stage,
    )
    return location, submit_round(location, world.case_manager, kind)


def deciders(process) -> list[tuple[Task, object]]:
    """Each approval task with its organisation's signatory (looked up before the race,
    so the threads do nothing but decide)."""
    return [
        (task, signatory_for(Organisation.objects.get(pk=task.data["organisation"])))
        for task in approval_tasks(process)
    ]


def open_tasks(process):
    return Task.objects.filter(process=process, status__in=STILL_OPEN)


def test_every_party_approving_at_the_same_moment_concludes_exactly_once(
    transactional_db, world, organisations
):
    for iteration in range(ITERATIONS):
        kind = (
            AgreementKind.HEADS_OF_AGREEMENT
            if iteration % 2 == 0
            else AgreementKind.ADMINISTRATIVE_AGREEMENT
        )
        location, process = new_round(
            world, organisations, f"Goedkeuringsrace {iteration}", kind
        )
        pairs = deciders(process)
        assert len(pairs) == 5
        transitions_before = transition_events(location).count()

        with no_flow_errors():
            results = race(
                *(
                    lambda task=task, user=user: decide(task, "approve", user=user)
                    for task, user in pairs
                )
            )

        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, errors
        # Exactly one conclusion, by the system.
        concluding = {
            AgreementKind.HEADS_OF_AGREEMENT: TransitionName.CONCLUDE_HEADS_OF_AGREEMENT,
            AgreementKind.ADMINISTRATIVE_AGREEMENT: (
                TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT
            ),
        }[kind]
        conclusions = transition_events(location).filter(transition=concluding)
        assert conclusions.count() == 1
        assert conclusions.get().actor is None
        assert transition_events(location).count() == transitions_before + 1
        assert Location.objects.get(pk=location.pk).stage == kind
        version = AgreementVersion.objects.get(pk=process.artifact_object_id)
        assert version.status == VersionStatus.CONCLUDED
        assert len(version.sha256) == 64
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.AGREEMENT_CONCLUDED,
                data__agreement=version.agreement_id,
            ).count()
            == 1
        )
        # Every approval recorded, once per organisation, by its signatory.
        approvals = set(
            Approval.objects.filter(version=version).values_list(
                "organisation_id", "decision", "decided_by_id"
            )
        )
        assert approvals == {
            (task.data["organisation"], "approve", user.pk) for task, user in pairs
        }
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.APPROVAL_RECORDED,
                data__agreement=version.agreement_id,
                data__version=version.number,
            ).count()
            == 5
        )
        # Every task done, no timer armed, the round finished.
        assert not open_tasks(process).exists()
        assert set(approval_tasks(process).values_list("status", flat=True)) == {
            STATUS.DONE
        }
        assert (
            Task.objects.filter(
                process=process, flow_task=ApprovalRoundFlow.instance.join
            )
            .get()
            .status
            == STATUS.DONE
        )
        assert not revise_tasks(process).exists()
        process.refresh_from_db()
        assert process.status == STATUS.DONE


def test_one_party_rejecting_while_the_others_approve(
    transactional_db, world, organisations
):
    for iteration in range(ITERATIONS + 2):
        location, process = new_round(
            world,
            organisations,
            f"Afwijsrace {iteration}",
            AgreementKind.HEADS_OF_AGREEMENT,
        )
        pairs = deciders(process)
        rejecting = iteration % len(pairs)
        transitions_before = transition_events(location).count()

        calls = [
            (lambda task=task, user=user: decide(task, "approve", user=user))
            for task, user in pairs
        ]
        task, user = pairs[rejecting]
        calls[rejecting] = lambda task=task, user=user: decide(
            task, "reject", "Fasering ontbreekt.", user=user
        )

        with no_flow_errors():
            results = race(*calls)

        # The rejection always lands; an approval either lands before it or finds the
        # round closed (409), never anything else.
        assert not isinstance(results[rejecting], BaseException), results[rejecting]
        approved, refused = [], []
        for index, result in enumerate(results):
            if index == rejecting:
                continue
            if isinstance(result, Conflict):
                assert "gesloten" in result.message  # the round is closed
                refused.append(pairs[index][0])
            else:
                assert not isinstance(result, BaseException), result
                approved.append(pairs[index][0])

        # The round is closed as rejected; nothing concluded.
        version = AgreementVersion.objects.get(pk=process.artifact_object_id)
        assert version.status == VersionStatus.REJECTED
        assert version.sha256 == ""
        assert transition_events(location).count() == transitions_before
        assert Location.objects.get(pk=location.pk).stage == Stage.NEGOTIATION
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.AGREEMENT_REJECTED, location=location
            ).count()
            == 1
        )
        # What was recorded matches the tasks: done tasks decided, cancelled ones not.
        rejecter_task = pairs[rejecting][0]
        assert set(
            Approval.objects.filter(version=version).values_list(
                "organisation_id", "decision"
            )
        ) == {(rejecter_task.data["organisation"], "reject")} | {
            (task.data["organisation"], "approve") for task in approved
        }
        statuses = dict(approval_tasks(process).values_list("pk", "status"))
        assert statuses[rejecter_task.pk] == STATUS.DONE
        assert all(statuses[task.pk] == STATUS.DONE for task in approved)
        assert all(statuses[task.pk] == STATUS.CANCELED for task in refused)
        # No decision left open, no deadline open; the case manager revises.
        revise = revise_tasks(process).get()
        assert revise.status == STATUS.ASSIGNED
        assert revise.owner == world.case_manager
        assert list(open_tasks(process)) == [revise]
        for task, _user in pairs:
            assert deadline_of(task).resolved_at is not None


def small_batches() -> int:
    """A deadline sweep in batches of two, so that two at once take turns."""
    return clock.sweep(batch_size=2).fired


def rounds_submitted_long_ago(world, organisations, time_machine, name: str, count):
    """`count` rounds submitted sixty days ago: all their timers are due now."""
    now = timezone.now()
    time_machine.move_to(now - datetime.timedelta(days=60), tick=False)
    processes = [
        new_round(
            world, organisations, f"{name} {i}", AgreementKind.HEADS_OF_AGREEMENT
        )[1]
        for i in range(count)
    ]
    time_machine.move_to(now, tick=True)
    return processes


def test_two_timer_sweeps_at_once_record_each_deadline_once(
    transactional_db, world, organisations, time_machine
):
    processes = rounds_submitted_long_ago(
        world, organisations, time_machine, "Termijnrace", 3
    )
    due = Deadline.objects.filter(
        resolved_at__isnull=True,
        reminder_sent_at__isnull=True,
        overdue_marked_at__isnull=True,
    )
    assert due.count() == 15

    with no_flow_errors():
        fired = race(small_batches, small_batches)

    assert all(isinstance(count, int) for count in fired), fired
    assert sum(fired) == 30
    assert not due.exists()
    assert DeadlineEvent.objects.count() == 30
    for process in processes:
        for task in approval_tasks(process):
            assert set(
                DeadlineEvent.objects.filter(reference=f"task:{task.pk}").values_list(
                    "event", flat=True
                )
            ) == {DeadlineEventKind.REMINDER, DeadlineEventKind.OVERDUE}
            deadline = deadline_of(task)
            assert deadline.reminder_sent_at and deadline.overdue_marked_at
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_PASSED).count() == 15
    # Each signatory is told once per event, in the app and by e-mail.
    assert deadline_notifications().count() == 30
    assert len(deadline_mails()) == 30


def test_a_decision_and_the_timer_sweep_at_once_leave_no_open_deadline(
    transactional_db, world, organisations, time_machine
):
    organisation = organisations[2][0]
    user = signatory_for(organisation)
    for iteration in range(ITERATIONS):
        (process,) = rounds_submitted_long_ago(
            world, organisations, time_machine, f"Besluitrace {iteration}", 1
        )
        task = approval_task_of(process, organisation)

        with no_flow_errors():
            decided, fired = race(
                lambda task=task: decide(task, "approve", user=user),
                small_batches,
            )

        assert not isinstance(decided, BaseException), decided
        assert isinstance(fired, int), fired
        task.refresh_from_db()
        assert task.status == STATUS.DONE
        # Either the sweep came first (events recorded, then resolved by the
        # decision) or the decision did (its deadline closed, skipped by the sweep's
        # SKIP LOCKED while the decision held it): never an open
        # deadline on a decided task.
        assert not open_events(reference=f"task:{task.pk}").exists()
        assert deadline_of(task).resolved_at is not None
        # The other parties' deadlines were all recorded, once.
        with no_flow_errors():
            small_batches()
        for other in approval_tasks(process).exclude(pk=task.pk):
            assert (
                DeadlineEvent.objects.filter(reference=f"task:{other.pk}").count() == 2
            )
