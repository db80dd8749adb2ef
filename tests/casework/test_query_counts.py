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

import datetime

import pytest
from django.urls import reverse

from casework import services as casework_services
from casework.constants import Stage
from casework.models import Bottleneck
from permissions.constants import MembershipRole, Role
from permissions.models import Organisation
from workflows import services as workflows

from ..factories import OrganisationFactory, PartyFactory, person_of, user_with_role
from ..scenarios import bring_to, signatory_for
from .portfolio import BOTTLENECKS_PER_LOCATION, build_portfolio

SESSION_AND_PERMISSIONS = [
    "django_session: the session",
    "auth_user: the logged-in user",
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
]

# The menu on every page counts the user's work (templates/doorbraak/menu.html): the
# three counts in one statement (`workflows.selectors.work_counts`).
MENU = [
    "COUNT viewflow_task JOIN viewflow_process UNION ALL COUNT viewflow_task JOIN "
    "viewflow_process (EXISTS guardian object permissions) UNION ALL COUNT "
    "workflows_notification: the user's inbox, queue and unread notifications",
]

# 'Who holds the ball' (the panel workflows adds to the location page).
WORK_PANEL = [
    "viewflow_task JOIN viewflow_process LEFT JOIN auth_user: the open tasks of the "
    "location with their owners",
    "casework_agreementversion JOIN casework_agreement: the versions in approval and "
    "the concluded ones (read once: the documents section lists the concluded)",
    "casework_bottleneckaction JOIN casework_bottleneck, casework_party, "
    "permissions_organisation: the open actions with their parties",
]
# The documents section (documents/panels.py) reads nothing of its own: the versions
# come from the work panel's query, the documents from the timeline's.
DOCUMENTS_PANEL: list[str] = []
# The commitments panel (casework/panels.py).
COMMITMENTS_PANEL = [
    "casework_commitment JOIN casework_party, permissions_organisation, "
    "casework_agreementversion, casework_agreement: the open commitments per party",
]
# The evidence section (evidence/panels.py): the files with their uploaders; when
# there are files, their citations in one more query (tests/evidence: constant at
# any number of files).
EVIDENCE_PANEL = [
    "evidence_evidencefile JOIN auth_user: the location's evidence files",
]
# The state diagram and the timeline (casework/diagram.py, casework/timeline.py).
LOCATION_STORY = [
    "casework_auditevent: the stage changes, oldest first (the path in the diagram)",
    "casework_auditevent LEFT JOIN auth_user (subquery casework_agreement): the last "
    "200 events of the timeline with actors and the kinds of their agreements",
    "documents_document LEFT JOIN auth_user: the location's documents (read once: the "
    "timeline and the documents section)",
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
        *MENU,
    ],
    "ui_detail": [
        *SESSION_AND_PERMISSIONS,
        "casework_location JOIN casework_programme: the location, if visible",
        "casework_party JOIN permissions_organisation: its parties, with whether "
        "each owns commitments, bottlenecks or actions (prefetch; EXISTS subqueries)",
        "permissions_membership JOIN auth_user: the parties' signatories (prefetch)",
        "guardian_userobjectpermission: the user's own object permissions on it",
        "guardian_groupobjectpermission: its groups' object permissions on it",
        "casework_agreementversion JOIN casework_agreement: every version of its "
        "agreements, drafts included (the 'Overeenkomsten' section, issue 19)",
        *WORK_PANEL,
        *COMMITMENTS_PANEL,
        *EVIDENCE_PANEL,
        *DOCUMENTS_PANEL,
        *MENU,
        "casework_bottleneck JOIN casework_party JOIN permissions_organisation: the "
        "breakthrough agenda with owners (read once: the case manager's form to open "
        "an action offers its open bottlenecks)",
        *LOCATION_STORY,
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


def expected(page: str, who: str) -> int:
    return EXPECTED[page]


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

    with django_assert_num_queries(expected(page, who)):
        response = client.get(url)

    check_response(page, response, portfolio)


# Issue 6's budget: the location page at the programme's 24 locations and at the
# design's 2,000 (design §10). The portfolio is bulk-created, so this stays fast.
@pytest.mark.parametrize("size", [24, 2000])
@pytest.mark.parametrize("who", ["case_manager", "member"])
def test_location_page_query_count_at_24_and_2000_locations(
    db, client, django_assert_num_queries, who, size
):
    portfolio = build_portfolio(size)
    client.force_login(getattr(portfolio, who))
    url = page_url("ui_detail", portfolio)
    client.get(url)  # warm the process-wide caches

    with django_assert_num_queries(expected("ui_detail", who)):
        response = client.get(url)

    check_response("ui_detail", response, portfolio)
    content = response.content.decode()
    # The diagram, its text alternative and the timeline are on the page.
    assert 'class="dk-chart dk-diagram"' in content
    assert 'aria-current="step"' in content
    assert content.count('class="dk-timeline__item') >= BOTTLENECKS_PER_LOCATION


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

    with django_assert_num_queries(expected(page, who)):
        response = client.get(url)

    assert response.status_code == 200
    if page == "api_detail":
        assert len(response.json()["parties"]) == 12
    else:
        # The breakthrough agenda (the case manager also finds them in a form).
        assert response.content.decode().count("<td>Extra knelpunt") == 27


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


# --- The location page with work under way ('who holds the ball') ----------------------

OPEN_WORK = [
    *QUERIES["ui_detail"],
    "casework_approval JOIN auth_user: the decisions so far on the versions in "
    "approval (prefetch)",
]


def open_work_at(portfolio, extra_parties: int) -> None:
    """The own location in negotiation with an approval round (half of the parties
    decided) and two actions per party, one of them overdue."""
    location = portfolio.own
    for i in range(extra_parties):
        organisation = OrganisationFactory(slug=f"werk-{i}", name=f"Werkpartij {i}")
        person_of(organisation, MembershipRole.SIGNATORY)
        PartyFactory(location=location, organisation=organisation)
    bring_to(
        location,
        Stage.NEGOTIATION,
        case_manager=portfolio.case_manager,
        ministry=user_with_role(Role.MINISTRY, username="ministerie"),
    )
    version = casework_services.agreement_draft(
        location=location,
        actor=portfolio.case_manager,
        kind="heads_of_agreement",
        title="Hoofdlijnenakkoord Eigen Locatie",
        text="Partijen versnellen samen de woningbouw.",
        commitments=[],
    )
    process = workflows.approval_round_submit(
        version=version, actor=portfolio.case_manager
    )
    tasks = list(process.task_set.filter(flow_task_type="HUMAN").order_by("pk"))
    for task in tasks[: len(tasks) // 2]:
        organisation = Organisation.objects.get(pk=task.data["organisation"])
        workflows.task_complete(
            task_id=task.pk,
            user=signatory_for(organisation),
            payload={"decision": "approve"},
        )
    bottleneck = location.bottlenecks.first()
    for party in location.parties.all():
        for days in (-2, 30):
            workflows.action_start(
                bottleneck=bottleneck,
                actor=portfolio.case_manager,
                assignee=party,
                description=f"Actie van {party.organisation.name} ({days})",
                due_on=datetime.date.today() + datetime.timedelta(days=days),
            )


@pytest.mark.parametrize("extra_parties", [0, 9])
@pytest.mark.parametrize("who", ["case_manager", "member"])
def test_location_page_with_open_work_query_count_does_not_depend_on_its_size(
    db, client, django_assert_num_queries, who, extra_parties
):
    portfolio = build_portfolio(20)
    open_work_at(portfolio, extra_parties)
    client.force_login(getattr(portfolio, who))
    url = page_url("ui_detail", portfolio)
    client.get(url)

    with django_assert_num_queries(len(OPEN_WORK)):
        response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    parties = 3 + extra_parties
    assert "Wie is aan zet" in content
    assert content.count("Nog te besluiten") == parties - parties // 2
    assert content.count("<td>Actie van ") == 2 * parties
    assert content.count("termijn verstreken") == parties
