"""The portfolio dashboard (design §7): the figures over the locations a person may see.

The page (`/dashboard/`) and the API (`GET /api/v1/dashboard/`) both call
`dashboard_figures`, so they say the same; the progress report to parliament computes
the same figures with `casework.portfolio.portfolio_figures`. Programme-wide roles
(ministry, case managers, viewers) see every location; a party's people see the
locations where their organisation takes part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from permissions.errors import NotVisible

from . import charts
from .access import (
    locations_visible_to,
    programmes_read_by,
    reads_portfolio,
    reads_programme,
)
from .constants import MAIN_PATH, BottleneckCategory, Stage
from .models import Location, Programme
from .portfolio import FINAL_STAGES, PortfolioFigures, portfolio_figures

# The page draws the heatmap for the locations with the most unresolved bottlenecks
# only: a chart of 2,000 rows helps nobody. The API returns every cell.
PAGE_HEATMAP_LOCATIONS = 25


def programme_of_request(user, value: str | None) -> Programme | None:
    """The programme a report asks for (`?programme=<slug or id>`), or None without
    one. A programme the user sees no location of is not found (`NotVisible`): the
    same answer as for one that does not exist."""
    if value is None or value == "":
        return None
    lookup = Q(slug=value)
    if value.isdigit():
        lookup |= Q(pk=int(value))
    programme = Programme.objects.filter(lookup).first()
    if programme is None or not (
        reads_programme(user, programme)
        or locations_visible_to(user).filter(programme=programme).exists()
    ):
        raise NotVisible(programme=value)
    return programme


def report_programme(user, value: str | None) -> Programme | None:
    """The programme of a report to parliament (one per programme, never two
    programmes' targets together): the one asked for (`programme_of_request`), else
    the first of the programmes `user` reads (the one set up first: the
    doorbraakaanpak); None if they read none."""
    programme = programme_of_request(user, value)
    if programme is None:
        programme = programmes_read_by(user).order_by("pk").first()
    return programme


def dashboard_figures(
    user, *, programme: Programme | None = None, heatmap_limit: int | None = None
) -> PortfolioFigures:
    """The dashboard's figures over the locations `user` may see (of `programme`
    only, when given: its targets, never summed with another's).

    A constant number of queries whatever the number of locations (see
    `portfolio_figures`): for the programme-wide roles every location, without a
    filter; for a party's people one query more, for the ids of their locations.
    """
    visible = locations_visible_to(user).order_by()
    if programme is not None:
        visible = visible.filter(programme=programme)
    if not reads_portfolio(user):
        # A party sees its locations through guardian's object permissions: a
        # subquery joining the text `object_pk` to the integer id, which PostgreSQL
        # plans as a nested loop (seconds at 2,000 locations). Evaluate it once, not
        # in each of the ten figures: one query more for parties, still a constant.
        visible = Location.objects.filter(
            pk__in=list(visible.values_list("pk", flat=True))
        )
    return portfolio_figures(visible, programme=programme, heatmap_limit=heatmap_limit)


# --- The page ----------------------------------------------------------------------------

# The funnel: the main path in order, then the escalation branch and withdrawal.
FUNNEL_STAGES = [
    *MAIN_PATH,
    Stage.ESCALATED,
    Stage.DESIGNATION_PROCEDURE,
    Stage.DESIGNATED,
    Stage.WITHDRAWN,
]


@dataclass
class HeatmapRow:
    location: int
    name: str
    url: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


def _heatmap_rows(figures: PortfolioFigures, categories: list[str]) -> list[HeatmapRow]:
    rows: dict[int, HeatmapRow] = {}
    for cell in figures.bottleneck_heatmap:
        row = rows.get(cell["location"])
        if row is None:
            row = rows[cell["location"]] = HeatmapRow(
                location=cell["location"],
                name=cell["location_name"],
                url=reverse("locations:detail", args=[cell["location"]]),
                counts=[0] * len(categories),
            )
        if cell["category"] in categories:
            row.counts[categories.index(cell["category"])] += cell["count"]
    return sorted(rows.values(), key=lambda row: (-row.total, row.name.lower()))


def dashboard_page_context(
    figures: PortfolioFigures, *, heatmap_chart_rows: int | None = None
) -> dict[str, Any]:
    """What the page shows besides the figures: table rows and the charts, drawn by
    the same SVG renderer as the progress report (`casework.charts`), which builds
    its context with this function too. `heatmap_chart_rows` draws the heatmap for
    the first rows only while the table keeps them all (the report lists every
    location; the page's figures hold the top rows already)."""
    stage_labels = dict(Stage.choices)
    locations_url = reverse("locations:index")
    funnel = [
        {
            "stage": stage.value,
            "label": str(stage.label),
            "count": figures.locations_by_stage.get(stage.value, 0),
            "url": f"{locations_url}?stage={stage.value}",
        }
        for stage in FUNNEL_STAGES
    ]
    years = sorted(
        set(figures.breakthroughs_by_year) | set(figures.breakthrough_targets)
    )
    breakthroughs = [
        {
            "year": year,
            "count": figures.breakthroughs_by_year.get(year, 0),
            "target": figures.breakthrough_targets.get(year),
        }
        for year in years
    ]
    durations = [
        {
            "stage": duration.stage,
            "label": str(stage_labels[duration.stage]),
            "locations": duration.locations,
            "average_days": duration.average_days,
            "longest_days": duration.longest_days,
            "final": duration.stage in FINAL_STAGES,
        }
        for duration in figures.stage_durations
    ]
    moving = [row for row in durations if not row["final"]]
    categories = [
        value
        for value in BottleneckCategory.values
        if figures.bottlenecks_by_category.get(value)
    ]
    category_labels = [str(BottleneckCategory(value).label) for value in categories]
    heatmap_rows = _heatmap_rows(figures, categories)
    chart_rows = (
        heatmap_rows[:heatmap_chart_rows] if heatmap_chart_rows else heatmap_rows
    )
    longest = figures.longest_in_stage
    return {
        "funnel": funnel,
        "breakthroughs": breakthroughs,
        "durations": durations,
        "longest": longest,
        "longest_stage_label": str(stage_labels[longest.stage]) if longest else "",
        "longest_url": reverse("locations:detail", args=[longest.location])
        if longest
        else "",
        "categories": [
            {
                "value": value,
                "label": label,
                "total": figures.bottlenecks_by_category[value],
            }
            for value, label in zip(categories, category_labels, strict=True)
        ],
        "heatmap_rows": heatmap_rows,
        "breakthroughs_total": sum(figures.breakthroughs_by_year.values()),
        "bottlenecks_total": sum(figures.bottlenecks_by_category.values()),
        "heatmap_partial": len(heatmap_rows) < figures.bottleneck_locations,
        "heatmap_chart_rows": chart_rows,
        "heatmap_chart_partial": len(chart_rows) < figures.bottleneck_locations,
        # Over several programmes there is no one target (never summed): no bar.
        "homes_chart": charts.progress_bar(
            title=_("Woningen in versnelde planvorming"),
            value=figures.homes_accelerated,
            target=figures.homes_target,
            unit=_("woningen"),
        )
        if figures.homes_target is not None
        else "",
        "breakthrough_chart": charts.columns_with_targets(
            title=_("Doorbraken per jaar"),
            unit=_("doorbraken"),
            bars=[
                charts.Bar(row["year"], row["count"], row["target"])
                for row in breakthroughs
            ],
        ),
        "funnel_chart": charts.horizontal_bars(
            title=_("Locaties per fase"),
            bars=[charts.Bar(row["label"], row["count"]) for row in funnel],
        ),
        "duration_chart": charts.horizontal_bars(
            title=_("Gemiddeld aantal dagen in de huidige fase"),
            bars=[
                charts.Bar(row["label"], round(row["average_days"])) for row in moving
            ],
            unit=_("dagen"),
        )
        if moving
        else "",
        "heatmap_chart": charts.heatmap(
            title=_("Knelpunten per locatie en categorie"),
            rows=[row.name for row in chart_rows],
            columns=category_labels,
            values=[row.counts for row in chart_rows],
            description=_(
                "Open knelpunten van %(rows)s locaties in %(columns)s categorieën; "
                "in elke cel het aantal. Per categorie: %(totals)s."
            )
            % {
                "rows": len(chart_rows),
                "columns": len(categories),
                "totals": "; ".join(
                    f"{label}: {figures.bottlenecks_by_category[value]}"
                    for value, label in zip(categories, category_labels, strict=True)
                ),
            },
        )
        if heatmap_rows
        else "",
    }
