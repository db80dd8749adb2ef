"""Dates in the documents are Dutch (issue 19, item 10): "3 dec 2025", never Django's
title-cased "3 Dec 2025" of the `M` format, whatever language the requester reads."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone, translation

from casework.models import Location
from documents import services

from .pdf import text_of

ENGLISH_OR_TITLE_CASED = re.compile(
    r"\b\d{1,2} (Jan|Feb|Mrt|Mar|Apr|Mei|May|Jun|Jul|Aug|Sep|Okt|Oct|Nov|Dec)\b"
)


def test_the_progress_report_writes_its_dates_in_dutch(world):
    Location.objects.filter(pk=world.own.pk).update(
        stage_changed_at=timezone.make_aware(datetime.datetime(2025, 12, 3, 10))
    )
    Location.objects.filter(pk=world.foreign.pk).update(
        stage_changed_at=timezone.make_aware(datetime.datetime(2025, 3, 14, 10))
    )
    with translation.override("en"):
        report = services.progress_report_document(
            locations=Location.objects.all(), actor=world.ministry
        )
    with report.file.open("rb") as handle:
        text = text_of(handle.read())
    assert "3 dec 2025" in text and "14 mrt 2025" in text
    assert not ENGLISH_OR_TITLE_CASED.search(text), ENGLISH_OR_TITLE_CASED.findall(text)


def test_the_location_dossier_writes_its_history_dates_in_dutch(world):
    from casework.services import location_record_criteria

    location_record_criteria(
        location=world.own,
        actor=world.case_manager,
        land_positions="a",
        planning_status="b",
        market_involvement="c",
        financial_prospect="d",
    )
    dossier = services.location_dossier_document(
        location=world.own, actor=world.case_manager
    )
    with dossier.file.open("rb") as handle:
        text = text_of(handle.read())
    assert not ENGLISH_OR_TITLE_CASED.search(text), ENGLISH_OR_TITLE_CASED.findall(text)
    # The history's times (now) with the month abbreviated the Dutch way.
    months = [
        "jan",
        "feb",
        "mrt",
        "apr",
        "mei",
        "jun",
        "jul",
        "aug",
        "sep",
        "okt",
        "nov",
        "dec",
    ]
    today = timezone.localdate()
    assert f"{today.day} {months[today.month - 1]} {today.year}" in text
