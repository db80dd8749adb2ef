"""Breakthroughs as recorded events (design §2).

A breakthrough is a dated fact of a location: the knot that was cut. It is recorded
when it happens, in the transaction that made it: a concluded heads of agreement or
administrative agreement (by the conclusion that froze the version,
`breakthrough_of_agreement`), or a decision to intervene that became final
(`designate`: the designation decided and published; a receiver of
`location_transitioned`). What it broke is read from the location's agenda on that
day. Which breakthroughs count is the rule of the location's programme
(`Programme.breakthrough_rule`), and a location counts once per year however many it
had that year. The dashboard, the API and the progress report read these events.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import (
    BREAKTHROUGH_RULE_KINDS,
    BottleneckCategory,
    BreakthroughKind,
    BreakthroughRule,
    TransitionName,
)
from .models import (
    AgreementKind,
    AgreementVersion,
    Bottleneck,
    Breakthrough,
    Instrument,
    Location,
    Programme,
)

AGREEMENT_OF = {
    BreakthroughKind.HEADS_OF_AGREEMENT: AgreementKind.HEADS_OF_AGREEMENT,
    BreakthroughKind.ADMINISTRATIVE_AGREEMENT: AgreementKind.ADMINISTRATIVE_AGREEMENT,
}
BREAKTHROUGH_OF = {agreement: kind for kind, agreement in AGREEMENT_OF.items()}


def breakthrough_record(
    *,
    location_id: int,
    kind: str,
    source: str,
    data: dict[str, Any],
    occurred_on: datetime.date | None = None,
) -> None:
    """Record a breakthrough of a location, in the caller's transaction: one INSERT
    and no read (it sits on the busiest write of the application, the last approval
    of a round). The same fact (`kind` and `source`) recorded again changes nothing."""
    if kind not in BreakthroughKind.values:
        raise ValueError(f"unknown kind of breakthrough: {kind}")
    Breakthrough.objects.bulk_create(
        [
            Breakthrough(
                location_id=location_id,
                kind=kind,
                source=source,
                occurred_on=occurred_on or timezone.localdate(),
                data=data,
            )
        ],
        ignore_conflicts=True,
    )


def breakthrough_of_agreement(*, version: AgreementVersion) -> None:
    """The conclusion of `version` (every party approved it) is a breakthrough:
    called by the conclusion, in its transaction, with the version it froze."""
    agreement = version.agreement
    breakthrough_record(
        location_id=agreement.location_id,
        kind=BREAKTHROUGH_OF[agreement.kind],
        source=f"version:{version.pk}",
        data={
            "agreement": agreement.pk,
            "version": version.number,
            "title": agreement.title,
            "sha256": version.sha256,
        },
    )


def record_transition_breakthrough(
    sender, *, location: Location, transition: str, data: dict, **kwargs
) -> None:
    """`location_transitioned` receiver: the final decision to intervene
    (`designate`) records its breakthrough in the transition's transaction. (The
    agreements record theirs where they are frozen: `breakthrough_of_agreement`.)"""
    if transition != TransitionName.DESIGNATE:
        return
    breakthrough_record(
        location_id=location.pk,
        kind=BreakthroughKind.INTERVENTION_FINAL,
        source=f"designation:{data.get('designation')}",
        data={
            "designation": data.get("designation"),
            "instrument": data.get("instrument", ""),
            "decision_sha256": data.get("decision_sha256", ""),
        },
    )


# --- Reading: what counts, and the words for it ------------------------------------------


def counted_by_rule(programmes: list[Programme]) -> Q:
    """The breakthroughs that the rule of their location's programme counts."""
    condition = Q(pk__in=[])
    for programme in programmes:
        kinds = BREAKTHROUGH_RULE_KINDS.get(
            BreakthroughRule(programme.breakthrough_rule), frozenset()
        )
        condition |= Q(location__programme_id=programme.pk, kind__in=sorted(kinds))
    return condition


def counted_breakthroughs(
    locations: QuerySet[Location], programmes: list[Programme]
) -> QuerySet[Breakthrough]:
    """The breakthroughs of `locations` that their programmes count."""
    rows = Breakthrough.objects.filter(counted_by_rule(programmes))
    if locations.query.has_filters():
        rows = rows.filter(location__in=locations.values("pk"))
    return rows


def breakthroughs_by_year(
    locations: QuerySet[Location], programmes: list[Programme]
) -> dict[str, int]:
    """Per year the number of locations with a counted breakthrough that year: a
    location counts once a year (one query)."""
    rows = (
        counted_breakthroughs(locations, programmes)
        .annotate(year=ExtractYear("occurred_on"))
        .order_by()
        .values("year")
        .annotate(n=Count("location", distinct=True))
        .values_list("year", "n")
    )
    return {str(year): n for year, n in sorted(rows)}


@dataclass(frozen=True)
class BreakthroughLine:
    """One counted breakthrough in words, for the report and the dashboard."""

    location: str
    occurred_on: datetime.date
    kind: str
    kind_label: str
    what: str
    broke: list[str]


def describe(breakthrough: Breakthrough) -> str:
    """What the breakthrough was, in the active language."""
    data = breakthrough.data or {}
    if "derived_from_stage" in data:
        return _(
            "%(kind)s (afgeleid uit de fase van de locatie: er is geen vastgelegde "
            "gebeurtenis)."
        ) % {"kind": BreakthroughKind(breakthrough.kind).label}
    if breakthrough.kind in AGREEMENT_OF:
        return _(
            "%(kind)s ‘%(title)s’, versie %(version)s: door alle partijen goedgekeurd."
        ) % {
            "kind": AgreementKind(AGREEMENT_OF[breakthrough.kind]).label,
            "title": data.get("title", ""),
            "version": data.get("version", ""),
        }
    instrument = data.get("instrument")
    return _("Aanwijzing genomen en bekendgemaakt (%(instrument)s).") % {
        "instrument": Instrument(instrument).label
        if instrument in Instrument.values
        else "—"
    }


def what_it_broke(breakthrough: Breakthrough) -> list[str]:
    """The bottlenecks on the location's agenda on the day of the breakthrough (its
    location's bottlenecks prefetched), each as "category: description"."""
    lines = []
    for bottleneck in breakthrough.location.bottlenecks.all():
        if timezone.localdate(bottleneck.created_at) > breakthrough.occurred_on:
            continue
        label = (
            BottleneckCategory(bottleneck.category).label
            if bottleneck.category in BottleneckCategory.values
            else bottleneck.category
        )
        lines.append(f"{label}: {bottleneck.description[:200]}")
    return lines


def breakthrough_lines(
    locations: QuerySet[Location], programmes: list[Programme]
) -> list[BreakthroughLine]:
    """Every counted breakthrough of `locations`, oldest first, in words (two
    queries: the breakthroughs with their locations, and those locations'
    bottlenecks)."""
    return [
        BreakthroughLine(
            location=breakthrough.location.name,
            occurred_on=breakthrough.occurred_on,
            kind=breakthrough.kind,
            kind_label=str(BreakthroughKind(breakthrough.kind).label),
            what=describe(breakthrough),
            broke=what_it_broke(breakthrough),
        )
        for breakthrough in counted_breakthroughs(locations, programmes)
        .select_related("location")
        .prefetch_related(
            Prefetch(
                "location__bottlenecks",
                queryset=Bottleneck.objects.order_by("created_at", "pk"),
            )
        )
        .order_by("occurred_on", "location__name", "pk")
    ]
