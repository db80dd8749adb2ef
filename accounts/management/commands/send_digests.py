"""`manage.py send_digests`: the daily digest of notifications (run it from cron once a
day, e.g. `0 7 * * *`). Idempotent: an entry is sent once."""

from django.core.management.base import BaseCommand

from accounts.notification_preferences import digests_send


class Command(BaseCommand):
    help = "Send every person their daily digest of notifications."

    def handle(self, *args, **options):
        sent = digests_send()
        self.stdout.write(f"{sent} digest(s) sent.")
