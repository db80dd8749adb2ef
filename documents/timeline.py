"""Documents on the location's timeline (a casework timeline source)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from casework.audience import Audience, is_internal_document
from casework.timeline import TimelineEntry, person

from .selectors import location_documents


def document_entries(location, limit: int, audience: Audience) -> list[TimelineEntry]:
    """The location's stored documents that `audience` may know of, newest first (read
    once per page)."""
    documents = [
        document
        for document in location_documents(location, limit)
        if audience.internal or not is_internal_document(document.kind)
    ][:limit]
    return [
        TimelineEntry(
            at=document.created_at,
            kind="document",
            title=_("%(kind)s vastgelegd: %(title)s")
            % {"kind": document.get_kind_display(), "title": document.title},
            detail=_("SHA-256 van het bestand: %(hash)s") % {"hash": document.sha256},
            actor=person(document.created_by),
        )
        for document in documents
    ]
