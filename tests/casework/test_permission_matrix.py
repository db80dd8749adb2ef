"""Who may do what on which location, through the API and through the pages.

Roles × actions × {own location, foreign location} × {API, UI}. "Own" is the location
where organisation A (of the party member and signatory) is a party; "foreign" is one
where only organisation C is. The programme-wide roles see both.

Expected answers:
- a location the user may not see is a 404, for reads and for writes alike, and it does
  not appear in the list;
- a visible location on which the user may not do this is a 403;
- anonymous: the API answers 401 with a `WWW-Authenticate: Token` challenge and no
  location data; the pages redirect to the login page.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from casework.constants import BottleneckCategory, Stage, TransitionName
from casework.models import AuditEvent, Bottleneck, Location

from ..conftest import forget_world_caches, new_world
from ..scenarios import add_bottleneck, bring_to

ROLES = [
    "case_manager",
    "ministry",
    "viewer",
    "party_member",
    "party_signatory",
    "outsider",
    "anonymous",
]
WHERE = ["own", "foreign"]
ACTIONS = [
    "list",
    "detail",
    "create_bottleneck",
    "start_negotiation",  # needs manage (case manager)
    "escalate",  # needs direct (ministry)
]
USER_OF_ROLE = {
    "case_manager": "case_manager",
    "ministry": "ministry",
    "viewer": "viewer",
    "party_member": "a_member",
    "party_signatory": "a_signatory",
    "outsider": "outsider",
}
# The organisation each role works for (its bottlenecks are owned by it).
ORGANISATION_OF_ROLE = {
    "party_member": "org_a",
    "party_signatory": "org_a",
    "outsider": "org_outside",
}

# Who may do what on a location they can see.
MAY = {
    "create_bottleneck": {"case_manager", "party_member", "party_signatory"},
    "start_negotiation": {"case_manager"},
    "escalate": {"ministry"},
}


def sees(role: str, where: str) -> bool:
    if role in ("case_manager", "ministry", "viewer"):
        return True
    if role in ("party_member", "party_signatory"):
        return where == "own"
    return False


def expected_api_status(role: str, where: str, action: str) -> int:
    if role == "anonymous":
        return 401
    if action == "list":
        return 200
    if not sees(role, where):
        return 404
    if action == "detail":
        return 200
    if role not in MAY[action]:
        return 403
    return 201 if action == "create_bottleneck" else 200


@pytest.fixture(scope="module")
def shared_matrix(django_db_setup, django_db_blocker):
    """The world, with both locations in `bottleneck_analysis` and one bottleneck each:
    `start_negotiation` (case manager) and `escalate` (ministry) are both allowed and
    their guards met.

    Built once for this module, inside a transaction rolled back when the module ends.
    Every test runs inside it in its own savepoint (pytest-django's `db`), rolled back
    after the test, so no test sees another's writes."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = new_world()
        for location in (world.own, world.foreign):
            bring_to(
                location,
                Stage.BOTTLENECK_ANALYSIS,
                case_manager=world.case_manager,
                ministry=world.ministry,
            )
            add_bottleneck(location, world.case_manager)
        yield world
        transaction.set_rollback(True)
    with django_db_blocker.unblock():
        assert not Location.objects.exists(), "the shared world outlived its module"


@pytest.fixture
def world(shared_matrix, db):
    """This module's tests all use the shared world (it overrides conftest's)."""
    forget_world_caches(shared_matrix)
    return shared_matrix


def actor(world, role):
    return None if role == "anonymous" else getattr(world, USER_OF_ROLE[role])


def bottleneck_owner(world, role, location) -> int:
    """The organisation id a role names as owner: its own organisation, or (for the
    programme roles) the location's first party."""
    if role in ORGANISATION_OF_ROLE:
        return getattr(world, ORGANISATION_OF_ROLE[role]).pk
    return location.parties.order_by("organisation__name").first().organisation_id


class State:
    """What a write may change: stage, bottlenecks, audit trail."""

    def __init__(self, location: Location):
        self.location = location
        self.before = self.snapshot()

    def snapshot(self):
        return (
            Location.objects.get(pk=self.location.pk).stage,
            Bottleneck.objects.filter(location=self.location).count(),
            AuditEvent.objects.filter(location=self.location).count(),
        )

    def changed(self) -> bool:
        return self.snapshot() != self.before


def check_write_effect(action, state: State, succeeded: bool):
    stage, bottlenecks, events = state.snapshot()
    stage0, bottlenecks0, events0 = state.before
    if not succeeded:
        assert not state.changed()
    elif action == "create_bottleneck":
        assert (stage, bottlenecks, events) == (stage0, bottlenecks0 + 1, events0 + 1)
    else:
        target = Stage.NEGOTIATION if action == "start_negotiation" else Stage.ESCALATED
        assert (stage, bottlenecks, events) == (target, bottlenecks0, events0 + 1)


# --- API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("role", ROLES)
def test_api(world, api_client, role, where, action):
    location = getattr(world, where)
    user = actor(world, role)
    if user is not None:
        api_client.force_authenticate(user)
    state = State(location)

    if action == "list":
        response = api_client.get("/api/v1/locations/")
    elif action == "detail":
        response = api_client.get(f"/api/v1/locations/{location.pk}/")
    elif action == "create_bottleneck":
        response = api_client.post(
            f"/api/v1/locations/{location.pk}/bottlenecks/",
            {
                "category": BottleneckCategory.GRID_CONGESTION,
                "description": "Geen aansluiting op het stroomnet voor 2029.",
                "owner": bottleneck_owner(world, role, location),
            },
            format="json",
        )
    else:
        response = api_client.post(
            f"/api/v1/locations/{location.pk}/transitions/",
            {"transition": action, "reason": "Volgende stap."},
            format="json",
        )

    expected = expected_api_status(role, where, action)
    assert response.status_code == expected, response.content
    body = response.json()
    if expected >= 400:
        assert isinstance(body["detail"], str) and body["detail"]
        # No data of the location leaks into an error.
        assert location.name not in response.content.decode()
    if action == "list" and expected == 200:
        listed = {item["id"] for item in body}
        assert (location.pk in listed) == sees(role, where)
    if action == "detail" and expected == 200:
        assert body["id"] == location.pk
        assert body["name"] == location.name
    if action not in ("list", "detail"):
        check_write_effect(action, state, succeeded=expected < 300)


# --- UI -----------------------------------------------------------------------------------


def expected_ui_status(role: str, where: str, action: str) -> int:
    if role == "anonymous":
        return 302  # to the login page
    if action == "list":
        return 200
    if not sees(role, where):
        return 404
    if action == "detail":
        return 200
    if role not in MAY[action]:
        return 403
    return 302  # back to the location page, with a message


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("role", ROLES)
def test_ui(world, client, role, where, action):
    location = getattr(world, where)
    user = actor(world, role)
    if user is not None:
        client.force_login(user)
    state = State(location)

    if action == "list":
        url = reverse("locations:index")
        response = client.get(url)
    elif action == "detail":
        url = reverse("locations:detail", args=[location.pk])
        response = client.get(url)
    elif action == "create_bottleneck":
        url = reverse("locations:bottleneck_create", args=[location.pk])
        response = client.post(
            url,
            {
                "category": BottleneckCategory.GRID_CONGESTION,
                "description": "Geen aansluiting op het stroomnet voor 2029.",
                "owner": bottleneck_owner(world, role, location),
            },
        )
    else:
        url = reverse("locations:transition", args=[location.pk])
        response = client.post(url, {"transition": action, "reason": "Volgende stap."})

    expected = expected_ui_status(role, where, action)
    assert response.status_code == expected
    content = response.content.decode()
    if role == "anonymous":
        assert response["Location"] == f"{reverse('login')}?next={url}"
    elif expected == 302:
        assert response["Location"].startswith(
            reverse("locations:detail", args=[location.pk])
        )
    if expected in (403, 404):
        assert location.name not in content
    if action == "list" and expected == 200:
        assert (location.name in content) == sees(role, where)
    if action == "detail" and expected == 200:
        assert location.name in content
    if action not in ("list", "detail"):
        check_write_effect(
            action, state, succeeded=expected == 302 and role != "anonymous"
        )


# --- Bottleneck ownership -----------------------------------------------------------------


@pytest.mark.parametrize("person", ["a_member", "a_signatory", "b_member"])
@pytest.mark.parametrize("owner", ["own", "other_party", "none"])
def test_party_people_register_bottlenecks_of_their_own_organisation_only(
    world, api_client, person, owner
):
    user = getattr(world, person)
    own_org, other_org = (
        (world.org_a, world.org_b)
        if person.startswith("a_")
        else (world.org_b, world.org_a)
    )
    owner_id = {"own": own_org.pk, "other_party": other_org.pk, "none": None}[owner]
    api_client.force_authenticate(user)
    state = State(world.own)

    response = api_client.post(
        f"/api/v1/locations/{world.own.pk}/bottlenecks/",
        {
            "category": "capacity",
            "description": "Te weinig ambtelijke capaciteit.",
            "owner": owner_id,
        },
        format="json",
    )

    if owner == "own":
        assert response.status_code == 201, response.content
        assert response.json()["owner"] == own_org.pk
        bottleneck = Bottleneck.objects.get(pk=response.json()["id"])
        assert bottleneck.owner.organisation == own_org
        assert bottleneck.created_by == user
    else:
        assert response.status_code == 403, response.content
        assert response.json()["detail"]
        assert not state.changed()


@pytest.mark.parametrize("owner", ["own", "other_party"])
def test_party_member_bottleneck_ownership_in_the_ui(world, client, owner):
    client.force_login(world.a_member)
    owner_id = world.org_a.pk if owner == "own" else world.org_b.pk
    state = State(world.own)
    response = client.post(
        reverse("locations:bottleneck_create", args=[world.own.pk]),
        {
            "category": "capacity",
            "description": "Te weinig capaciteit.",
            "owner": owner_id,
        },
    )
    if owner == "own":
        assert response.status_code == 302
        assert Bottleneck.objects.filter(
            location=world.own, owner__organisation=world.org_a
        ).exists()
    else:
        assert response.status_code == 403
        assert not state.changed()


def test_owner_that_is_not_a_party_is_invalid_for_a_case_manager(world, api_client):
    api_client.force_authenticate(world.case_manager)
    response = api_client.post(
        f"/api/v1/locations/{world.own.pk}/bottlenecks/",
        {"category": "capacity", "description": "X.", "owner": world.org_c.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "partij" in response.json()["detail"]


def test_membership_is_what_grants_visibility(world, api_client):
    """A person who joins organisation C sees the foreign location; party grants go to the
    organisation's group, not to single people."""
    from permissions.services import membership_set

    api_client.force_authenticate(world.outsider)
    assert api_client.get(f"/api/v1/locations/{world.foreign.pk}/").status_code == 404
    membership_set(user=world.outsider, organisation=world.org_c, role="member")
    assert api_client.get(f"/api/v1/locations/{world.foreign.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/locations/{world.own.pk}/").status_code == 404


def test_available_transitions_follow_the_role(world, api_client):
    expected = {
        "case_manager": ["start_negotiation"],
        "ministry": ["escalate", "withdraw"],
        "viewer": [],
        "party_member": [],
        "party_signatory": [],
    }
    for role, names in expected.items():
        api_client.force_authenticate(actor(world, role))
        body = api_client.get(f"/api/v1/locations/{world.own.pk}/").json()
        assert sorted(body["available_transitions"]) == names, role


def test_transition_buttons_on_the_page_follow_the_role(world, client):
    client.force_login(world.viewer)
    page = client.get(reverse("locations:detail", args=[world.own.pk])).content.decode()
    assert "data-transition=" not in page
    client.force_login(world.ministry)
    page = client.get(reverse("locations:detail", args=[world.own.pk])).content.decode()
    assert f'data-transition="{TransitionName.ESCALATE}"' in page
    assert f'data-transition="{TransitionName.START_NEGOTIATION}"' not in page


def test_the_shared_world_is_as_built_after_the_writes_above(world):
    """Every test above ran in its own savepoint: their transitions and bottlenecks
    are gone (pytest runs a module's tests in file order)."""
    for location in (world.own, world.foreign):
        assert Location.objects.get(pk=location.pk).stage == Stage.BOTTLENECK_ANALYSIS
        assert Bottleneck.objects.filter(location=location).count() == 1
        assert not AuditEvent.objects.filter(
            location=location, transition__in=["start_negotiation", "escalate"]
        ).exists()
