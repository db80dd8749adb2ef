"""Guards of the location state machine (django-fsm conditions).

Each guard is a predicate on the location with a `message`: the Dutch sentence a user
sees when the guard blocks a transition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .constants import AgreementKind, ConsultationOutcome

if TYPE_CHECKING:
    from .models import Location

Guard = Callable[["Location"], bool]


def guard(message: str) -> Callable[[Guard], Guard]:
    def decorate(func: Guard) -> Guard:
        func.message = message  # type: ignore[attr-defined]
        return func

    return decorate


@guard(
    _(
        "De selectiecriteria (grondposities, planologische uitwerking, betrokkenheid van "
        "marktpartijen en corporaties, financieel perspectief) zijn nog niet vastgelegd."
    )
)
def selection_criteria_recorded(location: Location) -> bool:
    return location.selection_criteria_complete


@guard(_("Er is nog geen knelpunt geregistreerd."))
def has_bottleneck(location: Location) -> bool:
    return location.bottlenecks.exists()


def _approved_by_every_party(location: Location, kind: str) -> bool:
    # Set by the conclusion itself, within the transaction in which it found every
    # party's approval (casework.services.agreements._conclude): no need to ask again.
    if getattr(location, "_every_party_approved", None) == kind:
        return True
    return location.version_approved_by_every_party(kind)


@guard(
    _(
        "Niet alle partijen hebben de actuele versie van het hoofdlijnenakkoord goedgekeurd."
    )
)
def heads_of_agreement_approved(location: Location) -> bool:
    return _approved_by_every_party(location, AgreementKind.HEADS_OF_AGREEMENT)


@guard(
    _(
        "Niet alle partijen hebben de actuele versie van de bestuurlijke overeenkomst "
        "goedgekeurd."
    )
)
def administrative_agreement_approved(location: Location) -> bool:
    return _approved_by_every_party(location, AgreementKind.ADMINISTRATIVE_AGREEMENT)


def _open_escalation(location: Location):
    return location.escalations.filter(closed_at__isnull=True).first()


@guard(_("De uitkomst van het bestuurlijk overleg is nog niet vastgelegd."))
def consultation_outcome_recorded(location: Location) -> bool:
    escalation = _open_escalation(location)
    return bool(escalation and escalation.consultation_outcome)


@guard(
    _("Het bestuurlijk overleg is niet vastgelegd met de uitkomst ‘impasse blijft’.")
)
def consultation_outcome_deadlock(location: Location) -> bool:
    escalation = _open_escalation(location)
    return bool(
        escalation
        and escalation.consultation_outcome == ConsultationOutcome.DEADLOCK_REMAINS
    )


@guard(
    _(
        "De zienswijzetermijn is nog niet verstreken of het besluit is nog niet opgesteld."
    )
)
def designation_decision_ready(location: Location) -> bool:
    """The period and its postal week have passed (a view posted in time may come in
    until then) and the decision document exists."""
    designation = location.designations.filter(closed_at__isnull=True).first()
    return bool(
        designation and designation.views_closed() and designation.decision_sha256
    )
