"""The portfolio's figures (design §7): what the dashboard shows and the progress report
to parliament states. One function, so both always say the same."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from .constants import BREAKTHROUGH_STAGES, Stage
from .models import (
    AuditEvent,
    Bottleneck,
    Commitment,
    CommitmentStatus,
    DeadlineEvent,
    Location,
    Programme,
    VersionStatus,
)

# Planned homes count as "in accelerated planning" from the heads of agreement on.
ACCELERATED_STAGES = [
    Stage.HEADS_OF_AGREEMENT,
    Stage.ADMINISTRATIVE_AGREEMENT,
    Stage.DESIGNATED,
]


@dataclass
class PortfolioFigures:
    locations_total: int
    locations_by_stage: dict[str, int]
    homes_target: int
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


def portfolio_figures(
    locations: QuerySet[Location], *, programme: Programme | None = None
) -> PortfolioFigures:
    """The figures over `locations` (already limited to what the reader may see).

    A constant number of queries, whatever the number of locations.
    """
    today = timezone.localdate()
    location_ids = locations.values("pk")
    by_stage = dict(
        locations.order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    totals = locations.aggregate(
        total=Count("pk"),
        unknown=Count("pk", filter=Q(planned_homes__isnull=True)),
        planned=Sum("planned_homes"),
        accelerated=Sum("planned_homes", filter=Q(stage__in=ACCELERATED_STAGES)),
    )
    breakthroughs = dict(
        AuditEvent.objects.filter(
            location__in=location_ids,
            action="transition",
            to_stage__in=BREAKTHROUGH_STAGES,
        )
        .annotate(year=ExtractYear("at"))
        .order_by()
        .values_list("year")
        .annotate(n=Count("location", distinct=True))
        .values_list("year", "n")
    )
    programmes = (
        [programme]
        if programme is not None
        else list(Programme.objects.filter(locations__in=location_ids).distinct())
    )
    homes_target = sum(p.homes_target for p in programmes)
    targets: dict[str, int] = {}
    for p in programmes:
        for year, target in (p.breakthrough_targets or {}).items():
            targets[str(year)] = targets.get(str(year), 0) + int(target)
    overdue_tasks = DeadlineEvent.objects.filter(
        location__in=location_ids,
        event="overdue",
        resolved_at__isnull=True,
        kind__in=["approval", "action"],
    ).count()
    overdue_commitments = Commitment.objects.filter(
        version__agreement__location__in=location_ids,
        version__status=VersionStatus.CONCLUDED,
        status__in=[CommitmentStatus.OPEN, CommitmentStatus.OVERDUE],
        due_date__lt=today,
    ).count()
    heatmap = list(
        Bottleneck.objects.filter(location__in=location_ids)
        .order_by()
        .values("location_id", "location__name", "category")
        .annotate(count=Count("pk"))
        .order_by("location__name", "category")
    )
    by_category: dict[str, int] = {}
    for row in heatmap:
        by_category[row["category"]] = (
            by_category.get(row["category"], 0) + row["count"]
        )
    return PortfolioFigures(
        locations_total=totals["total"] or 0,
        locations_by_stage={
            stage.value: by_stage.get(stage.value, 0) for stage in Stage
        },
        homes_target=homes_target,
        homes_accelerated=totals["accelerated"] or 0,
        homes_planned_total=totals["planned"] or 0,
        locations_homes_unknown=totals["unknown"] or 0,
        breakthroughs_by_year={
            str(year): n for year, n in sorted(breakthroughs.items())
        },
        breakthrough_targets=dict(sorted(targets.items())),
        overdue_tasks=overdue_tasks,
        overdue_commitments=overdue_commitments,
        bottlenecks_by_category=by_category,
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
