"""The escalation branch's casework facts (design §4): the administrative
consultation, the frozen documents' hashes, the views on the draft designation, the
final decision, and the audit events of the procedure.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted

from ..access import is_programme_staff
from ..constants import (
    AuditAction,
    ConsultationOutcome,
    LocationPerm,
    Stage,
    TransitionName,
)
from ..limits import (
    SHORT_TEXT_MAX,
    TEXT_MAX,
    VIEWS_PER_PROCEDURE_MAX,
)
from ..models import AuditEvent, Designation, DesignationView, Escalation, Location
from ..validation import (
    require_count_within,
    require_date_in_window,
    require_text,
    require_text_within,
)
from .audit import audit_record


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
        require_text(participants, _("Geef de deelnemers van het overleg.")),
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
    if not is_programme_staff(actor, location):
        raise NotPermitted(
            _("Alleen de procesregisseur of het ministerie legt zienswijzen vast.")
        )
    submitted_by = require_text_within(
        require_text(submitted_by, _("Geef aan wie de zienswijze indiende.")),
        field=_("Indiener"),
        limit=SHORT_TEXT_MAX,
    )
    summary = require_text_within(
        require_text(summary, _("Vat de zienswijze samen.")),
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
    if designation.decision_sha256 or designation.decided_at:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    return designation


@transaction.atomic
def designation_request_decision(
    *, designation: Designation, actor, response: str
) -> Designation:
    """The ministry takes the final designation decision: the moment and the answer to
    the views are recorded on the designation, in the caller's transaction. Its PDF
    is rendered afterwards by a background job, which records the PDF's hash
    (`designation_record_decision`) and then fires `designate`; until then the
    decision is pending (`decided_at` without `decision_sha256`). Checks as
    `designation_decision_check` (a second request is a Conflict); the response is
    required and held to `TEXT_MAX` (InvalidInput)."""
    response = require_text_within(
        require_text(response, _("Geef de reactie op de zienswijzen.")),
        field=_("Reactie op de zienswijzen"),
        limit=TEXT_MAX,
    )
    checked = designation_decision_check(location=designation.location, actor=actor)
    if checked.pk != designation.pk:
        raise Conflict(_("Deze aanwijzingsprocedure is niet meer de lopende."))
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.decision_sha256 or designation.decided_at:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    designation.decision_response = response
    designation.decided_at = timezone.now()
    designation.save(update_fields=["decision_response", "decided_at"])
    return designation


@transaction.atomic
def designation_record_decision(
    *,
    designation: Designation,
    actor,
    document_id: int,
    sha256: str,
) -> Designation:
    """Record the frozen PDF of the final designation decision taken earlier
    (`designation_request_decision`): its hash, which the `designate` guard requires,
    in the audit trail with the answer to the views. Called by the background job on
    behalf of the official who took the decision; recording the same hash again
    changes nothing, another hash is a Conflict."""
    if not has_object_perm(actor, LocationPerm.DIRECT, designation.location):
        raise NotPermitted(_("Alleen het ministerie neemt het aanwijzingsbesluit."))
    designation = (
        Designation.objects.select_for_update()
        .select_related("location")
        .get(pk=designation.pk)
    )
    if designation.decision_sha256:
        if designation.decision_sha256 == sha256:
            return designation
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    if (
        designation.closed_at is not None
        or designation.decided_at is None
        or designation.location.stage != Stage.DESIGNATION_PROCEDURE
    ):
        raise Conflict(_("Voor deze locatie loopt geen aanwijzingsbesluit."))
    designation.decision_sha256 = sha256
    designation.save(update_fields=["decision_sha256"])
    audit_record(
        action=AuditAction.DOCUMENT_FROZEN,
        actor=actor,
        location=designation.location,
        reason=designation.decision_response,
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
