from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    AGREEMENT = "agreement", _("Overeenkomst")
    PROGRESS_REPORT = "progress_report", _("Voortgangsrapportage")
    LOCATION_DOSSIER = "location_dossier", _("Locatiedossier")
    EVIDENCE_DOSSIER = "evidence_dossier", _("Dossier escalatie")
    DRAFT_DESIGNATION = "draft_designation", _("Ontwerp-aanwijzingsbesluit")
    FINAL_DESIGNATION = "final_designation", _("Aanwijzingsbesluit")


# Documents for the ministry and case managers only, never for the parties.
INTERNAL_KINDS = frozenset({DocumentKind.EVIDENCE_DOSSIER})
