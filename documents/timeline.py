"""Documents on the location's timeline (a casework timeline source)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from casework.timeline import TimelineEntry, person

from .constants import INTERNAL_KINDS
from .selectors import location_documents


def document_entries(location, limit: int) -> list[TimelineEntry]:
    """The location's stored documents, newest first (read once per page)."""
    # Everyone who sees the location sees its timeline: the internal documents (the
    # evidence dossier of an escalation) are not for the parties, so not on it.
    documents = [
        document
        for document in location_documents(location, limit)
        if document.kind not in INTERNAL_KINDS
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
