"""The location list and the location page cost a constant number of queries: the
same at 20 and at 500 locations, for a case manager (sees everything through a role)
and for a party member (sees the locations through the object permissions of the
organisation's group). Organisation A is a party of every location, so its member sees
all of them too.

Each request is made once before it is measured, so that process-wide caches
(ContentType) are warm; per-request caches live on the user object, which every request
loads anew, so they are part of the count.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.models import Bottleneck
from permissions.constants import MembershipRole

from ..factories import OrganisationFactory, PartyFactory, person_of
from .portfolio import BOTTLENECKS_PER_LOCATION, build_portfolio

SESSION_AND_PERMISSIONS = [
    "django_session: the session",
    "auth_user: the logged-in user",
    "auth_user_user_permissions: the user's model-wide permissions (ModelBackend)",
    "auth_group_permissions: the model-wide permissions of the user's groups (roles)",
]

# Measured at 20 locations; the test asserts the same numbers at 500. The queries are
# the same for the case manager and the party member; for the member the location
# queries carry a guardian subquery over the object permissions of its groups.
QUERIES = {
    "ui_list": [
        *SESSION_AND_PERMISSIONS[:2],
        "casework_programme: the choices of the programme filter",
        *SESSION_AND_PERMISSIONS[2:],
        "COUNT casework_location (visible, filtered): the paginator's count",
        "casework_location JOIN casework_programme: the page of 50 locations",
    ],
    "ui_detail": [
        *SESSION_AND_PERMISSIONS,
        "casework_location JOIN casework_programme: the location, if visible",
        "casework_party JOIN permissions_organisation: its parties (prefetch)",
        "permissions_membership JOIN auth_user: the parties' signatories (prefetch)",
        "guardian_userobjectpermission: the user's own object permissions on it",
        "guardian_groupobjectpermission: its groups' object permissions on it",
        "casework_bottleneck JOIN casework_party JOIN permissions_organisation: the "
        "breakthrough agenda with owners",
        "casework_auditevent JOIN auth_user: the last 100 audit events with actors",
    ],
    "api_list": [
        *SESSION_AND_PERMISSIONS,
        "casework_location: every visible location",
    ],
    "api_detail": [
        *SESSION_AND_PERMISSIONS,
        "casework_location JOIN casework_programme: the location, if visible",
        "casework_party JOIN permissions_organisation: its parties (prefetch)",
        "permissions_membership JOIN auth_user: the parties' signatories (prefetch)",
        "guardian_userobjectpermission: the user's own object permissions on it",
        "guardian_groupobjectpermission: its groups' object permissions on it",
    ],
}
EXPECTED = {page: len(queries) for page, queries in QUERIES.items()}


def page_url(page: str, portfolio) -> str:
    return {
        "ui_list": reverse("locations:index"),
        "ui_detail": reverse("locations:detail", args=[portfolio.own.pk]),
        "api_list": "/api/v1/locations/",
        "api_detail": f"/api/v1/locations/{portfolio.own.pk}/",
    }[page]


def check_response(page: str, response, portfolio) -> None:
    """The page shows what it should, so a constant count is not a page that lost its
    content."""
    assert response.status_code == 200
    if page == "api_list":
        assert len(response.json()) == portfolio.size
    elif page == "ui_list":
        assert response.content.decode().count('<th scope="row">') == min(
            portfolio.size, 50
        )
    elif page == "api_detail":
        assert len(response.json()["parties"]) == 3
        assert all(p["signatories"] for p in response.json()["parties"])
    else:
        content = response.content.decode()
        for i in range(BOTTLENECKS_PER_LOCATION):
            assert f"<td>Knelpunt {i}</td>" in content
        assert "Gemeente A" in content


@pytest.mark.parametrize("size", [20, 500])
@pytest.mark.parametrize("who", ["case_manager", "member"])
@pytest.mark.parametrize("page", list(QUERIES))
def test_query_count_does_not_depend_on_the_number_of_locations(
    db, client, django_assert_num_queries, page, who, size
):
    portfolio = build_portfolio(size)
    client.force_login(getattr(portfolio, who))
    url = page_url(page, portfolio)
    client.get(url)  # warm the process-wide caches

    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)

    check_response(page, response, portfolio)


@pytest.mark.parametrize("page", ["ui_detail", "api_detail"])
@pytest.mark.parametrize("who", ["case_manager", "member"])
def test_location_page_query_count_does_not_depend_on_parties_or_bottlenecks(
    db, client, django_assert_num_queries, page, who
):
    portfolio = build_portfolio(20)
    for i in range(9):
        organisation = OrganisationFactory(slug=f"extra-{i}", name=f"Extra {i}")
        person_of(organisation, MembershipRole.SIGNATORY)
        party = PartyFactory(location=portfolio.own, organisation=organisation)
        Bottleneck.objects.bulk_create(
            Bottleneck(
                location=portfolio.own,
                category="capacity",
                description=f"Extra knelpunt {i}-{j}",
                owner=party,
            )
            for j in range(3)
        )
    client.force_login(getattr(portfolio, who))
    url = page_url(page, portfolio)
    client.get(url)

    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)

    assert response.status_code == 200
    if page == "api_detail":
        assert len(response.json()["parties"]) == 12
    else:
        assert response.content.decode().count("Extra knelpunt") == 27


def test_bulk_grants_match_the_service(db):
    """The guardian rows the portfolio bulk-creates are the rows `party_add` writes: a
    member of organisation A sees a bulk-built location exactly like the service-built
    one."""
    from guardian.models import GroupObjectPermission

    from casework.models import Location

    portfolio = build_portfolio(20)
    service_rows = set(
        GroupObjectPermission.objects.filter(
            object_pk=str(portfolio.own.pk), content_type__model="location"
        )
        .filter(group__organisation_as_members__slug="gemeente-a")
        .values_list("permission__codename", "content_type__model")
    )
    other = Location.objects.exclude(pk=portfolio.own.pk).first()
    bulk_rows = set(
        GroupObjectPermission.objects.filter(
            object_pk=str(other.pk), content_type__model="location"
        )
        .filter(group__organisation_as_members__slug="gemeente-a")
        .values_list("permission__codename", "content_type__model")
    )
    assert (
        service_rows
        == bulk_rows
        == {
            ("view_location", "location"),
            ("contribute_location", "location"),
        }
    )
