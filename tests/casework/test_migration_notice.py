"""Migration 0018 (issue 16): a designation from before notices were recorded keeps
its dates; its period started on its `started_at` day, so views and the decision
work as before (the decision waiting out the postal week)."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from casework.constants import Stage
from casework.models import Designation

from ..scenarios import bring_to

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "casework.migrations.0018_designation_notice_and_postal_views"
)


def test_an_old_designation_started_on_its_started_at_day(world):
    location = bring_to(
        world.own,
        Stage.DESIGNATION_PROCEDURE,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    ends_on = timezone.localdate() + datetime.timedelta(days=30)
    started_at = timezone.now() - datetime.timedelta(days=12)
    # As a row stored before the migration: an end, no start, no notice.
    Designation.objects.filter(location=location).update(
        started_at=started_at, consultation_ends_on=ends_on
    )
    migration.started_on_started_at(apps, None)
    designation = Designation.objects.get(location=location)
    assert designation.consultation_starts_on == timezone.localdate(started_at)
    assert designation.consultation_ends_on == ends_on
    assert designation.notice_published_on is None
    assert designation.period_set and designation.period_started()
    assert designation.views_until == ends_on + datetime.timedelta(days=7)
