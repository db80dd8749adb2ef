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
from ..atw import period_end, postal_deadline
from ..constants import (
    AuditAction,
    ConsultationOutcome,
    LocationPerm,
    NoticeJournal,
    Stage,
    TransitionName,
    ViewChannel,
)
from ..limits import (
    SHORT_TEXT_MAX,
    TEXT_MAX,
    VIEWS_PER_PROCEDURE_MAX,
)
from ..models import AuditEvent, Designation, DesignationView, Escalation, Location
from ..signals import designation_period_set
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
        reason=_draft_frozen_reason(designation),
        data=_frozen_document_data(
            kind="draft_designation",
            document_id=document_id,
            sha256=sha256,
            designation=designation.pk,
        ),
    )
    return designation


def _draft_frozen_reason(designation: Designation) -> str:
    if designation.consultation_ends_on is None:
        return _(
            "Ontwerp-aanwijzingsbesluit vastgelegd. De zienswijzetermijn begint "
            "wanneer het ter inzage ligt en de kennisgeving is gepubliceerd."
        )
    return _(
        "Ontwerp-aanwijzingsbesluit vastgelegd; het ligt ter inzage voor "
        "zienswijzen tot en met %(date)s."
    ) % {"date": date_format(designation.consultation_ends_on, "j F Y")}


def consultation_weeks(location: Location) -> int:
    """The length of the consultation period in weeks: the programme's setting (six,
    artikel 3:16 Awb, unless the programme says otherwise)."""
    return location.programme.consultation_weeks


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


@transaction.atomic
def designation_record_notice(
    *,
    location: Location,
    actor,
    published_on: datetime.date,
    journal: str,
    reference: str,
    open_on: datetime.date,
) -> Designation:
    """The ministry records the notice of the draft designation decision (artikel
    3:12 Awb: published in the Staatscourant or the provinciaal blad, `reference` its
    place there) and the day the draft lies open. The consultation period starts on
    the later of the two (artikel 3:16, tweede lid) and ends as the Algemene
    termijnenwet has it (`casework.atw.period_end`); the flow's timer follows
    (`designation_period_set`). Only the ministry (NotPermitted); once, after the
    draft is frozen and while the procedure runs (Conflict); the dates in the window,
    the publication not in the future and neither before the procedure started
    (InvalidInput)."""
    if not has_object_perm(actor, LocationPerm.DIRECT, location):
        raise NotPermitted(
            _("Alleen het ministerie legt de kennisgeving van het ontwerp vast.")
        )
    if journal not in NoticeJournal.values:
        raise InvalidInput(
            _("Geef aan waar de kennisgeving is gepubliceerd: %(choices)s.")
            % {"choices": ", ".join(NoticeJournal.values)}
        )
    reference = require_text_within(
        require_text(
            reference,
            _(
                "Geef de vindplaats van de kennisgeving (bijvoorbeeld Stcrt. 2026, 1234)."
            ),
        ),
        field=_("Vindplaats"),
        limit=SHORT_TEXT_MAX,
    )
    published_on = require_date_in_window(published_on, field=_("Gepubliceerd op"))
    open_on = require_date_in_window(open_on, field=_("Ter inzage gelegd op"))
    if published_on > timezone.localdate():
        raise InvalidInput(_("De datum van publicatie ligt in de toekomst."))
    location = Location.objects.get(pk=location.pk)
    designation = _open_designation(location)
    started_on = timezone.localdate(designation.started_at)
    if min(published_on, open_on) < started_on:
        raise InvalidInput(
            _(
                "De kennisgeving en de terinzagelegging vallen niet vóór het begin "
                "van de aanwijzingsprocedure (%(date)s)."
            )
            % {"date": _day(started_on)}
        )
    if designation.decided_at is not None:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    if designation.period_set:
        raise Conflict(
            _(
                "De kennisgeving is al vastgelegd: de zienswijzetermijn loopt van "
                "%(start)s tot en met %(end)s."
            )
            % {
                "start": _day(designation.consultation_starts_on),  # type: ignore[arg-type]
                "end": _day(designation.consultation_ends_on),  # type: ignore[arg-type]
            }
        )
    if not designation.draft_sha256:
        raise Conflict(
            _(
                "Het ontwerpbesluit wordt nog gemaakt. Leg de kennisgeving vast "
                "zodra het ontwerp er is."
            )
        )
    weeks = consultation_weeks(location)
    starts_on = max(published_on, open_on)
    designation.notice_published_on = published_on
    designation.notice_journal = journal
    designation.notice_reference = reference
    designation.draft_open_on = open_on
    designation.consultation_starts_on = starts_on
    designation.consultation_ends_on = period_end(starts_on, weeks=weeks)
    designation.save(
        update_fields=[
            "notice_published_on",
            "notice_journal",
            "notice_reference",
            "draft_open_on",
            "consultation_starts_on",
            "consultation_ends_on",
        ]
    )
    audit_record(
        action=AuditAction.NOTICE_PUBLISHED,
        actor=actor,
        location=location,
        reason=_(
            "Kennisgeving van het ontwerp-aanwijzingsbesluit gepubliceerd in "
            "%(journal)s (%(reference)s) op %(published)s; het ontwerp ligt ter "
            "inzage vanaf %(open)s. Zienswijzen van %(start)s tot en met %(end)s."
        )
        % {
            "journal": NoticeJournal(journal).label,
            "reference": reference,
            "published": _day(published_on),
            "open": _day(open_on),
            "start": _day(starts_on),
            "end": _day(designation.consultation_ends_on),
        },
        data={
            "designation": designation.pk,
            "published_on": published_on.isoformat(),
            "journal": journal,
            "reference": reference,
            "open_on": open_on.isoformat(),
            "consultation_starts_on": starts_on.isoformat(),
            "consultation_ends_on": designation.consultation_ends_on.isoformat(),
            "weeks": weeks,
        },
    )
    # The flow's timer waits until the postal week after the end has passed.
    designation_period_set.send(sender=Designation, designation=designation)
    return designation


def view_on_time(
    *,
    ends_on: datetime.date,
    channel: str,
    received_on: datetime.date,
    sent_on: datetime.date | None,
) -> bool:
    """A view is on time when received by the last day of the period, or, in
    writing, posted by that day and received within the week after it (artikel
    3:16, derde lid, with 6:9 Awb)."""
    if received_on <= ends_on:
        return True
    return (
        channel == ViewChannel.WRITTEN
        and sent_on is not None
        and sent_on <= ends_on
        and received_on <= postal_deadline(ends_on)
    )


@transaction.atomic
def designation_record_view(
    *,
    location: Location,
    actor,
    submitted_by: str,
    received_on: datetime.date,
    summary: str,
    sender_address: str,
    channel: str = ViewChannel.WRITTEN,
    sent_on: datetime.date | None = None,
) -> DesignationView:
    """Record a view (zienswijze) on the draft designation decision: who submitted
    it and their address (the final decision is sent there), how it came in, when
    it was posted (in writing) and received, and what it says in short.

    Case managers and the ministry record views once the consultation period has
    started (Conflict before the notice, or before its first day) and until the
    final decision is taken (Conflict). A view received after the period, unless
    posted within it and received within the postal week (`view_on_time`), is
    recorded marked late ("te laat"): the ministry still answers it in the decision
    and says why it is not taken into account. The view is received within the
    period's first day and today, posted not after it was received (InvalidInput);
    its texts and the number of views of the procedure are held to
    `casework.limits` (InvalidInput).
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
    sender_address = require_text_within(
        require_text(
            sender_address,
            _("Geef het adres van de indiener: het besluit wordt daarheen gestuurd."),
        ),
        field=_("Adres van de indiener"),
        limit=SHORT_TEXT_MAX,
    )
    summary = require_text_within(
        require_text(summary, _("Vat de zienswijze samen.")),
        field=_("Samenvatting"),
        limit=TEXT_MAX,
    )
    if channel not in ViewChannel.values:
        raise InvalidInput(
            _("Geef aan hoe de zienswijze binnenkwam: %(choices)s.")
            % {"choices": ", ".join(ViewChannel.values)}
        )
    if not isinstance(received_on, datetime.date):
        raise InvalidInput(_("Geef de datum waarop de zienswijze is ontvangen."))
    received_on = require_date_in_window(received_on, field=_("Ontvangen op"))
    if sent_on is not None:
        if channel != ViewChannel.WRITTEN:
            raise InvalidInput(
                _("Een verzenddatum hoort bij een schriftelijke zienswijze.")
            )
        sent_on = require_date_in_window(sent_on, field=_("Verzonden op"))
        if sent_on > received_on:
            raise InvalidInput(
                _("De zienswijze is niet later verzonden dan ontvangen.")
            )
    location = Location.objects.get(pk=location.pk)
    designation = _open_designation(location)
    # The designation row is locked: two views recorded at once count each other.
    require_count_within(
        designation.views.count() + 1,
        limit=VIEWS_PER_PROCEDURE_MAX,
        message=_("Hooguit %(limit)s zienswijzen per aanwijzingsprocedure."),
    )
    today = timezone.localdate()
    if not designation.period_set:
        raise Conflict(
            _(
                "De zienswijzetermijn is nog niet begonnen: het ministerie legt eerst "
                "de kennisgeving van het ontwerpbesluit vast."
            )
        )
    starts_on: datetime.date = designation.consultation_starts_on  # type: ignore[assignment]
    ends_on: datetime.date = designation.consultation_ends_on  # type: ignore[assignment]
    if today < starts_on:
        raise Conflict(
            _("De zienswijzetermijn begint op %(date)s.") % {"date": _day(starts_on)}
        )
    if designation.decided_at is not None:
        raise Conflict(
            _("Het aanwijzingsbesluit is al genomen: er kan geen zienswijze meer bij.")
        )
    if received_on > today or received_on < starts_on:
        raise InvalidInput(
            _(
                "Een zienswijze is ontvangen vanaf het begin van de termijn "
                "(%(start)s) tot en met vandaag."
            )
            % {"start": _day(starts_on)}
        )
    late = not view_on_time(
        ends_on=ends_on, channel=channel, received_on=received_on, sent_on=sent_on
    )
    view = DesignationView.objects.create(
        designation=designation,
        submitted_by=submitted_by,
        sender_address=sender_address,
        channel=channel,
        sent_on=sent_on,
        received_on=received_on,
        late=late,
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
            "channel": channel,
            "sent_on": sent_on.isoformat() if sent_on else None,
            "received_on": received_on.isoformat(),
            "late": late,
        },
    )
    return view


def decision_blocker(designation: Designation) -> str | None:
    """Why the final decision of `designation` cannot be taken today, if it cannot:
    the period has not started, or it and its postal week have not passed."""
    if not designation.period_set:
        return _(
            "De zienswijzetermijn is nog niet begonnen: het ministerie legt eerst de "
            "kennisgeving van het ontwerpbesluit vast."
        )
    if not designation.views_closed():
        return _(
            "Het aanwijzingsbesluit kan worden genomen vanaf %(date)s: de "
            "zienswijzetermijn loopt tot en met %(end)s en een zienswijze die binnen "
            "de termijn per post is verzonden, kan tot en met %(until)s binnenkomen."
        ) % {
            "date": _day(designation.decision_possible_on),  # type: ignore[arg-type]
            "end": _day(designation.consultation_ends_on),  # type: ignore[arg-type]
            "until": _day(designation.views_until),  # type: ignore[arg-type]
        }
    return None


def designation_decision_check(*, location: Location, actor) -> Designation:
    """The open designation whose final decision `actor` may take now: the ministry,
    after the consultation period and its postal week (Conflict naming the day it
    becomes possible), once."""
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
    blocker = decision_blocker(designation)
    if blocker:
        raise Conflict(blocker)
    if designation.decision_sha256 or designation.decided_at:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    return designation


def _view_label(view: DesignationView) -> str:
    return _("%(who)s (ontvangen op %(date)s)") % {
        "who": view.submitted_by,
        "date": _day(view.received_on),
    }


@transaction.atomic
def designation_request_decision(
    *,
    designation: Designation,
    actor,
    response: str,
    answers: dict[int, str] | None = None,
) -> Designation:
    """The ministry takes the final designation decision: the moment, the general
    response to the views and the answer to each view (`answers`, by view id) are
    recorded, in the caller's transaction. Its PDF is rendered afterwards by a
    background job, which records the PDF's hash (`designation_record_decision`)
    and then fires `designate`; until then the decision is pending (`decided_at`
    without `decision_sha256`). Checks as `designation_decision_check` (a second
    request is a Conflict); the response is required and every text held to
    `TEXT_MAX`, an answer to a view of another procedure is InvalidInput; a view
    left unanswered is a Conflict naming the views."""
    response = require_text_within(
        require_text(response, _("Geef de reactie op de zienswijzen.")),
        field=_("Reactie op de zienswijzen"),
        limit=TEXT_MAX,
    )
    given: dict[int, str] = {}
    for key, text in (answers or {}).items():
        if not isinstance(text, str):
            raise InvalidInput(_("Een antwoord op een zienswijze is tekst."))
        given[int(key)] = require_text_within(
            text.strip(), field=_("Antwoord op een zienswijze"), limit=TEXT_MAX
        )
    checked = designation_decision_check(location=designation.location, actor=actor)
    if checked.pk != designation.pk:
        raise Conflict(_("Deze aanwijzingsprocedure is niet meer de lopende."))
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.decision_sha256 or designation.decided_at:
        raise Conflict(_("Het aanwijzingsbesluit is al genomen."))
    views = list(designation.views.order_by("received_on", "pk"))
    unknown = set(given) - {view.pk for view in views}
    if unknown:
        raise InvalidInput(
            _("Geen zienswijze van deze aanwijzingsprocedure: %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in sorted(unknown))}
        )
    unanswered = [view for view in views if not given.get(view.pk)]
    if unanswered:
        raise Conflict(
            _(
                "Het besluit beantwoordt niet elke zienswijze. Niet beantwoord: %(views)s."
            )
            % {"views": "; ".join(_view_label(view) for view in unanswered)}
        )
    for view in views:
        view.answer = given[view.pk]
        view.save(update_fields=["answer"])
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
            answers={
                str(pk): answer
                for pk, answer in designation.views.order_by("pk").values_list(
                    "pk", "answer"
                )
            },
        ),
    )
    return designation


@transaction.atomic
def designation_consultation_closed(*, designation: Designation) -> None:
    """The consultation period and its postal week have passed: the audit trail says
    so, with the number of views received (and of those late). Recorded once per
    designation."""
    if designation.consultation_ends_on is None:
        return
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
            "late": designation.views.filter(late=True).count(),
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
