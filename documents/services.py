"""Documents: render, hash, store — once.

A concluded agreement version has exactly one PDF, rendered on first need and served as
stored from then on. A report or dossier whose data has not changed since the last one
is served again instead of re-rendered (same data, same document); changed data makes a
new document. Stored documents are never overwritten.

This module renders and stores; it decides nothing. Whoever asks for a frozen document
of the escalation branch checks what must be checked first and records the document
on its casework record (the document's hash) in the same `storing()` block: the jobs
of `documents.tasks` for the evidence dossier, the draft and the final decision.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from casework import jobs
from casework import services as casework
from casework.audience import audience_of
from casework.constants import AuditAction, VersionStatus
from casework.models import (
    AgreementVersion,
    Designation,
    Escalation,
    Location,
    Programme,
)
from permissions.errors import Conflict

from . import builders
from .constants import DocumentKind
from .models import DOCUMENTS_DIR, Document
from .rendering import JSONAttachment, render_pdf

# The files written inside the current `storing()` block.
_written: ContextVar[list[str] | None] = ContextVar("written", default=None)


@contextmanager
def storing() -> Iterator[None]:
    """A transaction that stores document files: if it fails (an error, or the
    database going away before the commit), the files it wrote are removed again, so
    no file is left without its record. A process killed outright cannot clean up:
    `orphan_files` (removed by `manage.py reconcile`) finds those files later."""
    outer = _written.get()
    written: list[str] = []
    token = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        # Still inside an enclosing block: its failure removes these files too.
        outer.extend(written)


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
    with storing():
        document.file.save(
            f"{slugify(title)[:80] or kind}.pdf", ContentFile(pdf), save=False
        )
        written = _written.get()
        if written is not None:
            written.append(document.file.name)
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
        with storing():
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


def progress_report_document(
    *, locations: QuerySet[Location], actor, programme: Programme | None = None
) -> Document:
    context, data = builders.progress_context(locations, programme)
    return _reuse_or_render(
        kind=DocumentKind.PROGRESS_REPORT,
        template="documents/progress_report.html",
        context=context,
        data=data,
        actor=actor,
        attachment_name="voortgang.json",
    )


def _location_dossier_parts(location: Location, actor) -> tuple[str, dict, dict]:
    """The kind, context and data of the location dossier as `actor` may read it (one
    place for the download's look-up and the job's render): the ministry and case
    managers get the internal version (an internal document), everyone else the
    parties' one."""
    audience = audience_of(actor, location)
    context, data = builders.dossier_context(location, audience)
    kind = (
        DocumentKind.LOCATION_DOSSIER_INTERNAL
        if audience.internal
        else DocumentKind.LOCATION_DOSSIER
    )
    return kind, context, data


def location_dossier_document(*, location: Location, actor) -> Document:
    kind, context, data = _location_dossier_parts(location, actor)
    return _reuse_or_render(
        kind=kind,
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


def frozen_document(kind: str, location_id: int, sha256: str) -> Document | None:
    """The document of `kind` already frozen for this record (its hash recorded on
    the record), or None when none was frozen yet."""
    if not sha256:
        return None
    return Document.objects.filter(
        kind=kind, location_id=location_id, sha256=sha256
    ).first()


def evidence_dossier_document(*, escalation: Escalation, actor) -> Document:
    """Render and store the evidence dossier of an escalation. The caller links it to
    the escalation (`casework.services.escalation_record_dossier`) in the same
    `storing()` block, after asking `frozen_document` whether it was frozen already."""
    context, data = builders.evidence_dossier_context(escalation)
    return _freeze(
        kind=DocumentKind.EVIDENCE_DOSSIER,
        template="documents/evidence_dossier.html",
        context=context,
        data=data,
        actor=actor,
        location=escalation.location,
        attachment_name="bewijsdossier.json",
    )


def draft_designation_document(*, designation: Designation, actor) -> Document:
    """Render and store the draft designation decision that lies open for views (the
    caller links it: `casework.services.designation_record_draft`)."""
    context, data = builders.designation_decision_context(designation, final=False)
    return _freeze(
        kind=DocumentKind.DRAFT_DESIGNATION,
        template="documents/designation_decision.html",
        context=context,
        data=data,
        actor=actor,
        location=designation.location,
        attachment_name="ontwerpbesluit.json",
    )


def final_designation_document(*, designation: Designation, actor) -> Document:
    """Render and store the final designation decision the ministry took
    (`casework.services.designation_request_decision`), with every view and its
    response to them. The caller (the job of `documents.tasks`) records it on the
    designation (`designation_record_decision`) in the same `storing()` block."""
    context, data = builders.designation_decision_context(
        designation, final=True, response=designation.decision_response
    )
    return _freeze(
        kind=DocumentKind.FINAL_DESIGNATION,
        template="documents/designation_decision.html",
        context=context,
        data=data,
        actor=actor,
        location=designation.location,
        attachment_name="aanwijzingsbesluit.json",
    )


# --- Files without a record --------------------------------------------------------

# A file younger than this may belong to a transaction that has not committed yet.
ORPHAN_GRACE = datetime.timedelta(hours=1)


def _stored_files(directory: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for folder in folders:
        yield from _stored_files(f"{directory}/{folder}")


def _recent_folders() -> list[str]:
    """The month folders a file written in the last weeks is in (`document_path`):
    reconcile runs every minute, so an orphan is found long before its month is
    older than that, and the whole store is not listed every minute."""
    today = timezone.now().date()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    return [f"{DOCUMENTS_DIR}/{day:%Y/%m}" for day in (last_month, today)]


def orphan_files(
    *, older_than: datetime.timedelta = ORPHAN_GRACE, everywhere: bool = False
) -> list[str]:
    """Stored document files that no document refers to and that are older than
    `older_than` (left by a process killed between writing a file and committing its
    record, or by a transaction rolled back around a finished one), in the month
    folders of the last weeks (`everywhere`: the whole store)."""
    cutoff = timezone.now() - older_than
    folders = [DOCUMENTS_DIR] if everywhere else _recent_folders()
    candidates = [
        name
        for folder in folders
        for name in _stored_files(folder)
        if default_storage.get_modified_time(name) < cutoff
    ]
    if not candidates:
        return []
    referenced = set(
        Document.objects.filter(file__in=candidates).values_list("file", flat=True)
    )
    return [name for name in candidates if name not in referenced]


def orphan_file_remove(*, name: str) -> bool:
    """Remove one stored file that no document refers to, with an audit event; False
    (and nothing removed) if a document refers to it after all. The check and the
    audit event share one transaction; a document is never stored under a name that
    exists (the storage picks a new one), so a file checked here cannot become
    referenced before it is removed."""
    with transaction.atomic():
        if Document.objects.filter(file=name).exists():
            return False
        casework.audit_record(
            action=AuditAction.REPAIRED,
            reason=_("Bestand zonder document verwijderd."),
            data={"repair": "orphan_file_removed", "file": name},
        )
        default_storage.delete(name)
    return True


# --- Downloads: the stored document, or a job that makes it ---------------------------


class DocumentPending(Exception):
    """The document is being made by a background job (the download answers 202)."""


class DocumentFailed(Exception):
    """The job that makes the document failed as often as a job may; a person must
    look at it (the failed jobs are in the admin)."""


def _ready_or_queued(task, args: tuple, find) -> Document:
    """The document `find()` returns, or else queue `task(*args)` (once) and raise
    DocumentPending. A queue that runs jobs at once (the tests') has made it by the
    time the second look happens."""
    document = find()
    if document is not None:
        return document
    if jobs.job_given_up(task, *args) and not jobs.job_pending(task, *args):
        raise DocumentFailed
    jobs.enqueue_unless_pending(task, *args)
    document = find()
    if document is None:
        raise DocumentPending
    return document


def agreement_document_ready(*, version: AgreementVersion) -> Document:
    """The PDF of a concluded version if stored; else queue its job and raise
    DocumentPending (DocumentFailed when the job keeps failing; Conflict when the
    version is not concluded)."""
    from .tasks import render_agreement

    def find():
        return Document.objects.filter(
            kind=DocumentKind.AGREEMENT, agreement_version=version
        ).first()

    if version.status != VersionStatus.CONCLUDED and find() is None:
        raise Conflict(_("Alleen een vastgestelde overeenkomst heeft een PDF."))
    return _ready_or_queued(render_agreement, (version.pk,), find)


def location_dossier_ready(*, location: Location, actor) -> Document:
    """The location dossier as `actor` reads it, of the data as they are now, if
    stored; else queue its job (one per location and reader; see
    `agreement_document_ready`)."""
    from .tasks import render_location_dossier

    kind, _context, data = _location_dossier_parts(location, actor)
    content_sha256 = builders.data_sha256(data)

    def find():
        return Document.objects.filter(
            kind=kind, location=location, content_sha256=content_sha256
        ).first()

    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return _ready_or_queued(render_location_dossier, (location.pk, actor_id), find)


def progress_report_ready(
    *, locations: QuerySet[Location], actor, programme: Programme | None = None
) -> Document:
    """The progress report of `programme` over `locations` (those `actor` may see)
    as they are now if stored; else queue it (see `agreement_document_ready`)."""
    from .tasks import render_progress_report

    _context, data = builders.progress_context(locations, programme)
    content_sha256 = builders.data_sha256(data)

    def find():
        return Document.objects.filter(
            kind=DocumentKind.PROGRESS_REPORT,
            location=None,
            content_sha256=content_sha256,
        ).first()

    args = (actor.pk,) if programme is None else (actor.pk, programme.pk)
    return _ready_or_queued(render_progress_report, args, find)


def final_designation_ready(*, location: Location) -> Document:
    """The final designation decision of the location's latest designation procedure
    if frozen; DocumentPending while the job that takes it (queued by the ministry's
    task) is making it, DocumentFailed when that job keeps failing; Conflict when no
    final decision was taken."""
    from .tasks import take_final_designation

    designation = location.designations.order_by("-started_at", "-pk").first()
    if designation is None:
        raise Conflict(_("Voor deze locatie is geen aanwijzingsbesluit genomen."))
    document = frozen_document(
        DocumentKind.FINAL_DESIGNATION, location.pk, designation.decision_sha256
    )
    if document is not None:
        return document
    if not designation.decision_pending:
        raise Conflict(_("Voor deze locatie is geen aanwijzingsbesluit genomen."))
    # The job's other arguments (who decided, why) are the workflow's: it is looked
    # up by the designation, and queued again by `manage.py reconcile` if lost.
    if jobs.job_state_for(take_final_designation, designation.pk) == "failed":
        raise DocumentFailed
    raise DocumentPending
