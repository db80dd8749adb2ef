"""Downloads from the interface: the same checks as the API, a 404 or 403 page instead of
JSON, and a page that says the document is being made (202, refreshing itself) while
its background job runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse

from casework.access import (
    access_agreement_version,
    access_location,
    locations_visible_to,
    reads_programme,
)
from casework.dashboard import report_programme
from permissions.errors import Conflict, NotVisible

from . import services
from .access import access_document
from .api import (
    RETRY_AFTER_SECONDS,
    failed_message,
    pdf_response,
    pending_message,
)


def document_or_pending_page(request, make):
    try:
        return pdf_response(make())
    except services.DocumentPending:
        status, message, retry = 202, pending_message(), RETRY_AFTER_SECONDS
    except services.DocumentFailed:
        status, message, retry = 503, failed_message(), RETRY_AFTER_SECONDS * 12
    response = TemplateResponse(
        request,
        "documents/pending.html",
        {"message": message, "retry": retry, "pending": status == 202},
        status=status,
    )
    response["Retry-After"] = str(retry)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def document_download(request, pk: int):
    try:
        return pdf_response(access_document(request.user, pk))
    except NotVisible as exc:
        raise Http404(exc.message) from exc


@login_required
def agreement_pdf(request, pk: int):
    try:
        version = access_agreement_version(request.user, pk)
        return document_or_pending_page(
            request, lambda: services.agreement_document_ready(version=version)
        )
    except (NotVisible, Conflict) as exc:
        raise Http404(exc.message) from exc


@login_required
def location_dossier(request, pk: int):
    try:
        location = access_location(request.user, pk)
    except NotVisible as exc:
        raise Http404(exc.message) from exc
    return document_or_pending_page(
        request,
        lambda: services.location_dossier_ready(location=location, actor=request.user),
    )


@login_required
def final_designation_pdf(request, pk: int):
    """The final designation decision of a location (202 while it is being made)."""
    try:
        location = access_location(request.user, pk)
        return document_or_pending_page(
            request, lambda: services.final_designation_ready(location=location)
        )
    except (NotVisible, Conflict) as exc:
        raise Http404(exc.message) from exc


@login_required
def progress_report(request):
    """The progress report of one programme (`?programme=`, else the first the
    person reads)."""
    try:
        programme = report_programme(request.user, request.GET.get("programme"))
    except NotVisible as exc:
        raise Http404(exc.message) from exc
    if programme is None or not reads_programme(request.user, programme):
        raise PermissionDenied
    return document_or_pending_page(
        request,
        lambda: services.progress_report_ready(
            locations=locations_visible_to(request.user),
            actor=request.user,
            programme=programme,
        ),
    )
