"""API v1 for evidence files.

- `GET /api/v1/locations/{id}/evidence/`: the location's evidence, with what cites it.
- `POST /api/v1/locations/{id}/evidence/`: upload one file (`multipart/form-data`,
  field `file`; optional `replaces`, the id of the file it replaces). The one request
  body of the API that is not JSON.
- `GET /api/v1/evidence/{id}/`, `GET /api/v1/evidence/{id}/download/` (the bytes, as
  an attachment, with `X-Content-Type-Options: nosniff`).

Reports cite uploaded files by id (`evidence` in their body). A file of a location you
may not see is a 404, exactly as one that does not exist.
"""

from __future__ import annotations

import base64

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from casework.api import ERRORS, ErrorSerializer
from casework.selectors import access_location
from config.api import BoundedChoiceField, JSONAPIView
from permissions.errors import InvalidInput, NotPermitted

from . import selectors, services
from .constants import ALLOWED_CONTENT_TYPES, EvidenceSubject
from .models import EvidenceFile


class CitationSerializer(serializers.Serializer):
    kind = BoundedChoiceField(source="subject_kind", choices=EvidenceSubject.choices)
    id = serializers.IntegerField(source="subject_id")
    cited_at = serializers.DateTimeField()


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    cited_by = CitationSerializer(source="citations", many=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "location",
            "name",
            "content_type",
            "size",
            "sha256",
            "replaces",
            "uploaded_by",
            "uploaded_at",
            "cited_by",
            "download",
        ]

    def get_download(self, evidence: EvidenceFile) -> str:
        return f"/api/v1/evidence/{evidence.pk}/download/"


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="Het bestand (PDF, PNG, JPEG, ODF, OOXML, platte tekst of .eml; "
        "de soort wordt uit de inhoud gelezen). Hooguit EVIDENCE_MAX_BYTES "
        "(standaard 20 MB): groter is 413, een andere soort 415."
    )
    replaces = serializers.IntegerField(
        required=False, help_text="Id van het bewijsstuk dat dit bestand vervangt."
    )


def _upload_from(request):
    """The one file of the request and the name it was sent under."""
    files = request.FILES.getlist("file")
    others = [name for name in request.FILES if name != "file"]
    if not files:
        raise InvalidInput(_("Stuur het bestand in het veld ‘file’."))
    if len(files) > 1 or others:
        raise InvalidInput(_("Stuur één bestand per verzoek."))
    raw = getattr(request._request, "raw_file_names", None) or [files[0].name]
    return files[0], raw[0]


class LocationEvidenceAPI(JSONAPIView):
    def get_parsers(self):
        # The one operation of the API that takes another body than JSON: the
        # upload. Reading the list is JSON-only like everything else.
        if self.request is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def get_unsupported_media_message(self) -> str:
        if self.request.method != "POST":
            return super().get_unsupported_media_message()
        return _("Stuur het bestand als multipart/form-data, in het veld ‘file’.")

    @extend_schema(responses={200: EvidenceSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, pk: int):
        """The location's evidence files, newest first, with what cites each."""
        location = access_location(request.user, pk)
        return Response(
            EvidenceSerializer(selectors.location_evidence(location), many=True).data
        )

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceSerializer,
            **ERRORS,
            413: OpenApiResponse(
                ErrorSerializer,
                description="Het bestand is groter dan `EVIDENCE_MAX_BYTES` "
                "(standaard 20 MB).",
            ),
            415: OpenApiResponse(
                ErrorSerializer,
                description="Geen `multipart/form-data`, of de inhoud van het bestand "
                "is geen PDF, PNG, JPEG, ODF- of OOXML-bestand, platte tekst of "
                "e-mail (.eml), wat de naam ook zegt.",
            ),
        },
    )
    def post(self, request, pk: int):
        """Upload one evidence file. Checked in this order, each refusal storing
        nothing: 404 a location you may not see, 403 you may not submit evidence
        there, 400 no file, a name with a folder or a control character, an empty
        file, 413 over the size limit, 415 a type not on the allow-list (read from
        the bytes, whatever the name)."""
        location = access_location(request.user, pk)
        if not services.may_submit_evidence(request.user, location):
            raise NotPermitted(
                _("U kunt bij deze locatie geen bewijsstukken toevoegen.")
            )
        upload, name = _upload_from(request)
        replaces = None
        if request.data.get("replaces"):
            replaces = EvidenceFile.objects.filter(
                pk=_int(request.data.get("replaces")), location=location
            ).first()
            if replaces is None:
                raise InvalidInput(
                    _(
                        "Het bestand dat dit vervangt is geen bewijsstuk van deze locatie."
                    )
                )
        evidence = services.evidence_upload(
            location=location,
            actor=request.user,
            upload=upload,
            name=name,
            replaces=replaces,
        )
        return Response(
            EvidenceSerializer(
                selectors.access_evidence(request.user, evidence.pk)
            ).data,
            status=status.HTTP_201_CREATED,
        )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("‘replaces’ is het id van een bewijsstuk.")) from None


class EvidenceDetailAPI(JSONAPIView):
    @extend_schema(responses={200: EvidenceSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(
            EvidenceSerializer(selectors.access_evidence(request.user, pk)).data
        )


def evidence_response(evidence: EvidenceFile) -> FileResponse:
    """The file as stored, as an attachment under its original name; the browser
    may not guess another type (nosniff) nor run it (a sandbox)."""
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    digest = base64.b64encode(bytes.fromhex(evidence.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


class EvidenceDownloadAPI(JSONAPIView):
    @extend_schema(
        responses={
            # The type read from the file's bytes when it was uploaded.
            **{
                (200, content_type): OpenApiTypes.BINARY
                for content_type in ALLOWED_CONTENT_TYPES
            },
            404: ErrorSerializer,
        }
    )
    def get(self, request, pk: int):
        """The file, byte for byte as uploaded (its SHA-256 in `Repr-Digest`)."""
        return evidence_response(selectors.access_evidence(request.user, pk))
