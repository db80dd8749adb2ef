"""Run by `test_crashes.py` in a process of its own: escalate a location (the
ministry's `escalate`, through the service every request uses), and when the
transaction has committed, before anything else runs after the commit, print
COMMITTED and wait to be killed.

Usage: python -m tests.crash.escalate_then_die <location id> <user id> <reason file>
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import django


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from casework import services as casework
    from casework.models import Location

    def hang() -> None:
        print("COMMITTED", flush=True)
        time.sleep(600)  # the test kills this process long before

    location_id, user_id = int(sys.argv[1]), int(sys.argv[2])
    reason = Path(sys.argv[3]).read_text()
    with transaction.atomic():
        # Registered first, so it runs first once the commit is done.
        transaction.on_commit(hang)
        casework.location_transition(
            location=Location.objects.get(pk=location_id),
            transition="escalate",
            actor=get_user_model().objects.get(pk=user_id),
            reason=reason,
        )
    print("SURVIVED", flush=True)  # never reached


if __name__ == "__main__":
    main()
