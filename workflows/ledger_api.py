"""API v1 for the bottleneck lifecycle and the commitment ledger (issue 15).

- `GET/PATCH /bottlenecks/{id}/`: a bottleneck with its lifecycle; PATCH changes its
  description, owner, deadline (case manager) or status open ↔ in progress;
- `POST /bottlenecks/{id}/resolve/`: the owner reports it resolved (`resolution`,
  `evidence`); the case manager confirms a reported one (no `resolution`) or
  resolves it at once;
- `POST /bottlenecks/{id}/reopen/`: the case manager returns a reported resolution
  or reopens a resolved bottleneck (`note`);
- `GET /commitments/?location=&party=&status=`: the ledger, the commitments of the
  concluded agreements at the locations you may see;
- `POST /commitments/{id}/report/`, `/confirm/`, `/dispute/`, `/waive/`,
  `/extend/`: a line of the ledger.

Views are thin: visibility is checked here (404), the rest in `casework.services`
(403, 400, 409); every write runs in one transaction (`workflows.ledger`).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from casework.access import (
    access_bottleneck,
    access_commitment,
    access_location,
    locations_visible_to,
)
from casework.api import ERRORS, BottleneckSerializer, ErrorSerializer, NamedSerializer
from casework.constants import (
    BottleneckStatus,
    CommitmentEventKind,
    CommitmentStatus,
    VersionStatus,
)
from casework.limits import TEXT_MAX
from casework.models import Bottleneck, Commitment, CommitmentEvent
from casework.services import bottleneck_update
from casework.validation import DATE_WINDOW_HELP, validate_date_in_window
from config.api import BoundedChoiceField, JSONAPIView
from permissions.errors import InvalidInput

from . import ledger
from .api import _evidence_field

# --- Bottlenecks --------------------------------------------------------------------


class BottleneckDetailSerializer(BottleneckSerializer):
    status = BoundedChoiceField(choices=BottleneckStatus.choices)
    location = serializers.IntegerField(source="location_id")
    resolution_reported_by = serializers.SerializerMethodField()
    resolved_by = serializers.SerializerMethodField()

    class Meta(BottleneckSerializer.Meta):
        fields = [
            *BottleneckSerializer.Meta.fields,
            "location",
            "resolution",
            "resolution_reported_by",
            "resolution_reported_at",
            "resolved_by",
            "resolved_at",
            "review_note",
        ]

    def get_resolution_reported_by(self, bottleneck: Bottleneck) -> str | None:
        user = bottleneck.resolution_reported_by
        return user.get_username() if user else None

    def get_resolved_by(self, bottleneck: Bottleneck) -> str | None:
        user = bottleneck.resolved_by
        return user.get_username() if user else None


class BottleneckPatchSerializer(serializers.Serializer):
    body_required = True  # config.openapi: `{}` at least
    description = serializers.CharField(required=False, max_length=TEXT_MAX)
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Organisatie-id van de eigenaar (een partij); null: geen.",
    )
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[validate_date_in_window],
        help_text=DATE_WINDOW_HELP,
    )
    status = BoundedChoiceField(
        required=False,
        choices=[
            (BottleneckStatus.OPEN, BottleneckStatus.OPEN.label),
            (BottleneckStatus.IN_PROGRESS, BottleneckStatus.IN_PROGRESS.label),
        ],
        help_text="Open of in behandeling; oplossen en heropenen via resolve/ en "
        "reopen/.",
    )


class BottleneckResolveSerializer(serializers.Serializer):
    body_required = True  # config.openapi: `{}` at least (the case manager confirms)
    resolution = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Hoe het knelpunt is opgelost. Leeg laten: de procesregisseur "
        "bevestigt de gemelde oplossing.",
    )
    evidence = _evidence_field()


class BottleneckNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Wat er nog ontbreekt (teruggeven) of waarom het knelpunt terug "
        "is (heropenen).",
    )


def _bottleneck_queryset():
    return Bottleneck.objects.select_related(
        "location__programme",
        "owner__organisation",
        "resolution_reported_by",
        "resolved_by",
    )


def _bottleneck_response(bottleneck: Bottleneck) -> Response:
    bottleneck = _bottleneck_queryset().get(pk=bottleneck.pk)
    return Response(BottleneckDetailSerializer(bottleneck).data)


class BottleneckDetailAPI(JSONAPIView):
    @extend_schema(responses={200: BottleneckDetailSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        bottleneck = access_bottleneck(request.user, pk, _bottleneck_queryset())
        return Response(BottleneckDetailSerializer(bottleneck).data)

    @extend_schema(
        request=BottleneckPatchSerializer,
        responses={200: BottleneckDetailSerializer, **ERRORS},
    )
    def patch(self, request, pk: int):
        bottleneck = access_bottleneck(request.user, pk, _bottleneck_queryset())
        payload = BottleneckPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        if "owner" in changes and changes["owner"] is not None:
            owner = (
                bottleneck.location.parties.select_related("organisation")
                .filter(organisation_id=changes["owner"])
                .first()
            )
            if owner is None:
                raise InvalidInput(_("De eigenaar is geen partij bij deze locatie."))
            changes["owner"] = owner
        bottleneck = bottleneck_update(
            bottleneck=bottleneck, actor=request.user, changes=changes
        )
        return _bottleneck_response(bottleneck)


class BottleneckResolveAPI(JSONAPIView):
    @extend_schema(
        request=BottleneckResolveSerializer,
        responses={200: BottleneckDetailSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        """The owner reports the bottleneck resolved; the case manager confirms a
        reported resolution (leave `resolution` empty) or resolves it at once."""
        bottleneck = access_bottleneck(request.user, pk)
        payload = BottleneckResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        bottleneck = ledger.bottleneck_resolve(
            bottleneck=bottleneck,
            actor=request.user,
            resolution=payload.validated_data.get("resolution", ""),
            evidence=payload.validated_data["evidence"],
        )
        return _bottleneck_response(bottleneck)


class BottleneckReopenAPI(JSONAPIView):
    @extend_schema(
        request=BottleneckNoteSerializer,
        responses={200: BottleneckDetailSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        """The case manager returns a reported resolution to the owner, or reopens a
        resolved bottleneck."""
        bottleneck = access_bottleneck(request.user, pk)
        payload = BottleneckNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        bottleneck = ledger.bottleneck_send_back(
            bottleneck=bottleneck,
            actor=request.user,
            note=payload.validated_data["note"],
        )
        return _bottleneck_response(bottleneck)


# --- The commitment ledger ------------------------------------------------------------


class LedgerEventSerializer(serializers.ModelSerializer):
    kind = BoundedChoiceField(choices=CommitmentEventKind.choices)
    actor = serializers.CharField(source="actor.username")
    organisation = NamedSerializer(allow_null=True)

    class Meta:
        model = CommitmentEvent
        fields = [
            "id",
            "kind",
            "actor",
            "organisation",
            "at",
            "text",
            "previous_due_date",
            "due_date",
            "sha256",
        ]


class LedgerCommitmentSerializer(serializers.ModelSerializer):
    location = NamedSerializer(source="version.agreement.location")
    agreement = serializers.IntegerField(
        source="version_id", help_text="Id van de vastgestelde versie."
    )
    party = NamedSerializer(source="owner.organisation")
    status = BoundedChoiceField(choices=CommitmentStatus.choices)
    due_date = serializers.DateField(
        help_text="De uiterste datum zoals vastgesteld (in de tekst en de hash)."
    )
    current_due_date = serializers.DateField(
        help_text="De uiterste datum nu: na een verlenging de nieuwe."
    )
    depends_on = serializers.SerializerMethodField(
        help_text="Ids van de afspraken waarop deze wacht."
    )
    disputed_by = NamedSerializer(allow_null=True)
    events = LedgerEventSerializer(many=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "location",
            "agreement",
            "party",
            "description",
            "due_date",
            "current_due_date",
            "status",
            "depends_on",
            "disputed_by",
            "events",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_depends_on(self, commitment: Commitment) -> list[int]:
        return sorted(c.pk for c in commitment.depends_on.all())


def ledger_queryset():
    return Commitment.objects.select_related(
        "owner__organisation", "version__agreement__location", "disputed_by"
    ).prefetch_related(
        Prefetch("depends_on", queryset=Commitment.objects.only("id")),
        Prefetch(
            "events",
            queryset=CommitmentEvent.objects.select_related("actor", "organisation"),
        ),
    )


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            _("%(name)s: geef een getal (een id).") % {"name": name}
        ) from None


class CommitmentListAPI(JSONAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("location", int),
            OpenApiParameter(
                "party", int, description="Organisatie-id van de eigenaar."
            ),
            OpenApiParameter("status", enum=CommitmentStatus.values),
        ],
        responses={
            200: LedgerCommitmentSerializer(many=True),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        """The ledger: every commitment of the concluded agreements at the locations
        you may see, earliest current due date first."""
        status = request.query_params.get("status")
        if status and status not in CommitmentStatus.values:
            raise InvalidInput(_("Onbekende status: ‘%(value)s’.") % {"value": status})
        location_id = _int_param(request, "location")
        party = _int_param(request, "party")
        commitments = ledger_queryset().filter(version__status=VersionStatus.CONCLUDED)
        if location_id is not None:
            location = access_location(request.user, location_id)
            commitments = commitments.filter(version__agreement__location=location)
        else:
            commitments = commitments.filter(
                version__agreement__location__in=locations_visible_to(
                    request.user
                ).values("pk")
            )
        if party is not None:
            commitments = commitments.filter(owner__organisation_id=party)
        if status:
            commitments = commitments.filter(status=status)
        commitments = commitments.order_by("due_date", "pk")
        rows = sorted(commitments, key=lambda c: (c.current_due_date, c.pk))
        return Response(LedgerCommitmentSerializer(rows, many=True).data)


class CommitmentReportSerializer(serializers.Serializer):
    report = serializers.CharField(
        allow_blank=True, max_length=TEXT_MAX, help_text="Hoe de afspraak is nagekomen."
    )
    evidence = _evidence_field()


class CommitmentConfirmSerializer(serializers.Serializer):
    body_required = True  # config.openapi: `{}` at least
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX, default=""
    )


class CommitmentReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=TEXT_MAX)


class CommitmentExtendSerializer(serializers.Serializer):
    due_date = serializers.DateField(
        validators=[validate_date_in_window], help_text=DATE_WINDOW_HELP
    )
    reason = serializers.CharField(allow_blank=True, max_length=TEXT_MAX)


def _commitment_response(commitment: Commitment) -> Response:
    return Response(
        LedgerCommitmentSerializer(ledger_queryset().get(pk=commitment.pk)).data
    )


class _CommitmentStepAPI(JSONAPIView):
    input_serializer: type[serializers.Serializer]

    def step(self, request, commitment: Commitment, data: dict):
        raise NotImplementedError

    def post(self, request, pk: int):
        commitment = access_commitment(request.user, pk)
        payload = self.input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        self.step(request, commitment, dict(payload.validated_data))
        return _commitment_response(commitment)


def _step_schema(serializer, summary: str):
    return extend_schema(
        request=serializer,
        responses={200: LedgerCommitmentSerializer, **ERRORS},
        description=summary,
    )


class CommitmentReportAPI(_CommitmentStepAPI):
    input_serializer = CommitmentReportSerializer

    @_step_schema(
        CommitmentReportSerializer, "De eigenaar meldt de afspraak nagekomen."
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def step(self, request, commitment, data):
        ledger.commitment_report(
            commitment=commitment,
            actor=request.user,
            report=data["report"],
            evidence=data["evidence"],
        )


class CommitmentConfirmAPI(_CommitmentStepAPI):
    input_serializer = CommitmentConfirmSerializer

    @_step_schema(
        CommitmentConfirmSerializer,
        "Een partij die op de afspraak wacht, of de procesregisseur, bevestigt de "
        "melding.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def step(self, request, commitment, data):
        ledger.commitment_confirm(
            commitment=commitment, actor=request.user, note=data["note"]
        )


class CommitmentDisputeAPI(_CommitmentStepAPI):
    input_serializer = CommitmentReasonSerializer

    @_step_schema(
        CommitmentReasonSerializer,
        "Een partij die op de afspraak wacht, of de procesregisseur, betwist de "
        "melding (een impassesignaal).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def step(self, request, commitment, data):
        ledger.commitment_dispute(
            commitment=commitment, actor=request.user, reason=data["reason"]
        )


class CommitmentWaiveAPI(_CommitmentStepAPI):
    input_serializer = CommitmentReasonSerializer

    @_step_schema(
        CommitmentReasonSerializer,
        "De procesregisseur laat de afspraak vervallen, met reden.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def step(self, request, commitment, data):
        ledger.commitment_waive(
            commitment=commitment, actor=request.user, reason=data["reason"]
        )


class CommitmentExtendAPI(_CommitmentStepAPI):
    input_serializer = CommitmentExtendSerializer

    @_step_schema(
        CommitmentExtendSerializer,
        "De procesregisseur verlengt de termijn: een wijziging naast de vastgestelde "
        "versie (tekst en hash blijven gelijk).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def step(self, request, commitment, data):
        ledger.commitment_extend(
            commitment=commitment,
            actor=request.user,
            due_date=data["due_date"],
            reason=data["reason"],
        )
