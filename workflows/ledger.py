"""The bottleneck lifecycle and the commitment ledger as one step each for the API and
the location page: casework's service (which checks and records), the evidence cited
in that same transaction, and the people told after it commits (`notifications`).

Casework knows nothing of evidence or notifications; this layer joins them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.constants import NotificationKind
from casework import services as casework
from casework.constants import BottleneckStatus, LocationPerm
from casework.models import Bottleneck, Commitment, CommitmentEvent, Location
from evidence.constants import EvidenceSubject
from evidence.services import evidence_cite
from permissions.checks import has_object_perm
from permissions.models import Organisation

from .notifications import (
    Message,
    date_in_words,
    notify_many,
    people_of,
    translatable,
)


def _ledger_url(location_id: int) -> str:
    return reverse("locations:detail", args=[location_id]) + "#afsprakenregister"


def _agenda_url(location_id: int) -> str:
    return reverse("locations:detail", args=[location_id]) + "#agenda"


def _people(organisations) -> list:
    seen: dict[int, Any] = {}
    for organisation in organisations:
        for user in people_of(organisation, signatories_only=False):
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _dependants(commitment: Commitment) -> list[Organisation]:
    ids = casework.dependent_organisation_ids(commitment)
    return list(Organisation.objects.filter(pk__in=ids)) if ids else []


def _tell(messages: list[Message]) -> None:
    notify_many([item for item in messages if item.users])


def _message(organisations, location: Location, subject, message, kind: str) -> Message:
    return Message(
        users=_people(organisations),
        subject=subject,
        message=message,
        url=_ledger_url(location.pk),
        kind=kind,
    )


def _unblocked_messages(commitment: Commitment, location: Location) -> list[Message]:
    """The owners of the commitments that waited on it (and on nothing unsettled
    any more) can start."""
    return [
        _message(
            [waiting.owner.organisation],
            location,
            translatable(_("U kunt beginnen: %(location)s"), location=location.name),
            translatable(
                _(
                    "De afspraak waarop uw afspraak wachtte is afgehandeld "
                    "(%(kept)s). U kunt beginnen aan: %(yours)s"
                ),
                kept=commitment.description[:120],
                yours=waiting.description[:200],
            ),
            NotificationKind.COMMITMENT_KEPT,
        )
        for waiting in casework.commitments_unblocked(commitment)
    ]


# --- Bottlenecks --------------------------------------------------------------------


@transaction.atomic
def bottleneck_resolve(
    *, bottleneck: Bottleneck, actor, resolution: str = "", evidence: Any = ()
) -> Bottleneck:
    """`POST /bottlenecks/{id}/resolve/` and "Melden als opgelost" / "Bevestigen":
    the owner reports it resolved; the case manager confirms a reported one (or
    resolves it at once, with a resolution). Evidence is cited by the resolution."""
    location = bottleneck.location
    if (
        bottleneck.status == BottleneckStatus.RESOLUTION_REPORTED
        and not (resolution or "").strip()
        and has_object_perm(actor, LocationPerm.MANAGE, location)
    ):
        bottleneck = casework.bottleneck_confirm(bottleneck=bottleneck, actor=actor)
    else:
        bottleneck = casework.bottleneck_report_resolved(
            bottleneck=bottleneck, actor=actor, resolution=resolution
        )
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.BOTTLENECK_RESOLUTION,
        subject_id=bottleneck.pk,
        location=location,
        actor=actor,
    )
    return bottleneck


@transaction.atomic
def bottleneck_send_back(*, bottleneck: Bottleneck, actor, note: str) -> Bottleneck:
    """`POST /bottlenecks/{id}/reopen/`, "Teruggeven" and "Heropenen": a reported
    resolution goes back to the owner; a resolved bottleneck is reopened. The owner
    is told."""
    if bottleneck.status == BottleneckStatus.RESOLUTION_REPORTED:
        bottleneck = casework.bottleneck_return(
            bottleneck=bottleneck, actor=actor, note=note
        )
        subject = _("Knelpunt teruggegeven: %(location)s")
    else:
        bottleneck = casework.bottleneck_reopen(
            bottleneck=bottleneck, actor=actor, reason=note
        )
        subject = _("Knelpunt heropend: %(location)s")
    location = bottleneck.location
    if bottleneck.owner is not None:
        _tell(
            [
                Message(
                    users=_people([bottleneck.owner.organisation]),
                    subject=translatable(subject, location=location.name),
                    message=translatable(
                        _("%(description)s — toelichting: %(note)s"),
                        description=bottleneck.description[:200],
                        note=note.strip()[:200],
                    ),
                    url=_agenda_url(location.pk),
                    kind=NotificationKind.DECISION,
                )
            ]
        )
    return bottleneck


# --- The commitment ledger ------------------------------------------------------------


@transaction.atomic
def commitment_report(
    *, commitment: Commitment, actor, report: str, evidence: Any = ()
) -> CommitmentEvent:
    """The owner reports it kept, citing evidence; the parties it was made to are
    told to confirm or dispute."""
    event = casework.commitment_report(
        commitment=commitment, actor=actor, report=report
    )
    commitment = event.commitment
    location = commitment.version.agreement.location
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.COMMITMENT_REPORT,
        subject_id=commitment.pk,
        location=location,
        actor=actor,
    )
    _tell(
        [
            _message(
                _dependants(commitment),
                location,
                translatable(
                    _("Afspraak nagekomen gemeld: %(location)s"),
                    location=location.name,
                ),
                translatable(
                    _(
                        "%(owner)s meldt deze afspraak nagekomen; bevestig of betwist "
                        "het: %(description)s"
                    ),
                    owner=commitment.owner.organisation.name,
                    description=commitment.description[:200],
                ),
                NotificationKind.DECISION,
            )
        ]
    )
    return event


@transaction.atomic
def commitment_confirm(
    *, commitment: Commitment, actor, note: str = ""
) -> CommitmentEvent:
    """Kept: the owner is told, and the owners of the commitments that waited on it
    that they can start."""
    event = casework.commitment_confirm(commitment=commitment, actor=actor, note=note)
    commitment = event.commitment
    location = commitment.version.agreement.location
    _tell(
        [
            _message(
                [commitment.owner.organisation],
                location,
                translatable(
                    _("Nakoming bevestigd: %(location)s"), location=location.name
                ),
                translatable(
                    _("Uw afspraak is als nagekomen bevestigd: %(description)s"),
                    description=commitment.description[:200],
                ),
                NotificationKind.COMMITMENT_KEPT,
            ),
            *_unblocked_messages(commitment, location),
        ]
    )
    return event


@transaction.atomic
def commitment_dispute(
    *, commitment: Commitment, actor, reason: str
) -> CommitmentEvent:
    event = casework.commitment_dispute(
        commitment=commitment, actor=actor, reason=reason
    )
    commitment = event.commitment
    location = commitment.version.agreement.location
    _tell(
        [
            _message(
                [commitment.owner.organisation],
                location,
                translatable(
                    _("Nakoming betwist: %(location)s"), location=location.name
                ),
                translatable(
                    _("Uw melding is betwist (%(reason)s): %(description)s"),
                    reason=reason.strip()[:200],
                    description=commitment.description[:200],
                ),
                NotificationKind.DECISION,
            )
        ]
    )
    return event


@transaction.atomic
def commitment_waive(*, commitment: Commitment, actor, reason: str) -> CommitmentEvent:
    event = casework.commitment_waive(commitment=commitment, actor=actor, reason=reason)
    commitment = event.commitment
    location = commitment.version.agreement.location
    _tell(
        [
            _message(
                [commitment.owner.organisation, *_dependants(commitment)],
                location,
                translatable(
                    _("Afspraak vervallen: %(location)s"), location=location.name
                ),
                translatable(
                    _("De afspraak is vervallen (%(reason)s): %(description)s"),
                    reason=reason.strip()[:200],
                    description=commitment.description[:200],
                ),
                NotificationKind.DECISION,
            ),
            *_unblocked_messages(commitment, location),
        ]
    )
    return event


@transaction.atomic
def commitment_extend(
    *, commitment: Commitment, actor, due_date: Any, reason: str
) -> CommitmentEvent:
    """An amendment: the owner and the dependent parties are told the new date."""
    event = casework.commitment_extend(
        commitment=commitment, actor=actor, due_date=due_date, reason=reason
    )
    commitment = event.commitment
    location = commitment.version.agreement.location
    _tell(
        [
            _message(
                [commitment.owner.organisation, *_dependants(commitment)],
                location,
                translatable(
                    _("Termijn van afspraak verlengd: %(location)s"),
                    location=location.name,
                ),
                translatable(
                    _("Nieuwe uiterste datum %(date)s (%(reason)s): %(description)s"),
                    date=date_in_words(event.due_date),
                    reason=reason.strip()[:200],
                    description=commitment.description[:200],
                ),
                NotificationKind.DECISION,
            )
        ]
    )
    return event
