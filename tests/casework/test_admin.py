"""The admin changes nothing outside the services (issue 15, item 6): locations and
bottlenecks are read-only there; a programme is changed through
`casework.programmes`, with a reason and an audit row."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from casework.constants import AuditAction
from casework.models import AuditEvent, Bottleneck, Location, Programme

from ..scenarios import add_bottleneck

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    admin = get_user_model().objects.create_superuser(
        "beheerder", "beheer@example.invalid", "geheim-wachtwoord-1"
    )
    client.force_login(admin)
    client.admin = admin
    return client


def test_locations_and_bottlenecks_are_read_only(admin_client, world):
    bottleneck = add_bottleneck(world.own, world.case_manager)
    location_url = f"/admin/casework/location/{world.own.pk}/change/"
    page = admin_client.get(location_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    before = AuditEvent.objects.count()
    response = admin_client.post(
        location_url, {"name": "Overschreven", "planned_homes": "9"}
    )
    assert response.status_code == 403
    assert Location.objects.get(pk=world.own.pk).name == "Eigen Locatie"
    assert admin_client.get("/admin/casework/location/add/").status_code == 403
    assert (
        admin_client.post(
            f"/admin/casework/location/{world.own.pk}/delete/"
        ).status_code
        == 403
    )
    bottleneck_url = f"/admin/casework/bottleneck/{bottleneck.pk}/change/"
    response = admin_client.post(bottleneck_url, {"status": "resolved"})
    assert response.status_code == 403
    assert Bottleneck.objects.get(pk=bottleneck.pk).status == "open"
    assert AuditEvent.objects.count() == before


def _programme_form(programme: Programme, **changes) -> dict:
    data = {
        "name": programme.name,
        "slug": programme.slug,
        "description": programme.description,
        "homes_target": programme.homes_target,
        "breakthrough_targets": '{"2025": 5}',
        "breakthrough_rule": programme.breakthrough_rule,
        "construction_start_year": programme.construction_start_year,
        "stage_limit_days": programme.stage_limit_days,
        "approval_working_days": programme.approval_working_days,
        "reminder_working_days": programme.reminder_working_days,
        "escalation_consultation_working_days": (
            programme.escalation_consultation_working_days
        ),
        "escalation_decision_working_days": programme.escalation_decision_working_days,
        "consultation_weeks": programme.consultation_weeks,
        "escalation_rungs": '["Procesregisseur", "Bestuurlijk overleg", "Ministerie"]',
        "escalating_authority": "",
        "reason": "",
    }
    data.update(changes)
    return data


def test_a_programme_changes_only_with_a_reason_and_an_audit_row(admin_client, world):
    programme = world.programme
    url = f"/admin/casework/programme/{programme.pk}/change/"
    before = AuditEvent.objects.count()
    # Without a reason: the form says so, nothing changes.
    response = admin_client.post(url, _programme_form(programme, homes_target=90_000))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"reason"}
    assert Programme.objects.get(pk=programme.pk).homes_target == 100_000
    assert AuditEvent.objects.count() == before

    response = admin_client.post(
        url,
        _programme_form(
            programme, homes_target=90_000, reason="Doel bijgesteld na Kamerbrief."
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Programme.objects.get(pk=programme.pk).homes_target == 90_000
    event = AuditEvent.objects.get(action=AuditAction.PROGRAMME_CHANGED)
    assert event.actor == admin_client.admin
    assert event.reason == "Doel bijgesteld na Kamerbrief."
    assert event.data["changes"] == {"homes_target": [100_000, 90_000]}
    assert event.location is None
    # Never deleted.
    assert (
        admin_client.post(
            f"/admin/casework/programme/{programme.pk}/delete/"
        ).status_code
        == 403
    )


def test_a_new_programme_is_audited_too(admin_client, world):
    response = admin_client.post(
        "/admin/casework/programme/add/",
        _programme_form(
            Programme(name="Versnellingstafel Noord", slug="versnellingstafel-noord"),
            reason="Nieuwe versnellingstafel.",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(slug="versnellingstafel-noord")
    event = AuditEvent.objects.get(action=AuditAction.PROGRAMME_CHANGED)
    assert event.data["programme"] == programme.pk
    assert event.reason == "Nieuwe versnellingstafel."
