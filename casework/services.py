"""Writes of the casework domain.

Every change goes through a function here: it checks what it must, runs in one
transaction, and writes the audit event in that same transaction. Views, the API, the
workflows and the demo loader call these; none of them sets a stage or writes an audit row
itself.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from permissions.checks import grant_to_group, has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted
from permissions.models import Membership, Organisation

from . import audit_chain
from .breakthroughs import breakthrough_of_agreement
from .calendar import add_working_days
from .constants import (
    SYSTEM_TRANSITIONS,
    TRANSITION_PERMISSION,
    ActionStatus,
    AuditAction,
    BottleneckCategory,
    DeadlineEventKind,
    LocationPerm,
    PartyRole,
    Stage,
    TransitionName,
)
from .limits import (
    ACTIONS_PER_BOTTLENECK_MAX,
    AGREEMENT_TEXT_MAX,
    BOTTLENECKS_PER_LOCATION_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    LIST_ITEMS_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    VIEWS_PER_PROCEDURE_MAX,
)
from .models import (
    Agreement,
    AgreementKind,
    AgreementVersion,
    Approval,
    AuditEvent,
    Bottleneck,
    BottleneckAction,
    Commitment,
    ConsultationOutcome,
    DeadlineEvent,
    Decision,
    Designation,
    DesignationView,
    Escalation,
    ImpasseSignal,
    Instrument,
    Location,
    Party,
    Programme,
    VersionStatus,
)
from .roles import PARTY_PERMISSIONS
from .selectors import transition_blocker
from .signals import location_transitioned
from .validation import (
    require_count_within,
    require_date_in_window,
    require_text_within,
)

CONCLUDING_TRANSITION = {
    AgreementKind.HEADS_OF_AGREEMENT: TransitionName.CONCLUDE_HEADS_OF_AGREEMENT,
    AgreementKind.ADMINISTRATIVE_AGREEMENT: TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT,
}

# The stage in which a version of each agreement kind can be submitted.
AGREEMENT_STAGE = {
    AgreementKind.HEADS_OF_AGREEMENT: Stage.NEGOTIATION,
    AgreementKind.ADMINISTRATIVE_AGREEMENT: Stage.HEADS_OF_AGREEMENT,
}


def audit_record(
    *,
    action: str,
    actor=None,
    location: Location | None = None,
    reason: str = "",
    transition: str = "",
    from_stage: str = "",
    to_stage: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the audit trail. Call inside the transaction of the change.

    The event joins the hash chain (`casework.audit_chain`): on PostgreSQL it is
    inserted with its content digest and sealed onto the head by the database when the
    transaction commits (one INSERT here, no lock held meanwhile); on SQLite it is
    linked to the head at once (one query more).
    """
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        location=location,
        reason=reason,
        transition=transition,
        from_stage=from_stage,
        to_stage=to_stage,
        data=audit_chain.normalised_data(data),
    )
    # Within the caller's transaction no savepoint is made: no extra queries.
    with transaction.atomic(savepoint=False):
        audit_chain.chain(event)
        event.save(force_insert=True)
    return event


def _locked_count(parent_model, parent_pk: int, children, link: str) -> int:
    """Lock the parent row and count its children in one query (a count with the
    lock held: two writes at once cannot both take the last place under a limit)."""
    count = Subquery(
        children.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        parent_model.objects.select_for_update()
        .filter(pk=parent_pk)
        .annotate(children=count)
        .values_list("children", flat=True)
        .get()
        or 0
    )


# --- Locations and parties --------------------------------------------------------------


@transaction.atomic
def location_create(
    *, programme: Programme, name: str, municipality: str, province: str, **fields: Any
) -> Location:
    """Create a location in stage `proposed`."""
    location = Location(
        programme=programme,
        name=name,
        slug=fields.pop("slug", None) or slugify(name)[:120],
        municipality=municipality,
        province=province,
        **fields,
    )
    # The stage is protected: full_clean would assign it, and it is valid by construction.
    location.full_clean(exclude=["stage"])
    location.save()
    return location


@transaction.atomic
def location_record_criteria(
    *,
    location: Location,
    actor,
    land_positions: str,
    planning_status: str,
    market_involvement: str,
    financial_prospect: str,
) -> Location:
    """Record the four selection criteria of the announcement (needed for `select`)."""
    if not (
        has_object_perm(actor, LocationPerm.MANAGE, location)
        or has_object_perm(actor, LocationPerm.DIRECT, location)
    ):
        raise NotPermitted(
            _("Alleen procesregisseur of ministerie legt selectiecriteria vast.")
        )
    values = {
        "land_positions": land_positions.strip(),
        "planning_status": planning_status.strip(),
        "market_involvement": market_involvement.strip(),
        "financial_prospect": financial_prospect.strip(),
    }
    for name, value in values.items():
        require_text_within(
            value,
            field=str(Location._meta.get_field(name).verbose_name).capitalize(),
            limit=TEXT_MAX,
        )
    Location.objects.filter(pk=location.pk).update(**values)
    for key, value in values.items():
        setattr(location, key, value)
    audit_record(
        action=AuditAction.CRITERIA_RECORDED,
        actor=actor,
        location=location,
        data=values,
    )
    return location


@transaction.atomic
def party_add(
    *, location: Location, organisation: Organisation, role: str, actor=None
) -> Party:
    """Make `organisation` a party of `location`; its members may then see the location
    and contribute to its breakthrough agenda."""
    if role not in PartyRole.values:
        raise InvalidInput(_("Onbekende rol: ‘%(value)s’.") % {"value": role})
    party, created = Party.objects.get_or_create(
        location=location, organisation=organisation, defaults={"role": role}
    )
    if created:
        for perm in PARTY_PERMISSIONS:
            grant_to_group(perm, organisation.members_group, location)
        audit_record(
            action=AuditAction.PARTY_ADDED,
            actor=actor,
            location=location,
            data={
                "organisation": organisation.slug,
                "organisation_name": organisation.name,
                "role": role,
            },
        )
    return party


# --- The state machine --------------------------------------------------------------------


def _require_text(value: Any, message: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(message)
    return value.strip()


def _designation_details(extra: dict[str, Any]) -> dict[str, str]:
    instrument = extra.get("instrument")
    if instrument not in Instrument.values:
        raise InvalidInput(
            _("Geef het instrument: %(choices)s.")
            % {"choices": ", ".join(Instrument.values)}
        )
    return {
        "instrument": instrument,
        "legal_basis": require_text_within(
            _require_text(extra.get("legal_basis"), _("Geef de wettelijke grondslag.")),
            field=_("Wettelijke grondslag"),
            limit=TEXT_MAX,
        ),
        "national_interest": require_text_within(
            _require_text(
                extra.get("national_interest"), _("Geef het nationaal belang.")
            ),
            field=_("Nationaal belang"),
            limit=TEXT_MAX,
        ),
    }


def location_transition(
    *, location: Location, transition: str, actor, reason: str, **extra: Any
) -> Location:
    """Fire a transition of the location's state machine on behalf of a person.

    Checks, in this order: the transition exists (else InvalidInput), a reason is given
    (InvalidInput), extra fields the transition needs (InvalidInput), it is not a
    system transition and the actor holds its permission on this location
    (NotPermitted), it is possible from the current stage and its guards are met
    (Conflict). Then changes the stage, its side records and the audit trail in one
    transaction; a concurrent change to the same location makes this one fail with
    Conflict and leaves nothing behind.
    """
    if transition not in TransitionName.values:
        raise InvalidInput(
            _("Onbekende overgang: ‘%(value)s’.") % {"value": transition}
        )
    name = TransitionName(transition)
    reason = require_text_within(
        _require_text(reason, _("Geef een reden op.")),
        field=_("Reden"),
        limit=TEXT_MAX,
    )
    details = (
        _designation_details(extra) if name == TransitionName.START_DESIGNATION else {}
    )
    if name in SYSTEM_TRANSITIONS:
        raise NotPermitted(
            _(
                "Deze overgang voert het systeem uit zodra alle partijen hebben goedgekeurd."
            )
        )
    if not has_object_perm(actor, TRANSITION_PERMISSION[name], location):
        raise NotPermitted(_("U heeft geen recht om deze overgang uit te voeren."))
    return _apply_transition(
        location=location, name=name, actor=actor, reason=reason, details=details
    )


def _apply_transition(
    *,
    location: Location,
    name: TransitionName,
    actor,
    reason: str,
    details: dict[str, Any] | None = None,
) -> Location:
    details = details or {}
    try:
        with transaction.atomic():
            blocker = transition_blocker(location, name)
            if blocker is not None:
                if name == TransitionName.DESIGNATE:
                    blocker = _designate_blocker(location) or blocker
                raise Conflict(blocker)
            from_stage = location.stage
            getattr(location, name)()
            location.stage_changed_at = timezone.now()
            location.save(update_fields=["stage", "stage_changed_at"])
            data = _transition_side_effects(location, name, actor, reason, details)
            audit_record(
                action=AuditAction.TRANSITION,
                actor=actor,
                location=location,
                reason=reason,
                transition=name,
                from_stage=from_stage,
                to_stage=location.stage,
                data=data,
            )
            # The layers above (the escalation flows) follow the stage; a receiver
            # that refuses undoes the transition with everything else.
            location_transitioned.send(
                sender=Location,
                location=location,
                transition=name,
                actor=actor,
                reason=reason,
                data=data,
            )
    except (ConcurrentTransition, IntegrityError):
        location.refresh_from_db()
        raise Conflict(
            _(
                "De locatie is tegelijk door iemand anders gewijzigd. Bekijk de actuele fase "
                "en probeer het opnieuw."
            )
        ) from None
    return location


def _designate_blocker(location: Location) -> str | None:
    designation = location.designations.filter(closed_at__isnull=True).first()
    if designation and not designation.consultation_elapsed():
        return _("De zienswijzetermijn loopt nog tot en met %(date)s.") % {
            "date": date_format(designation.consultation_ends_on, "j F Y")
        }
    return None


def _transition_side_effects(
    location: Location,
    name: TransitionName,
    actor,
    reason: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    now = timezone.now()
    if name == TransitionName.ESCALATE:
        escalation = Escalation.objects.create(
            location=location, opened_by=actor, reason=reason
        )
        # The escalation cites the deadlock the detector saw (design §2, §4).
        signals = ImpasseSignal.objects.filter(
            location=location, closed_at__isnull=True
        )
        cited = list(signals.values_list("pk", "message"))
        signals.update(escalation=escalation)
        return {
            "escalation": escalation.pk,
            "impasse_signals": [pk for pk, _message in cited],
            "impasse_messages": [message for _pk, message in cited],
        }
    if name == TransitionName.START_DESIGNATION:
        escalation = location.escalations.get(closed_at__isnull=True)
        days = getattr(settings, "DESIGNATION_CONSULTATION_DAYS", 42)
        designation = Designation.objects.create(
            location=location,
            escalation=escalation,
            consultation_ends_on=timezone.localdate() + datetime.timedelta(days=days),
            **details,
        )
        return {
            "designation": designation.pk,
            **details,
            "consultation_ends_on": designation.consultation_ends_on.isoformat(),
        }
    closed: dict[str, Any] = {}
    if name == TransitionName.DESIGNATE:
        designation = location.designations.get(closed_at__isnull=True)
        closed = {
            "designation": designation.pk,
            "instrument": designation.instrument,
            "decision_sha256": designation.decision_sha256,
        }
    if name in (
        TransitionName.RESUME_NEGOTIATION,
        TransitionName.DESIGNATE,
        TransitionName.WITHDRAW,
    ):
        location.designations.filter(closed_at__isnull=True).update(closed_at=now)
        location.escalations.filter(closed_at__isnull=True).update(closed_at=now)
    return closed


@transaction.atomic
def escalation_record_consultation(
    *,
    location: Location,
    actor,
    held_on: datetime.date,
    participants: str,
    outcome: str,
    summary: str = "",
) -> Escalation:
    """Record the administrative consultation (bestuurlijk overleg) of the open
    escalation; `summary` (what was discussed) goes into the audit trail as its reason."""
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(
            _("Alleen de procesregisseur legt het bestuurlijk overleg vast.")
        )
    if outcome not in ConsultationOutcome.values:
        raise InvalidInput(
            _("Geef de uitkomst: %(choices)s.")
            % {"choices": ", ".join(ConsultationOutcome.values)}
        )
    participants = require_text_within(
        _require_text(participants, _("Geef de deelnemers van het overleg.")),
        field=_("Deelnemers"),
        limit=TEXT_MAX,
    )
    require_text_within(summary, field=_("Wat is besproken"), limit=TEXT_MAX)
    if not isinstance(held_on, datetime.date):
        raise InvalidInput(_("Geef de datum van het overleg."))
    held_on = require_date_in_window(held_on, field=_("Datum van het overleg"))
    if held_on > timezone.localdate():
        raise InvalidInput(_("De datum van het overleg ligt in de toekomst."))
    escalation = (
        Escalation.objects.select_for_update()
        .filter(location=location, closed_at__isnull=True)
        .first()
    )
    if escalation is None or location.stage != Stage.ESCALATED:
        raise Conflict(_("Deze locatie is niet geëscaleerd."))
    escalation.consultation_held_on = held_on
    escalation.consultation_participants = participants
    escalation.consultation_outcome = outcome
    escalation.save()
    audit_record(
        action=AuditAction.CONSULTATION_RECORDED,
        actor=actor,
        location=location,
        reason=(summary or "").strip(),
        data={
            "held_on": held_on.isoformat(),
            "participants": participants,
            "outcome": outcome,
        },
    )
    return escalation


def _frozen_document_data(
    *, kind: str, document_id: int, sha256: str, **extra: Any
) -> dict[str, Any]:
    return {"document": document_id, "kind": kind, "sha256": sha256, **extra}


@transaction.atomic
def escalation_record_dossier(
    *, escalation: Escalation, actor, document_id: int, sha256: str
) -> Escalation:
    """Link the escalation to its frozen evidence dossier (the PDF's SHA-256) and put
    the freezing in the audit trail. Called by the escalation flow, on behalf of the
    ministry official who escalated. A dossier is frozen once: a second one is a
    Conflict."""
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.dossier_sha256:
        if escalation.dossier_sha256 == sha256:
            return escalation
        raise Conflict(_("Het bewijsdossier van deze escalatie is al vastgelegd."))
    escalation.dossier_sha256 = sha256
    escalation.save(update_fields=["dossier_sha256"])
    audit_record(
        action=AuditAction.DOCUMENT_FROZEN,
        actor=actor,
        location=escalation.location,
        reason=_("Bewijsdossier van de escalatie vastgelegd."),
        data=_frozen_document_data(
            kind="evidence_dossier",
            document_id=document_id,
            sha256=sha256,
            escalation=escalation.pk,
        ),
    )
    return escalation


def _open_designation(location: Location) -> Designation:
    designation = (
        Designation.objects.select_for_update()
        .filter(location=location, closed_at__isnull=True)
        .first()
    )
    if designation is None or location.stage != Stage.DESIGNATION_PROCEDURE:
        raise Conflict(_("Voor deze locatie loopt geen aanwijzingsprocedure."))
    return designation


@transaction.atomic
def designation_record_draft(
    *, designation: Designation, actor, document_id: int, sha256: str
) -> Designation:
    """Link the designation to its frozen draft decision (which lies open for views)
    and put the freezing in the audit trail. Called by the designation flow."""
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.draft_sha256:
        if designation.draft_sha256 == sha256:
            return designation
        raise Conflict(_("Het ontwerpbesluit van deze aanwijzing is al vastgelegd."))
    designation.draft_sha256 = sha256
    designation.save(update_fields=["draft_sha256"])
    audit_record(
        action=AuditAction.DOCUMENT_FROZEN,
        actor=actor,
        location=designation.location,
        reason=_(
            "Ontwerp-aanwijzingsbesluit vastgelegd; het ligt ter inzage voor "
            "zienswijzen tot en met %(date)s."
        )
        % {"date": date_format(designation.consultation_ends_on, "j F Y")},
        data=_frozen_document_data(
            kind="draft_designation",
            document_id=document_id,
            sha256=sha256,
            designation=designation.pk,
        ),
    )
    return designation


def _may_record_views(actor, location: Location) -> bool:
    return has_object_perm(actor, LocationPerm.MANAGE, location) or has_object_perm(
        actor, LocationPerm.DIRECT, location
    )


@transaction.atomic
def designation_record_view(
    *,
    location: Location,
    actor,
    submitted_by: str,
    submitted_on: datetime.date,
    summary: str,
) -> DesignationView:
    """Record a view (zienswijze) on the draft designation decision.

    Case managers and the ministry record views, during the consultation period
    only (Conflict afterwards, naming the last day). The view must have been submitted
    within the period and not in the future (InvalidInput); its texts and the number
    of views of the procedure are held to `casework.limits` (InvalidInput).
    """
    if not _may_record_views(actor, location):
        raise NotPermitted(
            _("Alleen de procesregisseur of het ministerie legt zienswijzen vast.")
        )
    submitted_by = require_text_within(
        _require_text(submitted_by, _("Geef aan wie de zienswijze indiende.")),
        field=_("Indiener"),
        limit=SHORT_TEXT_MAX,
    )
    summary = require_text_within(
        _require_text(summary, _("Vat de zienswijze samen.")),
        field=_("Samenvatting"),
        limit=TEXT_MAX,
    )
    if not isinstance(submitted_on, datetime.date):
        raise InvalidInput(_("Geef de datum waarop de zienswijze is ingediend."))
    submitted_on = require_date_in_window(submitted_on, field=_("Ingediend op"))
    location = Location.objects.get(pk=location.pk)
    designation = _open_designation(location)
    # The designation row is locked: two views recorded at once count each other.
    require_count_within(
        designation.views.count() + 1,
        limit=VIEWS_PER_PROCEDURE_MAX,
        message=_("Hooguit %(limit)s zienswijzen per aanwijzingsprocedure."),
    )
    today = timezone.localdate()
    if designation.consultation_elapsed(today):
        raise Conflict(
            _("De zienswijzetermijn is verstreken op %(date)s.")
            % {"date": date_format(designation.consultation_ends_on, "j F Y")}
        )
    started_on = timezone.localdate(designation.started_at)
    if submitted_on > today or submitted_on < started_on:
        raise InvalidInput(
            _(
                "Een zienswijze wordt ingediend binnen de termijn: van %(start)s tot "
                "en met vandaag."
            )
            % {"start": date_format(started_on, "j F Y")}
        )
    view = DesignationView.objects.create(
        designation=designation,
        submitted_by=submitted_by,
        submitted_on=submitted_on,
        summary=summary,
        recorded_by=actor,
    )
    audit_record(
        action=AuditAction.VIEW_RECORDED,
        actor=actor,
        location=location,
        reason=summary,
        data={
            "designation": designation.pk,
            "view": view.pk,
            "submitted_by": submitted_by,
            "submitted_on": submitted_on.isoformat(),
        },
    )
    return view


def designation_decision_check(*, location: Location, actor) -> Designation:
    """The open designation whose final decision `actor` may take now: the ministry,
    after the consultation period (Conflict naming its last day), once."""
    if not has_object_perm(actor, LocationPerm.DIRECT, location):
        raise NotPermitted(_("Alleen het ministerie neemt het aanwijzingsbesluit."))
    designation = (
        Designation.objects.filter(location=location, closed_at__isnull=True)
        .select_related("location")
        .first()
    )
    if designation is None or designation.location.stage != (
        Stage.DESIGNATION_PROCEDURE
    ):
        raise Conflict(_("Voor deze locatie loopt geen aanwijzingsprocedure."))
    if not designation.consultation_elapsed():
        raise Conflict(
            _("De zienswijzetermijn loopt nog tot en met %(date)s.")
            % {"date": date_format(designation.consultation_ends_on, "j F Y")}
        )
    if designation.decision_sha256:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    return designation


@transaction.atomic
def designation_record_decision(
    *,
    designation: Designation,
    actor,
    document_id: int,
    sha256: str,
    response: str,
) -> Designation:
    """Record the final designation decision: the frozen PDF's hash (which the
    `designate` guard requires) and the answer to the views, in the audit trail with
    the hash. Checks as `designation_decision_check`."""
    response = require_text_within(
        _require_text(response, _("Geef de reactie op de zienswijzen.")),
        field=_("Reactie op de zienswijzen"),
        limit=TEXT_MAX,
    )
    checked = designation_decision_check(location=designation.location, actor=actor)
    if checked.pk != designation.pk:
        raise Conflict(_("Deze aanwijzingsprocedure is niet meer de lopende."))
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.decision_sha256:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    designation.decision_sha256 = sha256
    designation.decision_response = response
    designation.decided_at = timezone.now()
    designation.save(
        update_fields=["decision_sha256", "decision_response", "decided_at"]
    )
    audit_record(
        action=AuditAction.DOCUMENT_FROZEN,
        actor=actor,
        location=designation.location,
        reason=response,
        data=_frozen_document_data(
            kind="final_designation",
            document_id=document_id,
            sha256=sha256,
            designation=designation.pk,
            views=designation.views.count(),
        ),
    )
    return designation


@transaction.atomic
def designation_consultation_closed(*, designation: Designation) -> None:
    """The consultation period has passed: the audit trail says so, with the number of
    views received. Recorded once per designation."""
    if AuditEvent.objects.filter(
        action=AuditAction.CONSULTATION_PERIOD_ENDED,
        location_id=designation.location_id,
        data__designation=designation.pk,
    ).exists():
        return
    audit_record(
        action=AuditAction.CONSULTATION_PERIOD_ENDED,
        actor=None,
        location=designation.location,
        reason=_(
            "De zienswijzetermijn is verstreken op %(date)s; %(count)s zienswijze(n) "
            "ontvangen."
        )
        % {
            "date": date_format(designation.consultation_ends_on, "j F Y"),
            "count": designation.views.count(),
        },
        data={
            "designation": designation.pk,
            "consultation_ends_on": designation.consultation_ends_on.isoformat(),
            "views": designation.views.count(),
        },
    )


def procedure_ended_record(
    *, location: Location, actor, transition: str, tasks: list[str]
) -> None:
    """The open tasks of an escalation or designation procedure lapsed because the
    location left the procedure (`transition`): one audit event naming them. Call
    inside the transition's transaction."""
    audit_record(
        action=AuditAction.PROCEDURE_ENDED,
        actor=actor,
        location=location,
        reason=_("Door ‘%(transition)s’ vervallen: %(tasks)s.")
        % {
            "transition": TransitionName(transition).label,
            "tasks": ", ".join(tasks),
        },
        data={"transition": transition, "tasks": tasks},
    )


# --- Breakthrough agenda ------------------------------------------------------------------


@transaction.atomic
def bottleneck_create(
    *,
    location: Location,
    actor,
    category: str,
    description: str,
    owner: Party | None = None,
    deadline: datetime.date | None = None,
) -> Bottleneck:
    """Register a bottleneck on the location's breakthrough agenda.

    Case managers may register any bottleneck; a party's people only one owned by their
    own organisation. The description, the deadline and the number of bottlenecks of
    the location are held to `casework.limits` (InvalidInput).
    """
    manages = has_object_perm(actor, LocationPerm.MANAGE, location)
    if not (manages or has_object_perm(actor, LocationPerm.CONTRIBUTE, location)):
        raise NotPermitted(_("U heeft geen recht om knelpunten te registreren."))
    if category not in BottleneckCategory.values:
        raise InvalidInput(_("Onbekende categorie: ‘%(value)s’.") % {"value": category})
    description = require_text_within(
        _require_text(description, _("Geef een omschrijving van het knelpunt.")),
        field=_("Omschrijving"),
        limit=TEXT_MAX,
    )
    if deadline is not None:
        deadline = require_date_in_window(deadline, field=_("Deadline"))
    if owner is not None and owner.location_id != location.pk:
        raise InvalidInput(_("De eigenaar is geen partij bij deze locatie."))
    if not manages and not (
        owner is not None
        and Membership.objects.filter(
            user=actor, organisation_id=owner.organisation_id
        ).exists()
    ):
        raise NotPermitted(
            _(
                "U kunt alleen knelpunten registreren waarvan uw eigen organisatie "
                "eigenaar is."
            )
        )
    if location.stage in (Stage.DESIGNATED, Stage.WITHDRAWN):
        raise Conflict(
            _("Bij een afgeronde locatie worden geen knelpunten meer geregistreerd.")
        )
    # The location's row is locked while counting: two registrations at once cannot
    # both take the last place.
    require_count_within(
        _locked_count(Location, location.pk, Bottleneck.objects, "location") + 1,
        limit=BOTTLENECKS_PER_LOCATION_MAX,
        message=_("Hooguit %(limit)s knelpunten per locatie."),
    )
    bottleneck = Bottleneck(
        location=location,
        category=category,
        description=description,
        owner=owner,
        deadline=deadline,
        created_by=actor,
    )
    bottleneck.full_clean()
    bottleneck.save()
    audit_record(
        action=AuditAction.BOTTLENECK_CREATED,
        actor=actor,
        location=location,
        data={
            "bottleneck": bottleneck.pk,
            "category": category,
        },
    )
    return bottleneck


# --- Agreements -----------------------------------------------------------------------------


def version_canonical_content(version: AgreementVersion) -> bytes:
    """The canonical JSON of a version's content; its SHA-256 is the version's hash."""
    agreement = version.agreement
    content = {
        "location": agreement.location_id,
        "kind": agreement.kind,
        "title": agreement.title,
        "version": version.number,
        "text": version.text,
        "commitments": [
            {
                "id": commitment.pk,
                "owner": commitment.owner.organisation.slug,
                "description": commitment.description,
                "due_date": commitment.due_date.isoformat(),
                "depends_on": sorted(c.pk for c in commitment.depends_on.all()),
            }
            for commitment in version.commitments.select_related("owner__organisation")
            .prefetch_related("depends_on")
            .order_by("id")
        ],
    }
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def _commitments_checked(commitments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The commitments of a draft with their texts and dates checked (before anything
    is written): at most COMMITMENTS_PER_AGREEMENT_MAX, each described within
    TEXT_MAX characters and due on a date in the window."""
    if not isinstance(commitments, list | tuple):
        raise InvalidInput(_("Geef de afspraken als lijst."))
    require_count_within(
        len(commitments),
        limit=COMMITMENTS_PER_AGREEMENT_MAX,
        message=_(
            "Hooguit %(limit)s afspraken per overeenkomst (dit zijn er %(count)s)."
        ),
    )
    checked = []
    for number, item in enumerate(commitments, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(
                _("Afspraak %(number)s: geef partij, omschrijving en uiterste datum.")
                % {"number": number}
            )
        field = _("Afspraak %(number)s") % {"number": number}
        description = require_text_within(
            _require_text(item.get("description"), _("Omschrijf elke afspraak.")),
            field=field,
            limit=TEXT_MAX,
        )
        due = item.get("due_date")
        if isinstance(due, str):
            try:
                due = datetime.date.fromisoformat(due)
            except ValueError:
                raise InvalidInput(
                    _("%(field)s: geen geldige datum.") % {"field": field}
                ) from None
        if not isinstance(due, datetime.date):
            raise InvalidInput(_("Geef bij elke afspraak een uiterste datum."))
        due = require_date_in_window(due, field=field)
        checked.append({**item, "description": description, "due_date": due})
    return checked


def _commitment_dependencies(commitments: list[dict[str, Any]]) -> list[set[int]]:
    """The `depends_on` of each commitment: indexes into `commitments` (the same
    version), never the commitment itself. A cycle (A waits for B, B waits for A) is
    accepted: it is what the parties said, and impasse detection names it (design §5)."""
    dependencies: list[set[int]] = []
    for number, item in enumerate(commitments, start=1):
        indexes = item.get("depends_on") or []
        if not isinstance(indexes, list | tuple):
            raise InvalidInput(
                _("Afspraak %(number)s: geef de afhankelijkheden als lijst.")
                % {"number": number}
            )
        require_count_within(
            len(indexes),
            limit=LIST_ITEMS_MAX,
            message=_("Afspraak %(number)s: hooguit %%(limit)s afhankelijkheden.")
            % {"number": number},
        )
        wanted = set()
        for index in indexes:
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not 0 <= index < len(commitments)
            ):
                raise InvalidInput(
                    _(
                        "Afspraak %(number)s hangt af van ‘%(value)s’: zo'n afspraak is er "
                        "niet (de eerste afspraak heeft index 0)."
                    )
                    % {"number": number, "value": index}
                )
            if index == number - 1:
                raise InvalidInput(
                    _("Afspraak %(number)s kan niet van zichzelf afhangen.")
                    % {"number": number}
                )
            wanted.add(index)
        dependencies.append(wanted)
    return dependencies


@transaction.atomic
def agreement_draft(
    *,
    location: Location,
    actor,
    kind: str,
    title: str,
    text: str,
    commitments: list[dict[str, Any]],
) -> AgreementVersion:
    """Draft a new version of the location's agreement of `kind` (the agreement itself is
    created with its first version). Commitments name their owner by organisation id;
    `depends_on` (optional) lists the indexes, in `commitments`, of the commitments
    each one waits for. Texts, due dates and the numbers of commitments and of
    dependencies are held to `casework.limits` (InvalidInput naming the limit), all
    before anything is written."""
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur stelt overeenkomsten op."))
    if kind not in AgreementKind.values:
        raise InvalidInput(
            _("Onbekende soort overeenkomst: ‘%(value)s’.") % {"value": kind}
        )
    title = require_text_within(
        _require_text(title, _("Geef een titel.")),
        field=_("Titel"),
        limit=SHORT_TEXT_MAX,
    )
    text = require_text_within(
        _require_text(text, _("Geef de tekst van de overeenkomst.")),
        field=_("Tekst"),
        limit=AGREEMENT_TEXT_MAX,
    )
    commitments = _commitments_checked(commitments)
    dependencies = _commitment_dependencies(commitments)
    parties = {p.organisation_id: p for p in location.parties.all()}
    agreement, _created = Agreement.objects.get_or_create(
        location=location, kind=kind, defaults={"title": title, "created_by": actor}
    )
    # Drafting and submitting one agreement take turns (agreement_submit locks the
    # agreement row too): a draft cannot slip in beside a round that is starting.
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    versions = AgreementVersion.objects.select_for_update().filter(agreement=agreement)
    if versions.filter(
        status__in=[VersionStatus.IN_APPROVAL, VersionStatus.CONCLUDED]
    ).exists():
        raise Conflict(
            _("Er loopt al een goedkeuringsronde of de overeenkomst is vastgesteld.")
        )
    versions.filter(status=VersionStatus.DRAFT).delete()
    number = (
        versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    agreement.title = title
    agreement.save(update_fields=["title"])
    version = AgreementVersion.objects.create(
        agreement=agreement, number=number, text=text
    )
    created: list[Commitment] = []
    for item in commitments:
        party = parties.get(item.get("party"))
        if party is None:
            raise InvalidInput(
                _("Een afspraak hoort bij een organisatie die partij is.")
            )
        created.append(
            Commitment.objects.create(
                version=version,
                owner=party,
                description=item["description"],
                due_date=item["due_date"],
            )
        )
    Commitment.depends_on.through.objects.bulk_create(
        Commitment.depends_on.through(
            from_commitment=created[index], to_commitment=created[dependency]
        )
        for index, wanted in enumerate(dependencies)
        for dependency in sorted(wanted)
    )
    audit_record(
        action=AuditAction.AGREEMENT_DRAFTED,
        actor=actor,
        location=location,
        data={"agreement": agreement.pk, "kind": kind, "version": number},
    )
    return version


@transaction.atomic
def agreement_submit(*, version: AgreementVersion, actor) -> AgreementVersion:
    """Open the approval round of a draft version."""
    version_id = version.pk
    # The agreement first, as agreement_draft does: the two take turns, in one order.
    list(
        Agreement.objects.select_for_update(of=("self",))
        .filter(versions=version_id)
        .values_list("pk", flat=True)
    )
    version = (
        AgreementVersion.objects.select_for_update()
        .select_related("agreement__location")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        # A newer draft of the same agreement replaced this one in the meantime.
        raise Conflict(_("Dit concept is intussen vervangen door een nieuwer concept."))
    location = version.agreement.location
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(
            _("Alleen de procesregisseur biedt een overeenkomst ter goedkeuring aan.")
        )
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("Alleen een concept kan ter goedkeuring worden aangeboden."))
    if location.stage != AGREEMENT_STAGE[version.agreement.kind]:
        raise Conflict(
            _(
                "In de fase ‘%(stage)s’ kan deze overeenkomst niet ter goedkeuring "
                "worden aangeboden."
            )
            % {"stage": location.get_stage_display()}
        )
    if not location.parties.exists():
        # The round has one task per party: without parties nobody could decide.
        raise Conflict(_("Deze locatie heeft geen partijen die kunnen goedkeuren."))
    version.status = VersionStatus.IN_APPROVAL
    version.submitted_at = timezone.now()
    version.approval_due_on = add_working_days(
        timezone.localdate(), location.programme.approval_working_days
    )
    version.save(update_fields=["status", "submitted_at", "approval_due_on"])
    audit_record(
        action=AuditAction.AGREEMENT_SUBMITTED,
        actor=actor,
        location=location,
        data={"agreement": version.agreement_id, "version": version.number},
    )
    return version


def approval_record(
    *,
    version: AgreementVersion | int,
    organisation: Organisation | int,
    actor,
    decision: str,
    comment: str = "",
) -> Approval:
    """Record one organisation's decision on a version in approval.

    The actor must be a signatory of the organisation, which must be a party. The last
    approval concludes the version: it is frozen and hashed and the location's system
    transition fires, all in this transaction. A rejection closes the round.

    `version` and `organisation` may be given as primary keys: everything this needs
    of them is read in the one query that locks the version.
    """
    if decision not in Decision.values:
        raise InvalidInput(_("Besluit is ‘approve’ of ‘reject’."))
    if decision == Decision.REJECT:
        comment = _require_text(comment, _("Geef bij afwijzing een toelichting."))
    comment = require_text_within(comment, field=_("Toelichting"), limit=TEXT_MAX)
    organisation_id = getattr(organisation, "pk", organisation)
    with transaction.atomic():
        # Who may decide, whether the organisation decided already and what the audit
        # row names are asked in the same query that locks the version (one round trip
        # instead of five on the busiest write of the application).
        of_organisation = Organisation.objects.filter(pk=organisation_id)
        version = (
            AgreementVersion.objects.select_for_update()
            .select_related("agreement__location")
            .annotate(
                actor_signs=Exists(
                    Membership.objects.filter(
                        user=actor, organisation_id=organisation_id, role="signatory"
                    )
                ),
                organisation_takes_part=Exists(
                    Party.objects.filter(
                        location_id=OuterRef("agreement__location_id"),
                        organisation_id=organisation_id,
                    )
                ),
                already_decided=Exists(
                    Approval.objects.filter(
                        version_id=OuterRef("pk"), organisation_id=organisation_id
                    )
                ),
                organisation_slug=Subquery(of_organisation.values("slug")),
                organisation_name=Subquery(of_organisation.values("name")),
            )
            .get(pk=getattr(version, "pk", version))
        )
        location = version.agreement.location
        if not version.actor_signs:
            raise NotPermitted(_("U bent geen ondertekenaar van deze organisatie."))
        if not version.organisation_takes_part:
            raise NotPermitted(_("Deze organisatie is geen partij bij de locatie."))
        if version.status != VersionStatus.IN_APPROVAL:
            raise Conflict(_("De goedkeuringsronde van deze versie is gesloten."))
        if version.already_decided:
            raise Conflict(_("Deze organisatie heeft al besloten over deze versie."))
        approval = Approval.objects.create(
            version=version,
            organisation_id=organisation_id,
            decision=decision,
            comment=comment.strip(),
            decided_by=actor,
        )
        audit_record(
            action=AuditAction.APPROVAL_RECORDED,
            actor=actor,
            location=location,
            reason=comment,
            data={
                "agreement": version.agreement_id,
                "version": version.number,
                "organisation": version.organisation_slug,
                "organisation_name": version.organisation_name,
                "decision": decision,
            },
        )
        if decision == Decision.REJECT:
            version.status = VersionStatus.REJECTED
            version.save(update_fields=["status"])
            audit_record(
                action=AuditAction.AGREEMENT_REJECTED,
                actor=None,
                location=location,
                reason=comment,
                data={"agreement": version.agreement_id, "version": version.number},
            )
        elif (
            location.parties.exclude(
                organisation__in=version.approvals.filter(
                    decision=Decision.APPROVE
                ).values("organisation")
            ).exists()
            is False
        ):
            _conclude(version=version, location=location)
    return approval


def _conclude(*, version: AgreementVersion, location: Location) -> None:
    version.sha256 = hashlib.sha256(version_canonical_content(version)).hexdigest()
    kind = version.agreement.kind
    # The caller has just found, in this transaction, that every party approved:
    # the guard of the concluding transition (checked twice by it) takes that
    # answer instead of asking the database again (`casework.guards`).
    location._every_party_approved = kind
    try:
        _apply_transition(
            location=location,
            name=CONCLUDING_TRANSITION[kind],
            actor=None,
            reason=f"Alle partijen hebben versie {version.number} goedgekeurd.",
        )
    finally:
        del location._every_party_approved
    version.status = VersionStatus.CONCLUDED
    version.concluded_at = timezone.now()
    version.save(update_fields=["status", "concluded_at", "sha256"])
    # The knot is cut: a breakthrough of the location (design §2), one INSERT.
    breakthrough_of_agreement(version=version)
    audit_record(
        action=AuditAction.AGREEMENT_CONCLUDED,
        actor=None,
        location=location,
        data={
            "agreement": version.agreement_id,
            "version": version.number,
            "sha256": version.sha256,
        },
    )


# --- Breakthrough-agenda actions ----------------------------------------------------------


def _is_member(user, organisation_id: int) -> bool:
    return Membership.objects.filter(
        user=user, organisation_id=organisation_id
    ).exists()


@transaction.atomic
def action_assign(
    *,
    bottleneck: Bottleneck,
    actor,
    assignee: Party,
    description: str,
    due_on: datetime.date,
) -> BottleneckAction:
    """Put an action on the breakthrough agenda: `assignee` acts before `due_on`. The
    description, the date and the number of actions of the bottleneck are held to
    `casework.limits` (InvalidInput)."""
    location = bottleneck.location
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur wijst acties toe."))
    if assignee.location_id != location.pk:
        raise InvalidInput(_("De partij neemt niet deel aan deze locatie."))
    description = require_text_within(
        _require_text(description, _("Omschrijf de actie.")),
        field=_("Actie"),
        limit=TEXT_MAX,
    )
    if not isinstance(due_on, datetime.date):
        raise InvalidInput(_("Geef een uiterste datum."))
    due_on = require_date_in_window(due_on, field=_("Uiterste datum"))
    if location.stage in (Stage.DESIGNATED, Stage.WITHDRAWN):
        raise Conflict(
            _("Bij een afgeronde locatie worden geen acties meer toegewezen.")
        )
    require_count_within(
        _locked_count(Bottleneck, bottleneck.pk, BottleneckAction.objects, "bottleneck")
        + 1,
        limit=ACTIONS_PER_BOTTLENECK_MAX,
        message=_("Hooguit %(limit)s acties per knelpunt."),
    )
    action = BottleneckAction.objects.create(
        bottleneck=bottleneck,
        assignee=assignee,
        description=description,
        due_on=due_on,
        created_by=actor,
    )
    audit_record(
        action=AuditAction.ACTION_ASSIGNED,
        actor=actor,
        location=location,
        data={
            "action": action.pk,
            "organisation": assignee.organisation.slug,
            "organisation_name": assignee.organisation.name,
            "due_on": due_on.isoformat(),
        },
    )
    return action


@transaction.atomic
def action_report(
    *, action: BottleneckAction, actor, outcome: str, report: str
) -> BottleneckAction:
    """The assigned party reports the action done (with evidence) or asks for help."""
    action = (
        BottleneckAction.objects.select_for_update()
        .select_related("assignee__organisation", "bottleneck__location")
        .get(pk=action.pk)
    )
    if not _is_member(actor, action.assignee.organisation_id):
        raise NotPermitted(_("Alleen de toegewezen partij meldt deze actie."))
    if outcome not in ("done", "help"):
        raise InvalidInput(_("Meld ‘done’ (gereed) of ‘help’ (hulp nodig)."))
    report = require_text_within(
        _require_text(
            report,
            _("Geef het bewijs van gereedmelding.")
            if outcome == "done"
            else _("Beschrijf waarbij u hulp nodig heeft."),
        ),
        field=_("Bewijs of hulpvraag"),
        limit=TEXT_MAX,
    )
    if action.status != ActionStatus.OPEN:
        raise Conflict(_("Deze actie is al gemeld."))
    action.status = (
        ActionStatus.DONE_REPORTED if outcome == "done" else ActionStatus.HELP_REQUESTED
    )
    action.report = report
    action.save(update_fields=["status", "report"])
    audit_record(
        action=AuditAction.ACTION_REPORTED,
        actor=actor,
        location=action.bottleneck.location,
        reason=report,
        data={
            "action": action.pk,
            "outcome": outcome,
            "organisation_name": action.assignee.organisation.name,
        },
    )
    return action


@transaction.atomic
def action_review(
    *, action: BottleneckAction, actor, decision: str, note: str = ""
) -> BottleneckAction:
    """The case manager accepts the reported action (closing it) or returns it to the
    party with a note (after helping, or when the evidence falls short)."""
    action = (
        BottleneckAction.objects.select_for_update()
        .select_related("bottleneck__location")
        .get(pk=action.pk)
    )
    location = action.bottleneck.location
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur beoordeelt acties."))
    if decision not in ("accept", "return"):
        raise InvalidInput(_("Besluit is ‘accept’ of ‘return’."))
    if decision == "return":
        note = _require_text(note, _("Geef aan wat de partij nog moet doen."))
    note = require_text_within(note, field=_("Toelichting"), limit=TEXT_MAX)
    if action.status not in (ActionStatus.DONE_REPORTED, ActionStatus.HELP_REQUESTED):
        raise Conflict(_("Deze actie wacht niet op beoordeling."))
    action.review_note = note.strip()
    if decision == "accept":
        action.status = ActionStatus.ACCEPTED
        action.closed_at = timezone.now()
    else:
        action.status = ActionStatus.OPEN
    action.save(update_fields=["status", "review_note", "closed_at"])
    audit_record(
        action=AuditAction.ACTION_REVIEWED,
        actor=actor,
        location=location,
        reason=note,
        data={"action": action.pk, "decision": decision},
    )
    return action


# --- Deadlines ----------------------------------------------------------------------------


@transaction.atomic
def deadline_record(
    *,
    location: Location,
    kind: str,
    event: str,
    reference: str,
    organisation: Organisation | None,
    description: str,
    due_on: datetime.date,
) -> tuple[DeadlineEvent, bool]:
    """Record that a deadline came near or passed. Idempotent per (reference, event):
    returns the event and whether it is news. An event that was resolved and happens
    again is reopened, and is news again: its subject was reopened (an action returned
    to its party after the deadline is late again)."""
    deadline, created = DeadlineEvent.objects.get_or_create(
        reference=reference,
        event=event,
        defaults={
            "location": location,
            "kind": kind,
            "organisation": organisation,
            "description": description[:300],
            "due_on": due_on,
        },
    )
    if not created:
        if not DeadlineEvent.objects.filter(
            pk=deadline.pk, resolved_at__isnull=False
        ).update(resolved_at=None):
            return deadline, False
        deadline.resolved_at = None
    if event == DeadlineEventKind.OVERDUE:
        audit_record(
            action=AuditAction.DEADLINE_PASSED,
            actor=None,
            location=location,
            reason=description,
            data={
                "reference": reference,
                "kind": kind,
                "due_on": due_on.isoformat(),
                "organisation": organisation.slug if organisation else "",
                "organisation_name": organisation.name if organisation else "",
            },
        )
    return deadline, True


def deadline_resolve(*, reference: str) -> None:
    """The subject of a deadline was dealt with: its events no longer signal anything."""
    deadlines_resolve(references=[reference])


def deadlines_resolve(*, references: list[str]) -> None:
    """`deadline_resolve` for several subjects at once (one UPDATE)."""
    DeadlineEvent.objects.filter(
        reference__in=references, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
