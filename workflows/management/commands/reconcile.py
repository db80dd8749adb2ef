"""Repair what an interrupted process left undone (see `workflows.reconcile`)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows.reconcile import reconcile


class Command(BaseCommand):
    help = _(
        "Herstelt wat een onderbroken proces liet liggen: ontbrekende escalatie- en "
        "aanwijzingsflows, documenten zonder taak, vastgelopen taken en bestanden "
        "zonder document. Idempotent; elke reparatie komt in de audittrail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all-files",
            action="store_true",
            help=_(
                "Zoek bestanden zonder document in de hele opslag, niet alleen in de "
                "mappen van de laatste weken."
            ),
        )

    def handle(self, *args, all_files: bool = False, **options):
        repairs = reconcile(all_files=all_files)
        self.stdout.write(
            _(
                "%(flows)d flows gestart, %(documents)d documenten in de wachtrij, "
                "%(retried)d taken opnieuw, %(failed)d taken mislukt, %(files)d "
                "bestanden verwijderd."
            )
            % {
                "flows": len(repairs.flows_started),
                "documents": len(repairs.documents_queued),
                "retried": len(repairs.jobs_retried),
                "failed": len(repairs.jobs_failed),
                "files": len(repairs.files_removed),
            }
        )
        if repairs.failed_steps:
            raise CommandError(
                _("Mislukt: %(steps)s (zie het log).")
                % {"steps": ", ".join(repairs.failed_steps)}
            )
