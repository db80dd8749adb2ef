"""Crash suite on PostgreSQL (issue 20, items 2 and 3): real processes killed
(SIGKILL) at the worst moment, against the committed test database, with the job
queue in the database as in production (`tests.crash.settings`).

- a process that dies right after `escalate` committed: the escalation flow, its
  consultation task, the queued evidence dossier and the queued e-mail are there; the
  next worker run makes the dossier and sends the mail;
- a `db_worker` killed while it renders: the job is queued again by `manage.py
  reconcile` once it is stale, rendered by the next worker, and given up (failed,
  visible to staff) after the maximum number of attempts;
- a render whose database connection dies before the commit leaves no file; one
  killed after writing its file leaves a file that `reconcile` removes, never a file a
  document refers to.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from ..race import subprocess_env as race_env

ROOT = Path(__file__).resolve().parents[2]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def subprocess_env(**extra: str) -> dict[str, str]:
    """A process on this test's database and media folder, with the database queue."""
    return dict(
        race_env(),
        DJANGO_SETTINGS_MODULE="tests.crash.settings",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        **extra,
    )


def manage(*args: str, timeout: float = 240, **env: str) -> str:
    """Run `manage.py <args>` to its end; its output (it must succeed)."""
    run = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    return run.stdout


def start(module: str, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=subprocess_env(**env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(child: subprocess.Popen, word: str) -> None:
    line = child.stdout.readline()
    if line.strip() != word:
        child.kill()
        raise AssertionError(f"expected {word}, got {line!r}: {child.stderr.read()}")


def kill(child: subprocess.Popen) -> None:
    child.kill()  # SIGKILL: no handler, no cleanup
    child.wait(timeout=30)
    assert child.returncode == -9


__all__ = ["DATABASE_QUEUE", "kill", "manage", "os", "start", "subprocess_env"]
