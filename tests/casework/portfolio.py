"""Build a large portfolio quickly, for the query-count tests.

Locations, parties, bottlenecks and signatories are bulk-created; the object
permissions a party gets are the same guardian rows `services.party_add` writes
(view + contribute for the organisation's members group), bulk-created as well. One
location ("Eigen Locatie", the first) is built through the services, so the bulk rows
are checked against the real thing in `test_bulk_grants_match_the_service`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission

from casework import audit_chain
from casework.constants import BottleneckCategory, PartyRole, Province, Stage
from casework.models import AuditEvent, Bottleneck, Location, Party
from casework.roles import PARTY_PERMISSIONS
from permissions.constants import MembershipRole, OrganisationKind, Role

from ..factories import (
    LocationFactory,
    OrganisationFactory,
    PartyFactory,
    ProgrammeFactory,
    person_of,
    user_with_role,
)

PARTIES_PER_LOCATION = 3
BOTTLENECKS_PER_LOCATION = 2


@dataclass
class Portfolio:
    case_manager: object
    member: object
    own: Location
    size: int


def build_portfolio(size: int) -> Portfolio:
    programme = ProgrammeFactory(
        slug="doorbraakaanpak-2025", name="Doorbraakaanpak 2025"
    )
    case_manager = user_with_role(Role.CASE_MANAGER, username="procesregisseur")
    # Organisation A is a party everywhere (its member sees every location); the others
    # take turns as the second and third party.
    org_a = OrganisationFactory(slug="gemeente-a", name="Gemeente A")
    others = [
        OrganisationFactory(
            slug=f"partij-{i}", name=f"Partij {i}", kind=OrganisationKind.DEVELOPER
        )
        for i in range(5)
    ]
    member = person_of(org_a, MembershipRole.MEMBER, username="a-lid")
    for organisation in [org_a, *others]:
        person_of(organisation, MembershipRole.SIGNATORY)
        person_of(organisation, MembershipRole.SIGNATORY)

    # The location the detail pages show, built through the services.
    own = LocationFactory(programme=programme, name="Eigen Locatie")
    own_parties = [
        PartyFactory(location=own, organisation=org_a),
        PartyFactory(location=own, organisation=others[0], role=PartyRole.DEVELOPER),
        PartyFactory(location=own, organisation=others[1], role=PartyRole.INVESTOR),
    ]
    for i in range(BOTTLENECKS_PER_LOCATION):
        Bottleneck.objects.create(
            location=own,
            category=BottleneckCategory.NITROGEN,
            description=f"Knelpunt {i}",
            owner=own_parties[i],
            created_by=case_manager,
        )

    locations = Location.objects.bulk_create(
        Location(
            programme=programme,
            name=f"Locatie {i:04d}",
            slug=f"locatie-{i:04d}",
            municipality="Amersfoort",
            province=list(Province)[i % len(Province)],
            planned_homes=100 + i if i % 3 else None,
            stage=list(Stage)[i % len(Stage)],
        )
        for i in range(size - 1)
    )
    parties = Party.objects.bulk_create(
        Party(
            location=location,
            organisation=organisation,
            role=role,
        )
        for i, location in enumerate(locations)
        for organisation, role in [
            (org_a, PartyRole.MUNICIPALITY),
            (others[i % 5], PartyRole.DEVELOPER),
            (others[(i + 1) % 5], PartyRole.HOUSING_CORPORATION),
        ]
    )
    content_type = ContentType.objects.get_for_model(Location)
    permissions = {
        perm: Permission.objects.get(
            content_type=content_type, codename=perm.split(".", 1)[1]
        )
        for perm in PARTY_PERMISSIONS
    }
    groups = {o.pk: o.members_group for o in [org_a, *others]}
    GroupObjectPermission.objects.bulk_create(
        GroupObjectPermission(
            group=groups[party.organisation_id],
            permission=permission,
            content_type=content_type,
            object_pk=str(party.location_id),
        )
        for party in parties
        for permission in permissions.values()
    )
    first_party_of = {}
    for party in parties:
        first_party_of.setdefault(party.location_id, party)
    Bottleneck.objects.bulk_create(
        Bottleneck(
            location=location,
            category=list(BottleneckCategory)[(i + j) % len(BottleneckCategory)],
            description=f"Knelpunt {j} van {location.name}",
            owner=first_party_of[location.pk] if j == 0 else None,
            deadline=datetime.date(2026, 1, 1) if j else None,
            created_by=case_manager,
        )
        for i, location in enumerate(locations)
        for j in range(BOTTLENECKS_PER_LOCATION)
    )
    audit_chain.bulk_append(
        [
            AuditEvent(
                actor=case_manager,
                action="bottleneck_created",
                location=location,
                data={"category": "nitrogen"},
            )
            for location in locations
        ]
    )
    assert Location.objects.count() == size
    return Portfolio(case_manager=case_manager, member=member, own=own, size=size)
