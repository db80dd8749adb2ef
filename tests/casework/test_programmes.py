"""Programmes (issue 17): programme-scoped roles, a programme's settings edited on its
page (each one changing what the application does), and the reports per programme.

The world has a second programme, "Versnellingstafel", with a location `table` where
organisation A is a party too, and people with a role in that programme only: its
case manager, its director (the province as escalating authority) and its
administrator. The first programme's locations (`own`, `foreign`) are not theirs.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import services
from casework.calendar import add_working_days
from casework.constants import (
    BreakthroughRule,
    ConsultationOutcome,
    ImpasseRule,
    PartyRole,
    Stage,
)
from casework.impasses import detect_impasses
from casework.models import (
    AgreementVersion,
    AuditEvent,
    Deadline,
    ImpasseSignal,
    Location,
    Party,
    Programme,
)
from casework.programmes import ProgrammeRole, programme_role_grant
from documents.models import Document
from permissions.calendar_tokens import calendar_token_regenerate
from permissions.checks import forget_cached_permissions
from permissions.constants import OrganisationKind
from permissions.errors import NotPermitted
from workflows import services as workflows
from workflows.escalation import DesignationFlow, EscalationFlow
from workflows.selectors import queue, work_counts

from ..conftest import token_client
from ..escalation.helpers import (
    DESIGNATION,
    escalation_process,
    fire,
    human_task,
    process_of,
)
from ..factories import (
    LocationFactory,
    OrganisationFactory,
    PartyFactory,
    ProgrammeFactory,
    UserFactory,
)
from ..scenarios import bring_to, open_consultation, record_consultation
from ..workflows.rounds import at, submit_round

pytestmark = pytest.mark.django_db


def text(response) -> str:
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return body.decode(errors="replace")


class Table:
    """The second programme and its people."""

    def __init__(self, world):
        self.programme = ProgrammeFactory(
            name="Versnellingstafel Zuid-Holland", slug="versnellingstafel"
        )
        self.province = OrganisationFactory(
            slug="provincie-zh", name="Provincie Zuid-Holland", kind="province"
        )
        self.location = LocationFactory(programme=self.programme, name="Aan tafel")
        for organisation, role in (
            (world.org_a, PartyRole.MUNICIPALITY),
            (self.province, PartyRole.PROVINCE),
        ):
            PartyFactory(location=self.location, organisation=organisation, role=role)
        self.case_manager = self._person("regisseur-zh", ProgrammeRole.CASE_MANAGER)
        self.director = self._person("gedeputeerde-zh", ProgrammeRole.DIRECTOR)
        self.viewer = self._person("lezer-zh", ProgrammeRole.VIEWER)
        self.administrator = self._person("beheerder-zh", ProgrammeRole.ADMINISTRATOR)

    def _person(self, username: str, role: str):
        user = UserFactory(username=username)
        programme_role_grant(
            programme=self.programme, role=role, user=user, reason="Test."
        )
        return user


@pytest.fixture
def table(world) -> Table:
    return Table(world)


def to_stage(location: Location, stage: str, table: Table) -> Location:
    """The table's location, walked by the table's own case manager and director."""
    return bring_to(
        location, stage, case_manager=table.case_manager, ministry=table.director
    )


# --- Programme-scoped roles ---------------------------------------------------------


def test_a_programme_role_sees_and_acts_on_its_programme_only(world, table):
    api = token_client(table.case_manager)
    listed = {row["id"] for row in api.get("/api/v1/locations/").json()}
    assert listed == {table.location.pk}
    # The table's case manager and director take the location down the main path.
    location = to_stage(table.location, Stage.NEGOTIATION, table)
    assert location.stage == Stage.NEGOTIATION
    # A location of the other programme: not found, for reads and writes alike.
    for where in (world.own, world.foreign):
        assert api.get(f"/api/v1/locations/{where.pk}/").status_code == 404
        response = api.post(
            f"/api/v1/locations/{where.pk}/transitions/",
            {"transition": "start_analysis", "reason": "Overname."},
            format="json",
        )
        assert response.status_code == 404
        assert response.json()["detail"]


def test_the_organisation_membership_stays_as_it_is(world, table):
    """A party's people see their locations in every programme; nothing more."""
    listed = {
        row["id"]
        for row in token_client(world.a_member).get("/api/v1/locations/").json()
    }
    assert listed == {world.own.pk, table.location.pk}
    listed = {
        row["id"]
        for row in token_client(world.c_member).get("/api/v1/locations/").json()
    }
    assert listed == {world.foreign.pk}


def test_the_global_roles_stay_every_programme(world, table):
    for user in (world.case_manager, world.ministry, world.viewer):
        listed = {
            row["id"] for row in token_client(user).get("/api/v1/locations/").json()
        }
        assert listed == {world.own.pk, world.foreign.pk, table.location.pk}


def test_a_programme_viewer_reads_and_changes_nothing(world, table):
    api = token_client(table.viewer)
    assert api.get(f"/api/v1/locations/{table.location.pk}/").status_code == 200
    assert api.get(f"/api/v1/locations/{world.own.pk}/").status_code == 404
    response = api.post(
        f"/api/v1/locations/{table.location.pk}/transitions/",
        {"transition": "withdraw", "reason": "Nee."},
        format="json",
    )
    assert response.status_code == 403


def test_every_object_of_the_other_programme_is_not_found(world, table, client):
    """The case manager of the table: 404 on the first programme's location, its
    pages, documents, exports and reports; its name appears nowhere."""
    own = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    api = token_client(table.case_manager)
    client.force_login(table.case_manager)
    for url in (
        f"/api/v1/locations/{own.pk}/",
        f"/api/v1/locations/{own.pk}/bottlenecks/",
        f"/api/v1/locations/{own.pk}/dossier.pdf",
        f"/api/v1/locations/{own.pk}/evidence/",
        f"/api/v1/locations/{own.pk}/construction/",
        f"/api/v1/locations/{own.pk}/audit.csv",
        f"/api/v1/dashboard/?programme={world.programme.slug}",
        f"/api/v1/reports/progress.pdf?programme={world.programme.slug}",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert own.name not in text(response), url
    for url in (
        reverse("locations:detail", args=[own.pk]),
        f"/documenten/locatie/{own.pk}/dossier.pdf",
        f"/dashboard/?programme={world.programme.slug}",
        f"/documenten/voortgangsrapportage.pdf?programme={world.programme.slug}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    # The lists and exports hold nothing of it.
    for url in ("/api/v1/locations/", "/api/v1/exports/locations.csv"):
        body = text(api.get(url))
        assert own.name not in body and world.foreign.name not in body, url
        assert table.location.name in body, url
    # The calendar feed neither: the approval owed at the first programme's location
    # is in the feed of A's signatory, not in the table's case manager's.
    submit_round(own, world.case_manager)
    theirs = client.get(
        f"/agenda/{calendar_token_regenerate(user=world.a_signatory)}.ics"
    )
    assert own.name in text(theirs)
    feed = client.get(
        f"/agenda/{calendar_token_regenerate(user=table.case_manager)}.ics"
    )
    assert feed.status_code == 200
    assert own.name not in text(feed)


def test_the_task_of_the_other_programme_is_not_found(world, table):
    own = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    process = submit_round(own, world.case_manager)
    task = process.task_set.filter(flow_task_type="HUMAN").first()
    api = token_client(table.case_manager)
    assert {t["id"] for t in api.get("/api/v1/tasks/").json()} == set()
    response = api.post(
        f"/api/v1/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 404


def test_a_revoked_programme_role_sees_nothing_more(world, table):
    from casework.programmes import programme_role_revoke

    programme_role_revoke(
        programme=table.programme,
        role=ProgrammeRole.CASE_MANAGER,
        user=table.case_manager,
        reason="Andere functie.",
    )
    forget_cached_permissions(table.case_manager)
    api = token_client(table.case_manager)
    assert api.get(f"/api/v1/locations/{table.location.pk}/").status_code == 404
    assert AuditEvent.objects.filter(
        action="programme_changed", data__changes__role_revoked__0__role="case_manager"
    ).exists()


# --- The settings page --------------------------------------------------------------


def settings_url(programme: Programme) -> str:
    return reverse("programme-settings", args=[programme.slug])


def form_data(programme: Programme, **changes) -> dict:
    """The settings form as the page fills it, with `changes`."""
    data = {
        "homes_target": programme.homes_target,
        "breakthrough_targets": json.dumps(programme.breakthrough_targets),
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
        "escalation_rungs": "\n".join(programme.escalation_rungs),
        "escalating_authority": programme.escalating_authority_id or "",
        "reason": "Afgesproken aan de versnellingstafel.",
    }
    data.update(changes)
    return data


def change_settings(client, table: Table, **changes) -> Programme:
    """Change the table's settings on its page, as its administrator."""
    client.force_login(table.administrator)
    programme = Programme.objects.get(pk=table.programme.pk)
    response = client.post(settings_url(programme), form_data(programme, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Programme.objects.get(pk=programme.pk)


def test_the_settings_page_is_for_the_programme_administrator(world, table, client):
    url = settings_url(table.programme)
    client.force_login(table.administrator)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Instellingen" in html and '<label for="id_programma_reason">' in html
    # Who reads the programme but does not administer it: 403.
    for user in (table.case_manager, table.viewer, world.case_manager):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
        assert client.post(url, form_data(table.programme)).status_code == 403
    # Who reads nothing of it: 404, as for a programme that does not exist.
    client.force_login(world.c_member)
    assert client.get(url).status_code == 404
    assert client.get("/programmas/bestaat-niet/instellingen/").status_code == 404
    # The administrator of the table is no administrator of another programme.
    client.force_login(table.administrator)
    assert client.get(settings_url(world.programme)).status_code == 404


def test_a_change_is_audited_with_old_new_and_reason(table, client):
    before = AuditEvent.objects.count()
    changed = change_settings(client, table, approval_working_days=5)
    assert changed.approval_working_days == 5
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.action == "programme_changed"
    assert event.actor == table.administrator
    assert event.reason == "Afgesproken aan de versnellingstafel."
    assert event.data["changes"] == {"approval_working_days": [10, 5]}


def test_a_change_without_a_reason_or_with_a_bad_value_changes_nothing(table, client):
    client.force_login(table.administrator)
    before = AuditEvent.objects.count()
    for changes in (
        {"reason": ""},
        {"approval_working_days": 0},
        {"consultation_weeks": 0},
        {"escalating_authority": OrganisationFactory(kind="municipality").pk},
    ):
        response = client.post(
            settings_url(table.programme), form_data(table.programme, **changes)
        )
        assert response.status_code == 400, changes
    assert AuditEvent.objects.count() == before
    assert Programme.objects.get(pk=table.programme.pk).approval_working_days == 10


# --- Each setting changes what happens ----------------------------------------------


def test_the_approval_term(world, table, client, time_machine):
    change_settings(client, table, approval_working_days=5)
    time_machine.move_to(at("2026-03-02"), tick=False)  # a Monday
    location = to_stage(table.location, Stage.NEGOTIATION, table)
    process = submit_round(location, table.case_manager)
    version = AgreementVersion.objects.get(pk=process.artifact_object_id)
    assert version.approval_due_on == add_working_days(datetime.date(2026, 3, 2), 5)
    assert version.approval_due_on == datetime.date(2026, 3, 9)


def test_the_reminder_lead(world, table, client, time_machine):
    change_settings(client, table, reminder_working_days=1)
    time_machine.move_to(at("2026-03-02"), tick=False)
    location = to_stage(table.location, Stage.NEGOTIATION, table)
    submit_round(location, table.case_manager)
    deadline = Deadline.objects.filter(location=location).order_by("pk").first()
    assert deadline.reminder_working_days == 1
    assert deadline.remind_at == at("2026-03-13", 8)  # one working day before the 16th


def test_the_stage_limit(world, table, client, time_machine):
    time_machine.move_to(at("2026-01-05"), tick=False)
    location = to_stage(table.location, Stage.SELECTED, table)
    now = at("2026-02-16")  # 42 days later
    detect_impasses(now=now)
    too_long = ImpasseSignal.objects.filter(
        location=location, rule=ImpasseRule.STAGE_TOO_LONG
    )
    assert not too_long.exists()  # the default limit is 120 days
    change_settings(client, table, stage_limit_days=30)
    detect_impasses(now=now)
    assert too_long.count() == 1
    assert "grens: 30 dagen" in too_long.get().message


def escalate(table: Table, location: Location, capture) -> Location:
    location = to_stage(location, Stage.NEGOTIATION, table)
    with capture(execute=True):
        assert fire(table.director, location, "escalate").status_code == 200
    location.refresh_from_db()
    return location


def test_the_escalation_terms_and_the_escalating_authority(
    world, table, client, time_machine, django_capture_on_commit_callbacks
):
    change_settings(
        client,
        table,
        escalation_consultation_working_days=5,
        escalation_decision_working_days=3,
        escalating_authority=table.province.pk,
    )
    time_machine.move_to(at("2026-03-02"), tick=False)
    location = escalate(table, table.location, django_capture_on_commit_callbacks)
    process = escalation_process(location)
    consult = human_task(process, EscalationFlow.instance.consult)
    assert consult.data["due"] == "2026-03-09"  # 5 working days, not 20
    with django_capture_on_commit_callbacks(execute=True):
        workflows.task_complete(
            task_id=consult.pk,
            user=table.case_manager,
            payload={
                "held_on": "2026-03-02",
                "participants": "Gedeputeerde en wethouder.",
                "outcome": "deadlock_remains",
            },
        )
    intervene = human_task(process, EscalationFlow.instance.intervene)
    assert intervene.data["due"] == "2026-03-05"  # 3 working days, not 10
    # The decision is in the queue of the table's director (a programme role), and
    # in the menu's count; not in that of the first programme's director alone.
    tasks = token_client(table.director).get("/api/v1/tasks/").json()
    assert intervene.pk in {t["id"] for t in tasks}
    for user in (table.director, table.case_manager, world.ministry, world.c_member):
        forget_cached_permissions(user)
        assert work_counts(user)["queue"] == queue(user).count(), user
    assert queue(table.director).filter(pk=intervene.pk).exists()
    assert not queue(table.case_manager).filter(pk=intervene.pk).exists()
    # The decision waits on the escalating authority: the province, not the Rijk.
    deadline = Deadline.objects.get(reference=f"task:{intervene.pk}")
    assert deadline.organisation == table.province
    # The location page names it, with the programme's escalation ladder.
    client.force_login(table.case_manager)
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    assert "Provincie Zuid-Holland" in page
    assert "Bestuurlijk overleg" in page


def test_the_consultation_weeks(
    world, table, client, time_machine, django_capture_on_commit_callbacks
):
    change_settings(client, table, consultation_weeks=4)
    time_machine.move_to(at("2026-03-02"), tick=False)
    location = escalate(table, table.location, django_capture_on_commit_callbacks)
    record_consultation(
        location, table.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.location_transition(
            location=location,
            transition="start_designation",
            actor=table.director,
            reason="De impasse blijft.",
            **DESIGNATION,
        )
    # The period starts with the notice (published and lying open on Monday 2 March):
    # four weeks end on Sunday 29 March, which the Atw moves to Monday 30 March.
    designation = open_consultation(
        location, table.director, on=datetime.date(2026, 3, 2)
    )
    assert designation.consultation_ends_on == datetime.date(2026, 3, 30)
    assert process_of(DesignationFlow, location) is not None


def test_the_escalation_rungs(
    world, table, client, time_machine, django_capture_on_commit_callbacks
):
    change_settings(
        client,
        table,
        escalation_rungs="Regisseur\nGedeputeerde Staten\nProvinciale Staten",
    )
    assert Programme.objects.get(pk=table.programme.pk).escalation_rungs == [
        "Regisseur",
        "Gedeputeerde Staten",
        "Provinciale Staten",
    ]
    location = escalate(table, table.location, django_capture_on_commit_callbacks)
    client.force_login(table.case_manager)
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    assert "<li>Provinciale Staten</li>" in page


def test_the_targets_and_the_breakthrough_rule(world, table, client, time_machine):
    change_settings(
        client,
        table,
        homes_target=8000,
        breakthrough_targets='{"2026": 2}',
        construction_start_year=2029,
    )
    api = token_client(table.viewer)
    body = api.get("/api/v1/dashboard/?programme=versnellingstafel").json()
    assert body["homes_target"] == 8000
    assert body["breakthrough_targets"] == {"2026": 2}
    assert body["construction_start_year"] == 2029

    # A heads of agreement counts under the doorbraakaanpak rule, not under the
    # stricter one.
    time_machine.move_to(at("2026-03-02"), tick=False)
    to_stage(table.location, Stage.HEADS_OF_AGREEMENT, table)
    body = api.get("/api/v1/dashboard/?programme=versnellingstafel").json()
    assert body["breakthroughs_by_year"] == {"2026": 1}
    change_settings(
        client, table, breakthrough_rule=BreakthroughRule.AGREEMENT_OR_DESIGNATION
    )
    body = api.get("/api/v1/dashboard/?programme=versnellingstafel").json()
    assert body["breakthroughs_by_year"] == {}


# --- Reports per programme ----------------------------------------------------------


def test_the_dashboard_filters_by_programme_and_never_sums_targets(world, table):
    world.programme.homes_target = 100_000
    world.programme.save()
    Programme.objects.filter(pk=table.programme.pk).update(homes_target=8000)
    api = token_client(world.viewer)
    everything = api.get("/api/v1/dashboard/").json()
    assert everything["locations_total"] == 3
    assert everything["homes_target"] is None  # never 108,000
    assert {
        (t["slug"], t["homes_target"]) for t in everything["programme_targets"]
    } == {
        (world.programme.slug, 100_000),
        ("versnellingstafel", 8000),
    }
    by_slug = api.get("/api/v1/dashboard/?programme=versnellingstafel").json()
    by_id = api.get(f"/api/v1/dashboard/?programme={table.programme.pk}").json()
    assert by_slug == by_id
    assert by_slug["locations_total"] == 1
    assert by_slug["homes_target"] == 8000
    assert api.get("/api/v1/dashboard/?programme=bestaat-niet").status_code == 404
    # A person of one programme sees theirs without asking.
    mine = token_client(table.case_manager).get("/api/v1/dashboard/").json()
    assert mine["locations_total"] == 1
    assert mine["homes_target"] == 8000


def test_the_dashboard_page_per_programme(world, table, client):
    client.force_login(world.viewer)
    html = client.get("/dashboard/").content.decode()
    assert 'id="tabel-programmadoelen"' in html
    html = client.get("/dashboard/?programme=versnellingstafel").content.decode()
    assert "Versnellingstafel Zuid-Holland" in html
    assert "1 locatie van het programma" in html
    assert 'id="tabel-programmadoelen"' not in html


def test_the_progress_report_is_per_programme(
    world, table, client, django_capture_on_commit_callbacks
):
    from ..documents.pdf import text_of

    client.force_login(table.viewer)
    response = client.get("/documenten/voortgangsrapportage.pdf")
    assert response.status_code == 200
    text = text_of(b"".join(response.streaming_content))
    assert "Versnellingstafel Zuid-Holland" in text
    assert table.location.name in text
    assert world.own.name not in text
    report = Document.objects.get(kind="progress_report")
    client.force_login(world.viewer)
    first = client.get(
        f"/documenten/voortgangsrapportage.pdf?programme={world.programme.slug}"
    )
    text = text_of(b"".join(first.streaming_content))
    assert world.own.name in text and table.location.name not in text
    assert (
        Document.objects.filter(kind="progress_report").exclude(pk=report.pk).exists()
    )


# --- Query counts of the programme-filtered lists -----------------------------------


def add_locations(programme: Programme, party, count: int, start: int) -> None:
    """`count` locations of `programme` in bulk, with `party` on each."""
    locations = Location.objects.bulk_create(
        Location(
            programme=programme,
            name=f"{programme.slug} {i:04d}",
            slug=f"{programme.slug}-{i:04d}",
            municipality="Zoetermeer",
            province="Zuid-Holland",
        )
        for i in range(start, start + count)
    )
    Party.objects.bulk_create(
        Party(location=location, organisation=party, role=PartyRole.PROVINCE)
        for location in locations
    )


def test_query_counts_of_the_programme_filtered_lists_stay_constant(
    world, table, client
):
    """The lists and reports a programme role reads, and the ones filtered by
    programme, cost the same at 20 locations (10 per programme) as at 2,000."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts() -> dict:
        measured = {}
        for user, urls in (
            (
                table.case_manager,
                [
                    "/api/v1/locations/",
                    "/locations/",
                    "/api/v1/dashboard/",
                    "/dashboard/",
                    "/api/v1/dashboard/?programme=versnellingstafel",
                ],
            ),
            (
                world.viewer,
                [
                    "/api/v1/dashboard/?programme=versnellingstafel",
                    "/dashboard/?programme=versnellingstafel",
                    "/locations/",
                ],
            ),
        ):
            client.force_login(user)
            for url in urls:
                client.get(url)  # warm the process-wide caches
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200, url
                measured[(user.username, url)] = len(queries)
        return measured

    add_locations(table.programme, table.province, 9, 0)
    add_locations(world.programme, world.org_c, 8, 0)
    small = counts()
    add_locations(table.programme, table.province, 990, 100)
    add_locations(world.programme, world.org_c, 990, 100)
    assert Location.objects.count() == 2000
    assert counts() == small
    listed = token_client(table.case_manager).get("/api/v1/locations/").json()
    assert len(listed) == 1000


def test_a_province_escalates_only_as_an_organisation_of_kind_province(table):
    programme = Programme.objects.get(pk=table.programme.pk)
    programme.escalating_authority = OrganisationFactory(
        kind=OrganisationKind.MUNICIPALITY
    )
    with pytest.raises(ValidationError):
        programme.full_clean()


def test_an_invisible_programme_answers_like_a_missing_one(world, table, client):
    """No existence oracle (issue 12): the first programme, invisible to the table's
    case manager, answers byte for byte like a programme that does not exist."""
    api = token_client(table.case_manager)
    client.force_login(table.case_manager)
    for template in (
        "/api/v1/dashboard/?programme={}",
        "/api/v1/reports/progress.pdf?programme={}",
    ):
        invisible = api.get(template.format(world.programme.slug))
        missing = api.get(template.format("bestaat-niet"))
        assert invisible.status_code == missing.status_code == 404
        assert invisible.content == missing.content
        assert invisible.json() == {"detail": "Niet gevonden."}
    for template in (
        "/programmas/{}/instellingen/",
        "/dashboard/?programme={}",
        "/documenten/voortgangsrapportage.pdf?programme={}",
    ):
        invisible = client.get(template.format(world.programme.slug))
        missing = client.get(template.format("bestaat-niet"))
        assert invisible.status_code == missing.status_code == 404, template
        assert invisible.content == missing.content, template


def test_a_programme_role_owes_a_second_factor(table, settings):
    from accounts.second_factor import second_factor_needed

    settings.TWO_FACTOR_REQUIRED = True
    backend = "django.contrib.auth.backends.ModelBackend"
    assert second_factor_needed(table.case_manager, backend)
    assert not second_factor_needed(UserFactory(), backend)


def test_a_programme_case_manager_proposes_in_their_programme_only(
    world, table, client
):
    client.force_login(table.case_manager)
    page = client.get(reverse("locations:create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert table.programme.name in html and world.programme.name not in html
    data = {
        "name": "Nieuw aan tafel",
        "municipality": "Delft",
        "province": "Zuid-Holland",
    }
    response = client.post(
        reverse("locations:create"), {**data, "programme": table.programme.pk}
    )
    assert response.status_code == 302
    assert Location.objects.filter(
        programme=table.programme, name="Nieuw aan tafel"
    ).exists()
    before = Location.objects.count()
    response = client.post(
        reverse("locations:create"), {**data, "programme": world.programme.pk}
    )
    assert response.status_code in (200, 400)  # not a choice of theirs
    with pytest.raises(NotPermitted):
        services.location_propose(
            actor=table.case_manager,
            programme=world.programme,
            name="Elders",
            municipality="Delft",
            province="Zuid-Holland",
        )
    assert Location.objects.count() == before
    # A programme viewer proposes nothing.
    client.force_login(table.viewer)
    assert client.get(reverse("locations:create")).status_code == 403


def test_the_programme_role_command(world, table):
    from django.core.management import call_command

    person = UserFactory(username="nieuw-zh")
    call_command(
        "programme_role", "versnellingstafel", "nieuw-zh", "viewer", reason="Start."
    )
    api = token_client(person)
    assert api.get(f"/api/v1/locations/{table.location.pk}/").status_code == 200
    assert api.get(f"/api/v1/locations/{world.own.pk}/").status_code == 404
    call_command(
        "programme_role",
        "versnellingstafel",
        "nieuw-zh",
        "viewer",
        reason="Weg.",
        revoke=True,
    )
    forget_cached_permissions(person)
    assert api.get(f"/api/v1/locations/{table.location.pk}/").status_code == 404
