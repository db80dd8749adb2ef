"""API v1 for locations, transitions and bottlenecks (design §8, a stable contract).

Views are thin: they read through the selectors (which apply object permissions) and
write through the services; errors become HTTP in `config.api.exception_handler`.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api import BoundedChoiceField, JSONAPIView
from permissions.checks import prefetch_object_perms
from permissions.constants import OrganisationKind
from permissions.errors import InvalidInput

from . import access, selectors, services
from .constants import (
    BottleneckCategory,
    ImpasseRule,
    Instrument,
    NoticeJournal,
    Province,
    Stage,
    TransitionName,
)
from .dashboard import dashboard_figures, programme_of_request
from .limits import SHORT_TEXT_MAX, TEXT_MAX
from .models import Bottleneck, Location, Party
from .validation import DATE_WINDOW_HELP, validate_date_in_window


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "municipality", "province", "stage", "planned_homes"]


def location_rows(locations: QuerySet[Location]) -> list[dict]:
    """What `LocationSerializer(locations, many=True)` returns, read as plain rows.

    Every field of the list is a column the serializer hands through unchanged (text,
    a choice's stored value, an integer or null), so the rows of `values()` are the
    same JSON, in the same key order, without building and serializing 2,000 model
    instances (about two thirds of the list's time at full size). The test suite
    holds the two to each other.
    """
    return list(locations.values(*LocationSerializer.Meta.fields))


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = BoundedChoiceField(choices=OrganisationKind.choices)


class PartySerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer()
    signatories = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["organisation", "role", "signatories"]

    def get_signatories(self, party: Party) -> list[str]:
        return [m.user.username for m in party.organisation.signatories]


class LocationDetailSerializer(LocationSerializer):
    programme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    available_transitions = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)

    class Meta(LocationSerializer.Meta):
        fields = [
            *LocationSerializer.Meta.fields,
            "programme",
            "planned_homes_note",
            "share_social_rent",
            "share_mid_rent",
            "stage_changed_at",
            "available_transitions",
            "parties",
        ]

    @extend_schema_field(
        serializers.ListField(child=BoundedChoiceField(TransitionName.choices))
    )
    def get_available_transitions(self, location: Location) -> list[str]:
        return [str(t) for t in self.context["available_transitions"]]


@extend_schema_serializer(component_name="Transition")
class TransitionRequestSerializer(serializers.Serializer):
    transition = BoundedChoiceField(
        choices=TransitionName.choices,
        error_messages={
            "invalid_choice": gettext_lazy("Onbekende overgang: ‘{input}’.")
        },
    )
    # Every transition takes a reason (design §2); an empty one is refused by the
    # service with the same message.
    reason = serializers.CharField(
        allow_blank=True,
        max_length=TEXT_MAX,
        error_messages={"required": gettext_lazy("Geef een reden op.")},
    )
    instrument = BoundedChoiceField(choices=Instrument.choices, required=False)
    legal_basis = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX
    )
    national_interest = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX
    )


class TransitionResponseSerializer(serializers.Serializer):
    stage = BoundedChoiceField(choices=Stage.choices)


class BottleneckSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Bottleneck
        fields = [
            "id",
            "category",
            "description",
            "owner",
            "status",
            "deadline",
            "created_at",
        ]

    def get_owner(self, bottleneck: Bottleneck) -> int | None:
        return bottleneck.owner.organisation_id if bottleneck.owner else None


class BottleneckCreateSerializer(serializers.Serializer):
    category = BoundedChoiceField(choices=BottleneckCategory.choices)
    description = serializers.CharField(max_length=TEXT_MAX)
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Organisatie-id van de eigenaar (een partij).",
    )
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[validate_date_in_window],
        help_text=DATE_WINDOW_HELP,
    )


class ErrorSerializer(serializers.Serializer):
    """Every error of the API (design §8)."""

    detail = serializers.CharField(
        help_text="Wat er mis is, in de taal van de gebruiker."
    )
    errors = serializers.DictField(
        required=False,
        help_text="Alleen bij 400 door onjuiste velden: de meldingen per veld.",
    )


ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


class LocationListAPI(JSONAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("stage", enum=Stage.values),
            OpenApiParameter("province", enum=Province.values),
            OpenApiParameter("programme", str),
        ],
        responses={200: LocationSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request):
        stage = request.query_params.get("stage")
        if stage and stage not in Stage.values:
            raise InvalidInput(_("Onbekende fase: ‘%(value)s’.") % {"value": stage})
        province = request.query_params.get("province")
        if province and province not in Province.values:
            raise InvalidInput(
                _("Onbekende provincie: ‘%(value)s’.") % {"value": province}
            )
        locations = selectors.location_list(
            request.user,
            stage=stage,
            province=province,
            programme=request.query_params.get("programme"),
        )
        return Response(location_rows(locations))


class LocationDetailAPI(JSONAPIView):
    @extend_schema(responses={200: LocationDetailSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        location = access.access_location(
            request.user,
            pk,
            queryset=Location.objects.select_related("programme").prefetch_related(
                selectors.parties_with_signatories()
            ),
        )
        prefetch_object_perms(request.user, [location])
        context = {
            "available_transitions": selectors.available_transitions(
                request.user, location
            )
        }
        return Response(LocationDetailSerializer(location, context=context).data)


class LocationTransitionAPI(JSONAPIView):
    @extend_schema(
        request=TransitionRequestSerializer,
        responses={200: TransitionResponseSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        location = access.access_location(request.user, pk)
        payload = TransitionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        transition = data.pop("transition")
        reason = data.pop("reason", "")
        if transition not in TransitionName.values:
            raise InvalidInput(
                _("Onbekende overgang: ‘%(value)s’.") % {"value": transition}
            )
        location = services.location_transition(
            location=location,
            transition=transition,
            actor=request.user,
            reason=reason,
            **data,
        )
        return Response({"stage": location.stage})


class LocationBottlenecksAPI(JSONAPIView):
    @extend_schema(
        responses={200: BottleneckSerializer(many=True), 404: ErrorSerializer}
    )
    def get(self, request, pk: int):
        location = access.access_location(request.user, pk)
        return Response(
            BottleneckSerializer(
                selectors.location_bottlenecks(location), many=True
            ).data
        )

    @extend_schema(
        request=BottleneckCreateSerializer,
        responses={201: BottleneckSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        location = access.access_location(
            request.user,
            pk,
            queryset=Location.objects.prefetch_related(
                Prefetch(
                    "parties", queryset=Party.objects.select_related("organisation")
                )
            ),
        )
        payload = BottleneckCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        owner = None
        if data.get("owner") is not None:
            owner = next(
                (
                    p
                    for p in location.parties.all()
                    if p.organisation_id == data["owner"]
                ),
                None,
            )
            if owner is None:
                raise InvalidInput(_("De eigenaar is geen partij bij deze locatie."))
        bottleneck = services.bottleneck_create(
            location=location,
            actor=request.user,
            category=data["category"],
            description=data["description"],
            owner=owner,
            deadline=data.get("deadline"),
        )
        return Response(
            BottleneckSerializer(bottleneck).data, status=status.HTTP_201_CREATED
        )


class DesignationNoticeSerializer(serializers.Serializer):
    """The notice of the draft designation decision (artikel 3:12 Awb)."""

    published_on = serializers.DateField(
        validators=[validate_date_in_window],
        help_text="Dag van publicatie van de kennisgeving; niet in de toekomst. "
        + DATE_WINDOW_HELP,
    )
    journal = BoundedChoiceField(
        choices=NoticeJournal.choices,
        help_text="Staatscourant (Rijk) of provinciaal blad (provincie).",
    )
    reference = serializers.CharField(
        max_length=SHORT_TEXT_MAX,
        help_text="Vindplaats, bijvoorbeeld `Stcrt. 2026, 12345`.",
    )
    open_on = serializers.DateField(
        validators=[validate_date_in_window],
        help_text="Dag waarop het ontwerp ter inzage is gelegd. " + DATE_WINDOW_HELP,
    )


class DesignationPeriodSerializer(serializers.Serializer):
    """The consultation period of a designation, once the notice is recorded."""

    designation = serializers.IntegerField(source="pk")
    notice_published_on = serializers.DateField()
    notice_journal = serializers.CharField()
    notice_reference = serializers.CharField()
    draft_open_on = serializers.DateField()
    consultation_starts_on = serializers.DateField(
        help_text="Eerste dag: de latere van publicatie en terinzagelegging."
    )
    consultation_ends_on = serializers.DateField(
        help_text="Laatste dag: zes weken, verlengd volgens de Algemene termijnenwet."
    )
    views_until = serializers.DateField(
        help_text="Laatste dag waarop een binnen de termijn per post verzonden "
        "zienswijze nog op tijd binnenkomt (artikel 6:9 Awb)."
    )
    decision_possible_on = serializers.DateField(
        help_text="Vanaf deze dag kan het definitieve besluit worden genomen."
    )


class DesignationNoticeAPI(JSONAPIView):
    @extend_schema(
        request=DesignationNoticeSerializer,
        responses={200: DesignationPeriodSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        location = access.access_location(request.user, pk)
        payload = DesignationNoticeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        designation = services.designation_record_notice(
            location=location, actor=request.user, **payload.validated_data
        )
        return Response(DesignationPeriodSerializer(designation).data)


class NamedSerializer(serializers.Serializer):
    """An object by its id and name (a location, an organisation)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class ImpasseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    location = serializers.SerializerMethodField()
    rule = BoundedChoiceField(choices=ImpasseRule.choices)
    message = serializers.CharField()
    waiting_on = serializers.SerializerMethodField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(NamedSerializer)
    def get_location(self, signal) -> dict:
        return {"id": signal.location_id, "name": signal.location.name}

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_waiting_on(self, signal) -> dict | None:
        if signal.waiting_on is None:
            return None
        return {"id": signal.waiting_on_id, "name": signal.waiting_on.name}


class ImpasseListAPI(JSONAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=["open", "all"]),
            OpenApiParameter("location", int),
        ],
        responses={
            200: ImpasseSerializer(many=True),
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        """Impasse signals, for the ministry and case managers (design §5)."""
        signals = selectors.impasse_signals_for(
            request.user,
            status=request.query_params.get("status", "open"),
            location_id=request.query_params.get("location"),
        )
        return Response(ImpasseSerializer(signals, many=True).data)


# --- Dashboard (design §7, §8) --------------------------------------------------------------


class LocationsByStageSerializer(serializers.Serializer):
    """Every stage, with the number of visible locations in it (0 included)."""

    def get_fields(self):
        return {
            stage.value: serializers.IntegerField(help_text=str(stage.label))
            for stage in Stage
        }


class BottlenecksByCategorySerializer(serializers.Serializer):
    """Unresolved bottlenecks per category; categories without any are left out."""

    def get_fields(self):
        return {
            category.value: serializers.IntegerField(
                required=False, help_text=str(category.label)
            )
            for category in BottleneckCategory
        }


class HeatmapCellSerializer(serializers.Serializer):
    location = serializers.IntegerField(help_text="Id van de locatie.")
    location_name = serializers.CharField()
    category = BoundedChoiceField(choices=BottleneckCategory.choices)
    count = serializers.IntegerField(help_text="Aantal onopgeloste knelpunten.")


class StageDurationSerializer(serializers.Serializer):
    stage = BoundedChoiceField(choices=Stage.choices)
    locations = serializers.IntegerField()
    average_days = serializers.FloatField()
    longest_days = serializers.IntegerField()


class LongestStaySerializer(serializers.Serializer):
    location = serializers.IntegerField()
    location_name = serializers.CharField()
    stage = BoundedChoiceField(choices=Stage.choices)
    since = serializers.DateTimeField()
    days = serializers.IntegerField()


class ProgrammeTargetsSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    homes_target = serializers.IntegerField()
    breakthrough_targets = serializers.DictField(child=serializers.IntegerField())
    construction_start_year = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    """The §7 figures over the locations the user may see. The first eleven fields
    are the stable contract of design §8; the rest are additions."""

    locations_total = serializers.IntegerField()
    locations_by_stage = LocationsByStageSerializer()
    homes_target = serializers.IntegerField(
        allow_null=True,
        help_text="Doel woningen in versnelde planvorming van het programma; leeg "
        "als de cijfers meer dan één programma beslaan (doelen worden nooit over "
        "programma's opgeteld: zie programme_targets).",
    )
    homes_accelerated = serializers.IntegerField(
        help_text="Geplande woningen van locaties vanaf het hoofdlijnenakkoord "
        "(hoofdlijnenakkoord, bestuurlijke overeenkomst, aangewezen)."
    )
    locations_homes_unknown = serializers.IntegerField(
        help_text="Locaties waarvan het aantal geplande woningen onbekend is."
    )
    breakthroughs_by_year = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Per jaar (sleutel: jaartal) het aantal locaties met een doorbraak "
        "die de regel van hun programma telt (doorbraakaanpak: een gesloten "
        "hoofdlijnenakkoord of bestuurlijke overeenkomst, of een definitief besluit "
        "tot ingrijpen), één keer per locatie per jaar.",
    )
    breakthrough_targets = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Per jaar het doel van het programma; leeg over meer programma's.",
    )
    open_impasses = serializers.IntegerField(help_text="Open impassesignalen.")
    overdue_tasks = serializers.IntegerField(
        help_text="Open taken met een verstreken termijn: goedkeuringen en acties."
    )
    overdue_commitments = serializers.IntegerField(
        help_text="Wederkerige afspraken van vastgestelde overeenkomsten, niet "
        "nagekomen en over hun termijn."
    )
    bottleneck_heatmap = HeatmapCellSerializer(many=True)

    as_of = serializers.DateField()
    homes_planned_total = serializers.IntegerField()
    accelerated_homes_unknown = serializers.IntegerField(
        help_text="Locaties vanaf het hoofdlijnenakkoord met onbekend aantal woningen."
    )
    locations_with_open_impasses = serializers.IntegerField()
    overdue_approvals = serializers.IntegerField()
    overdue_actions = serializers.IntegerField()
    days_in_stage_average = serializers.FloatField(
        allow_null=True,
        help_text="Gemiddeld aantal dagen in de huidige fase, over de locaties die "
        "niet in een eindfase zijn (bestuurlijke overeenkomst, aangewezen, "
        "afgevoerd).",
    )
    days_in_stage_longest = serializers.IntegerField(allow_null=True)
    longest_in_stage = LongestStaySerializer(allow_null=True)
    stage_durations = StageDurationSerializer(many=True)
    bottlenecks_by_category = BottlenecksByCategorySerializer()
    bottleneck_locations = serializers.IntegerField(
        help_text="Locaties met ten minste één onopgelost knelpunt."
    )
    homes_under_construction = serializers.IntegerField(
        help_text="Woningen waarvan de bouw is gestart (de vastgelegde starts)."
    )
    locations_construction_started = serializers.IntegerField(
        help_text="Locaties met ten minste één vastgelegde start van de bouw."
    )
    construction_start_year = serializers.IntegerField(
        allow_null=True,
        help_text="Het jaar waarin de bouw op elke locatie gestart moet zijn (van "
        "het programma; leeg over meer programma's).",
    )
    programme_targets = ProgrammeTargetsSerializer(
        many=True,
        help_text="De programma's waarover de cijfers gaan, elk met zijn eigen doelen.",
    )


class DashboardAPI(JSONAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "programme",
                str,
                description="Alleen dit programma (korte naam of id): zijn locaties "
                "en zijn doelen.",
            )
        ],
        responses={200: DashboardSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        """The dashboard's figures over the locations you may see (design §7), of
        one programme with `?programme=`; a programme you see nothing of is a 404."""
        programme = programme_of_request(
            request.user, request.query_params.get("programme")
        )
        return Response(
            DashboardSerializer(
                dashboard_figures(request.user, programme=programme)
            ).data
        )
