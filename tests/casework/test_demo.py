"""`manage.py load_demo`: the public list, the demo users, stages reached through the
real services, and idempotence."""

import csv

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from casework.constants import MAIN_PATH, Stage
from casework.demo import CSV_PATH
from casework.models import AgreementVersion, AuditEvent, Location, Party, VersionStatus
from casework.selectors import locations_visible_to
from permissions.models import Membership, Organisation

User = get_user_model()

pytestmark = pytest.mark.django_db


def load():
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def snapshot():
    return {
        "locations": Location.objects.count(),
        "parties": Party.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "audit": AuditEvent.objects.count(),
        "versions": AgreementVersion.objects.count(),
        "stages": sorted(Location.objects.values_list("slug", "stage")),
    }


def test_loads_every_row_of_the_public_list():
    load()
    with CSV_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert Location.objects.count() == len(rows) == 24
    stougjeswijk = Location.objects.get(name="Stougjeswijk")
    assert stougjeswijk.planned_homes == 2485
    assert stougjeswijk.province == "Zuid-Holland"
    # Unknown stays unknown, never invented.
    amersfoort = Location.objects.get(name="Doorbraaklocatie Amersfoort")
    assert amersfoort.planned_homes is None
    assert amersfoort.stage == Stage.PROPOSED


def test_second_run_changes_nothing():
    load()
    first = snapshot()
    load()
    assert snapshot() == first


def test_every_stage_of_the_main_path_is_reached_through_the_services():
    load()
    stages = set(Location.objects.values_list("stage", flat=True))
    assert set(MAIN_PATH) <= stages
    stougjeswijk = Location.objects.get(name="Stougjeswijk")
    assert stougjeswijk.stage == Stage.ADMINISTRATIVE_AGREEMENT
    # The audit trail is real: one transition event per step, the last ones by the system.
    transitions = list(
        stougjeswijk.audit_events.filter(action="transition")
        .order_by("at", "id")
        .values_list("transition", "actor__username")
    )
    assert transitions == [
        ("select", "ministerie"),
        ("start_analysis", "regisseur"),
        ("start_negotiation", "regisseur"),
        ("conclude_heads_of_agreement", None),
        ("conclude_administrative_agreement", None),
    ]
    # The breakthrough happened in 2025, as reported to parliament.
    last = stougjeswijk.audit_events.filter(
        transition="conclude_administrative_agreement"
    )
    assert last.get().at.year == 2025
    concluded = AgreementVersion.objects.filter(
        agreement__location=stougjeswijk, status=VersionStatus.CONCLUDED
    )
    assert concluded.count() == 2
    assert all(len(v.sha256) == 64 for v in concluded)


def test_demo_users_see_what_their_role_allows():
    load()
    total = Location.objects.count()
    for username in ("regisseur", "ministerie", "kijker", "vng"):
        user = User.objects.get(username=username)
        assert locations_visible_to(user).count() == total, username
    breda = User.objects.get(username="gemeente-breda")
    assert list(locations_visible_to(breda).values_list("name", flat=True)) == [
        "'t Zoet"
    ]
    brabant = User.objects.get(username="provincie-noord-brabant")
    assert set(
        locations_visible_to(brabant).values_list("municipality", flat=True)
    ) == {
        "Breda",
        "Eindhoven",
        "'s-Hertogenbosch",
        "Tilburg; Oisterwijk",
    }
    assert breda.check_password("doorbraak-demo")


def test_every_location_has_ministry_province_municipalities_and_demo_market_parties():
    load()
    for location in Location.objects.prefetch_related("parties__organisation"):
        kinds = [party.organisation.kind for party in location.parties.all()]
        municipalities = location.municipality.split("; ")
        assert kinds.count("ministry") == 1
        assert kinds.count("province") == 1
        assert kinds.count("municipality") == len(municipalities)
        market = [
            p.organisation for p in location.parties.all() if p.organisation.is_demo
        ]
        assert market and all(o.name.endswith("(demo)") for o in market)
