"""The deadlines feed (iCalendar) behind a private token address, and the page
"Agenda-koppeling" that shows and replaces the address.

The world: the own location (organisations A and B) concluded its heads of agreement
(one commitment per party, due 30 June 2026) and has an administrative agreement in
approval (a task per party) and a breakthrough-agenda action for A. The foreign
location (organisation C) concluded its heads of agreement too, was escalated and is
in the designation procedure (its consultation period ends in six weeks), and has an
action for C. A and C never see each other's items.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from casework import services as casework_services
from casework.constants import Stage
from casework.models import (
    AgreementKind,
    Commitment,
    ConsultationOutcome,
    Designation,
)
from permissions.calendar_tokens import calendar_token_regenerate
from permissions.models import CalendarToken
from workflows import services as workflows

from ..scenarios import (
    DESIGNATION_EXTRAS,
    approve_by_every_party,
    bring_to,
    record_consultation,
)

ACTION_DUE = datetime.date(2027, 2, 15)
COMMITMENT_DUE = datetime.date(2026, 6, 30)


def start_admin_round(world) -> None:
    version = casework_services.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.ADMINISTRATIVE_AGREEMENT,
        title="Bestuurlijke overeenkomst Eigen Locatie",
        text="Partijen sluiten de overeenkomst.",
        commitments=[],
    )
    workflows.approval_round_submit(version=version, actor=world.case_manager)


def start_action(world, location, party, description: str, due: datetime.date):
    workflows.action_start(
        bottleneck=location.bottlenecks.first(),
        actor=world.case_manager,
        assignee=party,
        description=description,
        due_on=due,
    )


def designate_foreign(world) -> Designation:
    casework_services.location_transition(
        location=world.foreign,
        transition="escalate",
        actor=world.ministry,
        reason="Geen voortgang na het hoofdlijnenakkoord.",
    )
    record_consultation(
        world.foreign, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    casework_services.location_transition(
        location=world.foreign,
        transition="start_designation",
        actor=world.ministry,
        reason="De impasse blijft.",
        **DESIGNATION_EXTRAS,
    )
    return Designation.objects.get(location=world.foreign, closed_at__isnull=True)


def conclude_heads_of_agreement(world, extra: int) -> None:
    """The own location's heads of agreement: one commitment per party, and `extra`
    more for A."""
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = casework_services.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Hoofdlijnenakkoord Eigen Locatie",
        text="Partijen spreken af de woningbouw te versnellen.",
        commitments=[
            *(
                {
                    "party": organisation.pk,
                    "description": f"{organisation.name} levert haar bijdrage.",
                    "due_date": COMMITMENT_DUE,
                }
                for organisation in (world.org_a, world.org_b)
            ),
            *(
                {
                    "party": world.org_a.pk,
                    "description": f"Extra afspraak {i}",
                    "due_date": COMMITMENT_DUE + datetime.timedelta(days=i + 1),
                }
                for i in range(extra)
            ),
        ],
    )
    version = casework_services.agreement_submit(
        version=version, actor=world.case_manager
    )
    approve_by_every_party(version, world.own)
    world.own.refresh_from_db()
    assert world.own.stage == Stage.HEADS_OF_AGREEMENT


def build_deadlines(world, extra: int = 0) -> Designation:
    conclude_heads_of_agreement(world, extra)
    bring_to(
        world.foreign,
        Stage.HEADS_OF_AGREEMENT,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    start_admin_round(world)
    start_action(world, world.own, world.party_a, "Grondbod uitbrengen", ACTION_DUE)
    for i in range(extra):
        start_action(world, world.own, world.party_a, f"Extra actie {i}", ACTION_DUE)
    # The foreign location leaves heads_of_agreement for the escalation branch; its
    # concluded heads of agreement and C's commitment stay.
    designation = designate_foreign(world)
    start_action(
        world, world.foreign, world.party_c, "Stikstofberekening leveren", ACTION_DUE
    )
    return designation


@pytest.fixture
def deadlines(world):
    return build_deadlines(world)


def feed_url(user) -> str:
    return reverse("calendar-feed", args=[calendar_token_regenerate(user=user)])


def events_of(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == len(calendar.walk("VEVENT")), "UIDs are unique"
    return events


def by_summary(events) -> dict[str, object]:
    return {str(event["SUMMARY"]): event for event in events.values()}


def test_a_signatory_sees_the_own_tasks_and_commitments_and_nothing_of_others(
    world, deadlines, client
):
    events = events_of(client.get(feed_url(world.a_signatory)))
    summaries = by_summary(events)

    approval = summaries[
        "Besluiten over Bestuurlijke overeenkomst Eigen Locatie, versie 1 – Eigen Locatie"
    ]
    assert approval["DTSTART"].dt == approval_due(world)
    action = summaries["Actie uitvoeren: Grondbod uitbrengen – Eigen Locatie"]
    assert action["DTSTART"].dt == ACTION_DUE
    commitment = summaries[
        "Afspraak nakomen: Gemeente A levert haar bijdrage. – Eigen Locatie"
    ]
    assert commitment["DTSTART"].dt == COMMITMENT_DUE
    assert set(summaries) == {
        str(approval["SUMMARY"]),
        str(action["SUMMARY"]),
        str(commitment["SUMMARY"]),
    }
    # Nothing of B (its commitment, its approval task) or of C's location.
    text = b"".join(event.to_ical() for event in events.values()).decode()
    assert "Ontwikkelaar B levert" not in text
    assert "Vreemde Locatie" not in text
    assert "Gemeente C" not in text


def approval_due(world) -> datetime.date:
    version = world.own.agreements.get(kind="administrative_agreement").versions.get()
    return version.approval_due_on


def test_every_event_is_an_all_day_event_with_uid_stamp_url_and_dutch_text(
    world, deadlines, client
):
    events = events_of(client.get(feed_url(world.a_signatory)))
    for uid, event in events.items():
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is datetime.date, "all-day: a date, not a date-time"
        assert end == start + datetime.timedelta(days=1)
        assert uid.endswith("@testserver")
        assert event["DTSTAMP"].dt.tzinfo is not None
        assert str(event["URL"]).startswith("http://testserver/")
        assert "Locatie: Eigen Locatie" in str(event["DESCRIPTION"])
        assert "Uiterlijk: " in str(event["DESCRIPTION"])
    commitment = by_summary(events)[
        "Afspraak nakomen: Gemeente A levert haar bijdrage. – Eigen Locatie"
    ]
    description = str(commitment["DESCRIPTION"])
    assert "Uiterlijk: 30 juni 2026" in description
    assert "De termijn is verstreken." in description  # 30 June 2026 has passed
    assert "Uit: Hoofdlijnenakkoord Eigen Locatie, versie 1" in description
    assert str(commitment["URL"]) == (
        "http://testserver"
        + reverse("locations:detail", args=[world.own.pk])
        + "#afspraken"
    )
    action = by_summary(events)["Actie uitvoeren: Grondbod uitbrengen – Eigen Locatie"]
    # The task's own page.
    task_pk = str(action["UID"]).removeprefix("task-").split("@")[0]
    assert str(action["URL"]).startswith(
        "http://testserver/workflow/flows/bottleneckaction/"
    )
    assert str(action["URL"]).endswith(f"/perform/{task_pk}/")


def test_uids_are_stable_between_two_reads(world, deadlines, client):
    url = feed_url(world.a_signatory)
    first = events_of(client.get(url))
    second = events_of(client.get(url))
    assert set(first) == set(second)
    assert {str(e["SUMMARY"]) for e in first.values()} == {
        str(e["SUMMARY"]) for e in second.values()
    }


def test_the_other_organisation_sees_its_own_items_and_the_consultation_period(
    world, deadlines, client
):
    events = events_of(client.get(feed_url(world.c_member)))
    summaries = by_summary(events)
    consultation = summaries["Einde zienswijzetermijn aanwijzing – Vreemde Locatie"]
    assert consultation["DTSTART"].dt == deadlines.consultation_ends_on
    assert deadlines.consultation_ends_on == timezone.localdate() + datetime.timedelta(
        days=42
    )
    assert "Projectbesluit" in str(consultation["DESCRIPTION"])
    assert str(consultation["UID"]).startswith(f"designation-{deadlines.pk}-")
    assert "Actie uitvoeren: Stikstofberekening leveren – Vreemde Locatie" in summaries
    assert (
        "Afspraak nakomen: Gemeente C levert haar bijdrage. – Vreemde Locatie"
        in summaries
    )
    assert len(summaries) == 3
    text = b"".join(event.to_ical() for event in events.values()).decode()
    assert "Eigen Locatie" not in text


def test_programme_roles_see_consultation_periods_but_no_commitments(
    world, deadlines, client
):
    summaries = by_summary(events_of(client.get(feed_url(world.viewer))))
    assert set(summaries) == {"Einde zienswijzetermijn aanwijzing – Vreemde Locatie"}


def test_met_commitments_and_closed_procedures_leave_the_feed(world, deadlines, client):
    Commitment.objects.filter(owner=world.party_a).update(status="done")
    Designation.objects.filter(pk=deadlines.pk).update(closed_at=timezone.now())
    url = feed_url(world.a_signatory)
    summaries = by_summary(events_of(client.get(url)))
    assert not any(s.startswith("Afspraak nakomen") for s in summaries)
    summaries = by_summary(events_of(client.get(feed_url(world.c_member))))
    assert not any(s.startswith("Einde zienswijzetermijn") for s in summaries)


# --- The token ----------------------------------------------------------------------------


def test_an_unknown_or_malformed_token_is_a_404(world, client):
    calendar_token_regenerate(user=world.a_member)
    for token in ("0" * 64, "not-a-token", "A" * 64, "0" * 63):
        response = client.get(f"/agenda/{token}.ics")
        assert response.status_code == 404, token


def test_the_token_is_random_and_stored_only_as_a_hash(world):
    first = calendar_token_regenerate(user=world.a_member)
    row = CalendarToken.objects.get(user=world.a_member)
    assert len(first) == 64
    assert first not in (row.nonce, row.token_sha256)
    other = calendar_token_regenerate(user=world.b_member)
    assert other != first


def test_a_new_token_replaces_the_old_address(world, deadlines, client):
    old = feed_url(world.a_signatory)
    assert client.get(old).status_code == 200
    new = feed_url(world.a_signatory)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarToken.objects.filter(user=world.a_signatory).count() == 1


def test_an_inactive_users_feed_is_closed(world, deadlines, client):
    url = feed_url(world.a_signatory)
    world.a_signatory.is_active = False
    world.a_signatory.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_the_feed_needs_no_session_and_answers_only_reads(world, deadlines, client):
    url = feed_url(world.a_signatory)
    client.logout()
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 404


# --- The page ---------------------------------------------------------------------------


def test_the_page_makes_shows_and_replaces_the_link(world, deadlines, client):
    page_url = reverse("workflow:calendar")
    client.force_login(world.a_signatory)

    content = client.get(page_url).content.decode()
    assert "Agenda-koppeling" in content
    assert "U heeft nog geen agenda-koppeling." in content
    # What the feed will hold is already listed.
    assert "Grondbod uitbrengen" in content
    assert "Vreemde Locatie" not in content

    response = client.post(page_url)
    assert response.status_code == 302 and response["Location"] == page_url
    content = client.get(page_url).content.decode()
    first = CalendarToken.objects.get(user=world.a_signatory)
    assert "Uw agenda-koppeling is gemaakt." in content
    shown = content.split('id="agenda-link" type="text" value="')[1].split('"')[0]
    assert shown.startswith("http://testserver/agenda/") and shown.endswith(".ics")
    assert client.get(shown).status_code == 200

    client.post(page_url)
    content = client.get(page_url).content.decode()
    assert "De oude link werkt niet meer" in content
    assert CalendarToken.objects.get(user=world.a_signatory).pk == first.pk
    client.logout()
    assert client.get(shown).status_code == 404


def test_replacing_the_link_needs_a_csrf_token(world, client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.a_member)
    response = csrf_client.post(reverse("workflow:calendar"))
    assert response.status_code == 403
    assert not CalendarToken.objects.filter(user=world.a_member).exists()


def test_the_page_needs_a_login(client):
    # The workflow app refuses anonymous visitors before the view (viewflow's site).
    response = client.get(reverse("workflow:calendar"))
    assert response.status_code in (302, 403)
    assert b"agenda-link" not in response.content


def test_the_menu_links_to_the_page(world, client):
    client.force_login(world.a_member)
    content = client.get(reverse("locations:index")).content.decode()
    assert f'href="{reverse("workflow:calendar")}"' in content


# --- Queries ------------------------------------------------------------------------------

FEED_QUERIES = [
    "permissions_calendartoken JOIN auth_user: the token's user",
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
    "viewflow_task JOIN viewflow_process (EXISTS guardian object permissions): the "
    "open tasks, assigned or claimable",
    "casework_location (guardian subquery): which of the tasks' locations are visible",
    "casework_agreementversion JOIN casework_agreement: the tasks' versions",
    "casework_bottleneckaction JOIN casework_bottleneck, casework_party, "
    "permissions_organisation: the tasks' actions",
    "casework_location: the tasks' locations",
    "permissions_organisation: the organisations the tasks are for",
    "casework_commitment JOIN casework_party, permissions_organisation, "
    "casework_location, casework_agreementversion, casework_agreement (subqueries "
    "memberships, visible locations): the organisations' open commitments",
    "casework_designation JOIN casework_location (subquery visible locations): the "
    "open designation procedures",
]


@pytest.mark.parametrize("extra", [0, 10])
def test_the_feed_costs_the_same_queries_for_few_and_many_items(
    world, client, django_assert_num_queries, extra
):
    build_deadlines(world, extra)
    url = feed_url(world.a_signatory)
    client.get(url)  # warm the process-wide caches (content types)

    with django_assert_num_queries(len(FEED_QUERIES)):
        events = events_of(client.get(url))

    # The approval task, the actions, the commitments.
    assert len(events) == 1 + (1 + extra) + (1 + extra)


def test_more_designation_procedures_cost_no_more_queries(world, deadlines, client):
    """The viewer sees every open designation procedure: one, then two."""
    url = feed_url(world.viewer)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        few = events_of(client.get(url))

    casework_services.location_transition(
        location=world.own,
        transition="escalate",
        actor=world.ministry,
        reason="Geen akkoord over de bestuurlijke overeenkomst.",
    )
    record_consultation(
        world.own, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    casework_services.location_transition(
        location=world.own,
        transition="start_designation",
        actor=world.ministry,
        reason="De impasse blijft.",
        **DESIGNATION_EXTRAS,
    )
    with CaptureQueriesContext(connection) as after:
        many = events_of(client.get(url))
    assert (len(few), len(many)) == (1, 2)
    assert len(before) == len(after)


# The page lists what the feed holds: the same reads, plus the session and the menu.
PAGE_QUERIES = [
    "django_session: the session",
    "auth_user: the logged-in user",
    "permissions_calendartoken: the user's token (to show the address)",
    *FEED_QUERIES[1:],
    "COUNT viewflow_task JOIN viewflow_process UNION ALL COUNT viewflow_task (EXISTS "
    "guardian object permissions) UNION ALL COUNT workflows_notification: the menu's "
    "inbox, queue and unread counts in one statement",
]


@pytest.mark.parametrize("extra", [0, 10])
def test_the_page_costs_the_same_queries_for_few_and_many_items(
    world, client, django_assert_num_queries, extra
):
    build_deadlines(world, extra)
    calendar_token_regenerate(user=world.a_signatory)
    client.force_login(world.a_signatory)
    url = reverse("workflow:calendar")
    client.get(url)

    with django_assert_num_queries(len(PAGE_QUERIES)):
        response = client.get(url)

    content = response.content.decode()
    rows = content.split(
        '<table class="dk-table dk-table--stack" aria-labelledby="in-de-agenda">'
    )[1]
    assert rows.count('<th scope="row">') == 1 + 2 * (1 + extra)
