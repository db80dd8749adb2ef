"""Helpers of the export tests: fetch an export, read it back (CSV with the csv
module, XLSX with openpyxl), and give locations concluded agreements with
commitments in bulk."""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import timezone
from openpyxl import load_workbook

from casework.constants import AgreementKind, CommitmentStatus, VersionStatus
from casework.models import Agreement, AgreementVersion, Commitment, Location, Party

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body(response) -> bytes:
    """The whole file: a CSV is streamed (its rows are read while it is sent), so
    this is where its queries run."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, body(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(body(response).decode("utf-8"))))


def xlsx_sheet(response):
    assert response.status_code == 200, body(response)
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(body(response)))
    return workbook.worksheets[0]


def xlsx_rows(response) -> list[list]:
    return [list(row) for row in xlsx_sheet(response).iter_rows(values_only=True)]


def conclude_agreements(
    locations: list[Location], author, *, commitments_per_location: int = 1
) -> None:
    """A concluded heads of agreement with commitments of the first party at each
    location, bulk-created (no approval round: the ledger only reads them). Commitment
    `i` is due in 30 days when `i` is even, 15 days ago when odd."""
    agreements = Agreement.objects.bulk_create(
        Agreement(
            location=location,
            kind=AgreementKind.HEADS_OF_AGREEMENT,
            title=f"Hoofdlijnenakkoord {location.name}",
            created_by=author,
        )
        for location in locations
    )
    versions = AgreementVersion.objects.bulk_create(
        AgreementVersion(
            agreement=agreement,
            number=1,
            text="De partijen spreken af.",
            status=VersionStatus.IN_APPROVAL,
        )
        for agreement in agreements
    )
    first_party = {}
    for party in Party.objects.filter(location__in=locations).order_by("pk"):
        first_party.setdefault(party.location_id, party)
    today = timezone.localdate()
    Commitment.objects.bulk_create(
        Commitment(
            version=version,
            owner=first_party[agreement.location_id],
            description=f"Afspraak {i} van {agreement.location.name}",
            due_date=today + datetime.timedelta(days=30 - 45 * (i % 2)),
            status=CommitmentStatus.OPEN,
        )
        for agreement, version in zip(agreements, versions, strict=True)
        for i in range(commitments_per_location)
    )
    # Then concluded (the database freezes a concluded version and its commitments).
    AgreementVersion.objects.filter(pk__in=[v.pk for v in versions]).update(
        status=VersionStatus.CONCLUDED, concluded_at=timezone.now(), sha256="a" * 64
    )
