"""Locations, their parties, and the state machine.

`location_transition` is the one way a person moves a location; `_apply_transition`
(also the system's way, for the concluding transitions of `agreements`) changes the
stage, its side records and the audit trail in one transaction, and then sends
`casework.signals.location_transitioned` inside that transaction: the workflow layer
follows the stage there (`workflows.procedures`).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from permissions.checks import grant_to_group, has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted
from permissions.models import Organisation

from ..access import is_programme_staff
from ..constants import (
    AGREEMENT_STAGE,
    SYSTEM_TRANSITIONS,
    TRANSITION_PERMISSION,
    AuditAction,
    Instrument,
    PartyRole,
    TransitionName,
    VersionStatus,
)
from ..limits import (
    TEXT_MAX,
)
from ..models import (
    AgreementVersion,
    Designation,
    Escalation,
    ImpasseSignal,
    Location,
    Party,
    Programme,
)
from ..roles import PARTY_PERMISSIONS
from ..selectors import transition_blocker
from ..signals import location_transitioned
from ..transactions import atomic, callers_transaction
from ..validation import (
    require_text,
    require_text_within,
)
from .audit import audit_record
from .escalation import decision_blocker


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
    if not is_programme_staff(actor, location):
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
            require_text(extra.get("legal_basis"), _("Geef de wettelijke grondslag.")),
            field=_("Wettelijke grondslag"),
            limit=TEXT_MAX,
        ),
        "national_interest": require_text_within(
            require_text(
                extra.get("national_interest"), _("Geef het nationaal belang.")
            ),
            field=_("Nationaal belang"),
            limit=TEXT_MAX,
        ),
    }


def location_transition(
    *,
    location: Location,
    transition: str,
    actor,
    reason: str,
    from_process: int | None = None,
    **extra: Any,
) -> Location:
    """Fire a transition of the location's state machine on behalf of a person.

    Checks, in this order: the transition exists (else InvalidInput), a reason is given
    (InvalidInput), extra fields the transition needs (InvalidInput), it is not a
    system transition and the actor holds its permission on this location
    (NotPermitted), it is possible from the current stage and its guards are met
    (Conflict). Then changes the stage, its side records and the audit trail in one
    transaction; a concurrent change to the same location makes this one fail with
    Conflict and leaves nothing behind.

    Inside that transaction, after the audit event, it sends
    `casework.signals.location_transitioned`: the workflow layer's receiver
    (`workflows.procedures.follow_transition`) starts the escalation and designation
    flows and cancels the open tasks of a procedure the location leaves, writing their
    audit events; a refusal there (a task of the procedure being done at this moment:
    Conflict) undoes the transition. `from_process` is the workflow process whose own
    task fires this transition (given by that task's handler): the receiver leaves it
    to finish by itself instead of cancelling it.
    """
    if transition not in TransitionName.values:
        raise InvalidInput(
            _("Onbekende overgang: ‘%(value)s’.") % {"value": transition}
        )
    name = TransitionName(transition)
    reason = require_text_within(
        require_text(reason, _("Geef een reden op.")),
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
        location=location,
        name=name,
        actor=actor,
        reason=reason,
        details=details,
        from_process=from_process,
    )


def _apply_transition(
    *,
    location: Location,
    name: TransitionName,
    actor,
    reason: str,
    details: dict[str, Any] | None = None,
    from_process: int | None = None,
) -> Location:
    details = details or {}
    try:
        with atomic():
            blocker = transition_blocker(location, name)
            if blocker is not None:
                if name == TransitionName.DESIGNATE:
                    blocker = _designate_blocker(location) or blocker
                raise Conflict(blocker)
            # The versions in approval are locked before the location changes: an
            # approval locks its version and then (concluding) the location, so the
            # same order here cannot deadlock with it.
            in_approval = (
                _versions_in_approval(location)
                if name not in SYSTEM_TRANSITIONS
                else []
            )
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
            if in_approval:
                _end_rounds_left_behind(location, actor, name, in_approval)
            # The layers above (the escalation flows) follow the stage; a receiver
            # that refuses undoes the transition with everything else.
            location_transitioned.send(
                sender=Location,
                location=location,
                transition=name,
                actor=actor,
                reason=reason,
                data=data,
                from_process=from_process,
            )
    except (ConcurrentTransition, IntegrityError):
        # Inside a caller's transaction (no savepoint) nothing more can be read: the
        # caller rolls back and leaves with this answer.
        if not callers_transaction():
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
    if designation:
        return decision_blocker(designation)
    return None


def _versions_in_approval(location: Location) -> list[AgreementVersion]:
    """The location's versions in approval, locked (`SELECT … FOR UPDATE`)."""
    return list(
        AgreementVersion.objects.select_for_update()
        .filter(agreement__location=location, status=VersionStatus.IN_APPROVAL)
        .select_related("agreement")
        .order_by("pk")
    )


def _end_rounds_left_behind(
    location: Location,
    actor,
    name: TransitionName,
    versions: list[AgreementVersion],
) -> list[int]:
    """End the approval rounds the location has left behind: a version in approval
    belongs to one stage (`AGREEMENT_STAGE`), and once the location is elsewhere
    (escalated, withdrawn) nobody can conclude it, so its round stops: the version is
    `ended`, the decisions still open lapse, and the audit trail says why. A new
    version can be drafted and submitted when the location is back in that stage.
    `versions`: the location's versions in approval, locked before the transition
    changed the location. The ids of the versions ended (the workflow layer cancels
    their tasks)."""
    ended = [
        version
        for version in versions
        if AGREEMENT_STAGE[version.agreement.kind] != location.stage
    ]
    for version in ended:
        version.status = VersionStatus.ENDED
        version.save(update_fields=["status"])
        audit_record(
            action=AuditAction.ROUND_ENDED,
            actor=actor,
            location=location,
            reason=_(
                "De goedkeuringsronde van %(kind)s ‘%(title)s’ (versie %(number)s) is "
                "gestopt door ‘%(transition)s’: de locatie is nu in de fase "
                "‘%(stage)s’. De besluiten die nog open stonden zijn vervallen."
            )
            % {
                "kind": version.agreement.get_kind_display().lower(),
                "title": version.agreement.title,
                "number": version.number,
                "transition": name.label,
                "stage": location.get_stage_display(),
            },
            data={
                "agreement": version.agreement_id,
                "version": version.number,
                "transition": name.value,
            },
        )
    return [version.pk for version in ended]


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
        # The consultation period (the programme's consultation weeks) starts once
        # the draft lies open and its notice is published: recorded by the ministry
        # later (`designation_record_notice`), ended by the Atw.
        designation = Designation.objects.create(
            location=location, escalation=escalation, **details
        )
        return {"designation": designation.pk, **details}
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
