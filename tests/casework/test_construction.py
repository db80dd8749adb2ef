"""After the agreement (issue 15, item 5): a location records the start of
construction (date, homes started) through the service, the API and the location
page; the dashboard shows homes under construction against the programme's
construction-start year next to the homes target."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from casework import construction
from casework.constants import AuditAction, Stage
from casework.dashboard import dashboard_figures
from casework.models import AuditEvent, ConstructionStart, Location
from permissions.errors import Conflict, InvalidInput, NotPermitted

from ..conftest import token_client
from ..scenarios import bring_to

pytestmark = pytest.mark.django_db

URL = "/api/v1/locations/{}/construction/"


@pytest.fixture
def agreed(world) -> Location:
    Location.objects.filter(pk=world.own.pk).update(planned_homes=1_000)
    world.own.refresh_from_db()
    return bring_to(
        world.own,
        Stage.ADMINISTRATIVE_AGREEMENT,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def test_a_party_records_a_start_and_the_dashboard_counts_it(world, agreed):
    client = token_client(world.b_member)
    response = client.post(
        URL.format(agreed.pk),
        {"started_on": "2026-01-15", "homes_started": 300, "note": "Fase 1."},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["homes_under_construction"] == 300
    assert body["planned_homes"] == 1_000
    assert body["starts"][0]["recorded_by"] == "b-lid"
    event = AuditEvent.objects.get(action=AuditAction.CONSTRUCTION_STARTED)
    assert event.data["homes_started"] == 300
    assert event.reason == "Fase 1."

    construction.construction_start_record(
        location=agreed,
        actor=world.case_manager,
        started_on=datetime.date(2026, 3, 1),
        homes_started=200,
    )
    figures = dashboard_figures(world.ministry)
    assert figures.homes_under_construction == 500
    assert figures.locations_construction_started == 1
    assert figures.construction_start_year == 2030
    api = token_client(world.viewer).get("/api/v1/dashboard/").json()
    assert api["homes_under_construction"] == 500
    assert api["construction_start_year"] == 2030
    client.force_login(world.ministry)
    html = client.get("/dashboard/").content.decode()
    assert 'data-figure="homes_under_construction">500' in html
    assert "de bouw moet overal gestart zijn in 2030" in html


def test_bad_input_and_wrong_moments_are_refused_and_store_nothing(world, agreed):
    def record(actor=world.case_manager, location=agreed, **fields):
        values = {"started_on": datetime.date(2026, 1, 15), "homes_started": 10}
        values.update(fields)
        return construction.construction_start_record(
            location=location, actor=actor, **values
        )

    before = AuditEvent.objects.count()
    with pytest.raises(NotPermitted):
        record(actor=world.viewer)
    with pytest.raises(InvalidInput, match="toekomst"):
        record(started_on=datetime.date.today() + datetime.timedelta(days=2))
    with pytest.raises(InvalidInput):
        record(homes_started=0)
    with pytest.raises(InvalidInput, match="geplande"):
        record(homes_started=1_001)
    with pytest.raises(Conflict, match="na de bestuurlijke overeenkomst"):
        record(location=world.foreign)
    assert not ConstructionStart.objects.exists()
    assert AuditEvent.objects.count() == before
    # Through the API: 400 with the field, 403, 404, 409.
    client = token_client(world.b_member)
    assert (
        client.post(
            URL.format(agreed.pk), {"homes_started": 5}, format="json"
        ).status_code
        == 400
    )
    assert (
        token_client(world.viewer)
        .post(
            URL.format(agreed.pk),
            {"started_on": "2026-01-01", "homes_started": 5},
            format="json",
        )
        .status_code
        == 403
    )
    hidden = token_client(world.c_member).post(
        URL.format(agreed.pk),
        {"started_on": "2026-01-01", "homes_started": 5},
        format="json",
    )
    assert hidden.status_code == 404
    conflict = token_client(world.case_manager).post(
        URL.format(world.foreign.pk),
        {"started_on": "2026-01-01", "homes_started": 5},
        format="json",
    )
    assert conflict.status_code == 409
    assert not ConstructionStart.objects.exists()


def test_the_location_page_shows_the_starts_and_records_one(world, agreed, client):
    client.force_login(world.a_member)
    page = client.get(reverse("locations:detail", args=[agreed.pk])).content.decode()
    assert 'id="bouw"' in page
    assert "0 woningen in aanbouw" in page
    response = client.post(
        reverse("construction-start", args=[agreed.pk]),
        {"started_on": "2026-02-01", "homes_started": "120", "note": ""},
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "De start van de bouw is vastgelegd." in page
    assert "120 woningen in aanbouw" in page
    # Refused: a clear message, nothing stored.
    response = client.post(
        reverse("construction-start", args=[agreed.pk]),
        {"started_on": "2026-02-01", "homes_started": "5000"},
        follow=True,
    )
    assert "geplande" in response.content.decode()
    assert ConstructionStart.objects.count() == 1
    # Before the agreement the page has no such section.
    page = client.get(reverse("locations:detail", args=[world.foreign.pk]))
    assert page.status_code == 404  # a's member does not see foreign
    client.force_login(world.c_member)
    assert (
        'id="bouw"'
        not in client.get(
            reverse("locations:detail", args=[world.foreign.pk])
        ).content.decode()
    )


def test_escalation_is_possible_after_the_agreement(world, agreed):
    response = token_client(world.ministry).post(
        f"/api/v1/locations/{agreed.pk}/transitions/",
        {"transition": "escalate", "reason": "Afspraken zijn verlopen en betwist."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"stage": "escalated"}
