from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.audience import is_internal_document


class DocumentKind(models.TextChoices):
    AGREEMENT = "agreement", _("Overeenkomst")
    PROGRESS_REPORT = "progress_report", _("Voortgangsrapportage")
    LOCATION_DOSSIER = "location_dossier", _("Locatiedossier")
    # The location dossier with the internal facts (casework.audience), for the
    # ministry and case managers.
    LOCATION_DOSSIER_INTERNAL = (
        "location_dossier_internal",
        _("Locatiedossier (intern)"),
    )
    EVIDENCE_DOSSIER = "evidence_dossier", _("Dossier escalatie")
    DRAFT_DESIGNATION = "draft_designation", _("Ontwerp-aanwijzingsbesluit")
    FINAL_DESIGNATION = "final_designation", _("Aanwijzingsbesluit")


# Documents for the ministry and case managers only, never for the parties: the
# internal kinds of the one audience rule (casework.audience).
INTERNAL_KINDS = frozenset(
    kind for kind in DocumentKind if is_internal_document(kind.value)
)
