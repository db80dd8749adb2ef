"""GET /api/v1/tasks/ answers in a constant number of queries: the same at 10 and at
1,000 open tasks.

The tasks are real: every location runs an approval round started through the
services (viewflow creates the tasks, their permissions and owners). To build 1,000 of
them quickly the locations, their parties and the parties' object permissions are
bulk-created (the rows `casework.services.party_add` writes) in stage `negotiation`, and
each location gets one round of five parties.

`signatory` signs for all five organisations: three have no other signatory (their
tasks are assigned to this person: the inbox), two have a second one (their tasks wait
in the queue: claimable). `colleague` is that second signatory of the last two.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission

from casework import services
from casework.constants import PartyRole, Province, Stage
from casework.models import Location, Party
from casework.roles import PARTY_PERMISSIONS
from permissions.constants import MembershipRole, OrganisationKind, Role
from permissions.services import membership_set
from workflows import services as workflows

from ..conftest import token_client
from ..factories import OrganisationFactory, ProgrammeFactory, person_of, user_with_role

PARTIES = 5

# Each query of one GET /api/v1/tasks/, measured on SQLite and PostgreSQL, the same at
# 10 and at 1,000 tasks.
QUERIES = [
    "authtoken_token JOIN auth_user: the token and its user",
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
    "viewflow_task JOIN viewflow_process: the open tasks, assigned to the user or "
    "claimable (guardian's user and group object permissions as EXISTS subqueries)",
    "casework_location UNION ALL permissions_organisation: the names of the tasks' "
    "locations and organisations",
]


@dataclass
class Inbox:
    signatory: object
    colleague: object
    programme: object
    organisations: list
    case_manager: object
    built: int = 0  # locations with a round so far


@pytest.fixture
def inbox(db) -> Inbox:
    programme = ProgrammeFactory(
        slug="doorbraakaanpak-2025", name="Doorbraakaanpak 2025"
    )
    case_manager = user_with_role(Role.CASE_MANAGER, username="procesregisseur")
    organisations = [
        OrganisationFactory(
            slug=f"partij-{i}", name=f"Partij {i}", kind=OrganisationKind.DEVELOPER
        )
        for i in range(PARTIES)
    ]
    signatory = person_of(organisations[0], MembershipRole.SIGNATORY, username="teken")
    for organisation in organisations[1:]:
        membership_set(
            user=signatory, organisation=organisation, role=MembershipRole.SIGNATORY
        )
    colleague = person_of(
        organisations[3], MembershipRole.SIGNATORY, username="collega"
    )
    membership_set(
        user=colleague, organisation=organisations[4], role=MembershipRole.SIGNATORY
    )
    return Inbox(
        signatory=signatory,
        colleague=colleague,
        programme=programme,
        organisations=organisations,
        case_manager=case_manager,
    )


def add_rounds(inbox: Inbox, count: int) -> None:
    """`count` more locations in negotiation, each with a round of five parties."""
    start = inbox.built
    locations = Location.objects.bulk_create(
        Location(
            programme=inbox.programme,
            name=f"Locatie {i:04d}",
            slug=f"locatie-{i:04d}",
            municipality="Amersfoort",
            province=Province.UTRECHT,
            stage=Stage.NEGOTIATION,
        )
        for i in range(start, start + count)
    )
    parties = Party.objects.bulk_create(
        Party(location=location, organisation=organisation, role=PartyRole.DEVELOPER)
        for location in locations
        for organisation in inbox.organisations
    )
    content_type = ContentType.objects.get_for_model(Location)
    permissions = [
        Permission.objects.get(content_type=content_type, codename=perm.split(".")[1])
        for perm in PARTY_PERMISSIONS
    ]
    groups = {o.pk: o.members_group for o in inbox.organisations}
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
    for location in locations:
        version = services.agreement_draft(
            location=location,
            actor=inbox.case_manager,
            kind="heads_of_agreement",
            title=f"Hoofdlijnenakkoord {location.name}",
            text="Partijen versnellen de woningbouw.",
            commitments=[
                {
                    "party": organisation.pk,
                    "description": "Levert haar bijdrage.",
                    "due_date": datetime.date(2026, 6, 30),
                }
                for organisation in inbox.organisations[:2]
            ],
        )
        workflows.approval_round_submit(version=version, actor=inbox.case_manager)
    inbox.built += count


def measure(client, django_assert_num_queries, expected_rows: int):
    client.get("/api/v1/tasks/")  # warm the process-wide caches (ContentType)
    with django_assert_num_queries(len(QUERIES)):
        response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == expected_rows
    return rows


@pytest.mark.slow
def test_task_list_query_count_is_the_same_at_10_and_1000_tasks(
    inbox, django_assert_num_queries
):
    signatory = token_client(inbox.signatory)
    colleague = token_client(inbox.colleague)

    add_rounds(inbox, 2)
    rows = measure(signatory, django_assert_num_queries, 2 * PARTIES)  # 10 tasks
    assert sorted({r["status"] for r in rows}) == ["assigned", "claimable"]
    measure(colleague, django_assert_num_queries, 2 * 2)

    add_rounds(inbox, 198)
    rows = measure(signatory, django_assert_num_queries, 200 * PARTIES)  # 1,000 tasks
    assert sum(r["status"] == "assigned" for r in rows) == 600
    assert sum(r["status"] == "claimable" for r in rows) == 400
    assert {r["kind"] for r in rows} == {"approval"}
    assert len({r["location"]["id"] for r in rows}) == 200
    assert all(r["location"]["name"].startswith("Locatie ") for r in rows)
    assert {r["organisation"]["name"] for r in rows} == {
        o.name for o in inbox.organisations
    }
    measure(colleague, django_assert_num_queries, 200 * 2)
