"""The portfolio dashboard (design §7): its figures on a small world whose history is
played through the real services at known moments, what each kind of user sees, the
page in Dutch and in English with a text alternative for every chart, and a constant
number of queries at 24 and at 2,000 locations.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.dashboard import dashboard_figures
from casework.models import Location
from permissions.constants import Role
from workflows.constants import OPEN_TASK_STATUSES as OPEN
from workflows.presenters import task_overdue

from ..factories import user_with_role
from .dashboard_portfolio import build_dashboard_portfolio
from .dashboard_world import PROPOSED_ON, TODAY, build_known, travel, utc


@pytest.fixture
def known(world):
    return build_known(world)


def cells(figures) -> set[tuple[str, str, int]]:
    return {
        (cell["location_name"], cell["category"], cell["count"])
        for cell in figures.bottleneck_heatmap
    }


# --- The figures --------------------------------------------------------------------------


def test_the_figures_of_the_whole_portfolio(known):
    with travel(TODAY):
        figures = dashboard_figures(known.world.ministry)

    assert figures.locations_total == 7
    assert figures.locations_by_stage == {
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
    assert figures.homes_target == 100_000
    # own 1,200 + I 400 + D 800 (designated counts); foreign's homes are unknown.
    assert figures.homes_accelerated == 2_400
    assert figures.homes_planned_total == 3_200
    assert figures.locations_homes_unknown == 2  # foreign, P
    assert figures.accelerated_homes_unknown == 1  # foreign
    # The recorded breakthroughs, by the doorbraakaanpak's rule: foreign's heads of
    # agreement and own's (heads of agreement and administrative agreement on one
    # day, counted once) in 2025, D's designation in 2026. I was loaded in bulk
    # after the events existed: it has none, so it does not count.
    assert figures.breakthroughs_by_year == {"2025": 2, "2026": 1}
    assert figures.breakthrough_targets == {"2025": 5, "2026": 10}
    assert figures.overdue_approvals == 1  # organisation C at N
    assert figures.overdue_actions == 1  # organisation B's action at N
    assert figures.overdue_tasks == 2
    assert figures.overdue_commitments == 4
    assert figures.open_impasses == 3
    assert figures.locations_with_open_impasses == 2
    assert cells(figures) == {
        ("Eigen Locatie", "nitrogen", 1),
        ("Eigen Locatie", "grid_congestion", 1),
        ("Vreemde Locatie", "nitrogen", 1),
        ("Plan Onderhandeling", "nitrogen", 1),
        ("Plan Onderhandeling", "financing_gap", 2),
    }
    assert figures.bottlenecks_by_category == {
        "nitrogen": 3,
        "grid_congestion": 1,
        "financing_gap": 2,
    }
    assert figures.bottleneck_locations == 3


def test_time_in_the_current_stage(known):
    with travel(TODAY):
        figures = dashboard_figures(known.world.ministry)

    # Still on their way: P 413.04 days, foreign 399.04, N 77.04.
    assert figures.days_in_stage_average == 296.4
    assert figures.days_in_stage_longest == 413
    longest = figures.longest_in_stage
    assert (longest.location, longest.stage, longest.days) == (
        known.proposed.pk,
        "proposed",
        413,
    )
    assert longest.since == PROPOSED_ON
    assert [
        (d.stage, d.locations, d.average_days, d.longest_days)
        for d in figures.stage_durations
    ] == [
        ("proposed", 1, 413.0, 413),
        ("negotiation", 1, 77.0, 77),
        ("heads_of_agreement", 1, 399.0, 399),
        # own 222.04 days, I 809.92 days.
        ("administrative_agreement", 2, 516.0, 809),
        ("designated", 1, 140.0, 140),
        ("withdrawn", 1, 413.0, 413),
    ]


def test_overdue_tasks_are_the_open_tasks_the_inbox_marks_overdue(known):
    """The dashboard counts overdue tasks from casework's facts; the inbox marks them
    from viewflow's tasks. Both must say the same."""
    with travel(TODAY):
        figures = dashboard_figures(known.world.ministry)
        today = timezone.localdate()
        marked = [
            task
            for task in Task.objects.filter(status__in=OPEN, flow_task_type="HUMAN")
            if task_overdue(task, today)
        ]
    assert len(marked) == figures.overdue_tasks == 2


def test_nothing_is_overdue_before_the_deadlines(known):
    with travel(utc(2026, 6, 29, 10)):  # the round's due day is still in time
        figures = dashboard_figures(known.world.ministry)
    assert (figures.overdue_tasks, figures.overdue_commitments) == (0, 0)


@pytest.mark.parametrize("who", ["ministry", "case_manager", "viewer"])
def test_programme_wide_roles_see_every_location(known, who):
    with travel(TODAY):
        figures = dashboard_figures(getattr(known.world, who))
    assert figures.locations_total == 7
    assert figures.homes_accelerated == 2_400


def test_a_party_sees_the_figures_of_its_own_locations_only(known):
    world = known.world
    with travel(TODAY):
        a = dashboard_figures(world.a_member)  # organisation A: own
        b = dashboard_figures(world.b_signatory)  # organisation B: own and N
        outsider = dashboard_figures(world.outsider)

    assert a.locations_total == 1
    assert a.locations_by_stage["administrative_agreement"] == 1
    assert sum(a.locations_by_stage.values()) == 1
    assert (a.homes_accelerated, a.locations_homes_unknown) == (1_200, 0)
    assert a.breakthroughs_by_year == {"2025": 1}
    assert (a.overdue_tasks, a.overdue_commitments, a.open_impasses) == (0, 3, 1)
    assert cells(a) == {
        ("Eigen Locatie", "nitrogen", 1),
        ("Eigen Locatie", "grid_congestion", 1),
    }

    assert b.locations_total == 2
    assert (b.overdue_approvals, b.overdue_actions) == (1, 1)
    assert b.open_impasses == 3
    assert {cell[0] for cell in cells(b)} == {"Eigen Locatie", "Plan Onderhandeling"}
    assert b.longest_in_stage.location == known.negotiating.pk

    assert outsider.locations_total == 0
    assert outsider.homes_accelerated == 0
    assert outsider.bottleneck_heatmap == []
    assert outsider.longest_in_stage is None
    assert outsider.days_in_stage_average is None


def test_the_page_heatmap_keeps_the_busiest_locations(known):
    with travel(TODAY):
        figures = dashboard_figures(known.world.ministry, heatmap_limit=1)
    assert cells(figures) == {
        ("Plan Onderhandeling", "nitrogen", 1),
        ("Plan Onderhandeling", "financing_gap", 2),
    }
    # The totals still cover every location.
    assert figures.bottleneck_locations == 3
    assert figures.bottlenecks_by_category["nitrogen"] == 3


def test_the_progress_report_states_the_same_figures(known):
    from documents.builders import progress_context

    with travel(TODAY):
        dashboard = dashboard_figures(known.world.ministry)
        _context, data = progress_context(Location.objects.all())
    for name in [
        "locations_total",
        "locations_by_stage",
        "homes_target",
        "homes_accelerated",
        "locations_homes_unknown",
        "breakthroughs_by_year",
        "breakthrough_targets",
        "overdue_tasks",
        "overdue_commitments",
    ]:
        assert data[name] == getattr(dashboard, name), name


# --- The page -----------------------------------------------------------------------------


def test_the_page_in_dutch(known, client):
    client.force_login(known.world.ministry)
    with travel(TODAY):
        response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()

    assert '<html lang="nl"' in html
    assert "<h1>Dashboard</h1>" in html
    assert 'data-figure="homes_accelerated">2.400' in html
    assert "van het doel van 100.000" in html
    assert "2.400 woningen van 100.000 (2%)" in html  # the bar chart's own label
    assert "Stand per 20 juli 2026." in html
    assert 'data-figure="overdue_tasks">2' in html
    assert "1 goedkeuring, 1 actie" in html
    assert 'data-figure="days_in_stage_average">296,4 dagen' in html
    assert 'data-figure="days_in_stage_longest">413 dagen' in html
    assert "Plan Voorgedragen" in html
    assert 'data-stage="administrative_agreement">2<' in html
    assert "Bestuurlijke overeenkomst" in html
    # The heatmap's cells and its table.
    assert "Knelpunten per locatie en categorie" in html
    assert "Financieel tekort" in html


def test_the_page_in_english(known, client):
    client.force_login(known.world.ministry)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with travel(TODAY):
        html = client.get("/dashboard/").content.decode()

    assert '<html lang="en"' in html
    assert 'data-figure="homes_accelerated">2,400' in html
    assert "100,000" in html
    assert "100.000" not in html
    assert "Heads of agreement" in html  # a stage label, translated
    assert "20 July 2026" in html
    assert 'data-figure="days_in_stage_average">296.4' in html


def test_every_chart_has_a_text_alternative(known, client):
    client.force_login(known.world.ministry)
    with travel(TODAY):
        html = client.get("/dashboard/").content.decode()

    charts = re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)
    assert len(charts) == 5  # homes, breakthroughs, funnel, time in stage, heatmap
    for chart in charts:
        opening = chart[: chart.index(">")]
        assert 'role="img"' in opening
        labelled_by = re.search(r'aria-labelledby="([^"]+)"', opening).group(1)
        for part in labelled_by.split():
            assert f'id="{part}"' in chart
        assert re.search(r"<title [^>]*>[^<]+</title>", chart)
        assert re.search(r"<desc [^>]*>[^<]+</desc>", chart)
    # The heatmap's cells carry their number (not only a shade).
    heatmap = charts[-1]
    assert re.search(r'<text [^>]*text-anchor="middle"[^>]*>2</text>', heatmap)
    # And the figures are in tables with a caption.
    for table_id in [
        "tabel-doorbraken",
        "tabel-fasen",
        "tabel-tijd-in-fase",
        "tabel-termijnen",
        "tabel-knelpunten",
    ]:
        table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
        assert table, table_id
        assert "<caption>" in table.group(0)
    # Headings: one h1, then h2 sections.
    assert html.count("<h1") == 1
    assert re.search(r'<h2 id="knelpunten">', html)


def test_a_party_member_sees_its_own_locations_on_the_page(known, client):
    client.force_login(known.world.a_member)
    with travel(TODAY):
        html = client.get("/dashboard/").content.decode()
    assert "waar uw organisatie partij is" in html
    assert 'data-figure="homes_accelerated">1.200' in html
    assert "Plan Onderhandeling" not in html
    assert "Vreemde Locatie" not in html
    # Parties do not get the impasse list (design §5): no link to it.
    assert reverse("locations:impasses") not in html


def test_the_home_page_is_the_dashboard(world, client):
    client.force_login(world.viewer)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/dashboard/"
    assert reverse("dashboard:index") == "/dashboard/"


def test_the_dashboard_needs_a_login(db, client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_dashboard_is_first_in_the_menu(world, client):
    client.force_login(world.a_member)
    html = client.get(reverse("locations:index")).content.decode()
    menu = html[html.index('aria-label="Hoofdmenu"') :]
    assert menu.index('href="/dashboard/"') < menu.index(
        f'href="{reverse("locations:index")}"'
    )


def test_an_empty_portfolio_renders(db, client):
    client.force_login(user_with_role(Role.VIEWER, username="lezer"))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geen open knelpunten." in html
    assert 'data-figure="homes_accelerated">0' in html


# --- Queries ------------------------------------------------------------------------------

SESSION_AND_PERMISSIONS = [
    "django_session: the session",
    "auth_user: the logged-in user",
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
]
# casework.portfolio.portfolio_figures, each over the visible locations as a subquery.
FIGURES = [
    "casework_location GROUP BY stage: counts, homes, time in stage",
    "casework_location: the longest stay in a stage that is not final",
    "casework_programme: the targets and breakthrough rules",
    "casework_breakthrough GROUP BY year: the locations with a counted breakthrough",
    "casework_party JOIN agreement versions in approval, NOT EXISTS approval: "
    "overdue approvals",
    "casework_bottleneckaction: overdue actions",
    "casework_commitment: overdue commitments",
    "casework_impassesignal: open signals and their locations",
    "casework_bottleneck GROUP BY location, category: the heatmap cells",
    "casework_bottleneck: totals per category and locations with bottlenecks",
]
MENU = [
    "COUNT viewflow_task UNION ALL COUNT viewflow_task UNION ALL COUNT "
    "workflows_notification: the user's inbox, queue and unread notifications",
]
PAGE_QUERIES = [*SESSION_AND_PERMISSIONS, *FIGURES, *MENU]
# A party member sees its locations through guardian's object permissions: their ids
# are read once (casework.dashboard.dashboard_figures), then used by every figure.
PARTY_VISIBILITY = "casework_location WHERE guardian object permissions: the ids"


@pytest.mark.slow
@pytest.mark.parametrize("size", [24, 2_000])
@pytest.mark.parametrize("who", ["case_manager", "member"])
def test_page_queries_do_not_depend_on_the_number_of_locations(
    db, client, django_assert_num_queries, size, who
):
    portfolio = build_dashboard_portfolio(size)
    client.force_login(getattr(portfolio, who))
    client.get("/dashboard/")  # warm the process-wide caches

    queries = (
        PAGE_QUERIES if who == "case_manager" else [*PAGE_QUERIES, PARTY_VISIBILITY]
    )
    with django_assert_num_queries(len(queries)):
        response = client.get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    total = f"{size:,}".replace(",", ".")
    if who == "case_manager":
        assert f"De cijfers gaan over {total} locaties" in html
    else:  # organisation A is a party everywhere: its member sees every location
        assert f"U ziet de cijfers van {total} locaties" in html
    # The page draws the busiest 25 locations of the heatmap, never all 2,000.
    rows = re.search(r'id="tabel-knelpunten".*?<tbody>(.*?)</tbody>', html, re.S)
    assert rows.group(1).count('<th scope="row">') == min(size, 25)
