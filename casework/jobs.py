"""Background jobs that survive a crash: queued in the transaction of the change that
needs them.

The job queue (django-tasks' database backend, worked by `manage.py db_worker`) lives
in the same database as the casework. A follow-up of a change (render a document, send
the e-mails of a new task) is therefore queued by writing its row inside the change's
own transaction: both commit together or neither does, and no process that dies after
the commit can lose the follow-up (the worker finds the row). This is the outbox the
layers above use, instead of `transaction.on_commit`.

A queue kept elsewhere (the in-process backend of the tests, or a broker) cannot be
written in the transaction; it is handed the job once the transaction commits, so a
worker never sees work that was rolled back. What that leaves to chance after a crash
is found again by `manage.py reconcile`, which derives what should exist from the
casework facts.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from .models import Location

logger = logging.getLogger(__name__)


def job_stale_seconds() -> int:
    """A job still RUNNING this long after a worker took it is taken to be lost (its
    worker was killed): `manage.py reconcile` queues it again."""
    return settings.JOB_STALE_SECONDS


def job_max_attempts() -> int:
    """Attempts (workers that took the job) before it is marked failed, visible to
    staff in the admin ("Task results")."""
    return settings.JOB_MAX_ATTEMPTS


def queue_in_database(task) -> bool:
    """Does `task`'s queue live in this database (rows that can share a transaction)?"""
    return isinstance(task.get_backend(), DatabaseBackend) and router.db_for_write(
        DBTaskResult
    ) == router.db_for_write(Location)


def _enqueue_logged(task, args: tuple) -> None:
    try:
        task.enqueue(*args)
    except Exception:  # the change stands; `manage.py reconcile` queues it again
        logger.exception("Queueing %s%r failed", task.module_path, args)


def enqueue_with_transaction(task, *args) -> None:
    """Queue `task(*args)` as part of the current transaction (the outbox): the job
    exists exactly when the change that needs it has committed. A queue outside the
    database gets the job after the commit instead (see the module docstring)."""
    if queue_in_database(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(_enqueue_logged, task, args))


def _results(task, args: tuple):
    return DBTaskResult.objects.filter(
        task_path=task.module_path,
        args_kwargs={"args": list(args), "kwargs": {}},
    )


def job_pending(task, *args) -> bool:
    """Is `task(*args)` waiting in the queue or running now? (Always False for a queue
    outside the database: nothing to ask.)"""
    if not queue_in_database(task):
        return False
    return (
        _results(task, args)
        .filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .exists()
    )


def job_attempts_failed(task, *args) -> int:
    """How many attempts at `task(*args)` ended in failure: one per worker that took a
    job which then failed (a job given up after its workers died counts each of them).
    0 for a queue outside the database."""
    if not queue_in_database(task):
        return 0
    return sum(
        max(len(worker_ids), 1)
        for worker_ids in _results(task, args)
        .filter(status=TaskResultStatus.FAILED)
        .values_list("worker_ids", flat=True)
    )


def job_given_up(task, *args) -> bool:
    """Has `task(*args)` failed as often as a job may (so it is not queued again
    without a person looking at it)?"""
    return job_attempts_failed(task, *args) >= job_max_attempts()


def job_state_for(task, first_arg) -> str | None:
    """How the jobs of `task` whose first argument is `first_arg` (the record they
    work on, whatever their other arguments) stand: "pending" (waiting or running),
    "failed" (given up: failed `JOB_MAX_ATTEMPTS` times), or None (none queued, or
    done; also for a queue outside the database)."""
    if not queue_in_database(task):
        return None
    results = DBTaskResult.objects.filter(
        task_path=task.module_path, args_kwargs__args__0=first_arg
    )
    if results.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists():
        return "pending"
    failed = sum(
        max(len(worker_ids), 1)
        for worker_ids in results.filter(status=TaskResultStatus.FAILED).values_list(
            "worker_ids", flat=True
        )
    )
    return "failed" if failed >= job_max_attempts() else None


def enqueue_unless_pending(task, *args) -> bool:
    """Queue `task(*args)` unless it is already waiting or running; True if queued."""
    if job_pending(task, *args):
        return False
    task.enqueue(*args)
    return True


def stale_cutoff():
    return timezone.now() - datetime.timedelta(seconds=job_stale_seconds())
