"""The notice of the draft designation decision (issue 16): the ministry records
where and when it was published and the day the draft lies open; the period starts
on the later of the two and ends by the Atw; the timer follows. Only the ministry
(403), not for a location one cannot see (404), once, after the draft is frozen and
while the procedure runs (409); bad input is a 400. A refusal changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from casework.constants import ConsultationOutcome
from casework.models import Designation

from ..conftest import token_client
from ..scenarios import bring_to, record_consultation, unchanged
from ..workflows.rounds import at
from .helpers import DESIGNATION, fire, open_tasks_of

pytestmark = pytest.mark.django_db

NOTICE = {
    "published_on": "2026-03-03",
    "journal": "staatscourant",
    "reference": "Stcrt. 2026, 777",
    "open_on": "2026-03-04",
}


@pytest.fixture
def escalated(world, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(at("2026-03-02"), tick=False)
    location = bring_to(
        world.own,
        "negotiation",
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert fire(world.ministry, location, "escalate").status_code == 200
    location.refresh_from_db()
    record_consultation(
        location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    return location


@pytest.fixture
def procedure(escalated, world, time_machine, django_capture_on_commit_callbacks):
    """In the designation procedure, its draft frozen; today 5 March 2026."""
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            fire(world.ministry, escalated, "start_designation", **DESIGNATION)
        ).status_code == 200
    escalated.refresh_from_db()
    time_machine.move_to(at("2026-03-05"), tick=False)
    return escalated


def post_notice(user, location, body=NOTICE):
    return token_client(user).post(
        f"/api/v1/locations/{location.pk}/designation/notice/", body, format="json"
    )


def period(location):
    return Designation.objects.filter(location=location).values_list(
        "notice_published_on",
        "notice_journal",
        "notice_reference",
        "draft_open_on",
        "consultation_starts_on",
        "consultation_ends_on",
    )[0]


EMPTY = (None, "", "", None, None, None)


def test_the_notice_starts_the_period_on_the_later_day_and_moves_the_timer(
    world, procedure
):
    (timer,) = open_tasks_of(procedure)
    response = post_notice(world.ministry, procedure)
    assert response.status_code == 200, response.content
    # From Wednesday 4 March six weeks end on Tuesday 14 April.
    assert response.json()["consultation_starts_on"] == "2026-03-04"
    assert response.json()["consultation_ends_on"] == "2026-04-14"
    assert response.json()["views_until"] == "2026-04-21"
    timer.refresh_from_db()
    assert timer.status == STATUS.SCHEDULED
    assert timer.scheduled == at("2026-04-22", 8)
    # Published after the draft lay open: the period starts on the publication.
    Designation.objects.filter(location=procedure).update(
        consultation_starts_on=None, consultation_ends_on=None, notice_published_on=None
    )
    response = post_notice(
        world.ministry,
        procedure,
        {**NOTICE, "published_on": "2026-03-05", "open_on": "2026-03-03"},
    )
    assert response.json()["consultation_starts_on"] == "2026-03-05"
    assert response.json()["consultation_ends_on"] == "2026-04-15"


@pytest.mark.parametrize("who", ["case_manager", "a_signatory", "a_member", "viewer"])
def test_only_the_ministry_records_the_notice(world, procedure, who):
    with unchanged(procedure):
        response = post_notice(getattr(world, who), procedure)
    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    assert period(procedure) == EMPTY


def test_a_location_one_cannot_see_is_404(world, procedure):
    with unchanged(procedure):
        response = post_notice(world.outsider, procedure)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert post_notice(world.ministry, type(procedure)(pk=999_999)).status_code == 404
    assert period(procedure) == EMPTY


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"journal": "nrc"}, "journal"),
        ({"reference": ""}, "reference"),
        ({"published_on": "2026-03-06"}, "toekomst"),
        ({"open_on": "2026-03-01"}, "begin van de aanwijzingsprocedure"),
        ({"published_on": "3 maart"}, "published_on"),
        ({"open_on": None}, "open_on"),
    ],
    ids=["journal", "reference", "future", "before-start", "not-a-date", "no-open"],
)
def test_bad_input_is_400_and_changes_nothing(world, procedure, change, field):
    with unchanged(procedure):
        response = post_notice(world.ministry, procedure, {**NOTICE, **change})
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert period(procedure) == EMPTY


def test_a_second_notice_is_409_naming_the_period(world, procedure):
    assert post_notice(world.ministry, procedure).status_code == 200
    before = period(procedure)
    with unchanged(procedure):
        response = post_notice(
            world.ministry, procedure, {**NOTICE, "open_on": "2026-03-05"}
        )
    assert response.status_code == 409
    assert "4 maart 2026" in response.json()["detail"]
    assert "14 april 2026" in response.json()["detail"]
    assert period(procedure) == before


def test_no_notice_before_the_draft_exists_or_outside_the_procedure(
    world, escalated, time_machine, django_capture_on_commit_callbacks
):
    today = {**NOTICE, "published_on": "2026-03-02", "open_on": "2026-03-02"}
    with unchanged(escalated):
        response = post_notice(world.ministry, escalated, today)
    assert response.status_code == 409
    assert "geen aanwijzingsprocedure" in response.json()["detail"]
    # The draft's job has not run yet.
    with django_capture_on_commit_callbacks(execute=False):
        fire(world.ministry, escalated, "start_designation", **DESIGNATION)
    escalated.refresh_from_db()
    assert not Designation.objects.get(location=escalated).draft_sha256
    time_machine.move_to(at("2026-03-05"), tick=False)
    with unchanged(escalated):
        response = post_notice(world.ministry, escalated)
    assert response.status_code == 409
    assert "ontwerpbesluit wordt nog gemaakt" in response.json()["detail"]
    assert period(escalated) == EMPTY


def test_the_notice_on_the_location_page(client, world, procedure):
    url = reverse("workflow:designation_notice", args=[procedure.pk])
    body = {**NOTICE}
    client.force_login(world.a_signatory)
    assert client.post(url, body).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url, body).status_code == 404
    assert period(procedure) == EMPTY
    client.force_login(world.ministry)
    page = client.get(reverse("locations:detail", args=[procedure.pk])).content.decode()
    assert "Kennisgeving van het ontwerp vastleggen" in page
    assert 'for="id_kennisgeving_journal"' in page
    response = client.post(url, {**body, "reference": ""}, follow=True)
    assert "Geef waar en wanneer de kennisgeving" in response.content.decode()
    assert period(procedure) == EMPTY
    response = client.post(url, body, follow=True)
    html = response.content.decode()
    assert "De kennisgeving is vastgelegd" in html
    assert "14 april 2026" in html
    assert "Kennisgeving van het ontwerp vastleggen" not in html
    assert period(procedure)[2] == "Stcrt. 2026, 777"
