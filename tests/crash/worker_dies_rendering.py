"""Run by `test_crashes.py`: a `db_worker` that takes one job and, when WeasyPrint is
about to render, prints RENDERING and waits to be killed.

Usage: python -m tests.crash.worker_dies_rendering
"""

from __future__ import annotations

import time

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    from documents import rendering, services

    def render_then_hang(*args, **kwargs):
        print("RENDERING", flush=True)
        time.sleep(600)  # the test kills this process long before

    rendering.render_pdf = render_then_hang
    services.render_pdf = render_then_hang
    call_command("db_worker", batch=True, startup_delay=False, max_tasks=1)
    print("FINISHED", flush=True)  # never reached


if __name__ == "__main__":
    main()
