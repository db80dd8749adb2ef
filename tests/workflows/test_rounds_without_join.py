"""The decision that ends an approval round goes on to the end (concluded) or the
revision (rejected) itself: no join, function node or gateway in between. Rounds run
before keep a readable history (decision → end) after the migration that removes
those nodes' rows, and one still running with an open join of its own finishes."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.constants import Stage, VersionStatus
from casework.models import AgreementVersion, Deadline
from workflows.flows import ApprovalRoundFlow

from ..scenarios import bring_to
from .rounds import approval_task_of, approval_tasks, decide, revise_tasks, submit_round

MIGRATION = importlib.import_module("workflows.migrations.0005_rounds_without_join")
ROUND = "workflows/flows.ApprovalRoundFlow"


@pytest.fixture
def negotiating(world):
    return bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def nodes_of(process) -> list[str]:
    return [
        t.flow_task.name for t in Task.objects.filter(process=process).order_by("pk")
    ]


def previous_of(task) -> set[int]:
    return set(Task.objects.get(pk=task.pk).previous.values_list("pk", flat=True))


def test_the_last_approval_goes_straight_to_the_end(world, negotiating):
    process = submit_round(negotiating, world.case_manager)
    for organisation in (world.org_a, world.org_b):
        decide(approval_task_of(process, organisation))

    assert nodes_of(process) == ["start", "fan_out", "approve", "approve", "end"]
    end = Task.objects.get(process=process, flow_task=ApprovalRoundFlow.instance.end)
    last = approval_tasks(process).order_by("-finished").first()
    assert previous_of(end) == {last.pk}
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    version = AgreementVersion.objects.get(pk=process.data["version"])
    assert version.status == VersionStatus.CONCLUDED
    assert not Deadline.objects.filter(
        task_id__in=approval_tasks(process).values("pk"), resolved_at__isnull=True
    ).exists()


def test_a_rejection_cancels_the_open_decisions_and_goes_to_the_revision(
    world, negotiating
):
    process = submit_round(negotiating, world.case_manager)
    decide(approval_task_of(process, world.org_a), "reject", "De grondprijs ontbreekt.")

    assert approval_task_of(process, world.org_b).status == STATUS.CANCELED
    revise = revise_tasks(process).get()
    assert revise.status == STATUS.ASSIGNED
    assert previous_of(revise) == {approval_task_of(process, world.org_a).pk}
    # Every decision's deadline closed, the cancelled one's too.
    assert not Deadline.objects.filter(
        task_id__in=approval_tasks(process).values("pk"), resolved_at__isnull=True
    ).exists()
    assert "join" not in nodes_of(process) and "outcome" not in nodes_of(process)


def _insert_task(process_id: int, node: str, kind: str, status: str, token: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, "
            "token, process_id, data) VALUES (%s, %s, %s, CURRENT_TIMESTAMP, %s, %s, "
            "'{}')",
            [f"{ROUND}.{node}", kind, status, token, process_id],
        )
        cursor.execute("SELECT MAX(id) FROM viewflow_task")
        return cursor.fetchone()[0]


def _link(later: int, earlier: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO viewflow_task_previous (from_task_id, to_task_id) VALUES (%s, %s)",
            [later, earlier],
        )


def _unlink(later: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM viewflow_task_previous WHERE from_task_id = %s", [later]
        )


def test_the_migration_removes_the_old_nodes_and_keeps_the_history(world, negotiating):
    # A finished round in the old shape: decisions → join → close_round → outcome → end.
    done = submit_round(negotiating, world.case_manager)
    decisions = list(approval_tasks(done))
    for task in decisions:
        decide(task)
    end = Task.objects.get(process=done, flow_task=ApprovalRoundFlow.instance.end)
    _unlink(end.pk)
    join = _insert_task(done.pk, "join", "JOIN", STATUS.DONE, "start")
    for task in decisions:
        _link(join, task.pk)
    close = _insert_task(done.pk, "close_round", "FUNCTION", STATUS.DONE, "start")
    _link(close, join)
    outcome = _insert_task(
        done.pk, "outcome", "EXCLUSIVE_GATEWAY", STATUS.DONE, "start"
    )
    _link(outcome, close)
    _link(end.pk, outcome)

    # A running round of the time before decisions were held back: one approval went
    # to a join that is still open.
    running = Process.objects.create(
        flow_class=ApprovalRoundFlow, status=PROCESS.NEW, data=dict(done.data)
    )
    start = _insert_task(running.pk, "start", "START", STATUS.DONE, "start")
    open_join = _insert_task(running.pk, "join", "JOIN", STATUS.STARTED, "start")
    _link(open_join, start)

    MIGRATION.forwards(django_apps, SimpleNamespace(connection=connection))

    assert not Task.objects.filter(
        flow_task__in=[f"{ROUND}.{n}" for n in MIGRATION.GONE_NODES]
    ).exists()
    # Every stored node name loads again, and the end follows the decisions.
    assert nodes_of(done) == ["start", "fan_out", "approve", "approve", "end"]
    assert previous_of(end) == {task.pk for task in decisions}
    assert nodes_of(running) == ["start"]
    # Running it again finds nothing to do.
    MIGRATION.forwards(django_apps, SimpleNamespace(connection=connection))
    assert previous_of(end) == {task.pk for task in decisions}
