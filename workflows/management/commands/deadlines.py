"""`manage.py deadlines`: the one deadline clock's sweep (`workflows.clock`). Run every
minute by the scheduler (`make run`) or cron; each run catches up on everything due
since the last, and two runs at once never fire the same reminder twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from workflows import clock


class Command(BaseCommand):
    help = (
        "Verstuurt de herinneringen en markeert de verstreken termijnen die nu aan de "
        "beurt zijn (ook wat een gemiste run liet liggen)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=clock.BATCH_SIZE,
            help="Termijnen per transactie (standaard %(default)s).",
        )

    def handle(self, *args, batch_size: int, **options):
        result = clock.sweep(batch_size=batch_size)
        self.stdout.write(
            f"{result.reminders} reminder(s), {result.overdue} overdue mark(s) "
            f"in {result.batches} batch(es)"
        )
