"""Real processes against the committed test database.

- Two `manage.py workflow_timers` runs at once (the cron line, twice): every due timer
  fires once, every reminder and overdue mark is recorded and told once.
- A process killed (SIGKILL) in the middle of an approval, after it wrote the approval
  (and, for the last party, the conclusion and the location's transition) but before
  it committed: nothing of it remains, the round's lock is free again, and the task is
  then completed normally.
"""

from __future__ import annotations

import datetime
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.constants import AuditAction, DeadlineEventKind, Stage
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
from permissions.models import Organisation

from ..conftest import transition_events
from ..scenarios import signatory_for
from ..workflows.rounds import (
    approval_tasks,
    deadline_notifications,
    deadline_of,
    decide,
    five_organisations,
    location_with,
    no_flow_errors,
    submit_round,
)
from . import subprocess_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: real concurrent transactions",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
STILL_OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


@pytest.fixture
def organisations(transactional_db):
    return five_organisations()


def new_round(world, organisations, name: str):
    location = location_with(
        organisations,
        programme=world.programme,
        case_manager=world.case_manager,
        ministry=world.ministry,
        name=name,
        stage=Stage.NEGOTIATION,
    )
    return location, submit_round(location, world.case_manager)


def test_two_deadline_sweeps_at_once_fire_each_deadline_once(
    transactional_db, world, organisations, time_machine
):
    now = timezone.now()
    time_machine.move_to(now - datetime.timedelta(days=60), tick=False)
    processes = [new_round(world, organisations, f"Cron {i}")[1] for i in range(4)]
    time_machine.move_to(now, tick=True)
    due = Deadline.objects.filter(
        resolved_at__isnull=True,
        reminder_sent_at__isnull=True,
        overdue_marked_at__isnull=True,
    )
    assert due.count() == 20  # 4 rounds × 5 parties, each reminder and overdue

    # Small batches, so that the two processes take turns and meet on locked rows
    # (SKIP LOCKED): each deadline is fired by exactly one of them.
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "deadlines", "--batch-size", "3"],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=240) for run in runs]

    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err, err
    fired = [int(out.split()[0]) + int(out.split()[2]) for out, _err in outputs]
    assert sum(fired) == 40, outputs
    assert not due.exists()
    assert not Task.objects.filter(status=STATUS.ERROR).exists()
    assert DeadlineEvent.objects.count() == 40
    for process in processes:
        for task in approval_tasks(process):
            assert set(
                DeadlineEvent.objects.filter(reference=f"task:{task.pk}").values_list(
                    "event", flat=True
                )
            ) == {DeadlineEventKind.REMINDER, DeadlineEventKind.OVERDUE}
            deadline = deadline_of(task)
            assert deadline.reminder_sent_at and deadline.overdue_marked_at
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_PASSED).count() == 20
    # Each signatory told once per event.
    assert deadline_notifications().count() == 40


def hold_approval(task: Task, user) -> subprocess.Popen:
    """Start the approval in a process of its own; return once it has written
    everything and waits, uncommitted, inside its transaction."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.race.hold_approval", str(task.pk), str(user.pk)],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    if line.strip() != "RECORDED":
        child.kill()
        raise AssertionError(f"child did not reach the approval: {child.stderr.read()}")
    return child


def wait_for_backend_gone(pid_before: set[int], timeout: float = 30) -> None:
    """PostgreSQL notices the dead client and rolls its transaction back."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()",
                [connection.settings_dict["NAME"]],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
    raise AssertionError("the killed process's transaction is still open")


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_process_killed_in_the_middle_of_an_approval_leaves_nothing(
    transactional_db, world, organisations, which
):
    location, process = new_round(world, organisations, f"Afgebroken {which}")
    tasks = list(approval_tasks(process))
    if which == "last":
        with no_flow_errors():
            for task in tasks[:-1]:
                decide(task, "approve")
        target = tasks[-1]
    else:
        target = tasks[0]
    target.refresh_from_db()
    organisation = Organisation.objects.get(pk=target.data["organisation"])
    user = signatory_for(organisation)
    version = AgreementVersion.objects.get(pk=process.artifact_object_id)
    before = {
        "approvals": Approval.objects.filter(version=version).count(),
        "audit": AuditEvent.objects.count(),
        "transitions": transition_events(location).count(),
        "stage": location.stage,
        "task": (target.status, target.owner_id),
        "deadline": deadline_of(target).resolved_at,
    }

    child = hold_approval(target, user)
    try:
        # Written, not committed: nobody else sees any of it.
        assert Approval.objects.filter(version=version).count() == before["approvals"]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert "COMMITTED" not in child.stdout.read()
    wait_for_backend_gone(set())

    # Rolled back, all of it: no approval, no audit event, no transition, the version
    # still in approval, the task still open with its deadline open.
    target.refresh_from_db()
    assert Approval.objects.filter(version=version).count() == before["approvals"]
    assert AuditEvent.objects.count() == before["audit"]
    assert transition_events(location).count() == before["transitions"]
    assert Location.objects.get(pk=location.pk).stage == before["stage"]
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_APPROVAL
    assert version.sha256 == ""
    assert (target.status, target.owner_id) == before["task"]
    assert target.status in STILL_OPEN
    assert deadline_of(target).resolved_at == before["deadline"] is None

    # The lock is free and the task completes as if nothing happened.
    with no_flow_errors():
        done = decide(target, "approve", user=user)
    assert done.status == STATUS.DONE
    assert Approval.objects.get(
        version=version, organisation=organisation
    ).decided_by == (user)
    version.refresh_from_db()
    if which == "last":
        assert version.status == VersionStatus.CONCLUDED
        assert (
            Location.objects.get(pk=location.pk).stage
            == AgreementKind.HEADS_OF_AGREEMENT
        )
        assert transition_events(location).count() == before["transitions"] + 1
        process.refresh_from_db()
        assert process.status == STATUS.DONE
    else:
        assert version.status == VersionStatus.IN_APPROVAL
        assert approval_tasks(process).filter(status__in=STILL_OPEN).count() == 4
