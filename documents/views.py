"""Downloads from the interface: the same checks as the API, a 404 or 403 page instead of
JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from casework.constants import LocationPerm
from casework.selectors import access_location, locations_visible_to
from permissions.checks import has_global_perm
from permissions.errors import Conflict, NotVisible

from . import services
from .api import access_agreement_version, access_document, pdf_response


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
        return pdf_response(
            services.agreement_document(version=version, actor=request.user)
        )
    except (NotVisible, Conflict) as exc:
        raise Http404(exc.message) from exc


@login_required
def location_dossier(request, pk: int):
    try:
        location = access_location(request.user, pk)
    except NotVisible as exc:
        raise Http404(exc.message) from exc
    return pdf_response(
        services.location_dossier_document(location=location, actor=request.user)
    )


@login_required
def progress_report(request):
    if not has_global_perm(request.user, LocationPerm.VIEW):
        raise PermissionDenied
    return pdf_response(
        services.progress_report_document(
            locations=locations_visible_to(request.user), actor=request.user
        )
    )
