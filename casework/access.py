"""Who may see what of the casework domain: the one place for the rules every view,
API, flow and document goes through.

Built on the object permissions of `permissions.checks` (model-wide through a role,
per location through the organisation's group). One condition a line:

- `is_programme_staff`: the ministry or a case manager (model-wide, or on a location);
- `reads_portfolio`: a programme-wide role (case manager, ministry, programme viewer);
- `locations_visible_to`: the locations a person may see; `locations_staffed_by`:
  those where the person is programme staff;
- `access_location`, `require_location_visible`, `location_visible`: one location,
  by id (a URL's, a process's); a location one may not see is `NotVisible` (a 404);
- `access_agreement_version`: an agreement version, by its location.

Which of a location's facts are internal is `casework.audience`'s rule, built on
`is_programme_staff`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from permissions.checks import (
    has_global_perm,
    has_object_perm,
    holds_perm_on,
    objects_with_perm,
)
from permissions.errors import NotPermitted, NotVisible

from .constants import LocationPerm
from .models import AgreementVersion, Bottleneck, Commitment, Location

if TYPE_CHECKING:
    from permissions.checks import AnyUser

# The two programme-wide roles that run the programme (the ministry directs, the case
# managers manage); the internal facts of a location are theirs.
STAFF_PERMS = (LocationPerm.MANAGE, LocationPerm.DIRECT)


def is_programme_staff(user: AnyUser, location: Location | None = None) -> bool:
    """The ministry or a case manager: model-wide (a role); with `location`, also
    through an object permission on that location."""
    if location is None:
        return any(has_global_perm(user, perm) for perm in STAFF_PERMS)
    return any(has_object_perm(user, perm, location) for perm in STAFF_PERMS)


def reads_portfolio(user: AnyUser) -> bool:
    """A programme-wide role: every location, the portfolio-wide reports and the flow
    dashboards."""
    return has_global_perm(user, LocationPerm.VIEW)


def locations_visible_to(
    user: AnyUser, queryset: QuerySet[Location] | None = None
) -> QuerySet[Location]:
    """The locations `user` may see: all of them for the programme-wide roles, else those
    where one of the user's organisations is a party."""
    if queryset is None:
        queryset = Location.objects.all()
    return objects_with_perm(user, LocationPerm.VIEW, queryset)


def locations_staffed_by(user: AnyUser) -> QuerySet[Location]:
    """The locations where `user` is the ministry or a case manager (model-wide: all
    of them)."""
    locations = Location.objects.all()
    if is_programme_staff(user):
        return locations
    return locations.filter(
        Q(pk__in=objects_with_perm(user, LocationPerm.MANAGE, locations).values("pk"))
        | Q(pk__in=objects_with_perm(user, LocationPerm.DIRECT, locations).values("pk"))
    )


def _location_pk(location_id: int | str) -> int:
    """A location id from a URL or a process's data; not a number is not found."""
    try:
        return int(location_id)
    except (TypeError, ValueError):
        raise NotVisible(location=location_id) from None


def access_location(
    user: AnyUser,
    location_id: int | str,
    perm: str | None = None,
    *,
    queryset: QuerySet[Location] | None = None,
) -> Location:
    """The location, if `user` may see it (else `NotVisible`, a 404) and, when `perm` is
    given, may do that on it (else `NotPermitted`, a 403)."""
    location = (
        locations_visible_to(user, queryset)
        .filter(pk=_location_pk(location_id))
        .first()
    )
    if location is None:
        raise NotVisible(location=location_id)
    if perm is not None and not has_object_perm(user, perm, location):
        raise NotPermitted(_("U heeft geen recht om dit te doen bij deze locatie."))
    return location


def require_location_visible(user: AnyUser, location_id: int | str) -> None:
    """`access_location` without reading the location: `NotVisible` (a 404) unless
    `user` may see it. One query (`holds_perm_on`)."""
    if not holds_perm_on(user, LocationPerm.VIEW, Location, _location_pk(location_id)):
        raise NotVisible(location=location_id)


def location_visible(user: AnyUser, location_id: int | str | None) -> bool:
    """Whether `user` may see the location with this id (a process's location, which
    may be missing): `require_location_visible` as a question."""
    if location_id is None:
        return False
    try:
        require_location_visible(user, location_id)
    except NotVisible:
        return False
    return True


def access_agreement_version(
    user: AnyUser,
    version_id: int | str,
    queryset: QuerySet[AgreementVersion] | None = None,
) -> AgreementVersion:
    """The version (of `queryset`, for what its caller shows), if its location is
    visible to `user`; else `NotVisible` (404), the same answer as for a version that
    does not exist. One query."""
    if queryset is None:
        queryset = AgreementVersion.objects.select_related("agreement")
    version = queryset.filter(
        pk=version_id, agreement__location__in=locations_visible_to(user)
    ).first()
    if version is None:
        raise NotVisible(agreement_version=version_id)
    return version


def _object_pk(value: int | str, kind: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotVisible(looked_for=f"{kind}:{value}") from None


def access_bottleneck(
    user: AnyUser,
    bottleneck_id: int | str,
    queryset: QuerySet[Bottleneck] | None = None,
) -> Bottleneck:
    """The bottleneck, if its location is visible to `user`; else `NotVisible` (404),
    as for one that does not exist. One query."""
    if queryset is None:
        queryset = Bottleneck.objects.select_related("location", "owner__organisation")
    bottleneck = queryset.filter(
        pk=_object_pk(bottleneck_id, "bottleneck"),
        location__in=locations_visible_to(user),
    ).first()
    if bottleneck is None:
        raise NotVisible(bottleneck=bottleneck_id)
    return bottleneck


def access_commitment(
    user: AnyUser,
    commitment_id: int | str,
    queryset: QuerySet[Commitment] | None = None,
) -> Commitment:
    """The commitment (of any version), if its location is visible to `user`; else
    `NotVisible` (404). One query."""
    if queryset is None:
        queryset = Commitment.objects.select_related(
            "owner__organisation", "version__agreement__location"
        )
    commitment = queryset.filter(
        pk=_object_pk(commitment_id, "commitment"),
        version__agreement__location__in=locations_visible_to(user),
    ).first()
    if commitment is None:
        raise NotVisible(commitment=commitment_id)
    return commitment
