from django.core.management.base import BaseCommand

from casework.impasses import detect_impasses


class Command(BaseCommand):
    help = "Zoekt impasses en opent of sluit impassesignalen (idempotent)."

    def handle(self, *args, **options):
        result = detect_impasses()
        self.stdout.write(
            f"Impassesignalen: {result.opened} geopend, {result.closed} gesloten, "
            f"{result.open_total} open."
        )
