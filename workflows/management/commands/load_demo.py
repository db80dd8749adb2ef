from django.conf import settings
from django.core.management.base import BaseCommand

from casework.demo import DemoLoader
from casework.impasses import detect_impasses
from workflows import clock
from workflows.demo import FlowDemo
from workflows.notifications import mail_held


class Command(BaseCommand):
    """Lives in `workflows`, the top layer: it joins casework's demo history to the
    flows that run its agreement rounds and actions."""

    help = "Laadt de demodata van de doorbraakaanpak (idempotent)."
    # `make run` migrates first, and `migrate` runs the system checks.
    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write("Demodata laden…")
        # The history is notified in the app; mail starts with what happens next.
        with mail_held():
            DemoLoader(workflow=FlowDemo(), log=self.stdout.write).run()
            # What the deadline clock would have found by now (in the app only:
            # nobody needs a mail about a deadline of the demo's past).
            swept = clock.sweep()
        self.stdout.write(
            f"Termijnen: {swept.reminders} herinnering(en), {swept.overdue} verstreken."
        )
        # What the cron job would have found by now: the dashboard and the impasse
        # list are not empty until its first run.
        impasses = detect_impasses()
        self.stdout.write(f"Impassesignalen: {impasses.open_total} open.")
        self.stdout.write(self.style.SUCCESS("Demodata geladen."))
        self.stdout.write(
            "Inloggen met wachtwoord uit DEMO_PASSWORD "
            f"(nu: ‘{settings.DEMO_PASSWORD}’) als: regisseur (procesregisseur), "
            "ministerie (ministerie), kijker (programmalezer), of een ondertekenaar per "
            "organisatie, bijvoorbeeld gemeente-breda of provincie-noord-brabant."
        )
