"""What happened at a location, as one timeline: stage changes, decisions on agreements,
escalations and consultations, deadlines that passed, the breakthrough agenda, and
(from the apps built on casework) documents that were frozen.

Casework reads its own audit trail; an app that knows more about a location (documents)
adds a source with `register_timeline_source` from its `AppConfig.ready()`, as it adds
panels to the location page: casework never imports the apps above it.

A timeline is told to an audience (`casework.audience`): the parties' timeline leaves
out the internal facts (the evidence dossier, the escalation branch's own tasks) and
the signals an escalation cited; every source is given the audience too.

Queries: one for the audit trail (with actors and the kinds of the agreements it
mentions), one per registered source, and one for the path through the stages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audience import Audience, audit_events_for, event_data_for
from .constants import (
    AgreementKind,
    AuditAction,
    BottleneckCategory,
    ConsultationOutcome,
    DeadlineKind,
    Decision,
    Instrument,
    Stage,
)
from .diagram import StageStep
from .models import Agreement, AuditEvent, Location

# What the timeline shows first of each kind of entry (a badge, in words).
KIND_LABELS = {
    "stage": gettext_lazy("Fase"),
    "escalation": gettext_lazy("Escalatie"),
    "designation": gettext_lazy("Aanwijzing"),
    "consultation": gettext_lazy("Bestuurlijk overleg"),
    "agreement": gettext_lazy("Overeenkomst"),
    "approval": gettext_lazy("Goedkeuring"),
    "rejection": gettext_lazy("Afwijzing"),
    "document": gettext_lazy("Document"),
    "deadline": gettext_lazy("Termijn verstreken"),
    "agenda": gettext_lazy("Doorbraak-agenda"),
    "location": gettext_lazy("Gegevens"),
    "evidence": gettext_lazy("Bewijs"),
    "construction": gettext_lazy("Bouw"),
}

# A stage change said as what happened (past tense).
TRANSITION_DONE = {
    "select": gettext_lazy("Geselecteerd als doorbraaklocatie"),
    "start_analysis": gettext_lazy("Knelpuntenanalyse gestart"),
    "start_negotiation": gettext_lazy("Onderhandeling gestart"),
    "conclude_heads_of_agreement": gettext_lazy("Hoofdlijnenakkoord vastgesteld"),
    "conclude_administrative_agreement": gettext_lazy(
        "Bestuurlijke overeenkomst gesloten: de doorbraak"
    ),
    "escalate": gettext_lazy("Geëscaleerd naar bestuurlijk overleg"),
    "resume_negotiation": gettext_lazy("Onderhandeling hervat"),
    "start_designation": gettext_lazy("Aanwijzingsprocedure gestart"),
    "designate": gettext_lazy("Aangewezen door de minister"),
    "withdraw": gettext_lazy("Afgevoerd uit het programma"),
}
TRANSITION_KIND = {
    "escalate": "escalation",
    "start_designation": "designation",
    "designate": "designation",
}

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened, in words."""

    at: datetime.datetime
    kind: str
    title: str
    detail: str = ""
    reason: str = ""
    actor: str = ""  # empty: the system (the workflow)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass
class Timeline:
    entries: list[TimelineEntry]  # newest first
    truncated: bool
    limit: int


TimelineSource = Callable[[Location, int, Audience], Iterable[TimelineEntry]]
_sources: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    """Add (or replace, by name) entries of another app: `source(location, limit,
    audience)` returns at most `limit` entries for `audience`, in one query."""
    _sources[name] = source


def timeline_sources() -> list[str]:
    return sorted(_sources)


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _day(value: str | datetime.date | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, "j F Y")


def _stage(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


def _version(event: AuditEvent) -> str:
    data = event.data or {}
    kind = getattr(event, "agreement_kind", None) or data.get("kind")
    number = data.get("version")
    if kind in AgreementKind.values and number:
        return _("%(kind)s, versie %(number)s") % {
            "kind": AgreementKind(kind).label,
            "number": number,
        }
    if number:
        return _("versie %(number)s") % {"number": number}
    return str(AgreementKind(kind).label) if kind in AgreementKind.values else ""


def _transition_entry(event: AuditEvent, data: dict) -> tuple[str, str, str]:
    title = str(TRANSITION_DONE.get(event.transition, event.transition))
    details = [
        _("Van ‘%(from)s’ naar ‘%(to)s’.")
        % {"from": _stage(event.from_stage), "to": _stage(event.to_stage)}
    ]
    if event.transition == "escalate" and data.get("impasse_messages"):
        details.append(
            _("Aangehaalde impassesignalen: %(signals)s")
            % {"signals": "; ".join(data["impasse_messages"])}
        )
    if event.transition == "start_designation":
        if data.get("instrument") in Instrument.values:
            details.append(
                _("Instrument: %(instrument)s.")
                % {"instrument": Instrument(data["instrument"]).label}
            )
        if data.get("consultation_ends_on"):
            details.append(
                _("Zienswijzetermijn tot en met %(date)s.")
                % {"date": _day(data["consultation_ends_on"])}
            )
    return TRANSITION_KIND.get(event.transition, "stage"), title, " ".join(details)


# The bottleneck lifecycle and the commitment ledger (casework.services.ledger).
LIFECYCLE_ACTIONS = frozenset(
    {
        AuditAction.BOTTLENECK_UPDATED,
        AuditAction.BOTTLENECK_RESOLUTION_REPORTED,
        AuditAction.BOTTLENECK_RESOLVED,
        AuditAction.BOTTLENECK_RETURNED,
        AuditAction.BOTTLENECK_REOPENED,
    }
)
LEDGER_ACTIONS = frozenset(
    {
        AuditAction.COMMITMENT_REPORTED,
        AuditAction.COMMITMENT_CONFIRMED,
        AuditAction.COMMITMENT_DISPUTED,
        AuditAction.COMMITMENT_WAIVED,
        AuditAction.COMMITMENT_EXTENDED,
    }
)


def entry_for_event(event: AuditEvent, audience: Audience) -> TimelineEntry:
    """An audit event in words, as `audience` may read it."""
    data = event_data_for(event, audience)
    action = event.action
    organisation = data.get("organisation_name") or data.get("organisation") or ""
    kind, title, detail = "location", str(event.get_action_display()), ""
    if action == AuditAction.TRANSITION:
        kind, title, detail = _transition_entry(event, data)
    elif action == AuditAction.APPROVAL_RECORDED:
        approved = data.get("decision") == Decision.APPROVE
        kind = "approval" if approved else "rejection"
        title = (
            _("%(organisation)s keurde %(version)s goed")
            if approved
            else _("%(organisation)s wees %(version)s af")
        ) % {"organisation": organisation, "version": _version(event)}
    elif action == AuditAction.AGREEMENT_REJECTED:
        kind = "rejection"
        title = _("%(version)s afgewezen: de goedkeuringsronde is gesloten") % {
            "version": _version(event)
        }
    elif action == AuditAction.AGREEMENT_CONCLUDED:
        kind = "document"
        title = _("%(version)s vastgesteld en bevroren") % {"version": _version(event)}
        if data.get("sha256"):
            detail = _("SHA-256 van de inhoud: %(hash)s") % {"hash": data["sha256"]}
    elif action == AuditAction.AGREEMENT_SUBMITTED:
        kind = "agreement"
        title = _("%(version)s ter goedkeuring aangeboden aan alle partijen") % {
            "version": _version(event)
        }
    elif action == AuditAction.AGREEMENT_DRAFTED:
        kind = "agreement"
        title = _("%(version)s opgesteld") % {"version": _version(event)}
    elif action == AuditAction.CONSULTATION_RECORDED:
        kind = "consultation"
        outcome = data.get("outcome")
        title = _("Bestuurlijk overleg van %(date)s vastgelegd: %(outcome)s") % {
            "date": _day(data.get("held_on")),
            "outcome": ConsultationOutcome(outcome).label
            if outcome in ConsultationOutcome.values
            else outcome,
        }
        if data.get("participants"):
            detail = _("Deelnemers: %(participants)s") % {
                "participants": data["participants"]
            }
    elif action == AuditAction.DEADLINE_PASSED:
        kind = "deadline"
        what = data.get("kind")
        title = _("Termijn van %(date)s verstreken: %(what)s") % {
            "date": _day(data.get("due_on")),
            "what": str(DeadlineKind(what).label).lower()
            if what in DeadlineKind.values
            else what,
        }
        if organisation:
            detail = _("Wacht op %(organisation)s.") % {"organisation": organisation}
    elif action == AuditAction.BOTTLENECK_CREATED:
        kind = "agenda"
        category = data.get("category")
        title = _("Knelpunt geregistreerd: %(category)s") % {
            "category": BottleneckCategory(category).label
            if category in BottleneckCategory.values
            else category
        }
    elif action in LIFECYCLE_ACTIONS:
        kind = "agenda"
        category = data.get("category")
        if category in BottleneckCategory.values:
            title = _("%(what)s: %(category)s") % {
                "what": title,
                "category": BottleneckCategory(category).label,
            }
    elif action in LEDGER_ACTIONS:
        kind = "agreement"
        if organisation:
            title = _("%(what)s (%(organisation)s)") % {
                "what": title,
                "organisation": organisation,
            }
        if action == AuditAction.COMMITMENT_EXTENDED:
            detail = _(
                "Nieuwe uiterste datum %(date)s (was %(before)s); SHA-256 van de "
                "wijziging: %(hash)s"
            ) % {
                "date": _day(data.get("due_date")),
                "before": _day(data.get("previous_due_date")),
                "hash": data.get("sha256", ""),
            }
    elif action == AuditAction.ACTION_ASSIGNED:
        kind = "agenda"
        title = _("Actie uitgezet bij %(organisation)s, uiterlijk %(date)s") % {
            "organisation": organisation,
            "date": _day(data.get("due_on")),
        }
    elif action == AuditAction.ACTION_REPORTED:
        kind = "agenda"
        title = (
            _("%(organisation)s meldde een actie gereed")
            if data.get("outcome") == "done"
            else _("%(organisation)s vroeg hulp bij een actie")
        ) % {"organisation": organisation}
    elif action == AuditAction.ACTION_REVIEWED:
        kind = "agenda"
        title = (
            _("Actie geaccepteerd en afgerond")
            if data.get("decision") == "accept"
            else _("Actie teruggestuurd naar de partij")
        )
    elif action == AuditAction.EVIDENCE_UPLOADED:
        kind = "evidence"
        title = _("Bewijsstuk toegevoegd: %(name)s") % {"name": data.get("name", "")}
        detail = _("SHA-256 van het bestand: %(hash)s") % {
            "hash": data.get("sha256", "")
        }
    elif action == AuditAction.EVIDENCE_CITED:
        kind = "evidence"
        files = data.get("evidence") or []
        title = _("Bewijs bij de melding: %(names)s") % {
            "names": ", ".join(str(f.get("name", "")) for f in files)
        }
        detail = " ".join(
            _("%(name)s: SHA-256 %(hash)s.")
            % {"name": f.get("name", ""), "hash": f.get("sha256", "")}
            for f in files
        )
    elif action == AuditAction.CONSTRUCTION_STARTED:
        kind = "construction"
        title = _("Bouw gestart op %(date)s: %(homes)s woningen") % {
            "date": _day(data.get("started_on")),
            "homes": data.get("homes_started", ""),
        }
        detail = _("In aanbouw in totaal: %(total)s woningen.") % {
            "total": data.get("homes_under_construction", "")
        }
    elif action == AuditAction.PARTY_ADDED:
        title = _("%(organisation)s neemt deel als partij") % {
            "organisation": organisation
        }
    return TimelineEntry(
        at=event.at,
        kind=kind,
        title=title,
        detail=detail,
        reason=event.reason,
        actor=person(event.actor),
    )


def audit_trail(location: Location, audience: Audience) -> QuerySet[AuditEvent]:
    """The audit events of `location` that `audience` may know, newest first, with
    their actors and the kinds of the agreements they mention (one query): what the
    timeline tells, and what the audit-trail export lists."""
    agreement = Cast(KeyTextTransform("agreement", "data"), IntegerField())
    return (
        audit_events_for(location.audit_events.all(), audience)
        .select_related("actor")
        .annotate(agreement_ref=agreement)
        .annotate(
            agreement_kind=Subquery(
                Agreement.objects.filter(pk=OuterRef("agreement_ref")).values("kind")[
                    :1
                ]
            )
        )
        .order_by("-at", "-id")
    )


def location_timeline(
    location: Location, *, audience: Audience, limit: int | None = None
) -> Timeline:
    """Everything that happened at `location` that `audience` may know, newest first:
    at most `limit` entries (default `DEFAULT_LIMIT`; `truncated` says there are older
    ones)."""
    limit = limit or DEFAULT_LIMIT
    events = list(audit_trail(location, audience)[: limit + 1])
    truncated = len(events) > limit
    entries = [entry_for_event(event, audience) for event in events[:limit]]
    for name in timeline_sources():
        entries.extend(_sources[name](location, limit, audience))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    if len(entries) > limit:
        truncated = True
        entries = entries[:limit]
    return Timeline(entries=entries, truncated=truncated, limit=limit)


def stage_steps(location: Location) -> list[StageStep]:
    """Every stage change of `location`, oldest first (one query)."""
    return [
        StageStep(from_stage=from_stage, to_stage=to_stage, at=at)
        for from_stage, to_stage, at in location.audit_events.filter(
            action=AuditAction.TRANSITION
        )
        .order_by("at", "id")
        .values_list("from_stage", "to_stage", "at")
    ]
