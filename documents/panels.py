"""The documents section of the location page (a casework panel)."""

from __future__ import annotations

from casework.audience import is_internal_document, reads_internal
from casework.constants import VersionStatus
from casework.panels import LocationPanel
from casework.selectors import location_versions

from .constants import DocumentKind
from .selectors import location_documents


def documents_context(request, location):
    # The page reads the location's versions and documents once (who holds the ball
    # and the timeline show them too).
    concluded = [
        version
        for version in location_versions(location)
        if version.status == VersionStatus.CONCLUDED
    ]
    documents = location_documents(location)
    # A concluded version's PDF is made by a background job: until it is stored, the
    # page says so (its link answers "being made" meanwhile).
    stored = {
        d.agreement_version_id for d in documents if d.kind == DocumentKind.AGREEMENT
    }
    for version in concluded:
        version.pdf_ready = version.pk in stored
    # Internal documents (the evidence dossier) are left out for the parties. The
    # page has loaded the user's permissions on the location: no query.
    if not reads_internal(request.user, location):
        documents = [d for d in documents if not is_internal_document(d.kind)]
    return {
        "concluded_versions": concluded,
        "documents": documents[:20],
        "location": location,
    }


PANEL = LocationPanel(
    name="documents",
    template_name="documents/location_panel.html",
    context=documents_context,
    order=300,
)
