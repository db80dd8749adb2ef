"""Running the project's own commands in processes of their own (production settings,
SQLite files shared by several processes), each with a clean environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def manage_environment(**env: str) -> dict[str, str]:
    """This process's environment without the settings of the test run, plus `env`."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "SECRET_KEY", "DEBUG"))
    }
    environment.update(env)
    return environment


def run_manage(
    *args: str, timeout: int = 120, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=manage_environment(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def copy_sqlite(source: Path, target: Path) -> Path:
    """A copy of a SQLite database file (with its write-ahead log, if any)."""
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target
