from django.conf import settings
from django.core.management.base import BaseCommand

from casework.demo import DemoLoader


class Command(BaseCommand):
    help = "Laadt de demodata van de doorbraakaanpak (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("Demodata laden…")
        DemoLoader(log=self.stdout.write).run()
        self.stdout.write(self.style.SUCCESS("Demodata geladen."))
        self.stdout.write(
            "Inloggen met wachtwoord uit DEMO_PASSWORD "
            f"(nu: ‘{settings.DEMO_PASSWORD}’) als: regisseur (procesregisseur), "
            "ministerie (ministerie), kijker (programmalezer), of een ondertekenaar per "
            "organisatie, bijvoorbeeld gemeente-breda of provincie-noord-brabant."
        )
