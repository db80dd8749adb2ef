"""The exports cost a constant number of queries: the same at 20 and at 2,000
locations, for a case manager (every location, through a role) and a party member
(organisation A takes part everywhere: it sees every location through the object
permissions of its group). The file is read to its end inside the count: a CSV is
streamed, so its rows are read while it is sent.

And an export of 20,000 rows is written whole (on PostgreSQL, in CI's second pass: it
takes some seconds).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.constants import Province, Stage
from casework.models import Location, Programme

from ..conftest import token_client
from .exports import body, conclude_agreements, xlsx_rows
from .portfolio import BOTTLENECKS_PER_LOCATION, build_portfolio

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AUTHENTICATION = [
    "authtoken_token JOIN auth_user: the token and its user",
]
# How the reader's locations are decided: a role is a model-wide permission (read
# with the user's permissions); a party's locations are a guardian subquery inside
# the rows' query.
PERMISSIONS = [
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
]
# Is the reader the location's ministry or case manager (who reads the internal
# facts)? A role answers that without a query; for a party's member guardian is asked.
OBJECT_PERMISSIONS = [
    "guardian_userobjectpermission: the user's own object permissions on it",
    "guardian_groupobjectpermission: its groups' object permissions on it",
]
QUERIES = {
    "locations": [
        *AUTHENTICATION,
        *PERMISSIONS,
        "casework_location JOIN casework_programme: the visible locations, filtered "
        "and ordered as the list (one query, read as an iterator)",
    ],
    "commitments": [
        *AUTHENTICATION,
        *PERMISSIONS,
        "casework_commitment JOIN casework_agreementversion, casework_agreement, "
        "casework_location, casework_party, permissions_organisation (subquery: "
        "how many commitments each waits on): the ledger",
    ],
    "bottlenecks": [
        *AUTHENTICATION,
        *PERMISSIONS,
        "casework_bottleneck JOIN casework_location LEFT JOIN casework_party, "
        "permissions_organisation (subqueries: open actions, the first due date): "
        "the agenda",
    ],
    "audit": [
        *AUTHENTICATION,
        *PERMISSIONS,
        "casework_location: the location, if visible",
        *OBJECT_PERMISSIONS,
        "casework_auditevent LEFT JOIN auth_user (subquery casework_agreement): the "
        "trail with actors and the kinds of the agreements it names",
    ],
}


def expected(export: str, who: str) -> int:
    queries = QUERIES[export]
    if who == "case_manager":
        queries = [query for query in queries if query not in OBJECT_PERMISSIONS]
    return len(queries)


def url(export: str, fmt: str, portfolio) -> str:
    if export == "audit":
        return f"/api/v1/locations/{portfolio.own.pk}/audit.{fmt}"
    return f"/api/v1/exports/{export}.{fmt}"


def rows_of(response, fmt: str) -> list:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body(response).decode())))
    return xlsx_rows(response)


@pytest.mark.parametrize("size", [20, 2000])
@pytest.mark.parametrize("who", ["case_manager", "member"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("export", list(QUERIES))
def test_an_export_costs_the_same_queries_at_20_and_2000_locations(
    django_assert_num_queries, export, fmt, who, size
):
    portfolio = build_portfolio(size)
    if export == "commitments":
        conclude_agreements(
            list(Location.objects.order_by("pk")), portfolio.case_manager
        )
    api = token_client(getattr(portfolio, who))
    address = url(export, fmt, portfolio)
    body(api.get(address))  # warm the process-wide caches (ContentType)

    with django_assert_num_queries(expected(export, who)):
        response = api.get(address)
        rows = rows_of(response, fmt)

    assert response.status_code == 200
    expected_rows = {
        "locations": size,
        "commitments": size,
        "bottlenecks": size * BOTTLENECKS_PER_LOCATION,
    }
    if export in expected_rows:
        # Organisation A takes part everywhere: the member's file is as long.
        assert len(rows) == 1 + expected_rows[export], export
    else:
        assert len(rows) >= 1 + BOTTLENECKS_PER_LOCATION  # the headers and events


@pytest.mark.parametrize("size", [20, 2000])
def test_the_dashboard_csv_costs_what_the_dashboard_api_costs(size):
    """The same figures (`dashboard_figures`), so the same queries as `GET
    /api/v1/dashboard/`, at any size."""
    portfolio = build_portfolio(size)
    api = token_client(portfolio.case_manager)
    body(api.get("/api/v1/exports/dashboard.csv"))
    with CaptureQueriesContext(connection) as dashboard:
        assert api.get("/api/v1/dashboard/").status_code == 200
    with CaptureQueriesContext(connection) as export:
        rows = list(
            csv.reader(
                io.StringIO(body(api.get("/api/v1/exports/dashboard.csv")).decode())
            )
        )
    assert len(export) == len(dashboard)
    assert ["Locaties", "Totaal", str(size)] in rows


# --- 20,000 rows ---------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="20,000 rows take seconds: CI's PostgreSQL pass runs it",
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_twenty_thousand_locations_export_whole(fmt, case_manager):
    programme = Programme.objects.create(name="Groot programma", slug="groot")
    Location.objects.bulk_create(
        (
            Location(
                programme=programme,
                name=f"Locatie {i:05d}",
                slug=f"locatie-{i:05d}",
                municipality="=Gemeente" if i % 1000 == 0 else "Amersfoort",
                province=list(Province)[i % len(Province)],
                planned_homes=i,
                stage=list(Stage)[i % len(Stage)],
            )
            for i in range(20_000)
        ),
        batch_size=5000,
    )
    response = token_client(case_manager).get(f"/api/v1/exports/locations.{fmt}")
    rows = rows_of(response, fmt)
    assert len(rows) == 20_001
    assert rows[1][1] == "Locatie 00000" and rows[-1][1] == "Locatie 19999"
    assert rows[1][2] == "'=Gemeente"


# --- LibreOffice -----------------------------------------------------------------------------

SOFFICE = shutil.which("soffice")


def test_libreoffice_opens_the_excel_and_csv_exports(tmp_path, world):
    """`soffice --headless --convert-to csv` reads each file back (README, "Exports").
    Without LibreOffice the test is skipped on a developer's machine and fails under
    CI (.ci/run installs libreoffice-calc-nogui)."""
    if SOFFICE is None:
        message = (
            "LibreOffice (soffice) not found: apt-get install libreoffice-calc-nogui"
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    api = token_client(world.case_manager)
    files = {
        "locaties.xlsx": api.get("/api/v1/exports/locations.xlsx"),
        "audit.xlsx": api.get(f"/api/v1/locations/{world.own.pk}/audit.xlsx"),
        "dashboard.csv": api.get("/api/v1/exports/dashboard.csv"),
    }
    for name, response in files.items():
        (tmp_path / name).write_bytes(body(response))
    out = tmp_path / "out"
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            *(str(tmp_path / name) for name in files),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    locations = list(csv.reader((out / "locaties.csv").open(encoding="utf-8")))
    assert locations[0][:3] == ["Id", "Naam", "Gemeente(n)"]
    assert {row[1] for row in locations[1:]} == {"Eigen Locatie", "Vreemde Locatie"}
    audit = list(csv.reader((out / "audit.csv").open(encoding="utf-8")))
    assert audit[0][0] == "Tijdstip"
    dashboard = list(csv.reader((out / "dashboard.csv").open(encoding="utf-8")))
    assert ["Locaties", "Totaal", "2"] in dashboard
