"""Downloading documents through the API. Every download goes through the same object
permissions as the location it belongs to: a location you may not see is a 404."""

from __future__ import annotations

import base64

from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from casework.access import (
    access_agreement_version,
    access_location,
    locations_visible_to,
    reads_programme,
)
from casework.api import ErrorSerializer
from casework.dashboard import report_programme
from config.api import JSONAPIView
from permissions.errors import NotPermitted

from . import services
from .access import access_document, documents_visible_to
from .models import Document

# How long a client is asked to wait before asking again for a document being made.
RETRY_AFTER_SECONDS = 5


class PendingSerializer(serializers.Serializer):
    detail = serializers.CharField()


def pending_message() -> str:
    return _("Het document wordt gemaakt. Probeer het over enkele seconden opnieuw.")


def failed_message() -> str:
    return _(
        "Het document kon niet worden gemaakt. De beheerder ziet de mislukte taak; "
        "probeer het later opnieuw."
    )


def document_or_pending(make) -> HttpResponse:
    """The PDF `make()` returns, or the answer for one still being made: 202 with
    `Retry-After` (the job is queued), or 503 when its job keeps failing."""
    try:
        return pdf_response(make())
    except services.DocumentPending:
        response = JsonResponse({"detail": pending_message()}, status=202)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    except services.DocumentFailed:
        response = JsonResponse({"detail": failed_message()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS * 12)
    response["Cache-Control"] = "private, no-store"
    return response


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


class DocumentListAPI(JSONAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "location", int, description="Alleen de documenten van deze locatie."
            )
        ],
        responses={200: DocumentSerializer(many=True), 404: ErrorSerializer},
    )
    def get(self, request):
        """The stored documents of the locations you may see (and, for the programme-wide
        roles, the progress reports)."""
        documents = documents_visible_to(request.user, Document.objects.all())
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


class DocumentDetailAPI(JSONAPIView):
    @extend_schema(responses={200: DocumentSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(DocumentSerializer(access_document(request.user, pk)).data)


class DocumentDownloadAPI(JSONAPIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ErrorSerializer}
    )
    def get(self, request, pk: int):
        return pdf_response(access_document(request.user, pk))


class AgreementPdfAPI(JSONAPIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: PendingSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            503: ErrorSerializer,
        }
    )
    def get(self, request, pk: int):
        """The PDF of a concluded agreement version (rendered once by a background
        job, then as stored). 202 with `Retry-After` while the job is making it."""
        version = access_agreement_version(request.user, pk)
        return document_or_pending(
            lambda: services.agreement_document_ready(version=version)
        )


class LocationDossierPdfAPI(JSONAPIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: PendingSerializer,
            404: ErrorSerializer,
            503: ErrorSerializer,
        }
    )
    def get(self, request, pk: int):
        """The location dossier as the data stand now: the stored one if nothing
        changed, else made by a background job (202 with `Retry-After` meanwhile)."""
        location = access_location(request.user, pk)
        return document_or_pending(
            lambda: services.location_dossier_ready(
                location=location, actor=request.user
            )
        )


class FinalDesignationPdfAPI(JSONAPIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: PendingSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            503: ErrorSerializer,
        }
    )
    def get(self, request, pk: int):
        """The final designation decision of the location (its latest designation
        procedure). Made by a background job once the ministry has taken it: 202
        with `Retry-After` meanwhile; 409 when no final decision was taken."""
        location = access_location(request.user, pk)
        return document_or_pending(
            lambda: services.final_designation_ready(location=location)
        )


class ProgressReportPdfAPI(JSONAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "programme",
                str,
                description="Het programma (korte naam of id); zonder: het eerste "
                "programma dat u leest.",
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: PendingSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            503: ErrorSerializer,
        },
    )
    def get(self, request):
        """The progress report to parliament of one programme (its locations against
        its own targets): for the ministry, case managers and programme viewers, and
        whoever holds a role in that programme. Made by a background job when the
        figures changed (202 with `Retry-After` meanwhile)."""
        programme = report_programme(
            request.user, request.query_params.get("programme")
        )
        if programme is None or not reads_programme(request.user, programme):
            raise NotPermitted(
                _(
                    "De voortgangsrapportage is er voor het ministerie en programmalezers."
                )
            )
        return document_or_pending(
            lambda: services.progress_report_ready(
                locations=locations_visible_to(request.user),
                actor=request.user,
                programme=programme,
            )
        )
