"""The scheduler beside `make run` (issue 20): each periodic job once with `--once`, a
failing job logged without stopping the others; `make serve` starts the server, the
worker and the scheduler, and Ctrl+C stops all of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from workflows.management.commands import scheduler

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    # The scheduler closes stale connections between jobs; here the connection holds
    # the test's transaction.
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)


def test_once_runs_each_periodic_job_once(capsys):
    call_command("scheduler", once=True)
    err = capsys.readouterr().err
    for command in ("workflow_timers", "reconcile", "detect_impasses"):
        assert err.count(f"{command} done") == 1, err
    # The test queue is not in the database: nothing to prune there.
    assert "prune_db_task_results" not in err


def test_a_failing_job_does_not_stop_the_others(capsys, monkeypatch):
    real = scheduler.call_command

    def failing(name, **options):
        if name == "reconcile":
            raise RuntimeError("database away")
        return real(name, **options)

    monkeypatch.setattr(scheduler, "call_command", failing)
    with pytest.raises(SystemExit) as exit_:
        call_command("scheduler", once=True)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "reconcile failed" in err and "RuntimeError: database away" in err
    assert "workflow_timers done" in err and "detect_impasses done" in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _group(pgid: int) -> dict[int, str]:
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members[int(entry.name)] = cmdline
    return members


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="runs once, in the PostgreSQL pass"
)
def test_make_serve_starts_server_worker_and_scheduler_and_ctrl_c_stops_them(
    transactional_db,
):
    from ..race import subprocess_env

    port = _free_port()
    make = subprocess.Popen(
        ["make", "-s", "serve", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            members = " | ".join(_group(make.pid).values())
            started = all(
                word in members for word in ("db_worker", "scheduler", "runserver")
            )
            if started:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
            assert time.monotonic() < deadline, members
            time.sleep(0.5)

        os.killpg(make.pid, signal.SIGINT)  # what Ctrl+C in the terminal sends
        deadline = time.monotonic() + 60
        while _group(make.pid):
            assert time.monotonic() < deadline, _group(make.pid)
            time.sleep(0.3)
    finally:
        if _group(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=30)
