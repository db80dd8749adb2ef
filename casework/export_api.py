"""The exports under the API (`/api/v1/exports/…`, `/api/v1/locations/{id}/audit.…`;
stable, README "Exports"). The pages link here too ("Downloaden (CSV)", "(Excel)"):
a session works as well as a token.

Each export reads through the same selectors as the page or list it comes from, so
it holds what that page shows the reader and nothing more; a location one may not
see is a 404. Filters are query parameters, refused with a 400 when unknown, before
any row is read. What goes wrong answers JSON `{"detail"}` like the rest of the API
(whatever the client accepts: the files are no renderer's business).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from config.api import JSONAPIView
from permissions.errors import InvalidInput, NotPermitted

from . import access, exports
from .api import ErrorSerializer
from .audience import audience_of
from .constants import (
    BottleneckCategory,
    BottleneckStatus,
    CommitmentStatus,
    Province,
    Stage,
)
from .dashboard import dashboard_figures
from .export_files import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Table,
    table_response,
)
from .limits import SHORT_TEXT_MAX
from .models import Location
from .views import SORTS, filtered_location_list

MEDIA_TYPES = {"csv": CSV_CONTENT_TYPE.split(";")[0], "xlsx": XLSX_CONTENT_TYPE}


def file_responses(fmt: str, *errors: int) -> dict:
    return {
        (200, MEDIA_TYPES[fmt]): OpenApiTypes.BINARY,
        **dict.fromkeys(errors, ErrorSerializer),
    }


def _choice(request, name: str, choices, message: str) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in choices.values:
        raise InvalidInput(message % {"value": value[:SHORT_TEXT_MAX]})
    return value


def _programme(request) -> str | None:
    value = request.query_params.get("programme") or None
    if value is not None and len(value) > SHORT_TEXT_MAX:
        raise InvalidInput(
            _("Programma: hoogstens %(max)s tekens.") % {"max": SHORT_TEXT_MAX}
        )
    return value


class ExportAPI(JSONAPIView):
    """An export: a file when all is well, the API's JSON error otherwise."""

    fmt = "csv"

    def perform_content_negotiation(self, request, force=False):
        # The file is an HttpResponse of its own; only an error goes through a
        # renderer, and errors are JSON. A client that asks for `text/csv` gets the
        # file, not a 406.
        return (JSONRenderer(), JSONRenderer.media_type)

    def respond(self, table: Table):
        return table_response(table, self.fmt)


# --- The location list ---------------------------------------------------------------------

LOCATION_FILTERS = [
    OpenApiParameter("stage", enum=Stage.values),
    OpenApiParameter("province", enum=Province.values),
    OpenApiParameter("programme", str, description="Korte naam van het programma."),
    OpenApiParameter(
        "q", str, description="Zoeken in naam en gemeente(n), zoals op de lijst."
    ),
    OpenApiParameter(
        "sort",
        enum=[*SORTS, *(f"-{key}" for key in SORTS)],
        description="Volgorde van de lijst; `-` ervoor: aflopend.",
    ),
]


class LocationsCsvAPI(ExportAPI):
    @extend_schema(
        operation_id="exports_locations_csv",
        parameters=LOCATION_FILTERS,
        responses=file_responses("csv", 400),
    )
    def get(self, request):
        """The location list you see, with its filters and order (as the list page
        and `GET /api/v1/locations/`), as CSV."""
        stage = _choice(request, "stage", Stage, _("Onbekende fase: ‘%(value)s’."))
        province = _choice(
            request, "province", Province, _("Onbekende provincie: ‘%(value)s’.")
        )
        search = request.query_params.get("q") or ""
        if len(search) > SHORT_TEXT_MAX:
            raise InvalidInput(
                _("Zoeken: hoogstens %(max)s tekens.") % {"max": SHORT_TEXT_MAX}
            )
        sort = request.query_params.get("sort") or "name"
        if sort.lstrip("-") not in SORTS:
            raise InvalidInput(
                _("Onbekende volgorde: ‘%(value)s’.") % {"value": sort[:SHORT_TEXT_MAX]}
            )
        locations = filtered_location_list(
            request.user,
            {
                "stage": stage,
                "province": province,
                "programme": _programme(request),
                "q": search,
            },
            sort,
        )
        return self.respond(exports.location_table(locations))


class LocationsXlsxAPI(LocationsCsvAPI):
    fmt = "xlsx"

    @extend_schema(
        operation_id="exports_locations_xlsx",
        parameters=LOCATION_FILTERS,
        responses=file_responses("xlsx", 400),
    )
    def get(self, request):
        """The location list you see, with its filters and order, as Excel."""
        return super().get(request)


# --- The commitment ledger and the breakthrough agenda -------------------------------------

LOCATION_PARAMETER = OpenApiParameter(
    "location", int, description="Alleen deze locatie (404 als u haar niet mag zien)."
)
COMMITMENT_FILTERS = [
    LOCATION_PARAMETER,
    OpenApiParameter("status", enum=CommitmentStatus.values),
    OpenApiParameter("programme", str, description="Korte naam van het programma."),
]
BOTTLENECK_FILTERS = [
    LOCATION_PARAMETER,
    OpenApiParameter("status", enum=BottleneckStatus.values),
    OpenApiParameter("category", enum=BottleneckCategory.values),
    OpenApiParameter("programme", str, description="Korte naam van het programma."),
]


def _location(request) -> Location | None:
    location_id = request.query_params.get("location")
    if not location_id:
        return None
    return access.access_location(request.user, location_id)


class CommitmentsCsvAPI(ExportAPI):
    @extend_schema(
        operation_id="exports_commitments_csv",
        parameters=COMMITMENT_FILTERS,
        responses=file_responses("csv", 400, 404),
    )
    def get(self, request):
        """The commitment ledger: every commitment of the concluded agreements at
        the locations you see (or one), as CSV."""
        status = _choice(
            request, "status", CommitmentStatus, _("Onbekende status: ‘%(value)s’.")
        )
        commitments = exports.commitment_ledger(
            request.user,
            location=_location(request),
            status=status,
            programme=_programme(request),
        )
        return self.respond(exports.commitment_table(commitments))


class CommitmentsXlsxAPI(CommitmentsCsvAPI):
    fmt = "xlsx"

    @extend_schema(
        operation_id="exports_commitments_xlsx",
        parameters=COMMITMENT_FILTERS,
        responses=file_responses("xlsx", 400, 404),
    )
    def get(self, request):
        """The commitment ledger, as Excel."""
        return super().get(request)


class BottlenecksCsvAPI(ExportAPI):
    @extend_schema(
        operation_id="exports_bottlenecks_csv",
        parameters=BOTTLENECK_FILTERS,
        responses=file_responses("csv", 400, 404),
    )
    def get(self, request):
        """The breakthrough agenda: the bottlenecks of the locations you see (or
        one), with their open actions, as CSV."""
        status = _choice(
            request, "status", BottleneckStatus, _("Onbekende status: ‘%(value)s’.")
        )
        category = _choice(
            request,
            "category",
            BottleneckCategory,
            _("Onbekende categorie: ‘%(value)s’."),
        )
        bottlenecks = exports.bottleneck_agenda(
            request.user,
            location=_location(request),
            status=status,
            category=category,
            programme=_programme(request),
        )
        return self.respond(exports.bottleneck_table(bottlenecks))


class BottlenecksXlsxAPI(BottlenecksCsvAPI):
    fmt = "xlsx"

    @extend_schema(
        operation_id="exports_bottlenecks_xlsx",
        parameters=BOTTLENECK_FILTERS,
        responses=file_responses("xlsx", 400, 404),
    )
    def get(self, request):
        """The breakthrough agenda, as Excel."""
        return super().get(request)


# --- A location's audit trail --------------------------------------------------------------


class LocationAuditCsvAPI(ExportAPI):
    @extend_schema(
        operation_id="locations_audit_csv", responses=file_responses("csv", 404)
    )
    def get(self, request, pk: int):
        """The location's audit trail, oldest first, as its timeline tells it to
        you (parties: without the internal facts), as CSV."""
        location = access.access_location(request.user, pk)
        return self.respond(
            exports.audit_table(location, audience_of(request.user, location))
        )


class LocationAuditXlsxAPI(LocationAuditCsvAPI):
    fmt = "xlsx"

    @extend_schema(
        operation_id="locations_audit_xlsx", responses=file_responses("xlsx", 404)
    )
    def get(self, request, pk: int):
        """The location's audit trail, as Excel."""
        return super().get(request, pk)


# --- The dashboard figures -----------------------------------------------------------------


class DashboardCsvAPI(ExportAPI):
    @extend_schema(
        operation_id="exports_dashboard_csv", responses=file_responses("csv")
    )
    def get(self, request):
        """The dashboard's figures over the locations you see, one figure a row
        (part, figure, value), as CSV."""
        return self.respond(exports.dashboard_table(dashboard_figures(request.user)))


# --- Open data -----------------------------------------------------------------------------


class OpenDataBreakthroughSerializer(serializers.Serializer):
    datum = serializers.DateField()
    soort = serializers.CharField()
    soort_naam = serializers.CharField()


class OpenDataLocationSerializer(serializers.Serializer):
    programma = serializers.CharField(help_text="Korte naam van het programma.")
    locatie_id = serializers.IntegerField()
    naam = serializers.CharField()
    gemeenten = serializers.CharField()
    provincie = serializers.CharField()
    fase = serializers.CharField(help_text="De fase (stabiele waarde, ontwerp §2).")
    fase_naam = serializers.CharField()
    geplande_woningen = serializers.IntegerField(allow_null=True)
    aantal_doorbraken = serializers.IntegerField()
    doorbraken = OpenDataBreakthroughSerializer(many=True)


OPEN_DATA_PARAMETERS = [
    OpenApiParameter("programme", str, description="Korte naam van het programma.")
]


def _open_data_locations(request):
    if not access.reads_portfolio(request.user):
        raise NotPermitted(
            _("De open data maken het ministerie en de programmalezers aan.")
        )
    return exports.open_data_locations(_programme(request))


class OpenDataCsvAPI(ExportAPI):
    @extend_schema(
        operation_id="exports_open_data_csv",
        parameters=OPEN_DATA_PARAMETERS,
        responses=file_responses("csv", 400, 403),
    )
    def get(self, request):
        """The programme's public facts for publication (README, "Exports"): per
        location its stage, planned homes and breakthroughs, as CSV. For the
        programme-wide roles."""
        records = exports.open_data_records(_open_data_locations(request))
        return self.respond(exports.open_data_table(records))


class OpenDataJsonAPI(ExportAPI):
    @extend_schema(
        operation_id="exports_open_data_json",
        parameters=OPEN_DATA_PARAMETERS,
        responses={
            200: OpenDataLocationSerializer(many=True),
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def get(self, request):
        """The programme's public facts for publication, as JSON (the same fields
        as the CSV, the breakthroughs as a list)."""
        records = exports.open_data_records(_open_data_locations(request))
        response = JsonResponse(
            records, safe=False, json_dumps_params={"ensure_ascii": False}
        )
        response["Content-Disposition"] = 'inline; filename="open-data-locaties.json"'
        return response
