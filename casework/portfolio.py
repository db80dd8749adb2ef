"""The portfolio's figures (design §7): what the dashboard shows and the progress report
to parliament states. One function, so both always say the same."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from .breakthroughs import breakthroughs_by_year
from .constants import (
    COMMITMENT_OWED,
    ActionStatus,
    BottleneckCategory,
    BottleneckStatus,
    Stage,
    VersionStatus,
)
from .models import (
    AgreementVersion,
    Approval,
    Bottleneck,
    BottleneckAction,
    Commitment,
    ConstructionStart,
    ImpasseSignal,
    Location,
    Party,
    Programme,
)

# Planned homes count as "in accelerated planning" from the heads of agreement on.
ACCELERATED_STAGES = [
    Stage.HEADS_OF_AGREEMENT,
    Stage.ADMINISTRATIVE_AGREEMENT,
    Stage.DESIGNATED,
]

# Where a location no longer moves on: its time "in the current stage" says nothing
# about being stuck, so the average and the longest stay leave these out.
FINAL_STAGES = [
    Stage.ADMINISTRATIVE_AGREEMENT,
    Stage.DESIGNATED,
    Stage.WITHDRAWN,
]

SECONDS_PER_DAY = 86_400


@dataclass
class StageDuration:
    """How long the locations now in one stage have been there."""

    stage: str
    locations: int
    average_days: float
    longest_days: int


@dataclass
class LongestStay:
    """The location that has been longest in its current (not final) stage."""

    location: int
    location_name: str
    stage: str
    since: datetime.datetime
    days: int


@dataclass
class PortfolioFigures:
    locations_total: int
    locations_by_stage: dict[str, int]
    # The programme's target; None when the figures cover several programmes (each
    # one's targets are in `programme_targets`).
    homes_target: int | None
    homes_accelerated: int
    homes_planned_total: int
    locations_homes_unknown: int
    breakthroughs_by_year: dict[str, int]
    breakthrough_targets: dict[str, int]
    overdue_tasks: int
    overdue_commitments: int
    bottlenecks_by_category: dict[str, int]
    bottleneck_heatmap: list[dict] = field(default_factory=list)
    as_of: datetime.date = field(default_factory=timezone.localdate)
    # Locations in an accelerated stage whose planned homes are unknown: the homes
    # accelerated figure is at least this many locations short.
    accelerated_homes_unknown: int = 0
    open_impasses: int = 0
    locations_with_open_impasses: int = 0
    overdue_approvals: int = 0
    overdue_actions: int = 0
    # Time in the current stage, over the locations not in a final stage.
    days_in_stage_average: float | None = None
    days_in_stage_longest: int | None = None
    longest_in_stage: LongestStay | None = None
    stage_durations: list[StageDuration] = field(default_factory=list)
    # Locations with at least one unresolved bottleneck; the heatmap may show fewer.
    bottleneck_locations: int = 0
    # After the agreement (design §1): the homes whose construction started, on how
    # many locations, against the year by which it must have started everywhere.
    homes_under_construction: int = 0
    locations_construction_started: int = 0
    construction_start_year: int | None = None
    # The programmes the figures are about (their targets and breakthrough rules).
    programmes: list[Programme] = field(default_factory=list)

    @property
    def programme_targets(self) -> list[dict]:
        """Each programme's own targets (never summed over programmes)."""
        return [
            {
                "slug": p.slug,
                "name": p.name,
                "homes_target": p.homes_target,
                "breakthrough_targets": dict(
                    sorted(
                        (str(y), int(t))
                        for y, t in (p.breakthrough_targets or {}).items()
                    )
                ),
                "construction_start_year": p.construction_start_year,
            }
            for p in self.programmes
        ]


def _days(duration: datetime.timedelta | float | int | None) -> float:
    """A duration from the database in days. SQLite hands back the average of a
    duration as a number of microseconds, PostgreSQL as a timedelta."""
    if duration is None:
        return 0.0
    if isinstance(duration, datetime.timedelta):
        return duration.total_seconds() / SECONDS_PER_DAY
    return float(duration) / 1_000_000 / SECONDS_PER_DAY


def _among(locations: QuerySet[Location]):
    """`among(Model, path)`: the rows of `Model` that belong (through `path`, e.g.
    "bottleneck__location") to one of `locations`. When `locations` is every location
    (the programme-wide roles) that is every row: no subquery over the whole location
    table, which would only cost the database a join in each figure."""
    everything = not locations.query.has_filters()
    ids = locations.values("pk")

    def among(model: type[Model], path: str) -> QuerySet:
        rows = model._default_manager.all()
        return rows if everything else rows.filter(**{f"{path}__in": ids})

    return among


def portfolio_figures(
    locations: QuerySet[Location],
    *,
    programme: Programme | None = None,
    heatmap_limit: int | None = None,
) -> PortfolioFigures:
    """The figures over `locations` (already limited to what the reader may see).

    `heatmap_limit` keeps the heatmap to the locations with the most unresolved
    bottlenecks (a page cannot draw 2,000 rows); the category totals still cover all.

    A constant number of queries (ten, nine with `programme`), whatever the number of
    locations: every figure is an aggregate in SQL over the locations as a subquery
    (or over every row, when the locations are all of them).
    """
    now = timezone.now()
    today = timezone.localdate(now)
    among = _among(locations)

    # 1. Per stage: how many, their homes, and how long they have been there.
    age = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("stage_changed_at"),
        output_field=DurationField(),
    )
    # The homes whose construction started, per location (a subquery summed in the
    # same statement: no query of its own).
    started = Subquery(
        ConstructionStart.objects.filter(location_id=OuterRef("pk"))
        .order_by()
        .values("location_id")
        .annotate(n=Sum("homes_started"))
        .values("n")
    )
    per_stage = {
        row["stage"]: row
        for row in locations.order_by()
        .values("stage")
        .annotate(
            n=Count("pk"),
            unknown=Count("pk", filter=Q(planned_homes__isnull=True)),
            planned=Sum("planned_homes"),
            average_age=Avg(age),
            oldest=Min("stage_changed_at"),
            under_construction=Sum(started),
            construction_started=Count(
                "pk",
                filter=Exists(
                    ConstructionStart.objects.filter(location=OuterRef("pk"))
                ),
            ),
        )
    }

    def total(key: str, stages=None) -> int:
        return sum(
            row[key] or 0
            for stage, row in per_stage.items()
            if stages is None or stage in stages
        )

    stage_durations = [
        StageDuration(
            stage=stage.value,
            locations=row["n"],
            average_days=round(_days(row["average_age"]), 1),
            longest_days=max((now - row["oldest"]).days, 0),
        )
        for stage in Stage
        if (row := per_stage.get(stage.value))
    ]
    moving = [d for d in stage_durations if d.stage not in FINAL_STAGES]
    moving_count = sum(d.locations for d in moving)
    average_days = (
        round(
            sum(_days(per_stage[d.stage]["average_age"]) * d.locations for d in moving)
            / moving_count,
            1,
        )
        if moving_count
        else None
    )

    # 2. The longest stay in a stage that is not final.
    longest = (
        locations.filter(~Q(stage__in=FINAL_STAGES))
        .order_by("stage_changed_at", "pk")
        .values("pk", "name", "stage", "stage_changed_at")
        .first()
    )
    longest_in_stage = (
        LongestStay(
            location=longest["pk"],
            location_name=longest["name"],
            stage=longest["stage"],
            since=longest["stage_changed_at"],
            days=max((now - longest["stage_changed_at"]).days, 0),
        )
        if longest
        else None
    )

    # 3. The programmes involved: their targets, and their rules for breakthroughs.
    programmes = (
        [programme]
        if programme is not None
        else list(
            Programme.objects.filter(
                Exists(locations.filter(programme=OuterRef("pk")).order_by())
            )
        )
    )
    # 4. Breakthroughs (design §2): the recorded events each programme's rule
    # counts, a location once per year.
    breakthroughs = breakthroughs_by_year(locations, programmes)
    # Targets are a programme's: never summed over programmes. Figures over several
    # programmes carry each one's targets (`programme_targets`), and none of their own.
    only = programmes[0] if len(programmes) == 1 else None
    homes_target = only.homes_target if only is not None else None
    targets: dict[str, int] = {
        str(year): int(target)
        for year, target in ((only.breakthrough_targets or {}) if only else {}).items()
    }

    # 5. Overdue tasks, from casework's facts rather than the workflow's tasks (the
    # same rule as `workflows.selectors.task_overdue`: open, and the due date passed):
    # an approval a party still owes on a version in approval past its date, ...
    # Counted per overdue version, over the parties of its location (a few index
    # lookups each), rather than by joining every party to every approval.
    owing = (
        Party.objects.filter(location_id=OuterRef("agreement__location_id"))
        .exclude(
            Exists(
                Approval.objects.filter(
                    version_id=OuterRef(OuterRef("pk")),
                    organisation_id=OuterRef("organisation_id"),
                )
            )
        )
        .order_by()
        .values("location_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overdue_approvals = (
        among(AgreementVersion, "agreement__location")
        .filter(status=VersionStatus.IN_APPROVAL, approval_due_on__lt=today)
        .annotate(owing=Subquery(owing))
        .aggregate(n=Sum("owing"))["n"]
        or 0
    )
    # 6. ... and a breakthrough-agenda action its party has not reported in time.
    overdue_actions = (
        among(BottleneckAction, "bottleneck__location")
        .filter(status=ActionStatus.OPEN, due_on__lt=today)
        .count()
    )

    # 7. Commitments of concluded agreements not kept in time: counted per concluded
    # version (its commitments by index), not by reading every commitment.
    late = (
        Commitment.objects.filter(
            # Owed (disputed ones too), past the ledger's due date (an extension's).
            Q(extended_due_date__lt=today)
            | Q(extended_due_date__isnull=True, due_date__lt=today),
            version_id=OuterRef("pk"),
            status__in=COMMITMENT_OWED,
        )
        .order_by()
        .values("version_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overdue_commitments = (
        among(AgreementVersion, "agreement__location")
        .filter(status=VersionStatus.CONCLUDED)
        .annotate(late=Subquery(late))
        .aggregate(n=Sum("late"))["n"]
        or 0
    )

    # 8. Open impasse signals.
    impasses = (
        among(ImpasseSignal, "location")
        .filter(closed_at__isnull=True)
        .aggregate(n=Count("pk"), locations=Count("location", distinct=True))
    )

    # 9. The heatmap: unresolved bottlenecks per location and category ...
    unresolved = among(Bottleneck, "location").exclude(status=BottleneckStatus.RESOLVED)
    cells = unresolved
    if heatmap_limit is not None:
        busiest = (
            unresolved.order_by()
            .values("location")
            .annotate(n=Count("pk"))
            .order_by("-n", "location__name", "location")
            .values("location")[:heatmap_limit]
        )
        cells = unresolved.filter(location__in=busiest)
    heatmap = list(
        cells.order_by()
        .values("location_id", "location__name", "category")
        .annotate(count=Count("pk"))
        .order_by("location__name", "location_id", "category")
    )
    # 10. ... and per category over every location.
    category_totals = unresolved.aggregate(
        locations=Count("location", distinct=True),
        **{
            f"category_{category}": Count("pk", filter=Q(category=category))
            for category in BottleneckCategory.values
        },
    )
    by_category = {
        key.removeprefix("category_"): n
        for key, n in category_totals.items()
        if key.startswith("category_") and n
    }

    return PortfolioFigures(
        locations_total=total("n"),
        locations_by_stage={
            stage.value: (per_stage.get(stage.value) or {}).get("n", 0)
            for stage in Stage
        },
        homes_target=homes_target,
        homes_accelerated=total("planned", ACCELERATED_STAGES),
        homes_planned_total=total("planned"),
        locations_homes_unknown=total("unknown"),
        accelerated_homes_unknown=total("unknown", ACCELERATED_STAGES),
        breakthroughs_by_year=breakthroughs,
        breakthrough_targets=dict(sorted(targets.items())),
        overdue_tasks=overdue_approvals + overdue_actions,
        overdue_approvals=overdue_approvals,
        overdue_actions=overdue_actions,
        overdue_commitments=overdue_commitments,
        open_impasses=impasses["n"] or 0,
        locations_with_open_impasses=impasses["locations"] or 0,
        days_in_stage_average=average_days,
        days_in_stage_longest=longest_in_stage.days if longest_in_stage else None,
        longest_in_stage=longest_in_stage,
        stage_durations=stage_durations,
        bottlenecks_by_category=by_category,
        bottleneck_locations=category_totals["locations"] or 0,
        homes_under_construction=total("under_construction"),
        locations_construction_started=total("construction_started"),
        construction_start_year=only.construction_start_year if only else None,
        programmes=programmes,
        bottleneck_heatmap=[
            {
                "location": row["location_id"],
                "location_name": row["location__name"],
                "category": row["category"],
                "count": row["count"],
            }
            for row in heatmap
        ],
        as_of=today,
    )
