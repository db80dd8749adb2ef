"""Views on the draft designation decision through the API (issue 16):
`GET|POST /api/v1/locations/{id}/designation/views/`. The ministry and case managers
list and record them with the rules of the location page: nothing before the notice
(409), a written view posted within the period and received within the postal week
is on time, a later one is recorded marked late. A party is refused (403), someone who
does not see the location gets a 404, bad input a 400 naming the field; a refusal
changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.constants import AuditAction
from casework.models import AuditEvent, DesignationView
from evidence.models import EvidenceCitation
from evidence.services import evidence_upload

from ..conftest import token_client
from ..scenarios import unchanged
from ..workflows.rounds import at
from .test_notice import escalated, post_notice, procedure  # noqa: F401

pytestmark = pytest.mark.django_db

VIEW = {
    "submitted_by": "Vereniging Dorpsbelang",
    "sender_address": "Dorpsstraat 1, 2225 AB Katwijk",
    "channel": "written",
    "sent_on": "2026-03-05",
    "received_on": "2026-03-06",
    "summary": "Het verkeer op de dorpsstraat wordt te druk.",
}


def url(location) -> str:
    return f"/api/v1/locations/{location.pk}/designation/views/"


def post_view(user, location, body=VIEW):
    return token_client(user).post(url(location), body, format="json")


@pytest.fixture
def consulting(world, procedure, time_machine):  # noqa: F811
    """The notice recorded (the period runs 4 March – 14 April 2026, postal week to
    21 April); today 6 March."""
    assert post_notice(world.ministry, procedure).status_code == 200
    time_machine.move_to(at("2026-03-06"), tick=False)
    return procedure


def test_staff_record_a_view_and_list_it(world, consulting):
    response = post_view(world.case_manager, consulting)
    assert response.status_code == 201, response.content
    body = response.json()
    view = DesignationView.objects.get()
    assert body["id"] == view.pk
    assert {key: body[key] for key in VIEW} == VIEW
    assert body["late"] is False
    assert body["answer"] == ""
    assert view.recorded_by == world.case_manager
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW_RECORDED, location=consulting, actor=world.case_manager
    ).exists()

    for who in ("ministry", "case_manager"):
        listed = token_client(getattr(world, who)).get(url(consulting))
        assert listed.status_code == 200, listed.content
        assert listed.json() == [body]


def test_an_oral_view_needs_no_date_of_sending(world, consulting):
    body = {**VIEW, "channel": "oral"}
    del body["sent_on"]
    response = post_view(world.ministry, consulting, body)
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "oral"
    assert response.json()["sent_on"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"submitted_by": ""}, "submitted_by"),
        ({"sender_address": None}, "sender_address"),
        ({"channel": "fax"}, "channel"),
        ({"received_on": "6 maart"}, "received_on"),
        ({"sent_on": "gisteren"}, "sent_on"),
        ({"evidence": ["een"]}, "evidence"),
    ],
    ids=["summary", "sender", "address", "channel", "received", "sent", "evidence"],
)
def test_bad_input_is_400_naming_the_field(world, consulting, change, field):
    with unchanged(consulting):
        response = post_view(world.case_manager, consulting, {**VIEW, **change})
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["detail"]
    assert field in answer["errors"]
    assert not DesignationView.objects.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"received_on": "2026-03-07"}, "tot en met vandaag"),
        ({"sent_on": "2026-03-07", "received_on": "2026-03-06"}, "niet later"),
        ({"channel": "email"}, "schriftelijke"),
    ],
    ids=["received-tomorrow", "sent-after-received", "sent-on-by-email"],
)
def test_the_pages_rules_are_400s_too(world, consulting, change, words):
    with unchanged(consulting):
        response = post_view(world.ministry, consulting, {**VIEW, **change})
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert not DesignationView.objects.exists()


def test_evidence_of_someone_else_is_refused_and_no_view_is_kept(world, consulting):
    others = evidence_upload(
        location=consulting,
        actor=world.a_member,
        upload=SimpleUploadedFile("brief.txt", b"Zienswijze.\n"),
    )
    response = post_view(
        world.case_manager, consulting, {**VIEW, "evidence": [others.pk]}
    )
    assert response.status_code == 400, response.content
    assert not DesignationView.objects.exists()
    assert not EvidenceCitation.objects.exists()

    own = evidence_upload(
        location=consulting,
        actor=world.case_manager,
        upload=SimpleUploadedFile("brief.txt", b"Zienswijze per post.\n"),
    )
    response = post_view(world.case_manager, consulting, {**VIEW, "evidence": [own.pk]})
    assert response.status_code == 201, response.content
    (citation,) = EvidenceCitation.objects.all()
    assert citation.file == own
    assert citation.subject_id == response.json()["id"]


@pytest.mark.parametrize("who", ["a_member", "a_signatory", "viewer"])
def test_a_party_is_refused_with_403(world, consulting, who):
    assert post_view(world.ministry, consulting).status_code == 201
    person = getattr(world, who)
    with unchanged(consulting):
        listed = token_client(person).get(url(consulting))
        recorded = post_view(person, consulting)
        # Even a bad body: a party learns nothing about what is wrong with it.
        bad = post_view(person, consulting, {"summary": ""})
    for response in (listed, recorded, bad):
        assert response.status_code == 403, response.content
        assert set(response.json()) == {"detail"}
        assert "Dorpsbelang" not in response.content.decode()
    assert DesignationView.objects.count() == 1


def test_a_location_one_cannot_see_is_404(world, consulting):
    assert post_view(world.ministry, consulting).status_code == 201
    with unchanged(consulting):
        answers = [
            token_client(world.outsider).get(url(consulting)),
            post_view(world.outsider, consulting),
            token_client(world.ministry).get(url(type(consulting)(pk=999_999))),
            post_view(world.ministry, type(consulting)(pk=999_999)),
        ]
    for response in answers:
        assert response.status_code == 404, response.content
        assert response.json() == {"detail": "Niet gevonden."}
    assert DesignationView.objects.count() == 1


def test_before_the_notice_a_view_is_409_and_the_list_empty(world, procedure):  # noqa: F811
    with unchanged(procedure):
        response = post_view(world.case_manager, procedure)
    assert response.status_code == 409, response.content
    assert "kennisgeving" in response.json()["detail"]
    assert not DesignationView.objects.exists()
    listed = token_client(world.case_manager).get(url(procedure))
    assert listed.status_code == 200
    assert listed.json() == []


def test_a_view_posted_in_time_is_on_time_in_the_postal_week_and_later_ones_late(
    world, consulting, time_machine
):
    time_machine.move_to(at("2026-04-21"), tick=False)
    posted = post_view(
        world.ministry,
        consulting,
        {**VIEW, "sent_on": "2026-04-14", "received_on": "2026-04-21"},
    )
    assert posted.status_code == 201, posted.content
    assert posted.json()["late"] is False
    # Posted the day after the period: late, though received in the postal week.
    posted_late = post_view(
        world.ministry,
        consulting,
        {**VIEW, "sent_on": "2026-04-15", "received_on": "2026-04-17"},
    )
    # By e-mail after the period: no postal week.
    mailed = post_view(
        world.ministry,
        consulting,
        {**VIEW, "channel": "email", "sent_on": None, "received_on": "2026-04-15"},
    )
    for response in (posted_late, mailed):
        assert response.status_code == 201, response.content
        assert response.json()["late"] is True
    assert list(
        DesignationView.objects.order_by("pk").values_list("late", flat=True)
    ) == [False, True, True]
    listed = token_client(world.case_manager).get(url(consulting)).json()
    # In the order received.
    assert [item["received_on"] for item in listed] == [
        "2026-04-15",
        "2026-04-17",
        "2026-04-21",
    ]


def test_the_list_costs_the_same_queries_for_one_view_and_for_many(world, consulting):
    api = token_client(world.case_manager)
    counted = []
    for extra in (1, 9):
        for number in range(extra):
            body = {**VIEW, "submitted_by": f"Indiener {number}"}
            assert post_view(world.ministry, consulting, body).status_code == 201
        api.get(url(consulting))  # the same warm caches for both counts
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url(consulting))
        assert response.status_code == 200
        counted.append((len(response.json()), len(queries)))
    (few, few_queries), (many, many_queries) = counted
    assert (few, many) == (1, 10)
    assert few_queries == many_queries
