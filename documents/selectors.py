"""Reads of the documents layer."""

from __future__ import annotations

from .models import Document

# The newest documents a location page reads (its timeline shows at most this many).
PAGE_DOCUMENTS = 200


def location_documents(location, limit: int = PAGE_DOCUMENTS) -> list[Document]:
    """The location's stored documents, newest first, with who stored them: read once
    per page (the documents section and the timeline both show them), at least the
    newest `PAGE_DOCUMENTS`. The caller leaves out what its reader may not see."""
    cached = getattr(location, "_documents", None)
    # Read again only when more are asked for than were read and there may be more.
    if cached is None or (cached[0] < limit and len(cached[1]) == cached[0]):
        fetched = max(limit, PAGE_DOCUMENTS)
        rows = list(
            Document.objects.filter(location=location)
            .select_related("created_by")
            .order_by("-created_at", "-id")[:fetched]
        )
        location._documents = cached = (fetched, rows)
    return cached[1]
