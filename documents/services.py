"""Documents: render, hash, store — once.

A concluded agreement version has exactly one PDF, rendered on first need and served as
stored from then on. A report or dossier whose data has not changed since the last one
is served again instead of re-rendered (same data, same document); changed data makes a
new document. Stored documents are never overwritten.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from casework import services as casework
from casework.audience import audience_of
from casework.models import (
    AgreementVersion,
    Designation,
    Escalation,
    Location,
    VersionStatus,
)
from permissions.errors import Conflict, InvalidInput

from . import builders
from .constants import DocumentKind
from .models import Document
from .rendering import JSONAttachment, render_pdf


def _store(
    *,
    kind: str,
    title: str,
    pdf: bytes,
    content_sha256: str,
    actor=None,
    location: Location | None = None,
    agreement_version: AgreementVersion | None = None,
) -> Document:
    sha256 = hashlib.sha256(pdf).hexdigest()
    document = Document(
        kind=kind,
        title=title[:300],
        location=location,
        agreement_version=agreement_version,
        size=len(pdf),
        sha256=sha256,
        content_sha256=content_sha256,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    document.file.save(
        f"{slugify(title)[:80] or kind}.pdf", ContentFile(pdf), save=False
    )
    document.save()
    return document


def agreement_document(*, version: AgreementVersion, actor=None) -> Document:
    """The PDF of a concluded version: the stored one, or rendered and stored now."""
    existing = Document.objects.filter(
        kind=DocumentKind.AGREEMENT, agreement_version=version
    ).first()
    if existing is not None:
        return existing
    if version.status != VersionStatus.CONCLUDED:
        raise Conflict(_("Alleen een vastgestelde overeenkomst heeft een PDF."))
    context, data = builders.agreement_context(version)
    pdf = render_pdf(
        "documents/agreement.html",
        context,
        attachments=[
            JSONAttachment(
                name="overeenkomst.json",
                data=data,
                description=_("De gegevens van de overeenkomst, zoals vastgesteld."),
            )
        ],
    )
    try:
        with transaction.atomic():
            return _store(
                kind=DocumentKind.AGREEMENT,
                title=context["title"],
                pdf=pdf.content,
                content_sha256=version.sha256,
                actor=actor,
                location=version.agreement.location,
                agreement_version=version,
            )
    except IntegrityError:
        # Rendered at the same moment elsewhere: that one is the document.
        return Document.objects.get(
            kind=DocumentKind.AGREEMENT, agreement_version=version
        )


def _reuse_or_render(
    *,
    kind: str,
    template: str,
    context: dict,
    data: dict,
    actor,
    location: Location | None = None,
    attachment_name: str,
) -> Document:
    content_sha256 = builders.data_sha256(data)
    existing = Document.objects.filter(
        kind=kind, location=location, content_sha256=content_sha256
    ).first()
    if existing is not None:
        return existing
    pdf = render_pdf(
        template,
        context,
        attachments=[JSONAttachment(name=attachment_name, data=data)],
    )
    return _store(
        kind=kind,
        title=context["title"],
        pdf=pdf.content,
        content_sha256=content_sha256,
        actor=actor,
        location=location,
    )


def progress_report_document(*, locations: QuerySet[Location], actor) -> Document:
    context, data = builders.progress_context(locations)
    return _reuse_or_render(
        kind=DocumentKind.PROGRESS_REPORT,
        template="documents/progress_report.html",
        context=context,
        data=data,
        actor=actor,
        attachment_name="voortgang.json",
    )


def location_dossier_document(*, location: Location, actor) -> Document:
    """The location dossier as `actor` may read it: the ministry and case managers get
    the internal version (an internal document), everyone else the parties' one."""
    audience = audience_of(actor, location)
    context, data = builders.dossier_context(location, audience)
    return _reuse_or_render(
        kind=DocumentKind.LOCATION_DOSSIER_INTERNAL
        if audience.internal
        else DocumentKind.LOCATION_DOSSIER,
        template="documents/location_dossier.html",
        context=context,
        data=data,
        actor=actor,
        location=location,
        attachment_name="dossier.json",
    )


# --- The escalation branch: frozen once, linked to casework by their hashes ------------


def _freeze(
    *,
    kind: str,
    template: str,
    context: dict,
    data: dict,
    actor,
    location: Location,
    attachment_name: str,
) -> Document:
    pdf = render_pdf(
        template,
        context,
        attachments=[JSONAttachment(name=attachment_name, data=data)],
    )
    return _store(
        kind=kind,
        title=context["title"],
        pdf=pdf.content,
        content_sha256=builders.data_sha256(data),
        actor=actor,
        location=location,
    )


def _frozen(kind: str, location_id: int, sha256: str) -> Document | None:
    """The document of `kind` already frozen for this record (its hash recorded on
    the record), or None when none was frozen yet."""
    if not sha256:
        return None
    return Document.objects.filter(
        kind=kind, location_id=location_id, sha256=sha256
    ).first()


def evidence_dossier_document(*, escalation: Escalation, actor) -> Document:
    """Freeze the evidence dossier of an escalation (once: a second call returns the
    stored one) and link it to the escalation, with its hash in the audit trail."""
    existing = _frozen(
        DocumentKind.EVIDENCE_DOSSIER, escalation.location_id, escalation.dossier_sha256
    )
    if existing is not None:
        return existing
    context, data = builders.evidence_dossier_context(escalation)
    with transaction.atomic():
        document = _freeze(
            kind=DocumentKind.EVIDENCE_DOSSIER,
            template="documents/evidence_dossier.html",
            context=context,
            data=data,
            actor=actor,
            location=escalation.location,
            attachment_name="bewijsdossier.json",
        )
        casework.escalation_record_dossier(
            escalation=escalation,
            actor=actor,
            document_id=document.pk,
            sha256=document.sha256,
        )
    return document


def draft_designation_document(*, designation: Designation, actor) -> Document:
    """Freeze the draft designation decision that lies open for views (once)."""
    existing = _frozen(
        DocumentKind.DRAFT_DESIGNATION,
        designation.location_id,
        designation.draft_sha256,
    )
    if existing is not None:
        return existing
    context, data = builders.designation_decision_context(designation, final=False)
    with transaction.atomic():
        document = _freeze(
            kind=DocumentKind.DRAFT_DESIGNATION,
            template="documents/designation_decision.html",
            context=context,
            data=data,
            actor=actor,
            location=designation.location,
            attachment_name="ontwerpbesluit.json",
        )
        casework.designation_record_draft(
            designation=designation,
            actor=actor,
            document_id=document.pk,
            sha256=document.sha256,
        )
    return document


def final_designation_document(
    *, designation: Designation, actor, response: str
) -> Document:
    """Take the final designation decision: check that the ministry may take it now
    (after the consultation period, once), freeze its PDF with every view and the
    response, and record its hash on the designation (what `designate` requires).
    Raises what `casework.services.designation_record_decision` raises."""
    if not isinstance(response, str) or not response.strip():
        raise InvalidInput(_("Geef de reactie op de zienswijzen."))
    casework.designation_decision_check(location=designation.location, actor=actor)
    context, data = builders.designation_decision_context(
        designation, final=True, response=response.strip()
    )
    with transaction.atomic():
        document = _freeze(
            kind=DocumentKind.FINAL_DESIGNATION,
            template="documents/designation_decision.html",
            context=context,
            data=data,
            actor=actor,
            location=designation.location,
            attachment_name="aanwijzingsbesluit.json",
        )
        casework.designation_record_decision(
            designation=designation,
            actor=actor,
            document_id=document.pk,
            sha256=document.sha256,
            response=response.strip(),
        )
    return document
