"""Breakthroughs as recorded events (design §2).

A breakthrough is a dated fact of a location: the knot that was cut. It is recorded
when it happens, in the transaction of the transition that made it (a receiver of
`location_transitioned`): a concluded heads of agreement or administrative agreement,
or a decision to intervene that became final (`designate`: the designation decided and
published). Which breakthroughs count is the rule of the location's programme
(`Programme.breakthrough_rule`), and a location counts once per year however many it
had that year. The dashboard, the API and the progress report read these events.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
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
    VersionStatus,
)

# The transition that records each kind of breakthrough.
RECORDED_BY = {
    TransitionName.CONCLUDE_HEADS_OF_AGREEMENT: BreakthroughKind.HEADS_OF_AGREEMENT,
    TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT: (
        BreakthroughKind.ADMINISTRATIVE_AGREEMENT
    ),
    TransitionName.DESIGNATE: BreakthroughKind.INTERVENTION_FINAL,
}
AGREEMENT_OF = {
    BreakthroughKind.HEADS_OF_AGREEMENT: AgreementKind.HEADS_OF_AGREEMENT,
    BreakthroughKind.ADMINISTRATIVE_AGREEMENT: AgreementKind.ADMINISTRATIVE_AGREEMENT,
}


def _agenda(location: Location) -> list[list[Any]]:
    """The bottlenecks on the location's agenda when the knot was cut: what the
    breakthrough broke (id, category, the description's first 200 characters)."""
    return [
        [pk, category, description[:200]]
        for pk, category, description in Bottleneck.objects.filter(location=location)
        .order_by("created_at", "pk")
        .values_list("pk", "category", "description")
    ]


@transaction.atomic
def breakthrough_record(
    *,
    location: Location,
    kind: str,
    source: str,
    data: dict[str, Any],
    occurred_on: datetime.date | None = None,
) -> Breakthrough:
    """Record a breakthrough of `location` (once per `kind` and `source`: recording
    the same fact again returns the row recorded before)."""
    if kind not in BreakthroughKind.values:
        raise ValueError(f"unknown kind of breakthrough: {kind}")
    breakthrough, _created = Breakthrough.objects.get_or_create(
        location=location,
        kind=kind,
        source=source,
        defaults={
            "occurred_on": occurred_on or timezone.localdate(),
            "data": {**data, "bottlenecks": _agenda(location)},
        },
    )
    return breakthrough


def record_transition_breakthrough(
    sender, *, location: Location, transition: str, data: dict, **kwargs
) -> None:
    """`location_transitioned` receiver: the transitions that cut a knot record their
    breakthrough in their own transaction."""
    kind = RECORDED_BY.get(transition)
    if kind is None:
        return
    if kind in AGREEMENT_OF:
        # The version whose last approval concluded it (frozen right after the
        # transition, in the same transaction).
        version = (
            AgreementVersion.objects.filter(
                agreement__location=location,
                agreement__kind=AGREEMENT_OF[kind],
                status__in=[VersionStatus.IN_APPROVAL, VersionStatus.CONCLUDED],
            )
            .select_related("agreement")
            .order_by("-number")
            .first()
        )
        if version is None:  # pragma: no cover - the guard asked for it
            return
        breakthrough_record(
            location=location,
            kind=kind,
            source=f"version:{version.pk}",
            data={
                "agreement": version.agreement_id,
                "version": version.number,
                "title": version.agreement.title,
                "parties": location.parties.count(),
            },
        )
        return
    breakthrough_record(
        location=location,
        kind=kind,
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
            "%(kind)s ‘%(title)s’, versie %(version)s: goedgekeurd door alle "
            "%(parties)s partijen."
        ) % {
            "kind": AgreementKind(AGREEMENT_OF[breakthrough.kind]).label,
            "title": data.get("title", ""),
            "version": data.get("version", ""),
            "parties": data.get("parties", ""),
        }
    instrument = data.get("instrument")
    return _("Aanwijzing genomen en bekendgemaakt (%(instrument)s).") % {
        "instrument": Instrument(instrument).label
        if instrument in Instrument.values
        else "—"
    }


def what_it_broke(breakthrough: Breakthrough) -> list[str]:
    """The bottlenecks that were on the agenda, each as "category: description"."""
    lines = []
    for _pk, category, description in (breakthrough.data or {}).get("bottlenecks", []):
        label = (
            BottleneckCategory(category).label
            if category in BottleneckCategory.values
            else category
        )
        lines.append(f"{label}: {description}")
    return lines


def breakthrough_lines(
    locations: QuerySet[Location], programmes: list[Programme]
) -> list[BreakthroughLine]:
    """Every counted breakthrough of `locations`, oldest first, in words (one query)."""
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
        .order_by("occurred_on", "location__name", "pk")
    ]
