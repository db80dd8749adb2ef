"""Processes killed at the worst moment (see the package docstring)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.constants import AuditAction, Stage
from casework.models import AuditEvent, Escalation, Location
from documents.constants import DocumentKind
from documents.models import Document
from workflows.escalation import EscalationFlow

from ..scenarios import bring_to
from . import DATABASE_QUEUE, kill, manage, start, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: real processes on one committed database",
    ),
]


@pytest.fixture
def queue_in_database(settings):
    settings.TASKS = DATABASE_QUEUE


def jobs(task_path: str):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task_path)


def verify_audit() -> None:
    output = manage("verify_audit")
    assert "Audittrail intact" in output, output


def test_a_process_killed_right_after_escalate_commits_strands_nothing(
    transactional_db, world, queue_in_database, tmp_path
):
    """Issue 20, item 2: the ministry's process dies after the commit, before any
    follow-up could run in it. The flow and the consultation task were committed with
    the escalation; the dossier and the case manager's e-mail were queued with it, and
    the next worker run makes and sends them. `reconcile` then finds nothing to do."""
    world.case_manager.email = "regisseur@example.nl"
    world.case_manager.save()
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    reason_file = tmp_path / "reason.txt"
    reason_file.write_text("Geen voortgang na drie rondes.")
    mails = tmp_path / "mail"
    mails.mkdir()

    child = start(
        "tests.crash.escalate_then_die",
        str(location.pk),
        str(world.ministry.pk),
        str(reason_file),
        EMAIL_FILE_PATH=str(mails),
    )
    try:
        wait_for(child, "COMMITTED")
    finally:
        kill(child)

    location.refresh_from_db()
    assert location.stage == Stage.ESCALATED
    escalation = Escalation.objects.get(location=location, closed_at__isnull=True)
    (process,) = Process.objects.filter(
        flow_class=EscalationFlow, data__escalation=escalation.pk
    )
    consult = Task.objects.get(
        process=process, flow_task=EscalationFlow.instance.consult
    )
    assert consult.status in (STATUS.NEW, STATUS.ASSIGNED)
    assert jobs("documents.tasks.freeze_evidence_dossier").get().status == "READY"
    assert jobs("workflows.tasks.send_notification_mails").count() == 1
    assert not escalation.dossier_sha256

    manage(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--queue-name",
        "*",
        EMAIL_FILE_PATH=str(mails),
    )

    escalation.refresh_from_db()
    dossier = Document.objects.get(
        kind=DocumentKind.EVIDENCE_DOSSIER, location=location
    )
    assert escalation.dossier_sha256 == dossier.sha256
    assert (Path(settings.MEDIA_ROOT) / dossier.file.name).exists()
    sent = "".join(path.read_text() for path in mails.iterdir())
    assert "regisseur@example.nl" in sent
    assert "Bestuurlijk overleg vastleggen" in sent
    assert not jobs("documents.tasks.freeze_evidence_dossier").exclude(
        status=TaskResultStatus.SUCCESSFUL
    )

    assert manage("reconcile").startswith("0 flows gestart, 0 documenten")
    assert not AuditEvent.objects.filter(action=AuditAction.REPAIRED).exists()
    verify_audit()


def _dossier_job(location: Location, reader):
    from documents.tasks import render_location_dossier

    render_location_dossier.enqueue(location.pk, reader.pk)
    return jobs("documents.tasks.render_location_dossier").get()


def _kill_worker_mid_render(job) -> None:
    child = start("tests.crash.worker_dies_rendering")
    try:
        wait_for(child, "RENDERING")
    finally:
        kill(child)
    job.refresh_from_db()
    assert job.status == TaskResultStatus.RUNNING


def test_a_killed_worker_s_job_is_retried_once_stale(
    transactional_db, world, queue_in_database
):
    """Issue 20, item 3: `db_worker` killed while rendering leaves its job RUNNING.
    `reconcile` leaves a job that may still be running alone, queues a stale one again
    (with an audit event), and the next worker renders it."""
    job = _dossier_job(world.own, world.viewer)
    _kill_worker_mid_render(job)

    manage("reconcile")  # fifteen minutes have not passed: it may still be running
    job.refresh_from_db()
    assert job.status == TaskResultStatus.RUNNING

    assert "1 taken opnieuw" in manage("reconcile", JOB_STALE_SECONDS="0")
    job.refresh_from_db()
    assert job.status == TaskResultStatus.READY
    retried = AuditEvent.objects.get(action=AuditAction.REPAIRED)
    assert retried.data["repair"] == "job_retried"
    assert retried.data["job"] == str(job.pk)

    manage("db_worker", "--batch", "--no-startup-delay")
    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert len(job.worker_ids) == 2
    document = Document.objects.get(kind=DocumentKind.LOCATION_DOSSIER)
    assert job.return_value == document.sha256
    verify_audit()


def test_a_job_whose_workers_keep_dying_is_given_up_and_shown_to_staff(
    transactional_db, world, queue_in_database, client, django_user_model, settings
):
    job = _dossier_job(world.own, world.viewer)
    for attempt in (1, 2):
        _kill_worker_mid_render(job)
        assert len(job.worker_ids) == attempt
        manage("reconcile", JOB_STALE_SECONDS="0", JOB_MAX_ATTEMPTS="2")
    job.refresh_from_db()
    assert job.status == TaskResultStatus.FAILED
    assert job.exception_class_path == "workflows.reconcile.WorkerLost"
    repairs = AuditEvent.objects.filter(action=AuditAction.REPAIRED).order_by("pk")
    assert [e.data["repair"] for e in repairs] == [
        "job_retried",
        "job_failed",
    ]
    # Not queued again by anyone: the download says it failed, and staff see it.
    client.force_login(world.viewer)
    settings.JOB_MAX_ATTEMPTS = 2
    response = client.get(f"/api/v1/locations/{world.own.pk}/dossier.pdf")
    assert response.status_code == 503
    assert jobs("documents.tasks.render_location_dossier").count() == 1
    staff = django_user_model.objects.create_superuser("beheer", "b@example.nl", "x")
    client.force_login(staff)
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    page = client.get(f"{changelist}?status=FAILED")
    assert page.status_code == 200
    assert str(job.pk) in page.content.decode()
    verify_audit()


def test_a_render_whose_database_dies_before_the_commit_leaves_no_file(
    transactional_db, world
):
    child = start("tests.crash.store_then_wait", str(world.own.pk))
    try:
        line = child.stdout.readline().split()
        assert line[0] == "WRITTEN", child.stderr.read()
        name = line[1]
        assert (Path(settings.MEDIA_ROOT) / name).exists()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [connection.settings_dict["NAME"]],
            )
        child.stdin.write("go\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert "FAILED OperationalError" in out or "FAILED InterfaceError" in out, out + err
    assert "EXISTS False" in out
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert not Document.objects.exists()
    verify_audit()


def test_a_render_killed_after_writing_its_file_leaves_one_that_reconcile_removes(
    transactional_db, world
):
    """…and never a file that a document refers to, however old."""
    from documents import services

    kept = services.location_dossier_document(location=world.foreign, actor=None)
    child = start("tests.crash.store_then_wait", str(world.own.pk))
    try:
        line = child.stdout.readline().split()
        assert line[0] == "WRITTEN", child.stderr.read()
    finally:
        kill(child)
    orphan = Path(settings.MEDIA_ROOT) / line[1]
    referenced = Path(settings.MEDIA_ROOT) / kept.file.name
    assert orphan.exists()
    assert Document.objects.count() == 1

    # Younger than an hour: it may belong to a transaction not yet committed.
    assert "0 bestanden verwijderd" in manage("reconcile")
    assert orphan.exists()
    long_ago = time.time() - 2 * 3600
    for path in (orphan, referenced):
        os.utime(path, (long_ago, long_ago))
    assert "1 bestanden verwijderd" in manage("reconcile")
    assert not orphan.exists()
    assert referenced.exists()
    removed = AuditEvent.objects.get(action=AuditAction.REPAIRED)
    assert removed.data == {"repair": "orphan_file_removed", "file": line[1]}
    assert "0 bestanden verwijderd" in manage("reconcile")
    verify_audit()
