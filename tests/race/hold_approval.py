"""Run by `test_faults.py` in a real process of its own: decide one approval task
through `workflows.services.task_complete` (the API's path) against the test
database, but stop inside the transaction, right after the approval (and, for the
last one, the conclusion and its transition) is written, print RECORDED, and wait
to be killed. Nothing of it may survive the kill.

Usage: python -m tests.race.hold_approval <task id> <user id>
"""

from __future__ import annotations

import sys
import time

import django


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model

    from casework import services as casework
    from workflows.services import task_complete

    record = casework.approval_record

    def record_then_hang(**kwargs):
        approval = record(**kwargs)
        print("RECORDED", flush=True)
        time.sleep(600)  # the test kills this process long before
        return approval

    casework.approval_record = record_then_hang
    task_id, user_id = int(sys.argv[1]), int(sys.argv[2])
    task_complete(
        task_id=task_id,
        user=get_user_model().objects.get(pk=user_id),
        payload={"decision": "approve"},
    )
    print("COMMITTED", flush=True)  # never reached: the test fails if it is


if __name__ == "__main__":
    main()
