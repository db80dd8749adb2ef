"""SQLite with more than one process writing (issue 12 item 10): `make run` has the
web server and the job worker on one SQLite file.

Two processes start at the same moment and each registers bottlenecks through the
real service (an audited write: it reads permissions and the head of the audit chain,
then inserts), while `db_worker` polls the same file beside them, as `make run` does.
Every write must succeed and the audit chain must still verify. Before the SQLite
settings (WAL, busy timeout, IMMEDIATE transactions) the writers failed with
"database is locked".
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.db import connection

from ..processes import ROOT, copy_sqlite, manage_environment, run_manage

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite default under several processes; the suite runs on PostgreSQL",
)

WRITES_PER_PROCESS = 40

SETUP = """
from tests.factories import LocationFactory, user_with_role
from permissions.constants import Role
location = LocationFactory(name="Gedeelde locatie")
location.save()
user_with_role(Role.CASE_MANAGER, username="procesregisseur")
"""

WRITER = """
import os, time
from django.contrib.auth import get_user_model
from casework.models import Location
from casework.services import bottleneck_create

location = Location.objects.get(name="Gedeelde locatie")
actor = get_user_model().objects.get(username="procesregisseur")
start = float(os.environ["START_AT"])
while time.time() < start:
    time.sleep(0.002)
for n in range(int(os.environ["WRITES"])):
    bottleneck_create(
        location=location,
        actor=actor,
        category="nitrogen",
        description=f"Proces {os.environ['WRITER']}, knelpunt {n}",
    )
print("klaar")
"""

COUNT = """
from casework.models import AuditEvent, Bottleneck
print(Bottleneck.objects.count(), AuditEvent.objects.filter(action="bottleneck_created").count())
"""


def test_two_processes_write_at_once_beside_the_job_worker(
    tmp_path, migrated_sqlite_file
):
    database = copy_sqlite(migrated_sqlite_file, tmp_path / "db.sqlite3")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    made = run_manage("shell", "-c", SETUP, **env)
    assert made.returncode == 0, made.stderr

    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.05",
            "--no-reload",
            "--no-startup-delay",
        ],
        cwd=ROOT,
        env=manage_environment(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Both writers wait for the same moment, after their (slow) start-up.
        start_at = time.time() + 8
        writers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", WRITER],
                cwd=ROOT,
                env=manage_environment(
                    **env,
                    START_AT=str(start_at),
                    WRITER=str(number),
                    WRITES=str(WRITES_PER_PROCESS),
                ),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for number in (1, 2)
        ]
        outputs = [writer.communicate(timeout=180) for writer in writers]
    finally:
        worker.terminate()
        worker_errors = worker.communicate(timeout=30)[1]

    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err[-3000:]
        assert out.strip().endswith("klaar")
    assert "database is locked" not in worker_errors, worker_errors[-3000:]

    counted = run_manage("shell", "-c", COUNT, **env)
    assert counted.returncode == 0, counted.stderr
    total = 2 * WRITES_PER_PROCESS
    assert counted.stdout.split()[-2:] == [str(total), str(total)]
    verified = run_manage("verify_audit", **env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
