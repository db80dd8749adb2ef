"""What the exports hold: the location list, the commitment ledger, the breakthrough
agenda, a location's audit trail, the dashboard figures and the open data of the
programme. Each table reads what the page it comes from reads, through
`casework.access` (a party's export holds its own locations only), in a constant
number of queries: the rows are one query read as an iterator (`ITERATOR_CHUNK`
rows at a time), with what each row shows joined or annotated in SQL, never read
per row. How a table becomes a file is `casework.export_files`.

Headers are Dutch first (B1), in the reader's language; stored values (a stage, a
status) are written as their labels, dates as dates (ISO 8601 in the files).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .access import locations_visible_to
from .audience import Audience
from .breakthroughs import counted_breakthroughs
from .constants import (
    COMMITMENT_OWED,
    ActionStatus,
    AgreementKind,
    BottleneckCategory,
    BottleneckStatus,
    BreakthroughKind,
    CommitmentStatus,
    Stage,
    VersionStatus,
)
from .export_files import Column, Table
from .models import (
    AuditEvent,
    Bottleneck,
    BottleneckAction,
    Commitment,
    Location,
    Programme,
)
from .portfolio import PortfolioFigures
from .timeline import audit_trail, entry_for_event

# Rows read from the database at a time (one query: a server-side cursor on
# PostgreSQL, fetched in chunks on SQLite).
ITERATOR_CHUNK = 2000

# The stages whose locations are not yet public facts of the programme: a proposed
# location is a candidate, not (yet) a location of the programme.
NOT_PUBLIC_STAGES = (Stage.PROPOSED,)

ACTION_CLOSED = (ActionStatus.ACCEPTED, ActionStatus.CANCELLED)


def _label(choices, value) -> str:
    """The label of a stored choice (the value itself if it is no longer one)."""
    return str(choices(value).label) if value in choices.values else value or ""


# --- The location list ---------------------------------------------------------------------


def location_table(locations: QuerySet[Location]) -> Table:
    """The location list as the page shows it (`casework.views.filtered_location_list`:
    the same filters and order), with the public facts of each location."""
    rows = locations.values(
        "id",
        "name",
        "municipality",
        "province",
        "stage",
        "stage_changed_at",
        "planned_homes",
        "share_social_rent",
        "share_mid_rent",
        "programme__name",
    ).iterator(chunk_size=ITERATOR_CHUNK)
    return Table(
        filename="locaties",
        title=gettext_lazy("Locaties"),
        columns=[
            Column(gettext_lazy("Id"), lambda r: r["id"]),
            Column(gettext_lazy("Naam"), lambda r: r["name"]),
            Column(gettext_lazy("Gemeente(n)"), lambda r: r["municipality"]),
            Column(gettext_lazy("Provincie"), lambda r: r["province"]),
            Column(gettext_lazy("Fase"), lambda r: _label(Stage, r["stage"])),
            Column(gettext_lazy("In deze fase sinds"), lambda r: r["stage_changed_at"]),
            Column(gettext_lazy("Geplande woningen"), lambda r: r["planned_homes"]),
            Column(
                gettext_lazy("Aandeel sociale huur (%)"),
                lambda r: r["share_social_rent"],
            ),
            Column(
                gettext_lazy("Aandeel middenhuur (%)"), lambda r: r["share_mid_rent"]
            ),
            Column(gettext_lazy("Programma"), lambda r: r["programme__name"]),
        ],
        rows=rows,
    )


# --- The commitment ledger -----------------------------------------------------------------


def commitment_ledger(
    user,
    *,
    location: Location | None = None,
    status: str | None = None,
    programme: str | None = None,
) -> QuerySet[Commitment]:
    """The commitments of the agreements in force (concluded versions) at the
    locations `user` may see: what the location page's commitments section reads,
    over every visible location (or one), all statuses unless `status` is given."""
    commitments = Commitment.objects.filter(version__status=VersionStatus.CONCLUDED)
    if location is not None:
        commitments = commitments.filter(version__agreement__location=location)
    else:
        commitments = commitments.filter(
            version__agreement__location__in=locations_visible_to(user).values("pk")
        )
    if status:
        commitments = commitments.filter(status=status)
    if programme:
        commitments = commitments.filter(
            version__agreement__location__programme__slug=programme
        )
    return commitments


def commitment_table(commitments: QuerySet[Commitment]) -> Table:
    """The ledger as the location page reads it: "Uiterste datum" is the current due
    date (an extension's, `Commitment.current_due_date`), the date the agreement froze
    is "Oorspronkelijke datum" (a column at the end, so that the columns before it
    keep their place), and a commitment is late as the dashboard counts it
    (`casework.portfolio`): still owed by its owner (disputed ones too) past its
    current due date."""
    today = timezone.localdate()
    waits_on = (
        Commitment.depends_on.through.objects.filter(from_commitment=OuterRef("pk"))
        .order_by()
        .values("from_commitment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        commitments.annotate(
            waits_on=Subquery(waits_on),
            current_due=Coalesce("extended_due_date", "due_date"),
        )
        .values(
            "id",
            "version__agreement__location_id",
            "version__agreement__location__name",
            "version__agreement__kind",
            "version__agreement__title",
            "version__number",
            "version__concluded_at",
            "owner__organisation__name",
            "description",
            "due_date",
            "current_due",
            "status",
            "waits_on",
        )
        .order_by(
            "version__agreement__location__name",
            "version__agreement__location_id",
            "current_due",
            "id",
        )
        .iterator(chunk_size=ITERATOR_CHUNK)
    )

    def late(row) -> bool:
        return row["status"] in COMMITMENT_OWED and row["current_due"] < today

    return Table(
        filename="afspraken",
        title=gettext_lazy("Afspraken"),
        columns=[
            Column(gettext_lazy("Id"), lambda r: r["id"]),
            Column(
                gettext_lazy("Locatie-id"),
                lambda r: r["version__agreement__location_id"],
            ),
            Column(
                gettext_lazy("Locatie"),
                lambda r: r["version__agreement__location__name"],
            ),
            Column(
                gettext_lazy("Soort overeenkomst"),
                lambda r: _label(AgreementKind, r["version__agreement__kind"]),
            ),
            Column(
                gettext_lazy("Overeenkomst"), lambda r: r["version__agreement__title"]
            ),
            Column(gettext_lazy("Versie"), lambda r: r["version__number"]),
            Column(
                gettext_lazy("Vastgesteld op"), lambda r: r["version__concluded_at"]
            ),
            Column(gettext_lazy("Partij"), lambda r: r["owner__organisation__name"]),
            Column(gettext_lazy("Afspraak"), lambda r: r["description"]),
            Column(gettext_lazy("Uiterste datum"), lambda r: r["current_due"]),
            Column(
                gettext_lazy("Status"), lambda r: _label(CommitmentStatus, r["status"])
            ),
            Column(gettext_lazy("Termijn verstreken"), late),
            Column(
                gettext_lazy("Wacht op aantal afspraken"), lambda r: r["waits_on"] or 0
            ),
            Column(gettext_lazy("Oorspronkelijke datum"), lambda r: r["due_date"]),
            Column(
                gettext_lazy("Uitgesteld"), lambda r: r["current_due"] != r["due_date"]
            ),
        ],
        rows=rows,
    )


# --- The breakthrough agenda ---------------------------------------------------------------


def bottleneck_agenda(
    user,
    *,
    location: Location | None = None,
    status: str | None = None,
    category: str | None = None,
    programme: str | None = None,
) -> QuerySet[Bottleneck]:
    """The bottlenecks of the breakthrough agendas of the locations `user` may see
    (or of one): what the location page's agenda lists, over every visible location."""
    bottlenecks = Bottleneck.objects.all()
    if location is not None:
        bottlenecks = bottlenecks.filter(location=location)
    else:
        bottlenecks = bottlenecks.filter(
            location__in=locations_visible_to(user).values("pk")
        )
    if status:
        bottlenecks = bottlenecks.filter(status=status)
    if category:
        bottlenecks = bottlenecks.filter(category=category)
    if programme:
        bottlenecks = bottlenecks.filter(location__programme__slug=programme)
    return bottlenecks


def bottleneck_table(bottlenecks: QuerySet[Bottleneck]) -> Table:
    open_actions = BottleneckAction.objects.filter(bottleneck=OuterRef("pk")).exclude(
        status__in=ACTION_CLOSED
    )
    rows = (
        bottlenecks.annotate(
            open_actions=Subquery(
                open_actions.order_by()
                .values("bottleneck")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            next_action_due=Subquery(
                open_actions.order_by()
                .values("bottleneck")
                .annotate(first=Min("due_on"))
                .values("first")
            ),
        )
        .values(
            "id",
            "location_id",
            "location__name",
            "category",
            "description",
            "owner__organisation__name",
            "status",
            "deadline",
            "created_at",
            "open_actions",
            "next_action_due",
        )
        .order_by("location__name", "location_id", "created_at", "id")
        .iterator(chunk_size=ITERATOR_CHUNK)
    )
    return Table(
        filename="doorbraak-agenda",
        title=gettext_lazy("Doorbraak-agenda"),
        columns=[
            Column(gettext_lazy("Id"), lambda r: r["id"]),
            Column(gettext_lazy("Locatie-id"), lambda r: r["location_id"]),
            Column(gettext_lazy("Locatie"), lambda r: r["location__name"]),
            Column(
                gettext_lazy("Categorie"),
                lambda r: _label(BottleneckCategory, r["category"]),
            ),
            Column(gettext_lazy("Omschrijving"), lambda r: r["description"]),
            Column(gettext_lazy("Eigenaar"), lambda r: r["owner__organisation__name"]),
            Column(
                gettext_lazy("Status"), lambda r: _label(BottleneckStatus, r["status"])
            ),
            Column(gettext_lazy("Uiterste datum"), lambda r: r["deadline"]),
            Column(gettext_lazy("Geregistreerd op"), lambda r: r["created_at"]),
            Column(gettext_lazy("Open acties"), lambda r: r["open_actions"] or 0),
            Column(
                gettext_lazy("Eerstvolgende actie uiterlijk"),
                lambda r: r["next_action_due"],
            ),
        ],
        rows=rows,
    )


# --- A location's audit trail --------------------------------------------------------------


def audit_table(location: Location, audience: Audience) -> Table:
    """Everything the audit trail of `location` records that `audience` may know
    (`casework.audience`: the parties' export leaves out the internal facts, as their
    timeline does), oldest first, in the timeline's words."""
    events = (
        audit_trail(location, audience)
        .order_by("at", "id")
        .iterator(chunk_size=ITERATOR_CHUNK)
    )
    entries = ((event, entry_for_event(event, audience)) for event in events)

    def stage(value: str) -> str:
        return _label(Stage, value) if value else ""

    def event_of(pair) -> AuditEvent:
        return pair[0]

    return Table(
        filename=f"audittrail-{location.slug or location.pk}",
        title=gettext_lazy("Audittrail"),
        columns=[
            Column(gettext_lazy("Tijdstip"), lambda p: event_of(p).at),
            Column(gettext_lazy("Soort"), lambda p: p[1].kind_label),
            Column(gettext_lazy("Wat er gebeurde"), lambda p: p[1].title),
            Column(gettext_lazy("Toelichting"), lambda p: p[1].detail),
            Column(gettext_lazy("Reden"), lambda p: p[1].reason),
            Column(gettext_lazy("Door"), lambda p: p[1].actor or _("het systeem")),
            Column(
                gettext_lazy("Handeling"), lambda p: event_of(p).get_action_display()
            ),
            Column(gettext_lazy("Van fase"), lambda p: stage(event_of(p).from_stage)),
            Column(gettext_lazy("Naar fase"), lambda p: stage(event_of(p).to_stage)),
            Column(gettext_lazy("Hash"), lambda p: event_of(p).hash),
        ],
        rows=entries,
    )


# --- The dashboard figures -----------------------------------------------------------------


def dashboard_rows(figures: PortfolioFigures) -> list[tuple[str, str, Any]]:
    """The dashboard's figures as (part, figure, value) rows: what the page shows,
    with the whole heatmap (the page draws its busiest locations only)."""
    rows: list[tuple[str, str, Any]] = []

    def add(part, figure, value) -> None:
        rows.append((str(part), str(figure), value))

    add(_("Stand"), _("Datum"), figures.as_of)
    locations = _("Locaties")
    add(locations, _("Totaal"), figures.locations_total)
    for stage in Stage:
        add(
            _("Locaties per fase"),
            stage.label,
            figures.locations_by_stage.get(stage.value, 0),
        )
    homes = _("Woningen")
    add(homes, _("Doel in versnelde planvorming"), figures.homes_target)
    add(homes, _("In versnelde planvorming"), figures.homes_accelerated)
    add(homes, _("Gepland in totaal"), figures.homes_planned_total)
    add(
        homes,
        _("Locaties met onbekend aantal woningen"),
        figures.locations_homes_unknown,
    )
    add(
        homes,
        _("Waarvan vanaf het hoofdlijnenakkoord"),
        figures.accelerated_homes_unknown,
    )
    add(homes, _("In aanbouw"), figures.homes_under_construction)
    add(
        homes,
        _("Locaties waar de bouw is gestart"),
        figures.locations_construction_started,
    )
    add(homes, _("Bouw overal gestart in"), figures.construction_start_year)
    for year in sorted(
        set(figures.breakthroughs_by_year) | set(figures.breakthrough_targets)
    ):
        add(_("Doorbraken per jaar"), year, figures.breakthroughs_by_year.get(year, 0))
        add(_("Doel doorbraken per jaar"), year, figures.breakthrough_targets.get(year))
    attention = _("Impasses en verlopen termijnen")
    add(attention, _("Open impassesignalen"), figures.open_impasses)
    add(
        attention,
        _("Locaties met open impassesignalen"),
        figures.locations_with_open_impasses,
    )
    add(attention, _("Goedkeuringen over hun termijn"), figures.overdue_approvals)
    add(
        attention,
        _("Acties op de doorbraak-agenda over hun termijn"),
        figures.overdue_actions,
    )
    add(
        attention,
        _("Wederkerige afspraken over hun termijn"),
        figures.overdue_commitments,
    )
    in_stage = _("Tijd in de huidige fase")
    add(
        in_stage,
        _("Gemiddeld aantal dagen (locaties die nog onderweg zijn)"),
        figures.days_in_stage_average,
    )
    add(in_stage, _("Langste aantal dagen"), figures.days_in_stage_longest)
    for duration in figures.stage_durations:
        label = _label(Stage, duration.stage)
        add(
            in_stage,
            _("%(stage)s: gemiddeld aantal dagen") % {"stage": label},
            duration.average_days,
        )
        add(
            in_stage,
            _("%(stage)s: langste aantal dagen") % {"stage": label},
            duration.longest_days,
        )
    for category, count in figures.bottlenecks_by_category.items():
        add(
            _("Open knelpunten per categorie"),
            _label(BottleneckCategory, category),
            count,
        )
    add(
        _("Open knelpunten per categorie"),
        _("Locaties met open knelpunten"),
        figures.bottleneck_locations,
    )
    for cell in figures.bottleneck_heatmap:
        add(
            _("Open knelpunten per locatie en categorie"),
            f"{cell['location_name']}: {_label(BottleneckCategory, cell['category'])}",
            cell["count"],
        )
    return rows


def dashboard_table(figures: PortfolioFigures) -> Table:
    return Table(
        filename="dashboard",
        title=gettext_lazy("Dashboard"),
        columns=[
            Column(gettext_lazy("Onderdeel"), lambda r: r[0]),
            Column(gettext_lazy("Cijfer"), lambda r: r[1]),
            Column(gettext_lazy("Waarde"), lambda r: r[2]),
        ],
        rows=dashboard_rows(figures),
    )


# --- Open data -----------------------------------------------------------------------------

# The fields of the open data, in order (stable: README, "Exports"). Keys are Dutch,
# like the publication; none is personal or internal.
OPEN_DATA_FIELDS = (
    "programma",
    "locatie_id",
    "naam",
    "gemeenten",
    "provincie",
    "fase",
    "fase_naam",
    "geplande_woningen",
    "aantal_doorbraken",
    "doorbraken",
)


def open_data_locations(programme: str | None = None) -> QuerySet[Location]:
    """The locations whose facts the programme publishes: every location of the
    programme (or of all programmes) that is past the proposal."""
    locations = Location.objects.exclude(stage__in=NOT_PUBLIC_STAGES)
    if programme:
        locations = locations.filter(programme__slug=programme)
    return locations


def _breakthroughs_by_location(
    locations: QuerySet[Location],
) -> dict[int, list[dict[str, str]]]:
    """The breakthroughs each location's programme counts, oldest first (two queries:
    the programmes, and their counted breakthroughs)."""
    programmes = list(
        Programme.objects.filter(pk__in=locations.order_by().values("programme_id"))
    )
    by_location: dict[int, list[dict[str, str]]] = defaultdict(list)
    rows = (
        counted_breakthroughs(locations, programmes)
        .order_by("occurred_on", "pk")
        .values_list("location_id", "occurred_on", "kind")
    )
    for location_id, occurred_on, kind in rows:
        by_location[location_id].append(
            {
                "datum": occurred_on.isoformat(),
                "soort": kind,
                "soort_naam": _label(BreakthroughKind, kind),
            }
        )
    return by_location


def open_data_records(locations: QuerySet[Location]) -> list[dict[str, Any]]:
    """One record per location with its public facts (`OPEN_DATA_FIELDS`): three
    queries whatever the number of locations."""
    breakthroughs = _breakthroughs_by_location(locations)
    records = []
    for row in (
        locations.order_by("programme__slug", "name", "id")
        .values(
            "id",
            "name",
            "municipality",
            "province",
            "stage",
            "planned_homes",
            "programme__slug",
        )
        .iterator(chunk_size=ITERATOR_CHUNK)
    ):
        events = breakthroughs.get(row["id"], [])
        records.append(
            {
                "programma": row["programme__slug"],
                "locatie_id": row["id"],
                "naam": row["name"],
                "gemeenten": row["municipality"],
                "provincie": row["province"],
                "fase": row["stage"],
                "fase_naam": _label(Stage, row["stage"]),
                "geplande_woningen": row["planned_homes"],
                "aantal_doorbraken": len(events),
                "doorbraken": events,
            }
        )
    return records


def open_data_table(records: list[dict[str, Any]]) -> Table:
    """The open data as a flat table: the breakthroughs in one cell, each as
    "date kind", separated by "; "."""

    def cell(key: str):
        if key == "doorbraken":
            return lambda r: "; ".join(
                f"{event['datum']} {event['soort']}" for event in r["doorbraken"]
            )
        return lambda r: r[key]

    return Table(
        filename="open-data-locaties",
        title=gettext_lazy("Open data"),
        columns=[Column(key, cell(key)) for key in OPEN_DATA_FIELDS],
        rows=records,
    )
