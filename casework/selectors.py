"""Reads of the casework domain. Every read that depends on who is asking goes through
`casework.access` (`locations_visible_to`, `access_location`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Min, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm
from permissions.constants import MembershipRole
from permissions.errors import InvalidInput, NotPermitted
from permissions.models import Membership

from .access import (
    access_location,
    is_programme_staff,
    locations_staffed_by,
    locations_visible_to,
    staffs_a_programme,
)
from .constants import (
    SYSTEM_TRANSITIONS,
    TRANSITION_PERMISSION,
    TransitionName,
    VersionStatus,
)
from .models import (
    AgreementVersion,
    Bottleneck,
    Deadline,
    DeadlineEvent,
    DesignationView,
    ImpasseSignal,
    Location,
    Party,
    Programme,
)


def deadline_events_with_resolution(
    events: QuerySet[DeadlineEvent],
) -> QuerySet[DeadlineEvent]:
    """Logged reminders and overdue marks with `done_at`: when their subject was dealt
    with after all. The deadline clock records that once, on the `Deadline` (closing a
    task is one UPDATE); events logged before the clock kept it on themselves."""
    return events.annotate(
        done_at=Coalesce(
            "resolved_at",
            Subquery(
                Deadline.objects.filter(reference=OuterRef("reference")).values(
                    "resolved_at"
                )[:1]
            ),
        )
    )


def location_list(user, *, stage=None, province=None, programme=None, search=None):
    """Visible locations with what a list shows, filtered."""
    queryset = locations_visible_to(user).select_related("programme")
    if stage:
        queryset = queryset.filter(stage=stage)
    if province:
        queryset = queryset.filter(province=province)
    if programme:
        queryset = queryset.filter(programme__slug=programme)
    if search:
        queryset = queryset.filter(name__icontains=search) | queryset.filter(
            municipality__icontains=search
        )
    return queryset.order_by("name", "id")


def parties_with_signatories() -> Prefetch:
    """Prefetch for a location's parties, their organisations and signatories."""
    signatories = (
        Membership.objects.filter(role=MembershipRole.SIGNATORY)
        .select_related("user")
        .order_by("user__username")
    )
    return Prefetch(
        "parties",
        queryset=Party.objects.select_related("organisation")
        .prefetch_related(
            Prefetch(
                "organisation__memberships", queryset=signatories, to_attr="signatories"
            )
        )
        .order_by("organisation__name"),
    )


def location_bottlenecks(location: Location) -> QuerySet[Bottleneck]:
    return location.bottlenecks.select_related("owner__organisation").order_by(
        "created_at", "id"
    )


def location_agenda(location: Location) -> list[Bottleneck]:
    """The breakthrough agenda of the location page, read once per page: the page
    lists it, and the form to open an action offers its open bottlenecks."""
    if not hasattr(location, "_agenda"):
        location._agenda = list(location_bottlenecks(location))
    return location._agenda


def location_versions(location: Location) -> list[AgreementVersion]:
    """The location's versions in approval and concluded, with their agreement, by
    kind and number: read once per page (the open rounds of 'who holds the ball', the
    agreements of the documents section)."""
    if not hasattr(location, "_versions"):
        location._versions = list(
            AgreementVersion.objects.filter(
                agreement__location=location,
                status__in=(VersionStatus.IN_APPROVAL, VersionStatus.CONCLUDED),
            )
            .select_related("agreement")
            .order_by("agreement__kind", "number")
        )
    return location._versions


def transition_blocker(location: Location, name: str) -> str | None:
    """Why `name` cannot be fired on `location` now (a Dutch sentence), or None."""
    method = getattr(location, name)
    meta = method._django_fsm
    if not meta.has_transition(location.stage):
        return _("Dit kan niet vanuit de fase ‘%(stage)s’.") % {
            "stage": location.get_stage_display()
        }
    transition = meta.get_transition(location.stage)
    for condition in transition.conditions:
        if not condition(location):
            return str(
                getattr(condition, "message", _("Niet aan de voorwaarden voldaan."))
            )
    return None


def available_transitions(user, location: Location) -> list[TransitionName]:
    """The transitions `user` may fire on `location` now: allowed from the stage, guards
    met, and the user holds the permission. System transitions never appear."""
    result = []
    for name in TransitionName:
        if name in SYSTEM_TRANSITIONS:
            continue
        meta = getattr(location, name)._django_fsm
        if not meta.has_transition(location.stage):
            continue
        if not has_object_perm(user, TRANSITION_PERMISSION[name], location):
            continue
        if transition_blocker(location, name) is None:
            result.append(name)
    return result


def current_version(location: Location, kind: str) -> AgreementVersion | None:
    """The newest submitted version of the location's agreement of `kind`."""
    return location.submitted_versions(kind).first()


def impasses_checked_at(
    programmes: Iterable[Programme] | None = None,
) -> datetime.datetime | None:
    """When `detect_impasses` last ran over `programmes` (the loaded programmes of a
    page, read without a query; all programmes when None): the earliest of their
    times, so a list of signals never claims to be fresher than its oldest part.
    None before the first run."""
    if programmes is None:
        return Programme.objects.aggregate(at=Min("impasses_checked_at"))["at"]
    times = [p.impasses_checked_at for p in programmes if p.impasses_checked_at]
    return min(times, default=None)


def impasse_signals_for(user, *, status: str = "open", location_id=None):
    """Impasse signals are read by the ministry and case managers (design §5); parties see
    that their location is escalated, not the system's suspicions about them."""
    if not staffs_a_programme(user):
        raise NotPermitted(
            _("Impassesignalen zijn er voor het ministerie en procesregisseurs.")
        )
    if status not in ("open", "all"):
        raise InvalidInput(_("Status is ‘open’ of ‘all’."))
    # A case manager of one programme reads its signals only.
    among = (
        locations_visible_to(user)
        if is_programme_staff(user)
        else locations_staffed_by(user)
    )
    signals = ImpasseSignal.objects.filter(
        location__in=among.values("pk")
    ).select_related("location", "waiting_on")
    if status == "open":
        signals = signals.filter(closed_at__isnull=True)
    if location_id:
        signals = signals.filter(location=access_location(user, location_id))
    return signals.order_by("-opened_at", "-id")


def designation_views(user, location: Location) -> list[DesignationView]:
    """The views (zienswijzen) recorded on `location`'s running designation procedure,
    in the order they were received; none when no procedure runs. For the ministry
    and case managers, who record them (NotPermitted for anyone else: a view names
    its sender and their address)."""
    if not is_programme_staff(user, location):
        raise NotPermitted(
            _("Alleen de procesregisseur of het ministerie leest de zienswijzen.")
        )
    return list(
        DesignationView.objects.filter(
            designation__location=location, designation__closed_at__isnull=True
        ).order_by("received_on", "id")
    )
