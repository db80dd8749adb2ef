"""Each access rule exists once; where a hand-written SQL statement stands beside the
ORM's (for a measured saving), the two must give the same answer for every kind of
person.

- `holds_perm_on` (one SQL statement, the hot paths: a task's location and
  organisation) answers as `objects_with_perm` (the ORM predicate every list and
  count narrows down) and as guardian's checker (`has_object_perm`), for every object
  and permission, for a superuser, the three roles, members and signatories, a person
  granted the permission directly, one holding it model-wide without a role, an
  inactive person, nobody signed in, and for objects that do not exist.
- `is_programme_staff` (the ministry or a case manager) says the same model-wide and
  per location, and `locations_staffed_by` lists exactly the locations where it holds.

The other hand-written statement, the menu's counts (`workflows.selectors.work_counts`),
is held to the lists' ORM rule for every kind of person in
`tests/workflows/test_menu_counts.py`.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from guardian.shortcuts import assign_perm

from casework.access import (
    is_programme_staff,
    location_visible,
    locations_staffed_by,
    locations_visible_to,
)
from casework.constants import LocationPerm
from casework.models import Location
from permissions.checks import (
    forget_cached_permissions,
    has_object_perm,
    holds_perm_on,
    objects_with_perm,
)
from permissions.constants import OrganisationPerm
from permissions.models import Organisation

pytestmark = pytest.mark.django_db

PEOPLE = (
    "case_manager",
    "ministry",
    "viewer",
    "a_member",
    "a_signatory",
    "b_member",
    "b_signatory",
    "c_member",
    "c_signatory",
    "outsider",
)


@pytest.fixture
def everyone(world):
    """Every kind of person, each named for the messages."""
    User = get_user_model()
    superuser = User.objects.create_superuser("beheer", "beheer@example.org", "x")
    # A grant straight to a person (not through a group), on a location and on an
    # organisation.
    direct = User.objects.create_user("direct")
    assign_perm(LocationPerm.VIEW, direct, world.foreign)
    assign_perm(OrganisationPerm.SIGN, direct, world.org_b)
    # A permission held model-wide without one of the roles.
    model_wide = User.objects.create_user("modelwide")
    for perm in (LocationPerm.MANAGE, OrganisationPerm.ACT):
        app_label, codename = perm.split(".")
        model_wide.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    inactive = world.b_member
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    people = {name: getattr(world, name) for name in PEOPLE}
    people.update(
        superuser=superuser,
        direct=direct,
        model_wide=model_wide,
        anonymous=AnonymousUser(),
    )
    return people


def checks(world):
    location_perms = (
        LocationPerm.VIEW,
        LocationPerm.MANAGE,
        LocationPerm.DIRECT,
        LocationPerm.CONTRIBUTE,
    )
    organisation_perms = (OrganisationPerm.SIGN, OrganisationPerm.ACT)
    return [
        (Location, perm, pk)
        for perm in location_perms
        for pk in (world.own.pk, world.foreign.pk)
    ] + [
        (Organisation, perm, organisation.pk)
        for perm in organisation_perms
        for organisation in (world.org_a, world.org_b, world.org_c, world.org_outside)
    ]


def test_holds_perm_on_answers_as_the_orm_rule_for_every_kind_of_person(
    world, everyone
):
    seen = set()
    for (name, person), (model, perm, pk) in itertools.product(
        everyone.items(), checks(world)
    ):
        forget_cached_permissions(person)
        by_sql = holds_perm_on(person, perm, model, pk)
        forget_cached_permissions(person)
        by_orm = objects_with_perm(person, perm, model.objects.filter(pk=pk)).exists()
        forget_cached_permissions(person)
        by_checker = has_object_perm(person, perm, model.objects.get(pk=pk))
        assert by_sql == by_orm == by_checker, (name, perm, model.__name__, pk)
        seen.add(by_sql)
    assert seen == {True, False}


def test_an_object_that_does_not_exist_is_held_by_nobody(world, everyone):
    missing = {
        Location: Location.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1,
        Organisation: Organisation.objects.order_by("-pk").values_list("pk", flat=True)[
            0
        ]
        + 1,
    }
    for (name, person), (model, perm, _pk) in itertools.product(
        everyone.items(), checks(world)
    ):
        assert not holds_perm_on(person, perm, model, missing[model]), (name, perm)
        assert not objects_with_perm(
            person, perm, model.objects.filter(pk=missing[model])
        ).exists(), (name, perm)


def test_a_location_is_visible_by_id_exactly_when_it_is_listed(world, everyone):
    for name, person in everyone.items():
        listed = set(locations_visible_to(person).values_list("pk", flat=True))
        for location in (world.own, world.foreign):
            forget_cached_permissions(person)
            assert location_visible(person, location.pk) == (location.pk in listed), (
                name,
                location.name,
            )
        assert not location_visible(person, None)


def test_programme_staff_is_one_rule_model_wide_and_per_location(world, everyone):
    # A case manager's permission on one location only.
    assign_perm(LocationPerm.MANAGE, everyone["outsider"], world.own)
    staff = set()
    for name, person in everyone.items():
        forget_cached_permissions(person)
        staffed = set(locations_staffed_by(person).values_list("pk", flat=True))
        for location in (world.own, world.foreign):
            expected = any(
                has_object_perm(person, perm, location)
                for perm in (LocationPerm.MANAGE, LocationPerm.DIRECT)
            )
            assert is_programme_staff(person, location) == expected, (name, location)
            assert (location.pk in staffed) == expected, (name, location)
            if expected:
                staff.add(name)
        if is_programme_staff(person):
            assert staffed == set(Location.objects.values_list("pk", flat=True))
    assert staff == {"case_manager", "ministry", "superuser", "model_wide", "outsider"}
