"""Recompute the audit trail's hash chain and name the first broken link."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.audit_chain import seal_pending, verify_chain
from casework.models import AuditEvent

# Only what the digest covers; the rows stream from the database in chunks.
FIELDS = (
    "id",
    "actor_id",
    "at",
    "action",
    "location_id",
    "transition",
    "from_stage",
    "to_stage",
    "reason",
    "data",
    "prev_hash",
    "hash",
)


class Command(BaseCommand):
    help = _(
        "Controleert de hashketen van de audittrail en noemt de eerste gebroken schakel."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="HASH",
            help=_(
                "Een eerder gepubliceerde laatste hash die in de keten moet voorkomen "
                "(vangt het weghalen van de laatste gebeurtenissen)."
            ),
        )

    def handle(self, *args, **options):
        anchors = frozenset(options["anchor"])
        with transaction.atomic():
            # Run from a transaction that wrote events (a test, a shell): seal them.
            seal_pending()
            events = (
                AuditEvent.objects.order_by("id")
                .only(*FIELDS)
                .iterator(chunk_size=2000)
            )
            try:
                report = verify_chain(events, anchors=anchors)
            finally:
                # Stopping at a broken link leaves the server-side cursor open: close
                # it now, inside the transaction it belongs to.
                events.close()
        broken = report.broken
        if broken is not None:
            if broken.kind == "hash":
                detail = _(
                    "de inhoud past niet bij de opgeslagen hash: de gebeurtenis is "
                    "gewijzigd"
                )
            elif broken.previous_id is None:
                detail = _(
                    "de eerste gebeurtenis verwijst naar een voorganger die ontbreekt: "
                    "het begin van de audittrail is verwijderd"
                )
            else:
                detail = _(
                    "de verwijzing naar de vorige gebeurtenis (%(previous)s) klopt niet: "
                    "een gebeurtenis daartussen ontbreekt of is vervangen"
                ) % {"previous": broken.previous_id}
            raise CommandError(
                _(
                    "Audittrail gebroken bij gebeurtenis %(id)s (na %(count)s intacte "
                    "gebeurtenissen): %(detail)s."
                )
                % {"id": broken.event_id, "count": report.count, "detail": detail},
                returncode=1,
            )
        missing = anchors - report.anchors_seen
        if missing:
            raise CommandError(
                _(
                    "Audittrail ingekort: de verankerde hash %(hash)s komt niet meer in "
                    "de keten voor."
                )
                % {"hash": sorted(missing)[0]},
                returncode=1,
            )
        self.stdout.write(
            _("Audittrail intact: %(count)s gebeurtenissen") % {"count": report.count}
        )
        self.stdout.write(_("Laatste hash: %(hash)s") % {"hash": report.head or "-"})
