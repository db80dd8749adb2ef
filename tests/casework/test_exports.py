"""The exports (issue 17 item 5): CSV and XLSX of the location list, the commitment
ledger, the breakthrough agenda and a location's audit trail, the dashboard figures
as CSV and the open data, under `/api/v1/` and linked from the pages.

Every file is read back: CSV with the csv module, XLSX with openpyxl.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework import services
from casework.constants import (
    AuditAction,
    BottleneckCategory,
    BreakthroughKind,
    CommitmentStatus,
    Stage,
)
from casework.export_files import csv_cell, neutralised
from casework.models import Breakthrough, Commitment, Location

from ..conftest import token_client
from ..scenarios import bring_to
from .exports import (
    XLSX,
    body,
    conclude_agreements,
    csv_rows,
    xlsx_rows,
    xlsx_sheet,
)

pytestmark = pytest.mark.django_db


def names_in(rows: list[list], column: str) -> set:
    index = rows[0].index(column)
    return {row[index] for row in rows[1:]}


def add_bottleneck(location, actor, description="Stikstofruimte ontbreekt."):
    return services.bottleneck_create(
        location=location,
        actor=actor,
        category=BottleneckCategory.NITROGEN,
        description=description,
        owner=None,
        deadline=None,
    )


# --- Visibility: what the page shows the reader, nothing more -----------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_partys_location_export_holds_only_its_own_locations(world, fmt):
    read = csv_rows if fmt == "csv" else xlsx_rows
    party = read(token_client(world.a_member).get(f"/api/v1/exports/locations.{fmt}"))
    assert names_in(party, "Naam") == {"Eigen Locatie"}
    staff = read(
        token_client(world.case_manager).get(f"/api/v1/exports/locations.{fmt}")
    )
    assert names_in(staff, "Naam") == {"Eigen Locatie", "Vreemde Locatie"}
    outsider = read(
        token_client(world.outsider).get(f"/api/v1/exports/locations.{fmt}")
    )
    assert outsider == [party[0]]  # the headers, no rows


def test_the_location_export_takes_the_lists_filters_and_order(world):
    bring_to(
        world.foreign,
        Stage.SELECTED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    api = token_client(world.case_manager)
    rows = csv_rows(api.get("/api/v1/exports/locations.csv?stage=selected"))
    assert names_in(rows, "Naam") == {"Vreemde Locatie"}
    assert rows[1][rows[0].index("Fase")] == "Geselecteerd"
    rows = csv_rows(api.get("/api/v1/exports/locations.csv?q=eigen"))
    assert names_in(rows, "Naam") == {"Eigen Locatie"}
    rows = csv_rows(api.get("/api/v1/exports/locations.csv?sort=-name"))
    assert [row[1] for row in rows[1:]] == ["Vreemde Locatie", "Eigen Locatie"]
    # The same rows as the list API with the same filters.
    listed = api.get("/api/v1/locations/?stage=selected").json()
    exported = csv_rows(api.get("/api/v1/exports/locations.csv?stage=selected"))
    assert [str(item["id"]) for item in listed] == [row[0] for row in exported[1:]]


@pytest.mark.parametrize(
    "query",
    ["stage=nowhere", "province=Atlantis", "sort=secret", f"q={'x' * 400}"],
)
def test_an_unknown_filter_is_a_400_before_any_row(world, query):
    response = token_client(world.case_manager).get(
        f"/api/v1/exports/locations.csv?{query}"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_a_partys_ledger_and_agenda_hold_only_its_own_locations(world):
    conclude_agreements([world.own, world.foreign], world.case_manager)
    add_bottleneck(world.own, world.case_manager, "Eigen knelpunt.")
    add_bottleneck(world.foreign, world.case_manager, "Vreemd knelpunt.")
    party = token_client(world.a_member)
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        ledger = read(party.get(f"/api/v1/exports/commitments.{fmt}"))
        assert names_in(ledger, "Locatie") == {"Eigen Locatie"}
        assert names_in(ledger, "Partij") == {"Gemeente A"}
        agenda = read(party.get(f"/api/v1/exports/bottlenecks.{fmt}"))
        assert names_in(agenda, "Omschrijving") == {"Eigen knelpunt."}
    staff = token_client(world.ministry)
    ledger = csv_rows(staff.get("/api/v1/exports/commitments.csv"))
    assert names_in(ledger, "Locatie") == {"Eigen Locatie", "Vreemde Locatie"}
    # One location, if visible: a party asking for another's gets the API's 404.
    own = csv_rows(
        staff.get(f"/api/v1/exports/bottlenecks.csv?location={world.own.pk}")
    )
    assert names_in(own, "Omschrijving") == {"Eigen knelpunt."}
    hidden = party.get(f"/api/v1/exports/commitments.csv?location={world.foreign.pk}")
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": "Niet gevonden."}


def test_the_ledger_filters_by_status_and_says_what_is_late(world):
    conclude_agreements([world.own], world.case_manager, commitments_per_location=2)
    api = token_client(world.case_manager)
    rows = csv_rows(api.get("/api/v1/exports/commitments.csv"))
    header = rows[0]
    late = {
        row[header.index("Afspraak")]: row[header.index("Termijn verstreken")]
        for row in rows[1:]
    }
    # The second commitment's date passed 15 days ago (see conclude_agreements).
    assert late == {
        "Afspraak 0 van Eigen Locatie": "nee",
        "Afspraak 1 van Eigen Locatie": "ja",
    }
    assert {row[header.index("Status")] for row in rows[1:]} == {"Open"}
    done = csv_rows(
        api.get(f"/api/v1/exports/commitments.csv?status={CommitmentStatus.DONE}")
    )
    assert len(done) == 1
    assert api.get("/api/v1/exports/commitments.csv?status=kept").status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_ledger_export_reads_the_ledger(world, fmt):
    """The current due date (an extension's) and the frozen one in its own column at
    the end, the ledger's status, and late as the dashboard counts it: a disputed
    commitment past its date is late, a waived one is not, an extended one is not."""
    conclude_agreements([world.own], world.case_manager, commitments_per_location=4)
    today = timezone.localdate()
    later = today + datetime.timedelta(days=60)
    ledger = Commitment.objects.filter(version__agreement__location=world.own)
    by_text = {c.description: c for c in ledger}
    # Afspraak 0 (due in 30 days) extended; 1 and 3 (due 15 days ago) disputed and
    # waived; 2 (due in 30 days) reported.
    ledger.filter(pk=by_text["Afspraak 0 van Eigen Locatie"].pk).update(
        extended_due_date=later
    )
    ledger.filter(pk=by_text["Afspraak 1 van Eigen Locatie"].pk).update(
        status=CommitmentStatus.DISPUTED,
        disputed_by=world.org_b,
        disputed_at=timezone.now(),
    )
    ledger.filter(pk=by_text["Afspraak 2 van Eigen Locatie"].pk).update(
        status=CommitmentStatus.REPORTED
    )
    ledger.filter(pk=by_text["Afspraak 3 van Eigen Locatie"].pk).update(
        status=CommitmentStatus.WAIVED
    )
    read = csv_rows if fmt == "csv" else xlsx_rows
    rows = read(
        token_client(world.case_manager).get(f"/api/v1/exports/commitments.{fmt}")
    )
    header = rows[0]
    # The columns that were there keep their place; the new ones come last.
    assert header[9:13] == [
        "Uiterste datum",
        "Status",
        "Termijn verstreken",
        "Wacht op aantal afspraken",
    ]
    assert header[13:] == ["Oorspronkelijke datum", "Uitgesteld"]
    got = {
        row[header.index("Afspraak")]: dict(zip(header, row, strict=True))
        for row in rows[1:]
    }

    def day(value):
        if fmt == "csv":
            return datetime.date.fromisoformat(value)
        return value.date() if isinstance(value, datetime.datetime) else value

    def yes(value):
        return value == "ja" if fmt == "csv" else value in (True, "ja")

    extended = got["Afspraak 0 van Eigen Locatie"]
    original = by_text["Afspraak 0 van Eigen Locatie"].due_date
    assert day(extended["Uiterste datum"]) == later
    assert day(extended["Oorspronkelijke datum"]) == original != later
    assert yes(extended["Uitgesteld"])
    assert not yes(extended["Termijn verstreken"])
    disputed = got["Afspraak 1 van Eigen Locatie"]
    assert disputed["Status"] == "Betwist"
    assert yes(disputed["Termijn verstreken"])
    assert not yes(disputed["Uitgesteld"])
    assert day(disputed["Uiterste datum"]) == day(disputed["Oorspronkelijke datum"])
    reported = got["Afspraak 2 van Eigen Locatie"]
    assert reported["Status"] == "Gemeld"
    assert not yes(reported["Termijn verstreken"])
    waived = got["Afspraak 3 van Eigen Locatie"]
    assert waived["Status"] == "Vervallen"
    assert day(waived["Uiterste datum"]) < today
    assert not yes(waived["Termijn verstreken"])
    # The status filter knows the ledger's statuses.
    only = read(
        token_client(world.case_manager).get(
            f"/api/v1/exports/commitments.{fmt}?status={CommitmentStatus.DISPUTED}"
        )
    )
    assert [row[header.index("Afspraak")] for row in only[1:]] == [
        "Afspraak 1 van Eigen Locatie"
    ]


def test_the_audit_export_of_a_hidden_location_is_a_404(world):
    for fmt in ("csv", "xlsx"):
        url = f"/api/v1/locations/{world.foreign.pk}/audit.{fmt}"
        response = token_client(world.a_member).get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Niet gevonden."}
        missing = token_client(world.a_member).get(
            f"/api/v1/locations/999999/audit.{fmt}"
        )
        assert missing.content == response.content


def test_the_audit_export_tells_the_timeline_to_its_reader(world):
    bring_to(
        world.own,
        Stage.SELECTED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    # An internal fact (the end of an escalation branch's procedure): the staff's
    # export has it, the party's leaves it out, as their timelines do.
    services.audit_record(
        action=AuditAction.PROCEDURE_ENDED,
        location=world.own,
        reason="Interne afweging.",
    )
    url = f"/api/v1/locations/{world.own.pk}/audit.csv"
    staff = csv_rows(token_client(world.ministry).get(url))
    party = csv_rows(token_client(world.a_member).get(url))
    assert staff[0][:5] == [
        "Tijdstip",
        "Soort",
        "Wat er gebeurde",
        "Toelichting",
        "Reden",
    ]
    assert "Interne afweging." in names_in(staff, "Reden")
    assert "Interne afweging." not in names_in(party, "Reden")
    assert len(party) == len(staff) - 1
    # Oldest first, ISO 8601 with the offset, the stages by their names.
    moments = [datetime.datetime.fromisoformat(row[0]) for row in party[1:]]
    assert moments == sorted(moments) and all(m.tzinfo for m in moments)
    selected = [
        row for row in party[1:] if row[party[0].index("Naar fase")] == "Geselecteerd"
    ]
    assert selected and selected[0][2] == "Geselecteerd als doorbraaklocatie"
    # Excel: the moments as date cells, the same rows.
    sheet = xlsx_sheet(token_client(world.a_member).get(url.replace(".csv", ".xlsx")))
    assert sheet.max_row == len(party)
    first = sheet.cell(row=2, column=1)
    assert first.is_date and first.number_format == "yyyy-mm-dd hh:mm:ss"


# --- Formula injection --------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://example.org","klik")',
    "+31 6 1234",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def test_a_cell_that_a_spreadsheet_would_run_gets_a_quote():
    for text in HOSTILE:
        assert neutralised(text) == "'" + text
    assert neutralised("Gemeente =A") == "Gemeente =A"
    assert csv_cell(-5) == -5  # a number stays a number
    assert csv_cell(datetime.date(2026, 3, 11)) == "2026-03-11"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_injection_is_neutralised_in_both_files(world, fmt):
    Location.objects.filter(pk=world.own.pk).update(
        name=HOSTILE[0], municipality=HOSTILE[1], planned_homes=1200
    )
    Location.objects.filter(pk=world.foreign.pk).update(
        name=HOSTILE[4], municipality=HOSTILE[5], planned_homes=None
    )
    for text in HOSTILE[2:4]:
        add_bottleneck(world.own, world.case_manager, text)
    api = token_client(world.case_manager)
    quoted = {"'" + text for text in HOSTILE}
    if fmt == "csv":
        locations = csv_rows(api.get("/api/v1/exports/locations.csv"))
        by_id = {row[0]: row for row in locations[1:]}
        assert by_id[str(world.own.pk)][1:3] == ["'" + HOSTILE[0], "'" + HOSTILE[1]]
        assert by_id[str(world.foreign.pk)][1:3] == ["'" + HOSTILE[4], "'" + HOSTILE[5]]
        assert (
            by_id[str(world.own.pk)][locations[0].index("Geplande woningen")] == "1200"
        )
        agenda = csv_rows(api.get("/api/v1/exports/bottlenecks.csv"))
        assert names_in(agenda, "Omschrijving") == {"'" + t for t in HOSTILE[2:4]}
        return
    sheet = xlsx_sheet(api.get("/api/v1/exports/locations.xlsx"))
    texts = set()
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == world.own.pk:
            homes = row[6]
            assert homes.data_type == "n" and homes.value == 1200
        for cell in row[1:3]:
            assert cell.data_type == "s"
            texts.add(cell.value)
    # (XML reads a carriage return back as a line feed: the quote is still first.)
    expected = {text.replace("\r", "\n") for text in quoted}
    assert texts == expected - {"'" + t for t in HOSTILE[2:4]}
    # No cell of any export is a formula.
    agenda = xlsx_sheet(api.get("/api/v1/exports/bottlenecks.xlsx"))
    cells = [cell for row in agenda.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    descriptions = {row[4] for row in agenda.iter_rows(min_row=2, values_only=True)}
    assert descriptions == {"'" + t for t in HOSTILE[2:4]}


# --- The dashboard, open data ------------------------------------------------------------


def test_the_dashboard_csv_has_the_figures_the_reader_sees(world):
    staff = csv_rows(token_client(world.viewer).get("/api/v1/exports/dashboard.csv"))
    assert staff[0] == ["Onderdeel", "Cijfer", "Waarde"]
    figures = {(row[0], row[1]): row[2] for row in staff[1:]}
    assert figures[("Locaties", "Totaal")] == "2"
    assert figures[("Locaties per fase", "Voorgedragen")] == "2"
    party = csv_rows(token_client(world.a_member).get("/api/v1/exports/dashboard.csv"))
    assert {(row[0], row[1]): row[2] for row in party[1:]}[
        ("Locaties", "Totaal")
    ] == "1"
    # The same figures as the dashboard API.
    api = token_client(world.viewer).get("/api/v1/dashboard/").json()
    assert figures[("Woningen", "Doel in versnelde planvorming")] == str(
        api["homes_target"]
    )


def test_open_data_holds_the_public_facts_only(world):
    bring_to(
        world.own,
        Stage.HEADS_OF_AGREEMENT,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    Location.objects.filter(pk=world.own.pk).update(planned_homes=450)
    api = token_client(world.ministry)
    records = api.get("/api/v1/exports/open-data.json").json()
    # The proposed location is a candidate, not yet a public fact of the programme.
    assert [record["naam"] for record in records] == ["Eigen Locatie"]
    (record,) = records
    assert list(record) == [
        "programma",
        "locatie_id",
        "naam",
        "gemeenten",
        "provincie",
        "fase",
        "fase_naam",
        "geplande_woningen",
        "aantal_doorbraken",
        "doorbraken",
    ]
    assert record["fase"] == "heads_of_agreement"
    assert record["geplande_woningen"] == 450
    assert record["programma"] == "doorbraakaanpak-2025"
    breakthrough = Breakthrough.objects.get(location=world.own)
    assert breakthrough.kind == BreakthroughKind.HEADS_OF_AGREEMENT
    assert record["aantal_doorbraken"] == 1
    assert record["doorbraken"][0]["datum"] == breakthrough.occurred_on.isoformat()
    rows = csv_rows(api.get("/api/v1/exports/open-data.csv"))
    assert rows[0] == list(record)
    assert rows[1][rows[0].index("doorbraken")] == (
        f"{breakthrough.occurred_on.isoformat()} heads_of_agreement"
    )
    # No personal data, nothing internal: no person's name, no reason, no hash.
    text = body(api.get("/api/v1/exports/open-data.csv")).decode()
    for secret in ("procesregisseur", "a-teken", breakthrough.data.get("sha256", "-")):
        assert secret not in text
    # For the programme-wide roles; a party gets a 403.
    refused = token_client(world.a_member).get("/api/v1/exports/open-data.json")
    assert refused.status_code == 403
    assert refused.json()["detail"]
    other = api.get("/api/v1/exports/open-data.json?programme=elders").json()
    assert other == []


# --- The API and the pages ----------------------------------------------------------------


def test_a_client_that_asks_for_the_file_type_gets_the_file(world):
    api = token_client(world.case_manager)
    csv_response = api.get("/api/v1/exports/locations.csv", HTTP_ACCEPT="text/csv")
    assert csv_response.status_code == 200
    xlsx = api.get("/api/v1/exports/commitments.xlsx", HTTP_ACCEPT=XLSX)
    assert xlsx.status_code == 200
    # An error is JSON whatever was asked for.
    error = api.get("/api/v1/exports/locations.csv?stage=x", HTTP_ACCEPT="text/csv")
    assert error.status_code == 400
    assert error["Content-Type"] == "application/json"
    # Without a token or session: 401, like every operation.
    assert APIClient().get("/api/v1/exports/locations.csv").status_code == 401


def test_the_exports_are_in_the_openapi_schema(world):
    schema = (
        token_client(world.a_member)
        .get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        .json()
    )
    for path, media_type in [
        ("/api/v1/exports/locations.csv", "text/csv"),
        ("/api/v1/exports/locations.xlsx", XLSX),
        ("/api/v1/exports/commitments.csv", "text/csv"),
        ("/api/v1/exports/commitments.xlsx", XLSX),
        ("/api/v1/exports/bottlenecks.csv", "text/csv"),
        ("/api/v1/exports/bottlenecks.xlsx", XLSX),
        ("/api/v1/exports/dashboard.csv", "text/csv"),
        ("/api/v1/exports/open-data.csv", "text/csv"),
        ("/api/v1/exports/open-data.json", "application/json"),
        ("/api/v1/locations/{id}/audit.csv", "text/csv"),
        ("/api/v1/locations/{id}/audit.xlsx", XLSX),
    ]:
        operation = schema["paths"][path]["get"]
        assert media_type in operation["responses"]["200"]["content"], path
    filters = schema["paths"]["/api/v1/exports/locations.csv"]["get"]["parameters"]
    assert {p["name"] for p in filters} == {
        "stage",
        "province",
        "programme",
        "q",
        "sort",
    }


def test_the_pages_link_their_downloads(client, world):
    client.force_login(world.case_manager)
    page = client.get(
        "/locations/?stage=proposed&sort=-name&province=Utrecht"
    ).content.decode()
    assert "Downloaden (CSV)" in page and "Downloaden (Excel)" in page
    assert (
        'href="/api/v1/exports/locations.csv?stage=proposed&amp;province=Utrecht&amp;sort=-name"'
        in page
    )
    detail = client.get(f"/locations/{world.own.pk}/").content.decode()
    assert f'href="/api/v1/locations/{world.own.pk}/audit.csv"' in detail
    assert f'href="/api/v1/locations/{world.own.pk}/audit.xlsx"' in detail
    assert f'href="/api/v1/exports/bottlenecks.csv?location={world.own.pk}"' in detail
    dashboard = client.get("/dashboard/").content.decode()
    for url in (
        "/api/v1/exports/dashboard.csv",
        "/api/v1/exports/commitments.xlsx",
        "/api/v1/exports/bottlenecks.csv",
        "/api/v1/exports/open-data.json",
    ):
        assert f'href="{url}"' in dashboard, url
    # A party's dashboard offers its own exports, not the open data.
    client.force_login(world.a_member)
    dashboard = client.get("/dashboard/").content.decode()
    assert 'href="/api/v1/exports/commitments.csv"' in dashboard
    assert "open-data" not in dashboard
    # And the link works with the session.
    assert (
        csv_rows(client.get("/api/v1/exports/locations.csv"))[1][1] == "Eigen Locatie"
    )


def test_dates_are_iso_in_the_files(world):
    conclude_agreements([world.own], world.case_manager)
    rows = csv_rows(
        token_client(world.case_manager).get("/api/v1/exports/commitments.csv")
    )
    due = rows[1][rows[0].index("Uiterste datum")]
    assert datetime.date.fromisoformat(
        due
    ) == timezone.localdate() + datetime.timedelta(days=30)
    sheet = xlsx_sheet(
        token_client(world.case_manager).get("/api/v1/exports/commitments.xlsx")
    )
    column = [c.value for c in sheet[1]].index("Uiterste datum") + 1
    cell = sheet.cell(row=2, column=column)
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
