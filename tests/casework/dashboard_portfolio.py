"""A large portfolio for the dashboard's query-count tests, built quickly.

One location ("Eigen Locatie") goes through the real services to the administrative
agreement, so the audit trail, agreements, versions, approvals and commitments hold
real rows; the rest is bulk-created: locations spread over every stage with known and
unknown homes, two parties each (organisation A everywhere, so its member sees every
location through the object permissions of its group), two bottlenecks each, and an
open impasse signal on every tenth location. No audit events are bulk-created: the
audit trail is a hash chain that only the service writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from guardian.models import GroupObjectPermission

from casework.constants import BottleneckCategory, PartyRole, Province, Stage
from casework.models import Bottleneck, ImpasseSignal, Location, Party
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
from ..scenarios import bring_to


@dataclass
class DashboardPortfolio:
    case_manager: object
    member: object
    size: int


def build_dashboard_portfolio(size: int) -> DashboardPortfolio:
    programme = ProgrammeFactory(
        slug="doorbraakaanpak-2025", name="Doorbraakaanpak 2025"
    )
    case_manager = user_with_role(Role.CASE_MANAGER, username="procesregisseur")
    ministry = user_with_role(Role.MINISTRY, username="ministerie")
    org_a = OrganisationFactory(slug="gemeente-a", name="Gemeente A")
    others = [
        OrganisationFactory(
            slug=f"partij-{i}", name=f"Partij {i}", kind=OrganisationKind.DEVELOPER
        )
        for i in range(5)
    ]
    member = person_of(org_a, MembershipRole.MEMBER, username="a-lid")

    own = LocationFactory(programme=programme, name="Eigen Locatie", planned_homes=900)
    PartyFactory(location=own, organisation=org_a)
    PartyFactory(location=own, organisation=others[0], role=PartyRole.DEVELOPER)
    bring_to(
        own,
        Stage.ADMINISTRATIVE_AGREEMENT,
        case_manager=case_manager,
        ministry=ministry,
    )

    now = timezone.now()
    stages = list(Stage)
    locations = Location.objects.bulk_create(
        Location(
            programme=programme,
            name=f"Locatie {i:04d}",
            slug=f"locatie-{i:04d}",
            municipality="Amersfoort",
            province=list(Province)[i % len(Province)],
            planned_homes=100 + i if i % 3 else None,
            stage=stages[i % len(stages)],
            stage_changed_at=now - datetime.timedelta(days=i % 400),
        )
        for i in range(size - 1)
    )
    parties = Party.objects.bulk_create(
        Party(location=location, organisation=organisation, role=role)
        for i, location in enumerate(locations)
        for organisation, role in [
            (org_a, PartyRole.MUNICIPALITY),
            (others[i % 5], PartyRole.DEVELOPER),
        ]
    )
    content_type = ContentType.objects.get_for_model(Location)
    permissions = [
        Permission.objects.get(content_type=content_type, codename=perm.split(".")[1])
        for perm in PARTY_PERMISSIONS
    ]
    groups = {o.pk: o.members_group for o in [org_a, *others]}
    GroupObjectPermission.objects.bulk_create(
        GroupObjectPermission(
            group=groups[party.organisation_id],
            permission=permission,
            content_type=content_type,
            object_pk=str(party.location_id),
        )
        for party in parties
        for permission in permissions
    )
    categories = list(BottleneckCategory)
    Bottleneck.objects.bulk_create(
        Bottleneck(
            location=location,
            category=categories[(i + j) % len(categories)],
            description=f"Knelpunt {j} van {location.name}",
            created_by=case_manager,
        )
        for i, location in enumerate(locations)
        for j in range(2)
    )
    ImpasseSignal.objects.bulk_create(
        ImpasseSignal(
            location=location,
            rule="stage_too_long",
            key="stage",
            message="Te lang in dezelfde fase.",
        )
        for location in locations[::10]
    )
    assert Location.objects.count() == size
    return DashboardPortfolio(case_manager=case_manager, member=member, size=size)
