"""Shared fixtures: the programme-wide roles and a small world of two locations.

The world (used by most tests):

- `own`: a location with two parties, organisation A (municipality: member `a_member`,
  signatory `a_signatory`) and organisation B (developer: member `b_member`, signatory
  `b_signatory`);
- `foreign`: a location whose only party is organisation C (`c_member`, `c_signatory`);
- organisation D takes part nowhere; `outsider` works there;
- `case_manager`, `ministry` and `viewer` hold the three programme-wide roles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casework.constants import PartyRole
from casework.models import AuditEvent, Location, Party, Programme
from permissions.checks import forget_cached_permissions
from permissions.constants import MembershipRole, OrganisationKind, Role
from permissions.models import Organisation

from .factories import (
    LocationFactory,
    OrganisationFactory,
    PartyFactory,
    ProgrammeFactory,
    person_of,
    user_with_role,
)
from .processes import run_manage

User = get_user_model()


@dataclass
class World:
    programme: Programme
    case_manager: Any
    ministry: Any
    viewer: Any
    org_a: Organisation
    org_b: Organisation
    org_c: Organisation
    org_outside: Organisation
    a_member: Any
    a_signatory: Any
    b_member: Any
    b_signatory: Any
    c_member: Any
    c_signatory: Any
    outsider: Any
    own: Location
    foreign: Location
    party_a: Party
    party_b: Party
    party_c: Party


def pytest_collection_modifyitems(config, items):
    """Slow suites (marked `slow`, and the browser tests) run once: in the PostgreSQL
    pass of `make test` (CI runs SQLite first, then PostgreSQL). On SQLite they are
    skipped, unless RUN_SLOW=1."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine or os.environ.get("RUN_SLOW") == "1":
        return
    once = pytest.mark.skip(
        reason="slow: runs once, in the PostgreSQL pass (RUN_SLOW=1 runs it here)"
    )
    for item in items:
        if "slow" in item.keywords or "browser" in item.keywords:
            item.add_marker(once)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in English leaves English active in the test thread (Django does not
    reset it after the response); the next test starts in the default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def programme(db) -> Programme:
    return ProgrammeFactory(name="Doorbraakaanpak 2025", slug="doorbraakaanpak-2025")


@pytest.fixture
def case_manager(db):
    return user_with_role(Role.CASE_MANAGER, username="procesregisseur")


@pytest.fixture
def ministry(db):
    return user_with_role(Role.MINISTRY, username="ministerie")


@pytest.fixture
def viewer(db):
    return user_with_role(Role.VIEWER, username="programmalezer")


def build_world(programme, case_manager, ministry, viewer) -> World:
    org_a = OrganisationFactory(
        slug="gemeente-a", name="Gemeente A", kind=OrganisationKind.MUNICIPALITY
    )
    org_b = OrganisationFactory(
        slug="ontwikkelaar-b", name="Ontwikkelaar B", kind=OrganisationKind.DEVELOPER
    )
    org_c = OrganisationFactory(
        slug="gemeente-c", name="Gemeente C", kind=OrganisationKind.MUNICIPALITY
    )
    org_outside = OrganisationFactory(
        slug="corporatie-d",
        name="Corporatie D",
        kind=OrganisationKind.HOUSING_CORPORATION,
    )
    own = LocationFactory(
        programme=programme, name="Eigen Locatie", municipality="Gemeente A"
    )
    foreign = LocationFactory(
        programme=programme, name="Vreemde Locatie", municipality="Gemeente C"
    )
    return World(
        programme=programme,
        case_manager=case_manager,
        ministry=ministry,
        viewer=viewer,
        org_a=org_a,
        org_b=org_b,
        org_c=org_c,
        org_outside=org_outside,
        a_member=person_of(org_a, MembershipRole.MEMBER, username="a-lid"),
        a_signatory=person_of(org_a, MembershipRole.SIGNATORY, username="a-teken"),
        b_member=person_of(org_b, MembershipRole.MEMBER, username="b-lid"),
        b_signatory=person_of(org_b, MembershipRole.SIGNATORY, username="b-teken"),
        c_member=person_of(org_c, MembershipRole.MEMBER, username="c-lid"),
        c_signatory=person_of(org_c, MembershipRole.SIGNATORY, username="c-teken"),
        outsider=person_of(org_outside, MembershipRole.MEMBER, username="d-lid"),
        own=own,
        foreign=foreign,
        party_a=PartyFactory(
            location=own, organisation=org_a, role=PartyRole.MUNICIPALITY
        ),
        party_b=PartyFactory(
            location=own, organisation=org_b, role=PartyRole.DEVELOPER
        ),
        party_c=PartyFactory(
            location=foreign, organisation=org_c, role=PartyRole.MUNICIPALITY
        ),
    )


def new_world() -> World:
    """A world with its own programme and role holders (for module-scoped worlds)."""
    return build_world(
        ProgrammeFactory(name="Doorbraakaanpak 2025", slug="doorbraakaanpak-2025"),
        user_with_role(Role.CASE_MANAGER, username="procesregisseur"),
        user_with_role(Role.MINISTRY, username="ministerie"),
        user_with_role(Role.VIEWER, username="programmalezer"),
    )


@pytest.fixture
def world(db, programme, case_manager, ministry, viewer) -> World:
    return build_world(programme, case_manager, ministry, viewer)


def forget_world_caches(world: World) -> None:
    """Drop the permission caches on the world's user objects (kept on the object, so
    they would survive into the next test when the world is shared)."""
    for value in vars(world).values():
        if isinstance(value, User):
            forget_cached_permissions(value)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def token_client(user) -> APIClient:
    """An API client that authenticates with `Authorization: Token <key>`."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def transition_events(location: Location | None = None):
    events = AuditEvent.objects.filter(action="transition")
    if location is not None:
        events = events.filter(location=location)
    return events


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """A SQLite database file with every migration applied, made once per run by
    `manage.py migrate` in a process of its own. Tests that run the project in other
    processes (which cannot see the test's own database) work on copies of it
    (`tests.processes.copy_sqlite`)."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    result = run_manage(
        "migrate",
        "--noinput",
        timeout=300,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{path}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path
