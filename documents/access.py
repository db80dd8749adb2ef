"""Who may see which documents: the rule every download and list goes through, built
on the locations' (`casework.access`) and on which documents are internal
(`casework.audience`).

- A document of a location follows the location: a location one may not see is a 404.
- An internal document (the evidence dossier, the internal location dossier) is for
  the ministry and the case managers of its location only; for anyone else it does
  not exist (a 404 too: the parties do not learn it is there).
- A document of the whole portfolio (the progress report) is for the programme-wide
  roles.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.access import (
    access_location,
    is_programme_staff,
    locations_staffed_by,
    locations_visible_to,
    reads_portfolio,
)
from casework.audience import reads_internal
from permissions.errors import NotVisible

from .constants import INTERNAL_KINDS
from .models import Document


def documents_visible_to(user, documents: QuerySet[Document]) -> QuerySet[Document]:
    """`documents` less what the user may not see: documents of locations they may not
    see, the portfolio-wide reports unless they hold a programme-wide role, and the
    internal documents of locations where they are not ministry or case manager."""
    allowed = documents.filter(location__in=locations_visible_to(user).values("pk"))
    if reads_portfolio(user):
        allowed = allowed | documents.filter(location__isnull=True)
    if not is_programme_staff(user):
        # Without a role, an object permission on the location would still do.
        staffed = Q(location__in=locations_staffed_by(user).values("pk"))
        allowed = allowed.exclude(Q(kind__in=INTERNAL_KINDS) & ~staffed)
    return allowed


def access_document(user, document_id) -> Document:
    """The document, if the user may see what it is about (else NotVisible). An
    internal document is not there for a party of its location (NotVisible too: the
    parties do not learn it exists)."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise NotVisible(document=document_id)
    if document.location_id is not None:
        location = access_location(user, document.location_id)
        if document.kind in INTERNAL_KINDS and not reads_internal(user, location):
            raise NotVisible(document=document_id)
    elif not reads_portfolio(user):
        raise NotVisible(document=document_id)
    return document
