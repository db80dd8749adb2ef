"""The lifecycle of a bottleneck and the commitment ledger (issue 15, items 1 and 2).

A bottleneck goes open → in progress → resolved, and may be reopened. Its owning party
reports it resolved (`bottleneck_report_resolved`: how, with evidence cited by the
caller); the case manager confirms (`bottleneck_confirm`: resolved) or returns it
(`bottleneck_return`: in progress again), may resolve it at once, and reopens a
resolved one (`bottleneck_reopen`). Its deadline is on the clock while it is the
owner's to act: closed when reported or resolved, open again when returned or
reopened.

The ledger of a concluded agreement: the owner of a commitment reports it kept
(`commitment_report`), the parties it was made to (the owners of the commitments
that wait on it, or the case manager) confirm (`commitment_confirm`: kept) or dispute
(`commitment_dispute`: an impasse signal naming both, open until the report is
confirmed or the commitment waived); the case manager waives it with a reason
(`commitment_waive`) or extends its due date (`commitment_extend`: an amendment with
its own hash, against the frozen version, whose text and hash never change). Each
writes a `CommitmentEvent` (hashed) and an audit row, in one transaction, after every
check: a refusal changes nothing. Telling people is the caller's (the workflows
layer): each service returns what it changed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted
from permissions.models import Membership, Organisation

from ..constants import (
    BOTTLENECK_UNRESOLVED,
    COMMITMENT_OWED,
    COMMITMENT_SETTLED,
    AuditAction,
    BottleneckStatus,
    CommitmentEventKind,
    CommitmentStatus,
    DeadlineKind,
    ImpasseRule,
    LocationPerm,
    Stage,
    VersionStatus,
)
from ..impasses import dispute_key, dispute_message
from ..limits import TEXT_MAX
from ..models import (
    Bottleneck,
    Commitment,
    CommitmentEvent,
    ImpasseSignal,
    Location,
    Party,
)
from ..validation import require_date_in_window, require_text, require_text_within
from .audit import audit_record
from .deadlines import (
    bottleneck_deadline_open,
    bottleneck_reference,
    commitment_reference,
    deadline_move,
    deadline_open,
    deadlines_resolve,
)

CLOSED_STAGES = (Stage.DESIGNATED, Stage.WITHDRAWN)


def _manages(user, location: Location) -> bool:
    return has_object_perm(user, LocationPerm.MANAGE, location)


def _member_of(user, organisation_ids) -> set[int]:
    """The organisations of `organisation_ids` that `user` is a member of."""
    ids = {pk for pk in organisation_ids if pk is not None}
    if not ids or not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, organisation_id__in=ids).values_list(
            "organisation_id", flat=True
        )
    )


def _text(value: Any, message: str, field: str) -> str:
    return require_text_within(
        require_text(value, message), field=field, limit=TEXT_MAX
    ).strip()


# --- Bottlenecks ------------------------------------------------------------------------


def _locked_bottleneck(bottleneck: Bottleneck | int) -> Bottleneck:
    return (
        Bottleneck.objects.select_for_update(of=("self",))
        .select_related("location__programme", "owner__organisation")
        .get(pk=getattr(bottleneck, "pk", bottleneck))
    )


def _bottleneck_audit(action: str, bottleneck: Bottleneck, actor, reason: str = ""):
    owner = bottleneck.owner
    audit_record(
        action=action,
        actor=actor,
        location=bottleneck.location,
        reason=reason,
        data={
            "bottleneck": bottleneck.pk,
            "category": bottleneck.category,
            "status": bottleneck.status,
            "organisation_name": owner.organisation.name if owner else "",
        },
    )


def _owner_member(actor, bottleneck: Bottleneck) -> bool:
    owner = bottleneck.owner
    return owner is not None and bool(_member_of(actor, [owner.organisation_id]))


def _require_bottleneck_open_location(bottleneck: Bottleneck) -> None:
    if bottleneck.location.stage in CLOSED_STAGES:
        raise Conflict(_("Bij een afgeronde locatie verandert de agenda niet meer."))


@transaction.atomic
def bottleneck_update(
    *,
    bottleneck: Bottleneck,
    actor,
    changes: dict[str, Any],
) -> Bottleneck:
    """Change a bottleneck: its description, owner, deadline (case manager) or its
    status between open and in progress (the case manager or the owning party).
    `changes` holds only what is sent; `owner` is a `Party` (or None)."""
    bottleneck = _locked_bottleneck(bottleneck)
    manages = _manages(actor, bottleneck.location)
    owner_member = _owner_member(actor, bottleneck)
    if not (manages or owner_member):
        raise NotPermitted(_("U kunt dit knelpunt niet wijzigen."))
    if not manages and set(changes) - {"status"}:
        raise NotPermitted(
            _("Alleen de procesregisseur wijzigt omschrijving, eigenaar of termijn.")
        )
    fields: list[str] = []
    if "description" in changes:
        bottleneck.description = _text(
            changes["description"],
            _("Geef een omschrijving van het knelpunt."),
            _("Omschrijving"),
        )
        fields.append("description")
    if "owner" in changes:
        owner = changes["owner"]
        if owner is not None and (
            not isinstance(owner, Party) or owner.location_id != bottleneck.location_id
        ):
            raise InvalidInput(_("De eigenaar is geen partij bij deze locatie."))
        bottleneck.owner = owner
        fields.append("owner")
    if "deadline" in changes:
        deadline = changes["deadline"]
        if deadline is not None:
            deadline = require_date_in_window(deadline, field=_("Uiterste datum"))
        bottleneck.deadline = deadline
        fields.append("deadline")
    if "status" in changes:
        status = changes["status"]
        if status not in BOTTLENECK_UNRESOLVED:
            raise InvalidInput(
                _(
                    "De status wordt hier ‘open’ of ‘in_progress’; oplossen en "
                    "heropenen gaan via resolve/ en reopen/."
                )
            )
        if bottleneck.status not in BOTTLENECK_UNRESOLVED:
            raise Conflict(_("Dit knelpunt is opgelost (gemeld); heropen het eerst."))
        bottleneck.status = status
        fields.append("status")
    if not fields:
        return bottleneck
    _require_bottleneck_open_location(bottleneck)
    bottleneck.save(update_fields=fields)
    if {"deadline", "owner"} & set(fields) and bottleneck.status in (
        BOTTLENECK_UNRESOLVED
    ):
        if bottleneck.deadline is None:
            deadlines_resolve(references=[bottleneck_reference(bottleneck)])
        else:
            bottleneck_deadline_open(bottleneck=bottleneck)
    _bottleneck_audit(AuditAction.BOTTLENECK_UPDATED, bottleneck, actor)
    return bottleneck


@transaction.atomic
def bottleneck_report_resolved(
    *, bottleneck: Bottleneck, actor, resolution: str
) -> Bottleneck:
    """The owning party reports how the bottleneck was resolved: the case manager
    confirms or returns it. The case manager's own report resolves it at once."""
    bottleneck = _locked_bottleneck(bottleneck)
    manages = _manages(actor, bottleneck.location)
    if not (manages or _owner_member(actor, bottleneck)):
        raise NotPermitted(
            _("Alleen de eigenaar of de procesregisseur meldt dit knelpunt opgelost.")
        )
    resolution = _text(
        resolution, _("Beschrijf hoe het knelpunt is opgelost."), _("Oplossing")
    )
    if bottleneck.status == BottleneckStatus.RESOLVED:
        raise Conflict(_("Dit knelpunt is al opgelost."))
    if bottleneck.status == BottleneckStatus.RESOLUTION_REPORTED and not manages:
        raise Conflict(_("Dit knelpunt is al opgelost gemeld."))
    _require_bottleneck_open_location(bottleneck)
    now = timezone.now()
    bottleneck.resolution = resolution
    bottleneck.resolution_reported_by = actor
    bottleneck.resolution_reported_at = now
    fields = [
        "status",
        "resolution",
        "resolution_reported_by",
        "resolution_reported_at",
    ]
    if manages:
        bottleneck.status = BottleneckStatus.RESOLVED
        bottleneck.resolved_by = actor
        bottleneck.resolved_at = now
        fields += ["resolved_by", "resolved_at"]
    else:
        bottleneck.status = BottleneckStatus.RESOLUTION_REPORTED
    bottleneck.save(update_fields=fields)
    deadlines_resolve(references=[bottleneck_reference(bottleneck)])
    _bottleneck_audit(
        AuditAction.BOTTLENECK_RESOLVED
        if manages
        else AuditAction.BOTTLENECK_RESOLUTION_REPORTED,
        bottleneck,
        actor,
        reason=resolution,
    )
    return bottleneck


@transaction.atomic
def bottleneck_confirm(*, bottleneck: Bottleneck, actor, note: str = "") -> Bottleneck:
    """The case manager confirms the reported resolution: resolved."""
    bottleneck = _locked_bottleneck(bottleneck)
    if not _manages(actor, bottleneck.location):
        raise NotPermitted(_("Alleen de procesregisseur bevestigt een oplossing."))
    note = require_text_within(note or "", field=_("Toelichting"), limit=TEXT_MAX)
    if bottleneck.status != BottleneckStatus.RESOLUTION_REPORTED:
        raise Conflict(_("Dit knelpunt is niet opgelost gemeld."))
    bottleneck.status = BottleneckStatus.RESOLVED
    bottleneck.resolved_by = actor
    bottleneck.resolved_at = timezone.now()
    bottleneck.review_note = note.strip()
    bottleneck.save(
        update_fields=["status", "resolved_by", "resolved_at", "review_note"]
    )
    deadlines_resolve(references=[bottleneck_reference(bottleneck)])
    _bottleneck_audit(AuditAction.BOTTLENECK_RESOLVED, bottleneck, actor, reason=note)
    return bottleneck


@transaction.atomic
def bottleneck_return(*, bottleneck: Bottleneck, actor, note: str) -> Bottleneck:
    """The case manager returns the reported resolution to the owner, saying what is
    still missing: in progress again, its deadline on the clock again."""
    bottleneck = _locked_bottleneck(bottleneck)
    if not _manages(actor, bottleneck.location):
        raise NotPermitted(_("Alleen de procesregisseur geeft een oplossing terug."))
    note = _text(note, _("Geef aan wat er nog ontbreekt."), _("Toelichting"))
    if bottleneck.status != BottleneckStatus.RESOLUTION_REPORTED:
        raise Conflict(_("Dit knelpunt is niet opgelost gemeld."))
    bottleneck.status = BottleneckStatus.IN_PROGRESS
    bottleneck.review_note = note
    bottleneck.save(update_fields=["status", "review_note"])
    bottleneck_deadline_open(bottleneck=bottleneck)
    _bottleneck_audit(AuditAction.BOTTLENECK_RETURNED, bottleneck, actor, reason=note)
    return bottleneck


@transaction.atomic
def bottleneck_reopen(*, bottleneck: Bottleneck, actor, reason: str) -> Bottleneck:
    """The case manager reopens a resolved bottleneck (it came back): open again, its
    deadline (same reference) on the clock again."""
    bottleneck = _locked_bottleneck(bottleneck)
    if not _manages(actor, bottleneck.location):
        raise NotPermitted(_("Alleen de procesregisseur heropent een knelpunt."))
    reason = _text(reason, _("Geef een reden om te heropenen."), _("Reden"))
    if bottleneck.status != BottleneckStatus.RESOLVED:
        raise Conflict(_("Alleen een opgelost knelpunt wordt heropend."))
    _require_bottleneck_open_location(bottleneck)
    bottleneck.status = BottleneckStatus.OPEN
    bottleneck.resolved_by = None
    bottleneck.resolved_at = None
    bottleneck.review_note = reason
    bottleneck.save(
        update_fields=["status", "resolved_by", "resolved_at", "review_note"]
    )
    bottleneck_deadline_open(bottleneck=bottleneck)
    _bottleneck_audit(AuditAction.BOTTLENECK_REOPENED, bottleneck, actor, reason=reason)
    return bottleneck


# --- The commitment ledger --------------------------------------------------------------


def commitment_queryset():
    return Commitment.objects.select_related(
        "owner__organisation",
        "version__agreement__location__programme",
    )


def _locked_commitment(commitment: Commitment | int) -> Commitment:
    return (
        commitment_queryset()
        .select_for_update(of=("self",))
        .get(pk=getattr(commitment, "pk", commitment))
    )


def _require_concluded(commitment: Commitment) -> None:
    if commitment.version.status != VersionStatus.CONCLUDED:
        raise Conflict(
            _(
                "Deze afspraak hoort bij een versie die niet is vastgesteld; het "
                "afsprakenregister geldt alleen voor vastgestelde overeenkomsten."
            )
        )


def dependent_organisation_ids(commitment: Commitment) -> set[int]:
    """The organisations the commitment was made to: the owners of the commitments
    that wait on it (one query)."""
    return set(
        commitment.dependants.values_list("owner__organisation_id", flat=True)
    ) - {None}


def _counterparty(actor, commitment: Commitment) -> Organisation | None:
    """For whom `actor` confirms or disputes: the organisation (of the dependants'
    owners) the actor belongs to, else None for the case manager; NotPermitted for
    anyone else, and for the owner's own people."""
    location = commitment.version.agreement.location
    if _member_of(actor, [commitment.owner.organisation_id]):
        raise NotPermitted(
            _("Uw eigen afspraak bevestigt of betwist een andere partij.")
        )
    organisations = _member_of(actor, dependent_organisation_ids(commitment))
    if organisations:
        return Organisation.objects.get(pk=min(organisations))
    if _manages(actor, location):
        return None
    raise NotPermitted(
        _(
            "Alleen de partijen die op deze afspraak wachten en de procesregisseur "
            "bevestigen of betwisten haar."
        )
    )


def _canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(
        event, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def commitment_event_content(event: CommitmentEvent) -> bytes:
    """The canonical JSON of a ledger line, its hash's input: the commitment, the
    frozen version and its hash, what was done by whom (and for which organisation),
    when, why, and the due dates of an extension. Recomputed from the stored line, it
    gives the stored hash."""
    commitment = event.commitment
    version = commitment.version
    return _canonical(
        {
            "commitment": commitment.pk,
            "version": version.pk,
            "version_sha256": version.sha256,
            "kind": event.kind,
            "actor": event.actor.get_username(),
            "organisation": event.organisation.slug if event.organisation else None,
            "at": event.at.astimezone(datetime.UTC).isoformat(),
            "text": event.text,
            "previous_due_date": event.previous_due_date.isoformat()
            if event.previous_due_date
            else None,
            "due_date": event.due_date.isoformat() if event.due_date else None,
        }
    )


def _record(
    commitment: Commitment,
    *,
    kind: str,
    actor,
    organisation: Organisation | None,
    text: str,
    previous_due_date: datetime.date | None = None,
    due_date: datetime.date | None = None,
) -> CommitmentEvent:
    """A hashed line of the ledger (with the frozen version's hash in its canonical
    JSON), and its audit row."""
    version = commitment.version
    event = CommitmentEvent(
        commitment=commitment,
        kind=kind,
        actor=actor,
        organisation=organisation,
        at=timezone.now(),
        text=text,
        previous_due_date=previous_due_date,
        due_date=due_date,
    )
    event.sha256 = hashlib.sha256(commitment_event_content(event)).hexdigest()
    event.save(force_insert=True)
    actions: dict[str, str] = {
        CommitmentEventKind.REPORTED: AuditAction.COMMITMENT_REPORTED,
        CommitmentEventKind.CONFIRMED: AuditAction.COMMITMENT_CONFIRMED,
        CommitmentEventKind.DISPUTED: AuditAction.COMMITMENT_DISPUTED,
        CommitmentEventKind.WAIVED: AuditAction.COMMITMENT_WAIVED,
        CommitmentEventKind.EXTENDED: AuditAction.COMMITMENT_EXTENDED,
    }
    action = actions[kind]
    data: dict[str, Any] = {
        "commitment": commitment.pk,
        "version": version.number,
        "version_id": version.pk,
        "ledger_event": event.pk,
        "sha256": event.sha256,
        "owner": commitment.owner.organisation.slug,
        "organisation_name": (organisation or commitment.owner.organisation).name,
    }
    if due_date:
        data["due_date"] = due_date.isoformat()
        data["previous_due_date"] = (
            previous_due_date.isoformat() if previous_due_date else None
        )
    audit_record(
        action=action,
        actor=actor,
        location=version.agreement.location,
        reason=text,
        data=data,
    )
    return event


def _close_dispute(commitment: Commitment) -> None:
    ImpasseSignal.objects.filter(
        location_id=commitment.version.agreement.location_id,
        key=dispute_key(commitment),
        closed_at__isnull=True,
    ).update(closed_at=timezone.now())


def _commitment_deadline_open(commitment: Commitment) -> None:
    location = commitment.version.agreement.location
    deadline_open(
        location=location,
        kind=DeadlineKind.COMMITMENT,
        reference=commitment_reference(commitment),
        organisation=commitment.owner.organisation,
        commitment_id=commitment.pk,
        title=commitment.version.agreement.title,
        description=commitment.description,
        due_on=commitment.current_due_date,
    )


@transaction.atomic
def commitment_report(*, commitment: Commitment, actor, report: str) -> CommitmentEvent:
    """The owner reports the commitment kept (the evidence is cited by the caller, in
    this transaction): the parties it was made to confirm or dispute. Its deadline
    is off the clock."""
    commitment = _locked_commitment(commitment)
    _require_concluded(commitment)
    organisation = commitment.owner.organisation
    if not _member_of(actor, [organisation.pk]):
        raise NotPermitted(_("Alleen de eigenaar meldt deze afspraak nagekomen."))
    report = _text(report, _("Beschrijf hoe de afspraak is nagekomen."), _("Melding"))
    if commitment.status not in COMMITMENT_OWED:
        raise Conflict(_("Deze afspraak is al gemeld, nagekomen of vervallen."))
    commitment.status = CommitmentStatus.REPORTED
    commitment.save(update_fields=["status"])
    deadlines_resolve(references=[commitment_reference(commitment)])
    return _record(
        commitment,
        kind=CommitmentEventKind.REPORTED,
        actor=actor,
        organisation=organisation,
        text=report,
    )


@transaction.atomic
def commitment_confirm(
    *, commitment: Commitment, actor, note: str = ""
) -> CommitmentEvent:
    """A party it was made to (or the case manager) confirms the report: kept. An
    open dispute of it is over (its impasse signal closes)."""
    commitment = _locked_commitment(commitment)
    _require_concluded(commitment)
    organisation = _counterparty(actor, commitment)
    note = require_text_within(note or "", field=_("Toelichting"), limit=TEXT_MAX)
    if commitment.status != CommitmentStatus.REPORTED:
        raise Conflict(_("Deze afspraak is niet nagekomen gemeld."))
    commitment.status = CommitmentStatus.DONE
    commitment.disputed_by = None
    commitment.disputed_at = None
    commitment.save(update_fields=["status", "disputed_by", "disputed_at"])
    _close_dispute(commitment)
    return _record(
        commitment,
        kind=CommitmentEventKind.CONFIRMED,
        actor=actor,
        organisation=organisation,
        text=note.strip() or _("Nakoming bevestigd."),
    )


@transaction.atomic
def commitment_dispute(
    *, commitment: Commitment, actor, reason: str
) -> CommitmentEvent:
    """A party it was made to (or the case manager) disputes the report: the owner is
    at it again (its deadline back on the clock) and an impasse signal names both."""
    commitment = _locked_commitment(commitment)
    _require_concluded(commitment)
    organisation = _counterparty(actor, commitment)
    reason = _text(
        reason, _("Geef aan waarom de afspraak niet is nagekomen."), _("Reden")
    )
    if commitment.status != CommitmentStatus.REPORTED:
        raise Conflict(_("Deze afspraak is niet nagekomen gemeld."))
    now = timezone.now()
    commitment.status = CommitmentStatus.DISPUTED
    commitment.disputed_by = organisation
    commitment.disputed_at = now
    commitment.save(update_fields=["status", "disputed_by", "disputed_at"])
    _commitment_deadline_open(commitment)
    location = commitment.version.agreement.location
    ImpasseSignal.objects.get_or_create(
        location=location,
        key=dispute_key(commitment),
        closed_at=None,
        defaults={
            "rule": ImpasseRule.COMMITMENT_DISPUTED,
            "message": dispute_message(
                commitment.owner.organisation.name,
                organisation.name if organisation else _("De procesregisseur"),
                commitment.description,
            )[:500],
            "waiting_on": commitment.owner.organisation,
            "opened_at": now,
        },
    )
    return _record(
        commitment,
        kind=CommitmentEventKind.DISPUTED,
        actor=actor,
        organisation=organisation,
        text=reason,
    )


@transaction.atomic
def commitment_waive(*, commitment: Commitment, actor, reason: str) -> CommitmentEvent:
    """The case manager lets the commitment lapse, with a reason: nobody waits on it
    any more (its deadline and any dispute close)."""
    commitment = _locked_commitment(commitment)
    _require_concluded(commitment)
    if not _manages(actor, commitment.version.agreement.location):
        raise NotPermitted(_("Alleen de procesregisseur laat een afspraak vervallen."))
    reason = _text(
        reason, _("Geef een reden om de afspraak te laten vervallen."), _("Reden")
    )
    if commitment.status in COMMITMENT_SETTLED:
        raise Conflict(_("Deze afspraak is al nagekomen of vervallen."))
    commitment.status = CommitmentStatus.WAIVED
    commitment.disputed_by = None
    commitment.disputed_at = None
    commitment.save(update_fields=["status", "disputed_by", "disputed_at"])
    deadlines_resolve(references=[commitment_reference(commitment)])
    _close_dispute(commitment)
    return _record(
        commitment,
        kind=CommitmentEventKind.WAIVED,
        actor=actor,
        organisation=None,
        text=reason,
    )


@transaction.atomic
def commitment_extend(
    *, commitment: Commitment, actor, due_date: Any, reason: str
) -> CommitmentEvent:
    """The case manager extends the due date: an amendment recorded against the
    frozen version (its text, due dates and hash stay as concluded). The ledger's due
    date and the deadline move (one UPDATE); the amendment has its own hash."""
    commitment = _locked_commitment(commitment)
    _require_concluded(commitment)
    if not _manages(actor, commitment.version.agreement.location):
        raise NotPermitted(_("Alleen de procesregisseur verlengt een termijn."))
    if not isinstance(due_date, datetime.date):
        raise InvalidInput(_("Geef de nieuwe uiterste datum."))
    due_date = require_date_in_window(due_date, field=_("Nieuwe uiterste datum"))
    reason = _text(reason, _("Geef een reden voor de verlenging."), _("Reden"))
    previous = commitment.current_due_date
    if due_date <= previous:
        raise InvalidInput(
            _("De nieuwe uiterste datum ligt na de huidige (%(date)s).")
            % {"date": previous.isoformat()}
        )
    if commitment.status not in COMMITMENT_OWED:
        raise Conflict(
            _("Alleen de termijn van een afspraak die nog open staat wordt verlengd.")
        )
    commitment.extended_due_date = due_date
    if commitment.status == CommitmentStatus.OVERDUE:
        commitment.status = CommitmentStatus.OPEN
    commitment.save(update_fields=["extended_due_date", "status"])
    deadline_move(reference=commitment_reference(commitment), due_on=due_date)
    return _record(
        commitment,
        kind=CommitmentEventKind.EXTENDED,
        actor=actor,
        organisation=None,
        text=reason,
        previous_due_date=previous,
        due_date=due_date,
    )


def commitments_unblocked(commitment: Commitment) -> list[Commitment]:
    """The commitments that waited on `commitment` (now kept or waived) and wait on
    nothing unsettled any more: their owners can start. Two queries."""
    waiting = list(
        commitment.dependants.filter(status__in=COMMITMENT_OWED).select_related(
            "owner__organisation"
        )
    )
    if not waiting:
        return []
    through = Commitment.depends_on.through
    blocked = set(
        through.objects.filter(from_commitment_id__in=[c.pk for c in waiting])
        .exclude(to_commitment__status__in=COMMITMENT_SETTLED)
        .values_list("from_commitment_id", flat=True)
    )
    return [c for c in waiting if c.pk not in blocked]


# --- Who may take which step (the buttons of the location page; no queries) -----------


def bottleneck_steps(
    bottleneck: Bottleneck, *, manages: bool, organisation_ids: set[int]
) -> list[str]:
    """The lifecycle steps `bottleneck` offers to someone who `manages` the location
    (case manager) and is a member of `organisation_ids`: `resolve` (Melden als
    opgelost), `confirm`, `return`, `reopen`. The services check again."""
    owner = bottleneck.owner
    owns = owner is not None and owner.organisation_id in organisation_ids
    status = bottleneck.status
    if status in BOTTLENECK_UNRESOLVED:
        return ["resolve"] if (owns or manages) else []
    if status == BottleneckStatus.RESOLUTION_REPORTED:
        return ["confirm", "return"] if manages else []
    return ["reopen"] if manages else []


def commitment_steps(
    commitment: Commitment,
    *,
    manages: bool,
    organisation_ids: set[int],
    dependant_organisation_ids: set[int],
) -> list[str]:
    """The ledger steps `commitment` (of a concluded version) offers: `report`,
    `confirm`, `dispute`, `waive`, `extend`. The services check again."""
    owns = commitment.owner.organisation_id in organisation_ids
    status = commitment.status
    steps = []
    if owns and status in COMMITMENT_OWED:
        steps.append("report")
    if (
        status == CommitmentStatus.REPORTED
        and not owns
        and (manages or organisation_ids & dependant_organisation_ids)
    ):
        steps += ["confirm", "dispute"]
    if manages and status not in COMMITMENT_SETTLED:
        steps.append("waive")
    if manages and status in COMMITMENT_OWED:
        steps.append("extend")
    return steps


def member_organisation_ids(user) -> set[int]:
    """The organisations `user` is a member of (one query, kept on the user object
    for the rest of its request: the agenda's buttons and the ledger panel)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_doorbraak_member_organisations", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(user=user).values_list(
                "organisation_id", flat=True
            )
        )
        user._doorbraak_member_organisations = cached
    return set(cached)
