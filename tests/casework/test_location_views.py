"""The location pages: a refused transition or bottleneck becomes a message on the page
(bad input, conflict), never a changed location."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from casework import guards
from casework.constants import Stage
from casework.models import AuditEvent, Bottleneck, Location

from ..scenarios import bring_to, record_consultation, record_criteria


def post_transition(client, location, **data):
    return client.post(reverse("locations:transition", args=[location.pk]), data)


def only_message(response) -> tuple[str, str]:
    messages = list(get_messages(response.wsgi_request))
    assert len(messages) == 1, [str(m) for m in messages]
    return messages[0].level_tag, str(messages[0])


def test_a_transition_from_the_page(world, client):
    record_criteria(world.own, world.case_manager)
    client.force_login(world.ministry)
    response = post_transition(
        client, world.own, transition="select", reason="Criteria vastgelegd."
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("locations:detail", args=[world.own.pk])
    assert only_message(response) == (
        "success",
        "De locatie is nu in de fase ‘Geselecteerd’.",
    )
    assert Location.objects.get(pk=world.own.pk).stage == Stage.SELECTED
    event = AuditEvent.objects.get(action="transition")
    assert (event.actor, event.reason) == (world.ministry, "Criteria vastgelegd.")

    page = client.get(response["Location"]).content.decode()
    assert "Criteria vastgelegd." in page  # the audit trail shows the reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"transition": "select", "reason": "Zonder criteria."}, None),  # guard
        ({"transition": "start_analysis", "reason": "Te vroeg."}, "fase"),
        ({"transition": "select", "reason": ""}, "Geef een reden op."),
        ({"transition": "select", "reason": "   "}, "Geef een reden op."),
        ({"transition": "select"}, "Geef een reden op."),
        ({"transition": "fly", "reason": "x"}, "Onbekende overgang."),
        ({"reason": "x"}, "Onbekende overgang."),
    ],
    ids=[
        "guard",
        "wrong-stage",
        "empty-reason",
        "blank-reason",
        "no-reason",
        "unknown",
        "no-name",
    ],
)
def test_a_refused_transition_becomes_a_message(world, client, data, message):
    # start_analysis is the case manager's; the rest the ministry's.
    is_case_managers = data.get("transition") == "start_analysis"
    client.force_login(world.case_manager if is_case_managers else world.ministry)
    events = AuditEvent.objects.count()
    response = post_transition(client, world.own, **data)
    assert response.status_code == 302
    assert response["Location"] == reverse("locations:detail", args=[world.own.pk])
    level, text = only_message(response)
    assert level == "error"
    if message is None:
        assert text == str(guards.selection_criteria_recorded.message)
    else:
        assert message in text
    assert Location.objects.get(pk=world.own.pk).stage == Stage.PROPOSED
    assert AuditEvent.objects.count() == events


def test_the_message_is_shown_on_the_page(world, client):
    client.force_login(world.ministry)
    response = client.post(
        reverse("locations:transition", args=[world.own.pk]),
        {"transition": "select", "reason": "Zonder criteria."},
        follow=True,
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "selectiecriteria" in response.content.decode()


def test_write_urls_accept_only_post(world, client):
    client.force_login(world.ministry)
    for name in ("locations:transition", "locations:bottleneck_create"):
        assert client.get(reverse(name, args=[world.own.pk])).status_code == 405


def test_an_invalid_bottleneck_becomes_a_message(world, client):
    client.force_login(world.case_manager)
    response = client.post(
        reverse("locations:bottleneck_create", args=[world.own.pk]),
        {"category": "meteor", "description": ""},
    )
    assert response.status_code == 302
    assert only_message(response)[0] == "error"
    assert not Bottleneck.objects.exists()


def test_no_bottlenecks_on_a_closed_location(world, client):
    bring_to(
        world.own,
        Stage.WITHDRAWN,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[world.own.pk]))
    assert reverse("locations:bottleneck_create", args=[world.own.pk]) not in (
        page.content.decode()
    )
    response = client.post(
        reverse("locations:bottleneck_create", args=[world.own.pk]),
        {"category": "nitrogen", "description": "Te laat."},
    )
    assert response.status_code == 302
    assert only_message(response)[0] == "error"
    assert not Bottleneck.objects.exists()


def test_the_list_filters(world, client):
    bring_to(
        world.foreign,
        Stage.SELECTED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    client.force_login(world.viewer)
    page = client.get(reverse("locations:index"), {"stage": "selected"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "Vreemde Locatie" in content
    assert "Eigen Locatie" not in content
    content = client.get(reverse("locations:index"), {"q": "eigen"}).content.decode()
    assert "Eigen Locatie" in content
    assert "Vreemde Locatie" not in content


def test_start_designation_from_the_page_needs_and_takes_its_fields(world, client):
    bring_to(
        world.own,
        Stage.ESCALATED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    record_consultation(world.own, world.case_manager, "deadlock_remains")
    client.force_login(world.ministry)
    page = client.get(reverse("locations:detail", args=[world.own.pk])).content.decode()
    assert 'name="instrument"' in page and 'name="legal_basis"' in page

    response = post_transition(
        client, world.own, transition="start_designation", reason="Impasse blijft."
    )
    assert only_message(response) == (
        "error",
        "Geef het instrument: instruction, project_decision, preparatory_decision.",
    )
    assert Location.objects.get(pk=world.own.pk).stage == Stage.ESCALATED
    client.get(response["Location"])  # the page shows (and so consumes) the message

    response = post_transition(
        client,
        world.own,
        transition="start_designation",
        reason="Impasse blijft.",
        instrument="project_decision",
        legal_basis="Art. 5.44 Omgevingswet",
        national_interest="Woningbouw van nationaal belang.",
    )
    assert only_message(response)[0] == "success"
    location = Location.objects.get(pk=world.own.pk)
    assert location.stage == Stage.DESIGNATION_PROCEDURE
    designation = location.designations.get()
    assert designation.instrument == "project_decision"
    assert designation.legal_basis == "Art. 5.44 Omgevingswet"


def test_a_wrong_filter_value_keeps_the_other_filters(world, client):
    client.force_login(world.case_manager)
    response = client.get(
        reverse("locations:index"),
        {"stage": "no-such-stage", "province": world.own.province, "q": world.own.name},
    )
    names = [location.name for location in response.context["locations"]]
    assert names == [world.own.name]
