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
- `access_agreement_version`: an agreement version, by its location;
- `programmes_read_by`, `staffs_a_programme`, `reads_programme`: the programme-scoped
  roles (a case manager, viewer or director of one or more programmes, granted through
  guardian on the programme). A grant on a programme is a grant on each of its
  locations (`permissions.checks.inherit_perms`, registered by the app), so every
  check on a location above follows it; the global role groups stay "every
  programme".

Which of a location's facts are internal is `casework.audience`'s rule, built on
`is_programme_staff`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from permissions.checks import (
    has_global_perm,
    has_object_perm,
    holds_perm_on,
    objects_with_perm,
    parent_grants,
)
from permissions.errors import NotPermitted, NotVisible

from .constants import PROGRAMME_GRANTS, LocationPerm, ProgrammePerm
from .models import AgreementVersion, Bottleneck, Commitment, Location, Programme

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


def _programmes_granted(user: AnyUser, perms: tuple[str, ...]) -> list[int]:
    """The ids of the programmes on which `user` holds one of `perms` (codenames):
    the cached grants of the request (one query the first time; none for whoever
    holds no programme role)."""
    if not has_global_perm(user, ProgrammePerm.HOLDS_ROLE):
        return []
    return sorted(
        int(pk)
        for pk, held in parent_grants(user, Programme).items()
        if held & set(perms)
    )


def programmes_read_by(user: AnyUser) -> QuerySet[Programme]:
    """The programmes whose reports (dashboard, progress report) `user` reads: every
    programme for a programme-wide role, else those the user holds a programme role
    on (viewer, case manager, director)."""
    if reads_portfolio(user):
        return Programme.objects.all()
    return Programme.objects.filter(
        pk__in=_programmes_granted(user, PROGRAMME_GRANTS[LocationPerm.VIEW])
    )


def reads_programme(user: AnyUser, programme: Programme) -> bool:
    """Whether `user` reads the reports of `programme` (`programmes_read_by`)."""
    return reads_portfolio(user) or programme.pk in _programmes_granted(
        user, PROGRAMME_GRANTS[LocationPerm.VIEW]
    )


def staffs_a_programme(user: AnyUser) -> bool:
    """The ministry or a case manager of every programme (a role), or of at least
    one (a programme grant): whoever reads impasse signals (of their locations)."""
    return is_programme_staff(user) or bool(
        _programmes_granted(
            user,
            PROGRAMME_GRANTS[LocationPerm.MANAGE]
            + PROGRAMME_GRANTS[LocationPerm.DIRECT],
        )
    )


def administers_programme(user: AnyUser, programme: Programme) -> bool:
    """A programme administrator (a grant on the programme) or a superuser: who
    edits the programme's settings in the interface."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (
            user.is_superuser
            or has_object_perm(user, ProgrammePerm.ADMINISTER, programme)
        )
    )


def programme_role_condition(perm: str, programme_id: int | None) -> Q:
    """A condition on users: holds a grant on the programme that gives `perm` on its
    locations (directly or through a group). Nothing when `perm` has no programme
    grant or there is no programme."""
    codenames = PROGRAMME_GRANTS.get(perm)
    if not codenames or programme_id is None:
        return Q(pk__in=[])
    content_type = ContentType.objects.get_for_model(Programme)
    return Q(
        userobjectpermission__content_type=content_type,
        userobjectpermission__object_pk=str(programme_id),
        userobjectpermission__permission__codename__in=codenames,
    ) | Q(
        groups__groupobjectpermission__content_type=content_type,
        groups__groupobjectpermission__object_pk=str(programme_id),
        groups__groupobjectpermission__permission__codename__in=codenames,
    )


def programmes_granting(user: AnyUser, perm: str) -> list[int]:
    """The ids of the programmes on whose locations `user` holds `perm` through a
    programme role (the cached grants: no query for whoever holds none)."""
    codenames = PROGRAMME_GRANTS.get(perm)
    if not codenames:
        return []
    return _programmes_granted(user, codenames)


def programmes_staffed_by(user: AnyUser) -> QuerySet[Programme]:
    """The programmes where `user` is the ministry or a case manager: all of them
    for a role, else those of their programme roles (case manager, director)."""
    if is_programme_staff(user):
        return Programme.objects.all()
    return Programme.objects.filter(
        pk__in=_programmes_granted(
            user,
            PROGRAMME_GRANTS[LocationPerm.MANAGE]
            + PROGRAMME_GRANTS[LocationPerm.DIRECT],
        )
    )


def may_propose_in(user: AnyUser, programme: Programme) -> bool:
    """Who proposes a location of `programme`: the ministry or a case manager, of
    every programme or of this one."""
    return is_programme_staff(user) or programme.pk in _programmes_granted(
        user,
        PROGRAMME_GRANTS[LocationPerm.MANAGE] + PROGRAMME_GRANTS[LocationPerm.DIRECT],
    )


def locations_staffed_by(user: AnyUser) -> QuerySet[Location]:
    """The locations where `user` is the ministry or a case manager (model-wide: all
    of them; through a programme grant: that programme's)."""
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
