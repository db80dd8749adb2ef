"""Reads of evidence, through the location's permissions: a file is there for whoever
may see its location, and for nobody else (a 404, the answer for a missing id)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from casework.models import Location
from casework.selectors import access_location
from permissions.errors import NotVisible

from .models import EvidenceCitation, EvidenceFile


def with_citations(files: QuerySet[EvidenceFile]) -> QuerySet[EvidenceFile]:
    """Files with their uploaders and citations (two queries for any number)."""
    return files.select_related("uploaded_by").prefetch_related(
        Prefetch(
            "citations", queryset=EvidenceCitation.objects.order_by("cited_at", "pk")
        )
    )


def access_evidence(user, evidence_id) -> EvidenceFile:
    """The file, if `user` may see its location; else NotVisible."""
    try:
        pk = int(evidence_id)
    except (TypeError, ValueError):
        raise NotVisible(evidence=evidence_id) from None
    evidence = with_citations(EvidenceFile.objects.filter(pk=pk)).first()
    if evidence is None:
        raise NotVisible(evidence=evidence_id)
    try:
        access_location(user, evidence.location_id)
    except NotVisible:
        raise NotVisible(evidence=evidence_id) from None
    return evidence


def location_evidence(location: Location) -> list[EvidenceFile]:
    """The location's evidence, newest first, read once per page."""
    if not hasattr(location, "_evidence"):
        location._evidence = list(
            with_citations(location.evidence_files.all()).order_by(
                "-uploaded_at", "-pk"
            )
        )
    return location._evidence


def uncited_by_user(user, location: Location) -> list[EvidenceFile]:
    """The files `user` uploaded at `location` that nothing cites yet: what a report
    form offers to cite."""
    return list(
        EvidenceFile.objects.filter(
            location=location, uploaded_by=user, citations__isnull=True
        ).order_by("-uploaded_at", "-pk")
    )


def cited_by(subject_kind: str, subject_ids) -> dict[int, list[EvidenceFile]]:
    """Per subject id, the files it cites (one query)."""
    result: dict[int, list[EvidenceFile]] = {}
    for citation in (
        EvidenceCitation.objects.filter(
            subject_kind=subject_kind, subject_id__in=list(subject_ids)
        )
        .select_related("file")
        .order_by("cited_at", "pk")
    ):
        result.setdefault(citation.subject_id, []).append(citation.file)
    return result
