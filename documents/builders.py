"""Context builders: what each document says, gathered in a fixed number of queries.
Each returns the template context and the structured data (embedded as JSON and hashed
to recognise an unchanged document)."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.audience import Audience, audit_events_for
from casework.breakthroughs import breakthrough_lines
from casework.constants import (
    COMMITMENT_OWED,
    CommitmentStatus,
    Instrument,
    Stage,
    VersionStatus,
)
from casework.dashboard import PAGE_HEATMAP_LOCATIONS, dashboard_page_context
from casework.models import (
    AgreementVersion,
    Approval,
    Bottleneck,
    BottleneckAction,
    Commitment,
    DeadlineEvent,
    Designation,
    Escalation,
    ImpasseSignal,
    Location,
    Programme,
)
from casework.panels import open_commitments_by_party
from casework.portfolio import portfolio_figures
from casework.selectors import (
    deadline_events_with_resolution,
    location_bottlenecks,
    parties_with_signatories,
)
from evidence.selectors import with_citations

from .dossier_sections import dossier_sections

F = TypeVar("F", bound=Callable[..., Any])

# The language documents are drawn up in: official documents are Dutch whatever
# language the requesting user reads the interface in.
DOCUMENT_LANGUAGE = "nl"


def in_document_language(builder: F) -> F:
    """Build a document's context with the document's language active, so that the
    texts the builder translates match the template's."""

    @wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Any:
        with translation.override(DOCUMENT_LANGUAGE):
            return builder(*args, **kwargs)

    return build  # type: ignore[return-value]


def data_sha256(data: Any) -> str:
    canonical = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@in_document_language
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


@in_document_language
def progress_context(
    locations: QuerySet[Location], programme: Programme | None = None
) -> tuple[dict, dict]:
    """The progress report to parliament: the dashboard's figures, tables and charts
    (built by the dashboard's own `dashboard_page_context`), with the heatmap's table
    over every location with open bottlenecks, and every location listed.

    Per programme: with `programme`, over its locations (of `locations`) against its
    targets; targets of different programmes are never summed."""
    if programme is not None:
        locations = locations.filter(programme=programme)
    figures = portfolio_figures(locations, programme=programme)
    page = dashboard_page_context(figures, heatmap_chart_rows=PAGE_HEATMAP_LOCATIONS)
    lines = breakthrough_lines(locations, figures.programmes)
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
    heatmap_rows = [
        {
            "name": row.name,
            "total": row.total,
            "cells": [
                {"label": category["label"], "count": count}
                for category, count in zip(page["categories"], row.counts, strict=True)
                if count
            ],
        }
        for row in page["heatmap_rows"]
    ]
    data = {
        "programme": programme.slug if programme is not None else None,
        "as_of": figures.as_of.isoformat(),
        "locations_total": figures.locations_total,
        "locations_by_stage": figures.locations_by_stage,
        "homes_target": figures.homes_target,
        "homes_accelerated": figures.homes_accelerated,
        "locations_homes_unknown": figures.locations_homes_unknown,
        "accelerated_homes_unknown": figures.accelerated_homes_unknown,
        "breakthroughs_by_year": figures.breakthroughs_by_year,
        "breakthrough_targets": figures.breakthrough_targets,
        "breakthroughs": [
            [line.location, line.occurred_on.isoformat(), line.kind] for line in lines
        ],
        "homes_under_construction": figures.homes_under_construction,
        "open_impasses": figures.open_impasses,
        "locations_with_open_impasses": figures.locations_with_open_impasses,
        "overdue_tasks": figures.overdue_tasks,
        "overdue_approvals": figures.overdue_approvals,
        "overdue_actions": figures.overdue_actions,
        "overdue_commitments": figures.overdue_commitments,
        "days_in_stage_average": figures.days_in_stage_average,
        "days_in_stage_longest": figures.days_in_stage_longest,
        "stage_durations": [
            [d.stage, d.locations, d.average_days, d.longest_days]
            for d in figures.stage_durations
        ],
        "bottlenecks_by_category": figures.bottlenecks_by_category,
        "bottleneck_heatmap": [
            {
                "location": cell["location"],
                "category": cell["category"],
                "count": cell["count"],
            }
            for cell in figures.bottleneck_heatmap
        ],
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
        **page,
        "title": (
            _("Voortgangsrapportage %(programme)s") % {"programme": programme.name}
            if programme is not None
            else _("Voortgangsrapportage doorbraakaanpak")
        ),
        "programme": programme,
        "figures": figures,
        "breakthrough_lines": lines,
        "rows": rows,
        "heatmap_table": heatmap_rows,
    }
    return context, data


@in_document_language
def dossier_context(location: Location, audience: Audience) -> tuple[dict, dict]:
    """Everything about one location, as its page shows it to `audience`: the facts,
    the parties, who holds the ball (the sections other apps register, e.g. the
    approval rounds and open actions of `workflows`), the open commitments per party,
    the breakthrough agenda with its actions, the agreements and the whole history.
    Each part is read by the selector the page's panel uses; the parties' version
    leaves out the internal facts (casework.audience)."""
    location = (
        Location.objects.select_related("programme")
        .prefetch_related(parties_with_signatories())
        .get(pk=location.pk)
    )
    history = list(
        audit_events_for(location.audit_events.all(), audience)
        .select_related("actor")
        .order_by("at", "id")
    )
    bottlenecks = list(
        location_bottlenecks(location).prefetch_related(
            Prefetch(
                "actions",
                queryset=BottleneckAction.objects.select_related(
                    "assignee__organisation"
                ).order_by("due_on", "id"),
            )
        )
    )
    actions = [
        action for bottleneck in bottlenecks for action in bottleneck.actions.all()
    ]
    commitments = open_commitments_by_party(location)
    evidence = list(
        with_citations(location.evidence_files.all()).order_by("uploaded_at", "pk")
    )
    sections = dossier_sections(location)
    versions = list(
        AgreementVersion.objects.filter(agreement__location=location)
        .select_related("agreement")
        .prefetch_related("approvals__organisation")
        .order_by("agreement__kind", "number")
    )
    data = {
        "location": location.pk,
        "audience": audience.value,
        "stage": location.stage,
        "history": [
            [event.at.isoformat(), event.action, event.transition, event.reason]
            for event in history
        ],
        "bottlenecks": [[b.pk, b.category, b.status] for b in bottlenecks],
        "actions": [[a.pk, a.status, a.due_on.isoformat()] for a in actions],
        "open_commitments": [
            [
                item.commitment.pk,
                item.commitment.status,
                item.due.isoformat(),
                item.overdue,
            ]
            for party in commitments
            for item in party.items
        ],
        "versions": [[v.pk, v.status, v.sha256] for v in versions],
        "evidence": _evidence_data(evidence),
        "sections": {section["name"]: section["data"] for section in sections},
    }
    context = {
        "title": (
            _("Locatiedossier %(name)s (intern)")
            if audience.internal
            else _("Locatiedossier %(name)s")
        )
        % {"name": location.name},
        "location": location,
        "history": history,
        "bottlenecks": bottlenecks,
        "actions": actions,
        "commitments": commitments,
        "evidence": evidence,
        "sections": sections,
        "versions": versions,
        "generated_on": timezone.localdate(),
    }
    return context, data


# --- The escalation branch (design §4) ------------------------------------------------

# What each Omgevingswet instrument is, as facts to show (not legal advice).
INSTRUMENT_NOTES = {
    "instruction": _(
        "Een bindende, eenmalige instructie aan een ander bestuursorgaan, bijvoorbeeld "
        "aan de gemeenteraad om de locatie in het omgevingsplan de functie ‘wonen’ te "
        "geven. Het nationaal belang moet al in een openbaar document zijn genoemd. De "
        "gemeente wijzigt daarna haar omgevingsplan met de uitgebreide openbare "
        "voorbereidingsprocedure (afdeling 3.4 Awb)."
    ),
    "project_decision": _(
        "Een projectbesluit (artikelen 5.44-5.55 Omgevingswet; procedure artikelen "
        "16.70-16.73): kennisgeving, participatie, verkenning, een ontwerp dat ter "
        "inzage ligt voor zienswijzen, en het besluit, dat het omgevingsplan "
        "rechtstreeks wijzigt (artikel 5.52). Beroep staat open bij de Raad van State."
    ),
    "preparatory_decision": _(
        "Een voorbereidingsbesluit (artikel 4.16 Omgevingswet): tijdelijke, "
        "beschermende regels in het omgevingsplan terwijl een instructie of "
        "planwijziging wordt voorbereid. Het kan aan de andere instrumenten voorafgaan."
    ),
}


def _evidence_data(evidence) -> list[list]:
    """The evidence files of a dossier in its data: each by id, name and SHA-256, with
    what cites it."""
    return [
        [
            file.pk,
            file.original_name,
            file.sha256,
            [[c.subject_kind, c.subject_id] for c in file.citations.all()],
        ]
        for file in evidence
    ]


def _person(user) -> str:
    if user is None:
        return _("systeem")
    return user.get_full_name() or user.get_username()


@in_document_language
def evidence_dossier_context(escalation: Escalation) -> tuple[dict, dict]:
    """The evidence dossier of an escalation: timeline, bottlenecks, missed deadlines,
    rejected versions with their reasons and who waits on whom. For the ministry and
    case managers only (not for the parties). Eleven queries, whatever the history."""
    escalation = Escalation.objects.select_related("opened_by").get(pk=escalation.pk)
    location = (
        Location.objects.select_related("programme")
        .prefetch_related(parties_with_signatories())
        .get(pk=escalation.location_id)
    )
    today = timezone.localdate()
    history = list(
        location.audit_events.filter(at__lte=escalation.opened_at + _GRACE)
        .select_related("actor")
        .order_by("at", "id")
    )
    bottlenecks = list(
        Bottleneck.objects.filter(location=location)
        .select_related("owner__organisation")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=BottleneckAction.objects.select_related(
                    "assignee__organisation"
                ).order_by("due_on", "id"),
            )
        )
        .order_by("created_at", "id")
    )
    missed = list(
        deadline_events_with_resolution(
            DeadlineEvent.objects.filter(location=location, event="overdue")
        )
        .select_related("organisation")
        .order_by("due_on", "id")
    )
    late_commitments = list(
        Commitment.objects.filter(
            # The ledger's due date (after an extension, the new one); disputed ones
            # are owed again.
            Q(extended_due_date__lt=today)
            | Q(extended_due_date__isnull=True, due_date__lt=today),
            version__agreement__location=location,
            version__status=VersionStatus.CONCLUDED,
            status__in=COMMITMENT_OWED,
        )
        .select_related("owner__organisation", "version__agreement")
        .order_by("due_date", "id")
    )
    rejected = list(
        AgreementVersion.objects.filter(
            agreement__location=location, status=VersionStatus.REJECTED
        )
        .select_related("agreement")
        .prefetch_related(
            Prefetch(
                "approvals",
                queryset=Approval.objects.filter(decision="reject")
                .select_related("organisation", "decided_by")
                .order_by("decided_at", "id"),
                to_attr="rejections",
            )
        )
        .order_by("agreement__kind", "number")
    )
    evidence = list(
        with_citations(
            location.evidence_files.filter(
                uploaded_at__lte=escalation.opened_at + _GRACE
            )
        ).order_by("uploaded_at", "pk")
    )
    signals = list(
        ImpasseSignal.objects.filter(escalation=escalation)
        .select_related("waiting_on")
        .order_by("opened_at", "id")
    )
    dependencies = list(
        Commitment.objects.filter(
            version__agreement__location=location,
            version__status__in=[VersionStatus.CONCLUDED, VersionStatus.IN_APPROVAL],
            status__in=[CommitmentStatus.OPEN, CommitmentStatus.OVERDUE],
        )
        .select_related("owner__organisation")
        .prefetch_related("depends_on__owner__organisation")
        .order_by("id")
    )
    waits = [
        {
            "organisation": commitment.owner.organisation.name,
            "commitment": commitment.description,
            "waits_on": other.owner.organisation.name,
            "other": other.description,
        }
        for commitment in dependencies
        for other in commitment.depends_on.all()
        if other.status in (CommitmentStatus.OPEN, CommitmentStatus.OVERDUE)
    ]
    data = {
        "location": {"id": location.pk, "name": location.name},
        "escalation": {
            "id": escalation.pk,
            "opened_at": escalation.opened_at.isoformat(),
            "opened_by": _person(escalation.opened_by),
            "reason": escalation.reason,
        },
        "stage_before": next(
            (e.from_stage for e in reversed(history) if e.transition == "escalate"),
            "",
        ),
        "timeline": [
            [event.at.isoformat(), event.action, event.transition, event.reason]
            for event in history
        ],
        "bottlenecks": [
            [b.category, b.status, b.description, [a.status for a in b.actions.all()]]
            for b in bottlenecks
        ],
        "missed_deadlines": [
            [
                e.due_on.isoformat(),
                e.organisation.name if e.organisation else "",
                e.description,
                e.done_at is None,
            ]
            for e in missed
        ],
        "late_commitments": [
            [c.due_date.isoformat(), c.owner.organisation.name, c.description]
            for c in late_commitments
        ],
        "rejected_versions": [
            {
                "agreement": v.agreement.title,
                "kind": v.agreement.kind,
                "version": v.number,
                "rejections": [
                    {
                        "organisation": a.organisation.name,
                        "by": _person(a.decided_by),
                        "at": a.decided_at.isoformat(),
                        "reason": a.comment,
                    }
                    for a in v.rejections
                ],
            }
            for v in rejected
        ],
        "impasse_signals": [
            [s.rule, s.message, s.waiting_on.name if s.waiting_on else ""]
            for s in signals
        ],
        "waits": waits,
        "evidence": _evidence_data(evidence),
    }
    context = {
        "title": _("Bewijsdossier escalatie %(name)s") % {"name": location.name},
        "evidence": evidence,
        "location": location,
        "escalation": escalation,
        "history": history,
        "bottlenecks": bottlenecks,
        "missed": missed,
        "late_commitments": late_commitments,
        "rejected": rejected,
        "signals": signals,
        "waits": waits,
        "content_sha256": data_sha256(data),
        "generated_on": today,
    }
    return context, data


# The dossier is frozen right after the escalation commits: its own events (the
# transition) belong in its timeline.
_GRACE = datetime.timedelta(minutes=5)


@in_document_language
def designation_decision_context(
    designation: Designation, *, final: bool, response: str = ""
) -> tuple[dict, dict]:
    """The draft (open for views) or final designation decision. The final one lists
    every view received and the ministry's response to them, and names the hash of
    the draft it follows from. Five queries."""
    designation = Designation.objects.select_related("escalation").get(
        pk=designation.pk
    )
    location = (
        Location.objects.select_related("programme")
        .prefetch_related(parties_with_signatories())
        .get(pk=designation.location_id)
    )
    escalation = designation.escalation
    views = list(designation.views.order_by("received_on", "id")) if final else []
    started_on = timezone.localdate(designation.started_at)
    # The day the ministry took the decision (its PDF is made a moment later).
    decided_on = (
        timezone.localdate(designation.decided_at or timezone.now()) if final else None
    )
    instrument = Instrument(designation.instrument)
    data = {
        "kind": "final_designation" if final else "draft_designation",
        "location": {"id": location.pk, "name": location.name},
        "designation": designation.pk,
        "instrument": designation.instrument,
        "legal_basis": designation.legal_basis,
        "national_interest": designation.national_interest,
        "consultation": {
            "from": designation.consultation_starts_on.isoformat()
            if designation.consultation_starts_on
            else None,
            "until": designation.consultation_ends_on.isoformat()
            if designation.consultation_ends_on
            else None,
            "views_until": designation.views_until.isoformat()
            if designation.views_until
            else None,
            "notice": {
                "published_on": designation.notice_published_on.isoformat(),
                "journal": designation.notice_journal,
                "reference": designation.notice_reference,
                "open_on": designation.draft_open_on.isoformat()
                if designation.draft_open_on
                else None,
            }
            if designation.notice_published_on
            else None,
        },
        "escalation": {
            "reason": escalation.reason,
            "consultation_held_on": escalation.consultation_held_on.isoformat()
            if escalation.consultation_held_on
            else None,
            "consultation_outcome": escalation.consultation_outcome,
        },
        "parties": [p.organisation.name for p in location.parties.all()],
    }
    if final:
        data.update(
            draft_sha256=designation.draft_sha256,
            decided_on=decided_on.isoformat(),
            views=[
                {
                    "id": view.pk,
                    "submitted_by": view.submitted_by,
                    "channel": view.channel,
                    "sent_on": view.sent_on.isoformat() if view.sent_on else None,
                    "received_on": view.received_on.isoformat(),
                    "late": view.late,
                    "summary": view.summary,
                    "answer": view.answer,
                }
                for view in views
            ],
            response=response,
        )
    title = (
        _("Aanwijzingsbesluit %(name)s")
        if final
        else _("Ontwerp-aanwijzingsbesluit %(name)s")
    ) % {"name": location.name}
    context = {
        "title": title,
        "final": final,
        "location": location,
        "designation": designation,
        "escalation": escalation,
        "instrument_label": instrument.label,
        "instrument_note": INSTRUMENT_NOTES[instrument.value],
        "started_on": started_on,
        "decided_on": decided_on,
        "views": views,
        "response": response,
        "content_sha256": data_sha256(data),
    }
    return context, data
