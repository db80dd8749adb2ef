"""Downloading documents through the API. Every download goes through the same object
permissions as the location it belongs to: a location you may not see is a 404."""

from __future__ import annotations

import base64

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.constants import LocationPerm
from casework.models import AgreementVersion
from casework.selectors import access_location, locations_visible_to
from permissions.checks import has_global_perm
from permissions.errors import NotPermitted, NotVisible

from . import services
from .models import Document


def pdf_response(document: Document) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )
    digest = base64.b64encode(bytes.fromhex(document.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["X-Document-Id"] = str(document.pk)
    response["Cache-Control"] = "private, no-store"
    return response


def access_document(user, document_id) -> Document:
    """The document, if the user may see what it is about (else NotVisible)."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise NotVisible(_("Document niet gevonden."))
    if document.location_id is not None:
        access_location(user, document.location_id)
    elif not has_global_perm(user, LocationPerm.VIEW):
        raise NotVisible(_("Document niet gevonden."))
    return document


def access_agreement_version(user, version_id) -> AgreementVersion:
    """The version, if the user may see its location (else NotVisible)."""
    version = (
        AgreementVersion.objects.select_related("agreement")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise NotVisible(_("Overeenkomst niet gevonden."))
    access_location(user, version.agreement.location_id)
    return version


class DocumentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "title",
            "location",
            "agreement_version",
            "size",
            "sha256",
            "content_sha256",
            "created_at",
            "download",
        ]

    def get_download(self, document: Document) -> str:
        return f"/api/v1/documents/{document.pk}/download/"


class DocumentListAPI(APIView):
    @extend_schema(responses={200: DocumentSerializer(many=True)})
    def get(self, request):
        """The stored documents of the locations you may see (and, for the programme-wide
        roles, the progress reports)."""
        visible = locations_visible_to(request.user).values("pk")
        documents = Document.objects.filter(location__in=visible)
        if has_global_perm(request.user, LocationPerm.VIEW):
            documents = documents | Document.objects.filter(location__isnull=True)
        location = request.query_params.get("location")
        if location:
            documents = documents.filter(
                location=access_location(request.user, location)
            )
        return Response(
            DocumentSerializer(
                documents.order_by("-created_at", "-id")[:200], many=True
            ).data
        )


class DocumentDetailAPI(APIView):
    @extend_schema(responses={200: DocumentSerializer})
    def get(self, request, pk: int):
        return Response(DocumentSerializer(access_document(request.user, pk)).data)


class DocumentDownloadAPI(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        return pdf_response(access_document(request.user, pk))


class AgreementPdfAPI(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The PDF of a concluded agreement version (rendered once, then as stored)."""
        version = access_agreement_version(request.user, pk)
        return pdf_response(
            services.agreement_document(version=version, actor=request.user)
        )


class LocationDossierPdfAPI(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        location = access_location(request.user, pk)
        return pdf_response(
            services.location_dossier_document(location=location, actor=request.user)
        )


class ProgressReportPdfAPI(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        """The progress report to parliament over the whole portfolio: for the ministry,
        case managers and programme viewers."""
        if not has_global_perm(request.user, LocationPerm.VIEW):
            raise NotPermitted(
                _(
                    "De voortgangsrapportage is er voor het ministerie en programmalezers."
                )
            )
        return pdf_response(
            services.progress_report_document(
                locations=locations_visible_to(request.user), actor=request.user
            )
        )
