"""`permissions.checks.holds_perm_on` (the one-query check on the hot paths: a task's
location and organisation when it is completed) answers exactly as `has_object_perm`
for every person, object and permission, including inactive people, a grant to the
person directly and an object that does not exist."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from guardian.shortcuts import assign_perm

from casework.constants import LocationPerm
from casework.models import Location
from permissions.checks import forget_cached_permissions, has_object_perm, holds_perm_on
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


def test_agrees_with_has_object_perm_for_everyone(world):
    # One grant straight to a person (not through a group) must count as well.
    assign_perm(LocationPerm.VIEW, world.outsider, world.foreign)
    inactive = world.b_member
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    people = [getattr(world, name) for name in PEOPLE] + [AnonymousUser()]
    checks = [
        (Location, perm, location)
        for perm in (LocationPerm.VIEW, LocationPerm.MANAGE)
        for location in (world.own, world.foreign)
    ] + [
        (Organisation, perm, organisation)
        for perm in (OrganisationPerm.SIGN, OrganisationPerm.ACT)
        for organisation in (world.org_a, world.org_b, world.org_c, world.org_outside)
    ]
    seen = set()
    for person, (model, perm, obj) in itertools.product(people, checks):
        forget_cached_permissions(person)
        expected = has_object_perm(person, perm, obj)
        assert holds_perm_on(person, perm, model, obj.pk) == expected, (
            person,
            perm,
            obj,
        )
        seen.add(expected)
    assert seen == {True, False}


def test_an_object_that_does_not_exist_is_not_held(world):
    missing = Location.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    assert not holds_perm_on(world.ministry, LocationPerm.VIEW, Location, missing)
    assert not holds_perm_on(world.a_member, LocationPerm.VIEW, Location, missing)
