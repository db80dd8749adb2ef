"""API v1: the starts of construction of a location (after the agreement).

- `GET /api/v1/locations/{id}/construction/`: the starts, oldest first, and the homes
  under construction in all.
- `POST /api/v1/locations/{id}/construction/` `{"started_on", "homes_started",
  "note"}`: record a start (201); 400 bad input, 403 not the case manager nor a
  party, 404 not visible, 409 before the administrative agreement.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api import JSONAPIView

from . import construction, selectors
from .api import ERRORS, ErrorSerializer
from .limits import TEXT_MAX
from .models import ConstructionStart
from .validation import DATE_WINDOW_HELP, validate_date_in_window


class ConstructionStartSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = ConstructionStart
        fields = [
            "id",
            "started_on",
            "homes_started",
            "note",
            "recorded_by",
            "recorded_at",
        ]


class ConstructionSerializer(serializers.Serializer):
    homes_under_construction = serializers.IntegerField()
    planned_homes = serializers.IntegerField(allow_null=True)
    starts = ConstructionStartSerializer(many=True)


class ConstructionStartCreateSerializer(serializers.Serializer):
    started_on = serializers.DateField(
        validators=[validate_date_in_window],
        help_text="De dag waarop de bouw startte (niet later dan vandaag). "
        + DATE_WINDOW_HELP,
    )
    homes_started = serializers.IntegerField(
        min_value=1,
        max_value=construction.HOMES_PER_START_MAX,
        help_text="Het aantal woningen waarvan de bouw startte.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX, default=""
    )


def construction_body(location) -> dict:
    starts = list(construction.construction_starts(location))
    return {
        "homes_under_construction": sum(start.homes_started for start in starts),
        "planned_homes": location.planned_homes,
        "starts": ConstructionStartSerializer(starts, many=True).data,
    }


class LocationConstructionAPI(JSONAPIView):
    @extend_schema(responses={200: ConstructionSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        """The location's starts of construction and the homes under construction."""
        location = selectors.access_location(request.user, pk)
        return Response(construction_body(location))

    @extend_schema(
        request=ConstructionStartCreateSerializer,
        responses={201: ConstructionSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        """Record a start of construction (after the administrative agreement)."""
        location = selectors.access_location(request.user, pk)
        payload = ConstructionStartCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        construction.construction_start_record(
            location=location, actor=request.user, **payload.validated_data
        )
        return Response(construction_body(location), status=status.HTTP_201_CREATED)
