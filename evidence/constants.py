from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceSubject(models.TextChoices):
    """What an evidence file is cited by: a report or a record of a location."""

    ACTION_REPORT = "action_report", _("Melding van een actie")
    CONSULTATION = "consultation", _("Bestuurlijk overleg")
    DESIGNATION_VIEW = "designation_view", _("Zienswijze")
    # The lifecycle of bottlenecks and the commitment ledger cite evidence too.
    BOTTLENECK_RESOLUTION = "bottleneck_resolution", _("Oplossing van een knelpunt")
    COMMITMENT_REPORT = "commitment_report", _("Melding van een afspraak")


# What may be uploaded: the content type read from the bytes (never from the name or
# the client's header), with the extension the stored file gets and a short label.
ALLOWED_CONTENT_TYPES = {
    "application/pdf": ("pdf", _("PDF")),
    "image/png": ("png", _("PNG-afbeelding")),
    "image/jpeg": ("jpg", _("JPEG-afbeelding")),
    "text/plain": ("txt", _("Tekst")),
    "message/rfc822": ("eml", _("E-mail")),
    "application/vnd.oasis.opendocument.text": ("odt", _("ODF-tekst")),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", _("ODF-rekenblad")),
    "application/vnd.oasis.opendocument.presentation": ("odp", _("ODF-presentatie")),
    "application/vnd.oasis.opendocument.graphics": ("odg", _("ODF-tekening")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "docx",
        _("Word-document"),
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "xlsx",
        _("Excel-werkmap"),
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "pptx",
        _("PowerPoint-presentatie"),
    ),
}

# The folder of the storage that holds the evidence files (and nothing else).
EVIDENCE_DIR = "evidence"
# The longest original name kept.
NAME_MAX = 255
