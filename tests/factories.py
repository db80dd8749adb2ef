"""factory-boy factories for the domain.

Organisations, locations and parties are created through the services, never by hand:
the services create the organisation's groups and grant the party's object permissions,
and a factory that skipped them would build a world the application never has.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from casework import services
from casework.constants import PartyRole, Province
from casework.models import Location, Party, Programme
from permissions.constants import MembershipRole, OrganisationKind, Role
from permissions.models import Organisation
from permissions.services import membership_set, organisation_get_or_create, role_grant

User = get_user_model()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = "Tester"


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Programma {n}")
    slug = factory.Sequence(lambda n: f"programma-{n}")


class OrganisationFactory(factory.Factory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"organisatie-{n}")
    name = factory.Sequence(lambda n: f"Organisatie {n:04d}")
    kind = OrganisationKind.MUNICIPALITY

    @classmethod
    def _create(cls, model_class, **kwargs):
        return organisation_get_or_create(**kwargs)


class LocationFactory(factory.Factory):
    class Meta:
        model = Location

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Locatie {n:04d}")
    municipality = "Utrecht"
    province = Province.UTRECHT

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.location_create(**kwargs)


class PartyFactory(factory.Factory):
    class Meta:
        model = Party

    location = factory.SubFactory(LocationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = PartyRole.MUNICIPALITY

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.party_add(**kwargs)


def user_with_role(role: Role | str, **kwargs) -> User:
    """A user holding one programme-wide role (case manager, ministry, viewer)."""
    user = UserFactory(**kwargs)
    role_grant(user=user, role=role)
    return user


def person_of(
    organisation: Organisation,
    role: MembershipRole | str = MembershipRole.MEMBER,
    **kwargs,
) -> User:
    """A user working for `organisation` as member or signatory."""
    user = UserFactory(**kwargs)
    membership_set(user=user, organisation=organisation, role=role)
    return user
