"""Run the periodic jobs, each at its interval, one at a time (beside the server and
`db_worker`; started by `make run`). In production cron can run the same commands
instead (README, "Beheer").

A failing job is logged and tried again at its next turn; the others go on. Ctrl+C or
SIGTERM stops the scheduler between jobs (a job under way is finished first; a second
signal stops at once). Every job is safe to run twice at once, so a scheduler and a
cron line overlapping do no harm.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks import default_task_backend
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger("doorbraak.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    command: str
    every_seconds: int
    options: tuple[tuple[str, object], ...] = ()
    # Only where the job queue is the database (not the in-process one of the tests).
    needs_database_queue: bool = False


# What runs, how often. `deadlines` is the deadline clock (reminders and overdue
# marks; each run catches up on everything due); `workflow_timers` fires viewflow's
# own timers (the end of a designation's consultation period); `reconcile` repairs
# what a crash left undone; the finished job results are pruned once a day.
JOBS = (
    PeriodicJob("deadlines", 60),
    PeriodicJob("workflow_timers", 60),
    PeriodicJob("reconcile", 60),
    PeriodicJob("detect_impasses", 5 * 60),
    # Failed jobs are kept longer: staff look at them in the admin.
    PeriodicJob(
        "prune_db_task_results",
        24 * 60 * 60,
        (("min_age_days", 14), ("failed_min_age_days", 90)),
        needs_database_queue=True,
    ),
)


def _runs_here(job: PeriodicJob) -> bool:
    return not job.needs_database_queue or isinstance(
        default_task_backend, DatabaseBackend
    )


class Command(BaseCommand):
    help = (
        "Voert de periodieke taken uit, elk op zijn interval, één tegelijk: "
        "deadlines, workflow_timers, reconcile, detect_impasses, "
        "prune_db_task_results."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Voer elke taak één keer uit en stop (voor cron of een test).",
        )

    def handle(self, *args, once: bool = False, **options):
        self.stopping = False
        self.running_job = False
        if not once:
            signal.signal(signal.SIGINT, self._stop)
            signal.signal(signal.SIGTERM, self._stop)
        handler = logging.StreamHandler(self.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            self._loop(once)
        finally:
            logger.removeHandler(handler)

    def _loop(self, once: bool) -> None:
        logger.info(
            "Scheduler started: %s",
            ", ".join(
                f"{job.command} every {job.every_seconds} s"
                for job in JOBS
                if _runs_here(job)
            ),
        )
        failures = 0
        jobs = [job for job in JOBS if _runs_here(job)]
        next_run = dict.fromkeys(jobs, time.monotonic())
        while not self.stopping:
            for job in jobs:
                if self.stopping:
                    break
                if time.monotonic() >= next_run[job]:
                    failures += not self._run(job)
                    next_run[job] = time.monotonic() + job.every_seconds
            if once:
                break
            wait = min(next_run.values()) - time.monotonic()
            if wait > 0 and not self.stopping:
                time.sleep(min(wait, 1.0))
        logger.info("Scheduler stopped")
        if once and failures:
            sys.exit(1)

    def _run(self, job: PeriodicJob) -> bool:
        started = time.monotonic()
        self.running_job = True
        try:
            close_old_connections()
            call_command(job.command, stdout=self.stdout, **dict(job.options))
        except Exception:  # the other jobs go on; this one runs again at its turn
            logger.exception("%s failed", job.command)
            return False
        finally:
            self.running_job = False
            close_old_connections()
        logger.info("%s done in %.1f s", job.command, time.monotonic() - started)
        return True

    def _stop(self, signum, frame):
        if self.stopping or not self.running_job:
            # Nothing under way (or asked twice): stop now.
            logger.info("Scheduler stopped (%s)", signal.Signals(signum).name)
            sys.exit(0)
        logger.info("Stopping after %s", "the current job")
        self.stopping = True
