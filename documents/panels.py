"""The documents section of the location page (a casework panel)."""

from __future__ import annotations

from casework.models import AgreementVersion, VersionStatus
from casework.panels import LocationPanel

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
    stored = list(
        Document.objects.filter(location=location).order_by("-created_at", "-id")[:20]
    )
    return {"concluded_versions": concluded, "documents": stored, "location": location}


PANEL = LocationPanel(
    name="documents",
    template_name="documents/location_panel.html",
    context=documents_context,
    order=300,
)
