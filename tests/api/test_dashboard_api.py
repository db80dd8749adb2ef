"""`GET /api/v1/dashboard/` (design §8): the §7 figures as numbers, over the locations
the caller may see, the same as the dashboard page, in a constant number of queries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from casework.dashboard import dashboard_figures

from ..casework.dashboard_portfolio import build_dashboard_portfolio
from ..casework.dashboard_world import TODAY, build_known, travel
from ..conftest import token_client

URL = "/api/v1/dashboard/"

# The stable contract of design §8.
CONTRACT = [
    "locations_total",
    "locations_by_stage",
    "homes_target",
    "homes_accelerated",
    "locations_homes_unknown",
    "breakthroughs_by_year",
    "breakthrough_targets",
    "open_impasses",
    "overdue_tasks",
    "overdue_commitments",
    "bottleneck_heatmap",
]


@pytest.fixture
def known(world):
    return build_known(world)


def heatmap(body) -> set[tuple[str, str, int]]:
    return {
        (cell["location_name"], cell["category"], cell["count"])
        for cell in body["bottleneck_heatmap"]
    }


def test_the_figures_as_numbers(known):
    world = known.world
    with travel(TODAY):
        response = token_client(world.ministry).get(URL)
    assert response.status_code == 200
    body = response.json()

    assert set(CONTRACT) <= set(body)
    assert body["locations_total"] == 7
    assert body["locations_by_stage"] == {
        "proposed": 1,
        "selected": 0,
        "bottleneck_analysis": 0,
        "negotiation": 1,
        "heads_of_agreement": 1,
        "administrative_agreement": 2,
        "escalated": 0,
        "designation_procedure": 0,
        "designated": 1,
        "withdrawn": 1,
    }
    assert body["homes_target"] == 100_000
    assert body["homes_accelerated"] == 2_400  # designated included
    assert body["locations_homes_unknown"] == 2
    # By the recorded events (the imported location has none).
    assert body["breakthroughs_by_year"] == {"2025": 2, "2026": 1}
    assert body["breakthrough_targets"] == {"2025": 5, "2026": 10}
    assert body["open_impasses"] == 3
    assert body["overdue_tasks"] == 2
    assert body["overdue_commitments"] == 4
    own, negotiating = world.own.pk, known.negotiating.pk
    assert sorted(
        (cell["location"], cell["category"], cell["count"])
        for cell in body["bottleneck_heatmap"]
    ) == sorted(
        [
            (own, "nitrogen", 1),
            (own, "grid_congestion", 1),
            (world.foreign.pk, "nitrogen", 1),
            (negotiating, "nitrogen", 1),
            (negotiating, "financing_gap", 2),
        ]
    )
    # Additions beyond the contract.
    assert body["as_of"] == "2026-07-20"
    assert body["days_in_stage_average"] == 296.4
    assert body["days_in_stage_longest"] == 413
    assert body["longest_in_stage"]["location"] == known.proposed.pk
    assert body["longest_in_stage"]["stage"] == "proposed"
    assert body["bottlenecks_by_category"] == {
        "nitrogen": 3,
        "grid_congestion": 1,
        "financing_gap": 2,
    }
    assert (body["overdue_approvals"], body["overdue_actions"]) == (1, 1)


def test_the_same_figures_as_the_page(known, client):
    """One function feeds both: the API's numbers are those the page shows."""
    world = known.world
    client.force_login(world.viewer)
    with travel(TODAY):
        body = client.get(URL).json()
        figures = dashboard_figures(world.viewer)
        html = client.get("/dashboard/").content.decode()
    for name in CONTRACT[:-1]:
        assert body[name] == getattr(figures, name), name
    assert heatmap(body) == {
        (c["location_name"], c["category"], c["count"])
        for c in figures.bottleneck_heatmap
    }
    assert f'data-figure="overdue_tasks">{body["overdue_tasks"]}' in html
    assert f'data-figure="open_impasses">{body["open_impasses"]}' in html


def test_a_party_gets_the_figures_of_its_own_locations(known):
    world = known.world
    with travel(TODAY):
        body = token_client(world.a_signatory).get(URL).json()
    assert body["locations_total"] == 1
    assert body["homes_accelerated"] == 1_200
    assert body["breakthroughs_by_year"] == {"2025": 1}
    assert body["open_impasses"] == 1
    assert {cell["location"] for cell in body["bottleneck_heatmap"]} == {world.own.pk}

    with travel(TODAY):
        nothing = token_client(world.outsider).get(URL).json()
    assert nothing["locations_total"] == 0
    assert nothing["bottleneck_heatmap"] == []
    assert nothing["longest_in_stage"] is None
    assert nothing["breakthrough_targets"] == {}


def test_anonymous_is_401(db):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_the_schema_describes_every_field(db):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert set(CONTRACT) <= set(component["required"])
    by_stage = schema["components"]["schemas"][
        component["properties"]["locations_by_stage"]["$ref"].rsplit("/", 1)[1]
    ]
    assert "designated" in by_stage["properties"]
    assert component["properties"]["breakthroughs_by_year"]["additionalProperties"] == {
        "type": "integer"
    }
    cell = schema["components"]["schemas"][
        component["properties"]["bottleneck_heatmap"]["items"]["$ref"].rsplit("/", 1)[1]
    ]
    assert {"location", "category", "count"} <= set(cell["required"])


# --- Queries ------------------------------------------------------------------------------

QUERIES = [
    "authtoken_token JOIN auth_user: the token and its user",
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
    # casework.portfolio.portfolio_figures, each over the visible locations:
    "casework_location GROUP BY stage: counts, homes, time in stage",
    "casework_location: the longest stay in a stage that is not final",
    "casework_location (+ first breakthrough audit event) GROUP BY year",
    "casework_programme: the targets",
    "casework_party JOIN versions in approval, NOT EXISTS approval: overdue approvals",
    "casework_bottleneckaction: overdue actions",
    "casework_commitment: overdue commitments",
    "casework_impasseignal: open signals and their locations",
    "casework_bottleneck GROUP BY location, category: the heatmap cells",
    "casework_bottleneck: totals per category and locations with bottlenecks",
]


@pytest.mark.parametrize("size", [24, 2_000])
@pytest.mark.parametrize("who", ["case_manager", "member"])
def test_queries_do_not_depend_on_the_number_of_locations(
    db, django_assert_num_queries, size, who
):
    portfolio = build_dashboard_portfolio(size)
    client = token_client(getattr(portfolio, who))
    client.get(URL)  # warm the process-wide caches

    # A party member's locations: their ids are read once, then used by every figure.
    extra = [] if who == "case_manager" else ["casework_location: the visible ids"]
    with django_assert_num_queries(len(QUERIES) + len(extra)):
        response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["locations_total"] == size
    # Every cell of the heatmap, not only the busiest: 2 bottlenecks per location.
    assert sum(cell["count"] for cell in body["bottleneck_heatmap"]) >= 2 * (size - 1)
