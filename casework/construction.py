"""After the agreement: the start of construction on a location (design §1, the
programme's aim that construction has started on every location by its
`construction_start_year`).

A location records each start of construction (a phase): the day and the number of
homes started. Starts are appended, never changed; the dashboard sums them as homes
under construction next to the programme's target and construction-start year.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted

from .constants import AuditAction, LocationPerm, Stage
from .limits import TEXT_MAX
from .models import ConstructionStart, Location
from .services import audit_record
from .validation import require_date_in_window, require_text_within

# Construction follows the administrative agreement (or the designation that took
# its place).
CONSTRUCTION_STAGES = (Stage.ADMINISTRATIVE_AGREEMENT, Stage.DESIGNATED)
# More homes than any location plans in one phase: a typo, not a phase.
HOMES_PER_START_MAX = 100_000


def may_record_construction(user, location: Location) -> bool:
    """The case manager, and the people of the location's parties (the developer or
    corporation that builds), record a start of construction."""
    return has_object_perm(user, LocationPerm.MANAGE, location) or has_object_perm(
        user, LocationPerm.CONTRIBUTE, location
    )


@transaction.atomic
def construction_start_record(
    *,
    location: Location,
    actor,
    started_on: datetime.date,
    homes_started: int,
    note: str = "",
) -> ConstructionStart:
    """Record that construction of `homes_started` homes started on `started_on`.

    Raises NotPermitted (not the case manager nor a party), InvalidInput (a day
    outside the window or in the future, not a positive number of homes, more homes
    started in all than the location plans, a note over `TEXT_MAX`) and Conflict (the
    location has no administrative agreement, or is withdrawn). The location's row is
    locked while the starts are added up: two records at once cannot both pass the
    planned number."""
    if not may_record_construction(actor, location):
        raise NotPermitted(
            _("Alleen de procesregisseur of een partij legt de start van de bouw vast.")
        )
    started_on = require_date_in_window(started_on, field=_("Start bouw"))
    if started_on > timezone.localdate():
        raise InvalidInput(_("De start van de bouw ligt in de toekomst."))
    if (
        isinstance(homes_started, bool)
        or not isinstance(homes_started, int)
        or not 0 < homes_started <= HOMES_PER_START_MAX
    ):
        raise InvalidInput(
            _("Geef het aantal woningen in aanbouw: een getal van 1 tot %(max)s.")
            % {"max": f"{HOMES_PER_START_MAX:,}".replace(",", ".")}
        )
    note = require_text_within(
        (note or "").strip(), field=_("Toelichting"), limit=TEXT_MAX
    )
    location = Location.objects.select_for_update().get(pk=location.pk)
    if location.stage not in CONSTRUCTION_STAGES:
        raise Conflict(
            _(
                "De bouw start na de bestuurlijke overeenkomst; deze locatie is in de "
                "fase ‘%(stage)s’."
            )
            % {"stage": location.get_stage_display()}
        )
    before = homes_under_construction(location)
    if location.planned_homes is not None and before + homes_started > (
        location.planned_homes
    ):
        raise InvalidInput(
            _(
                "Er zijn %(before)s woningen in aanbouw; met deze %(homes)s worden het "
                "er meer dan de %(planned)s geplande."
            )
            % {
                "before": before,
                "homes": homes_started,
                "planned": location.planned_homes,
            }
        )
    start = ConstructionStart.objects.create(
        location=location,
        started_on=started_on,
        homes_started=homes_started,
        note=note,
        recorded_by=actor,
    )
    audit_record(
        action=AuditAction.CONSTRUCTION_STARTED,
        actor=actor,
        location=location,
        reason=note,
        data={
            "construction_start": start.pk,
            "started_on": started_on.isoformat(),
            "homes_started": homes_started,
            "homes_under_construction": before + homes_started,
        },
    )
    return start


def construction_starts(location: Location) -> QuerySet[ConstructionStart]:
    """The location's starts of construction, oldest first."""
    return location.construction_starts.select_related("recorded_by").order_by(
        "started_on", "pk"
    )


def homes_under_construction(location: Location) -> int:
    return (
        ConstructionStart.objects.filter(location=location).aggregate(
            n=Sum("homes_started")
        )["n"]
        or 0
    )
