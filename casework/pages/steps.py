"""The next steps of a location as the location page shows them: the transitions the
person may take now, the ones they may take once something is done (and what that
is, with a link to where it is done), and the ones that are someone else's.

Reads only: the same rules as `casework.selectors.available_transitions` (stage,
guards, the person's permission), which stays the one source of what may be fired.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from permissions.checks import has_object_perm

from .. import selectors
from ..constants import (
    IRREVERSIBLE_TRANSITIONS,
    SYSTEM_TRANSITIONS,
    TRANSITION_PERMISSION,
    LocationPerm,
    TransitionName,
)
from ..models import Location

# Transitions that cannot be undone: the page asks to confirm them and shows them in
# red (issue 19, item 8).
IRREVERSIBLE = IRREVERSIBLE_TRANSITIONS

# Who takes a transition, in words, for the steps that are someone else's.
ROLE_OF_PERMISSION = {
    LocationPerm.MANAGE: gettext_lazy("de procesregisseur"),
    LocationPerm.DIRECT: gettext_lazy("het ministerie"),
}


@dataclass
class Step:
    name: str
    label: str
    available: bool
    irreversible: bool
    blocker: str = ""
    fix_url: str = ""
    fix_label: str = ""
    who: str = ""


def _fix(location: Location, name: str) -> tuple[str, str]:
    """Where the missing thing of a blocked transition is done, if on a page."""
    detail = reverse("locations:detail", args=[location.pk])
    if name == TransitionName.SELECT:
        return (
            reverse("locations:criteria", args=[location.pk]),
            _("Selectiecriteria vastleggen"),
        )
    if name == TransitionName.START_NEGOTIATION:
        return detail + "#knelpunten", _("Knelpunt registreren")
    if name in (TransitionName.RESUME_NEGOTIATION, TransitionName.START_DESIGNATION):
        return reverse("workflow:inbox"), _("Naar de taken van het bestuurlijk overleg")
    return "", ""


def _blocker_text(location: Location, name: str, blocker: str) -> str:
    """The guard's sentence, made concrete where a date says more."""
    if name == TransitionName.DESIGNATE:
        designation = location.designations.filter(closed_at__isnull=True).first()
        if designation is not None and not designation.period_set:
            return _(
                "Aanwijzen kan pas na de zienswijzetermijn, en die is nog niet "
                "begonnen: het ministerie legt eerst de kennisgeving van het "
                "ontwerpbesluit vast."
            )
        if designation is not None and not designation.views_closed():
            return _(
                "Aanwijzen kan vanaf %(date)s: de zienswijzetermijn loopt tot en met "
                "%(end)s, en een per post verzonden zienswijze mag nog een week "
                "binnenkomen."
            ) % {
                "date": date_format(designation.decision_possible_on, "j F Y"),
                "end": date_format(designation.consultation_ends_on, "j F Y"),
            }
        if designation is not None and not designation.decision_sha256:
            return _("Het aanwijzingsbesluit wordt nog opgesteld.")
    if name == TransitionName.START_NEGOTIATION:
        return _(
            "Registreer eerst een knelpunt: de onderhandeling gaat over de knelpunten."
        )
    return blocker


def location_steps(user, location: Location) -> list[Step]:
    """Every transition a person could take from the location's stage, in the order
    of the state machine: available, blocked (with the reason) or someone else's."""
    available = set(selectors.available_transitions(user, location))
    may_steer = has_object_perm(user, LocationPerm.MANAGE, location) or (
        has_object_perm(user, LocationPerm.DIRECT, location)
    )
    steps = []
    for name in TransitionName:
        if name in SYSTEM_TRANSITIONS:
            continue
        if not getattr(location, name)._django_fsm.has_transition(location.stage):
            continue
        permission = TRANSITION_PERMISSION[name]
        step = Step(
            name=name,
            label=str(name.label),
            available=name in available,
            irreversible=name in IRREVERSIBLE,
        )
        if not has_object_perm(user, permission, location):
            step.who = str(ROLE_OF_PERMISSION.get(permission, ""))
        if not step.available:
            blocker = selectors.transition_blocker(location, name)
            if blocker:
                step.blocker = _blocker_text(location, name, blocker)
                if may_steer:
                    step.fix_url, step.fix_label = _fix(location, name)
        steps.append(step)
    return steps
