"""The documents section of the location page (a casework panel)."""

from __future__ import annotations

from casework.models import AgreementVersion, VersionStatus
from casework.panels import LocationPanel

from .constants import INTERNAL_KINDS
from .models import Document


def documents_context(request, location):
    # Queries: concluded versions (with their agreement), stored documents.
    concluded = list(
        AgreementVersion.objects.filter(
            agreement__location=location, status=VersionStatus.CONCLUDED
        )
        .select_related("agreement")
        .order_by("agreement__kind", "number")
    )
    from .api import may_read_internal

    documents = Document.objects.filter(location=location)
    # Internal documents (the evidence dossier) are left out for the parties. The
    # page has loaded the user's permissions on the location: no query.
    if not may_read_internal(request.user, location):
        documents = documents.exclude(kind__in=INTERNAL_KINDS)
    stored = list(documents.order_by("-created_at", "-id")[:20])
    return {"concluded_versions": concluded, "documents": stored, "location": location}


PANEL = LocationPanel(
    name="documents",
    template_name="documents/location_panel.html",
    context=documents_context,
    order=300,
)
