"""The evidence section of the location page (a casework panel): every file with its
hash and what cites it, and the form to add one."""

from __future__ import annotations

from django.urls import reverse

from casework.panels import LocationPanel

from .selectors import location_evidence
from .services import max_bytes, may_submit_evidence


def evidence_context(request, location) -> dict:
    files = location_evidence(location)
    return {
        "files": files,
        "may_upload": may_submit_evidence(request.user, location),
        "upload_url": reverse("evidence-upload", args=[location.pk]),
        "max_megabytes": max_bytes() // (1024 * 1024),
        "location": location,
    }


PANEL = LocationPanel(
    name="evidence",
    template_name="evidence/location_panel.html",
    context=evidence_context,
    # After the agenda's work and commitments, before the documents (300).
    order=250,
)
