"""Context builders: what each document says, gathered in a fixed number of queries.
Each returns the template context and the structured data (embedded as JSON and hashed
to recognise an unchanged document)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.constants import MAIN_PATH, Stage
from casework.models import (
    AgreementVersion,
    Approval,
    Bottleneck,
    BottleneckAction,
    Commitment,
    Location,
    VersionStatus,
)
from casework.portfolio import portfolio_figures
from casework.selectors import parties_with_signatories

from . import charts


def data_sha256(data: Any) -> str:
    canonical = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def agreement_context(version: AgreementVersion) -> tuple[dict, dict]:
    version = (
        AgreementVersion.objects.select_related("agreement__location__programme")
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("owner__organisation")
                .prefetch_related("depends_on")
                .order_by("owner__organisation__name", "due_date", "id"),
            ),
            Prefetch(
                "approvals",
                queryset=Approval.objects.select_related(
                    "organisation", "decided_by"
                ).order_by("decided_at", "id"),
            ),
        )
        .get(pk=version.pk)
    )
    agreement = version.agreement
    location = agreement.location
    parties = list(
        location.parties.select_related("organisation").order_by("organisation__name")
    )
    commitments = list(version.commitments.all())
    numbers = {commitment.pk: index for index, commitment in enumerate(commitments, 1)}
    by_party: dict[int, list] = defaultdict(list)
    for commitment in commitments:
        by_party[commitment.owner.organisation_id].append(
            {
                "number": numbers[commitment.pk],
                "description": commitment.description,
                "due_date": commitment.due_date,
                "depends_on": sorted(
                    numbers[c.pk] for c in commitment.depends_on.all()
                ),
            }
        )
    approvals = list(version.approvals.all())
    data = {
        "location": {"id": location.pk, "name": location.name},
        "agreement": {
            "id": agreement.pk,
            "kind": agreement.kind,
            "title": agreement.title,
        },
        "version": version.number,
        "status": version.status,
        "sha256": version.sha256,
        "text": version.text,
        "parties": [
            {
                "organisation": p.organisation.name,
                "kind": p.organisation.kind,
                "role": p.role,
            }
            for p in parties
        ],
        "commitments": [
            {
                "number": numbers[c.pk],
                "party": c.owner.organisation.name,
                "description": c.description,
                "due_date": c.due_date.isoformat(),
                "depends_on": sorted(numbers[d.pk] for d in c.depends_on.all()),
            }
            for c in commitments
        ],
        "approvals": [
            {
                "organisation": a.organisation.name,
                "decision": a.decision,
                "signatory": a.decided_by.get_full_name() or a.decided_by.username,
                "decided_at": a.decided_at.isoformat(),
            }
            for a in approvals
        ],
        "concluded_at": version.concluded_at.isoformat()
        if version.concluded_at
        else None,
    }
    context = {
        "title": f"{agreement.title} — {_('versie')} {version.number}",
        "version": version,
        "agreement": agreement,
        "location": location,
        "parties": [
            {"party": party, "commitments": by_party.get(party.organisation_id, [])}
            for party in parties
        ],
        "approvals": approvals,
        "is_concluded": version.status == VersionStatus.CONCLUDED,
    }
    return context, data


def progress_context(locations: QuerySet[Location]) -> tuple[dict, dict]:
    figures = portfolio_figures(locations)
    rows = list(
        locations.select_related("programme")
        .order_by("name", "pk")
        .values(
            "pk",
            "name",
            "municipality",
            "province",
            "stage",
            "planned_homes",
            "stage_changed_at",
        )
    )
    stage_labels = dict(Stage.choices)
    for row in rows:
        row["stage_label"] = stage_labels[row["stage"]]
    funnel = [
        charts.Bar(str(stage.label), figures.locations_by_stage[stage.value])
        for stage in [
            *MAIN_PATH,
            Stage.ESCALATED,
            Stage.DESIGNATION_PROCEDURE,
            Stage.DESIGNATED,
            Stage.WITHDRAWN,
        ]
    ]
    years = sorted(
        set(figures.breakthroughs_by_year) | set(figures.breakthrough_targets)
    )
    breakthroughs = [
        charts.Bar(
            year,
            figures.breakthroughs_by_year.get(year, 0),
            figures.breakthrough_targets.get(year),
        )
        for year in years
    ]
    data = {
        "as_of": figures.as_of.isoformat(),
        "locations_total": figures.locations_total,
        "locations_by_stage": figures.locations_by_stage,
        "homes_target": figures.homes_target,
        "homes_accelerated": figures.homes_accelerated,
        "locations_homes_unknown": figures.locations_homes_unknown,
        "breakthroughs_by_year": figures.breakthroughs_by_year,
        "breakthrough_targets": figures.breakthrough_targets,
        "overdue_tasks": figures.overdue_tasks,
        "overdue_commitments": figures.overdue_commitments,
        "locations": [
            {
                "id": row["pk"],
                "name": row["name"],
                "stage": row["stage"],
                "planned_homes": row["planned_homes"],
                "stage_changed_at": row["stage_changed_at"].isoformat(),
            }
            for row in rows
        ],
    }
    context = {
        "title": _("Voortgangsrapportage doorbraakaanpak"),
        "figures": figures,
        "rows": rows,
        "funnel": funnel,
        "breakthroughs": breakthroughs,
        "homes_chart": charts.progress_bar(
            title=_("Woningen in versnelde planvorming"),
            value=figures.homes_accelerated,
            target=figures.homes_target,
            unit=_("woningen"),
        ),
        "funnel_chart": charts.horizontal_bars(
            title=_("Locaties per fase"), bars=funnel
        ),
        "breakthrough_chart": charts.columns_with_targets(
            title=_("Doorbraken per jaar"), bars=breakthroughs
        ),
    }
    return context, data


def dossier_context(location: Location) -> tuple[dict, dict]:
    location = (
        Location.objects.select_related("programme")
        .prefetch_related(parties_with_signatories())
        .get(pk=location.pk)
    )
    history = list(location.audit_events.select_related("actor").order_by("at", "id"))
    bottlenecks = list(
        Bottleneck.objects.filter(location=location)
        .select_related("owner__organisation")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=BottleneckAction.objects.select_related(
                    "assignee__organisation"
                ),
            )
        )
        .order_by("created_at", "id")
    )
    versions = list(
        AgreementVersion.objects.filter(agreement__location=location)
        .select_related("agreement")
        .prefetch_related("approvals__organisation")
        .order_by("agreement__kind", "number")
    )
    parties = list(location.parties.all())
    awaiting = []
    for version in versions:
        if version.status == VersionStatus.IN_APPROVAL:
            decided = {approval.organisation_id for approval in version.approvals.all()}
            awaiting.extend(
                {"version": version, "organisation": party.organisation}
                for party in parties
                if party.organisation_id not in decided
            )
    open_actions = [
        action
        for bottleneck in bottlenecks
        for action in bottleneck.actions.all()
        if action.status in ("open", "done_reported", "help_requested")
    ]
    data = {
        "location": location.pk,
        "stage": location.stage,
        "history": [
            [event.at.isoformat(), event.action, event.transition, event.reason]
            for event in history
        ],
        "bottlenecks": [[b.pk, b.category, b.status] for b in bottlenecks],
        "actions": [[a.pk, a.status, a.due_on.isoformat()] for a in open_actions],
        "versions": [[v.pk, v.status, v.sha256] for v in versions],
        "awaiting": [[a["version"].pk, a["organisation"].pk] for a in awaiting],
    }
    context = {
        "title": _("Locatiedossier %(name)s") % {"name": location.name},
        "location": location,
        "history": history,
        "bottlenecks": bottlenecks,
        "versions": versions,
        "awaiting": awaiting,
        "open_actions": open_actions,
        "generated_on": timezone.localdate(),
    }
    return context, data
