"""Need to know (issue 12, item 3): what the ministry and the case managers know
internally about a location never reaches its parties, on any surface.

The internal facts of a location:
- its impasse signals (why the system believes it is stuck), open or closed, and what
  cites them (the escalation's cited signals);
- the evidence dossier of its escalation: the document, its title, its hash, its
  download address, and the audit event that froze it;
- the ministry's internal note on its intervention decision;
- the deadlines of the internal procedure's tasks (the consultation to record, the
  decision on intervention) and the audit events about them.

The surfaces a party sees: the location page (timeline, state diagram, who holds the
ball, the escalation section, documents), the location dossier PDF (its text and its
attachment), the documents it may download, notifications in the application and by
e-mail, the calendar feed, the inbox, archive and dashboard, and the API (location
detail, bottlenecks, documents, agreements, tasks, dossier, dashboard).

A world like the demo's: one location escalated after two rejected rounds (signals
cited, evidence dossier frozen, the consultation ended in deadlock, the ministry's
decision overdue), and one in the designation procedure (the ministry decided with an
internal note; the draft decision lies open for views). A party member and a
signatory of a party see none of it; the ministry and the case manager still do.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client, TestCase
from viewflow.workflow.models import Task

from casework import services as casework
from casework.constants import DeadlineKind, PartyRole, Stage, TransitionName
from casework.impasses import detect_impasses
from casework.models import (
    AgreementVersion,
    AuditEvent,
    DeadlineEvent,
    ImpasseSignal,
    Location,
)
from documents.constants import DocumentKind
from documents.models import Document
from permissions.calendar_tokens import calendar_token_regenerate
from workflows import services as workflows
from workflows.escalation import EscalationFlow
from workflows.models import Notification

from ..conftest import forget_world_caches, new_world, token_client
from ..documents.pdf import attachments_of, compact, compact_text_of
from ..escalation.helpers import (
    DESIGNATION,
    escalation_process,
    human_task,
    reject_twice,
)
from ..factories import LocationFactory, PartyFactory
from ..scenarios import bring_to
from ..workflows.rounds import at, sweep

pytestmark = pytest.mark.django_db

NOTE = "Intern: de landsadvocaat acht een aanwijzing kansrijk (geheim)."
PARTIES = ["a_member", "a_signatory"]
INSIDERS = ["ministry", "case_manager"]


def _at(day: str, hour: int = 10):
    return time_machine.travel(at(day, hour), tick=False)


def _committed():
    """Run what the step leaves for after the commit (flows that start, e-mails)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _deadlock(world, location: Location, start: str) -> None:
    """Two rejected rounds, the detector's signal, the escalation (evidence dossier
    frozen by its flow) and the consultation ending in deadlock."""
    with _at(start), _committed():
        bring_to(
            location,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
        reject_twice(location, world.case_manager, world.org_a, world.org_b)
    with _at(start, 14):
        detect_impasses()
    assert ImpasseSignal.objects.filter(location=location).exists()
    with _at(start, 15), _committed():
        casework.location_transition(
            location=location,
            transition=TransitionName.ESCALATE,
            actor=world.ministry,
            reason="De partijen komen er samen niet uit.",
        )
    consult = human_task(escalation_process(location), EscalationFlow.instance.consult)
    day = datetime.date.fromisoformat(start) + datetime.timedelta(days=7)
    with _at(day.isoformat()), _committed():
        workflows.task_complete(
            task=consult,
            user=world.case_manager,
            payload={
                "held_on": day.isoformat(),
                "participants": "Minister, gedeputeerde, wethouder.",
                "outcome": "deadlock_remains",
                "summary": "Partijen blijven verdeeld over het tekort.",
            },
        )


class NeedToKnowWorld:
    def __init__(self, world):
        self.world = world
        escalated = LocationFactory(
            programme=world.programme, name="Geëscaleerde Locatie"
        )
        PartyFactory(
            location=escalated, organisation=world.org_a, role=PartyRole.MUNICIPALITY
        )
        PartyFactory(
            location=escalated, organisation=world.org_b, role=PartyRole.DEVELOPER
        )
        _deadlock(world, escalated, "2026-03-02")
        # The ministry lets its decision on intervention run late: the deadline of an
        # internal task passes, and the detector signals it.
        intervene = human_task(
            escalation_process(escalated), EscalationFlow.instance.intervene
        )
        overdue = datetime.date.fromisoformat(intervene.data["due"]) + (
            datetime.timedelta(days=1)
        )
        with _at(overdue.isoformat(), 8), _committed():
            assert sweep() >= 1
        with _at(overdue.isoformat(), 9):
            detect_impasses()
        assert DeadlineEvent.objects.filter(
            location=escalated, kind=DeadlineKind.ESCALATION, event="overdue"
        ).exists()

        designating = world.own
        _deadlock(world, designating, "2026-03-03")
        intervene = human_task(
            escalation_process(designating), EscalationFlow.instance.intervene
        )
        with _at("2026-03-16"), _committed():
            workflows.task_complete(
                task=intervene,
                user=world.ministry,
                payload={
                    "decision": "start_designation",
                    "reason": "De impasse blijft na het bestuurlijk overleg.",
                    "note": NOTE,
                    **DESIGNATION,
                },
            )
        designating.refresh_from_db()
        assert designating.stage == Stage.DESIGNATION_PROCEDURE
        escalated.refresh_from_db()
        assert escalated.stage == Stage.ESCALATED
        self.locations = {"escalated": escalated, "designating": designating}
        self.tokens = {
            who: calendar_token_regenerate(user=getattr(world, who))
            for who in PARTIES + INSIDERS
        }
        # E-mails are cleared before each test; keep those the story sent.
        self.mails = list(mail.outbox)

    def secrets(self, location: Location) -> list[str]:
        """The internal facts of `location`, as text that could appear anywhere."""
        facts = [
            signal.message for signal in ImpasseSignal.objects.filter(location=location)
        ]
        for dossier in Document.objects.filter(
            location=location, kind=DocumentKind.EVIDENCE_DOSSIER
        ):
            facts += [
                dossier.title,
                dossier.sha256,
                dossier.content_sha256,
                f"/documenten/{dossier.pk}/",
                f"/api/v1/documents/{dossier.pk}/",
            ]
        facts += [
            event.reason
            for event in AuditEvent.objects.filter(
                location=location,
                action="document_frozen",
                data__kind=DocumentKind.EVIDENCE_DOSSIER,
            )
        ]
        facts += [
            event.description
            for event in DeadlineEvent.objects.filter(
                location=location, kind=DeadlineKind.ESCALATION
            )
        ]
        if location.stage == Stage.DESIGNATION_PROCEDURE:
            facts.append(NOTE)
        assert len(facts) >= 6, facts
        return facts


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = new_world()
        yield world, NeedToKnowWorld(world)
        transaction.set_rollback(True)


@pytest.fixture
def world(shared, db):
    forget_world_caches(shared[0])
    return shared[0]


@pytest.fixture
def story(shared, db) -> NeedToKnowWorld:
    return shared[1]


# --- What a person sees, surface by surface ---------------------------------------------


def _body(response) -> bytes:
    return (
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def _text(response) -> str:
    """What a person can read in a response: a PDF's text and its attachments, or the
    page or JSON as it is."""
    body = _body(response)
    if response.get("Content-Type", "").startswith("application/pdf"):
        attached = b" ".join(attachments_of(body).values()).decode(errors="replace")
        return compact_text_of(body) + " " + attached
    return body.decode(errors="replace")


def surfaces(world, story, who: str, location: Location) -> dict[str, str]:
    """Every surface `who` sees of `location`, by name, as text (pages and files
    read back)."""
    person = getattr(world, who)
    client = Client()
    client.force_login(person)
    api = token_client(person)
    seen: dict[str, str] = {}

    def page(name, url, via=client):
        response = via.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        seen[name] = _text(response)
        return response

    page("location page", f"/locations/{location.pk}/")
    page("dossier PDF", f"/documenten/locatie/{location.pk}/dossier.pdf")
    for url in ("/workflow/inbox/", "/workflow/queue/", "/workflow/archive/"):
        page(url, url)
    page("notifications page", "/workflow/meldingen/")
    page("dashboard", "/dashboard/")
    page("calendar link page", "/workflow/agenda-koppeling/")
    page("calendar feed", f"/agenda/{story.tokens[who]}.ics", via=Client())
    page("API location", f"/api/v1/locations/{location.pk}/", via=api)
    page("API bottlenecks", f"/api/v1/locations/{location.pk}/bottlenecks/", via=api)
    documents = page(
        "API documents", f"/api/v1/documents/?location={location.pk}", via=api
    ).json()
    page("API all documents", "/api/v1/documents/", via=api)
    page("API dossier PDF", f"/api/v1/locations/{location.pk}/dossier.pdf", via=api)
    page("API tasks", "/api/v1/tasks/", via=api)
    page("API dashboard", "/api/v1/dashboard/", via=api)
    for document in documents:
        page(f"document {document['id']}", document["download"], via=api)
        page(f"document page {document['id']}", f"/documenten/{document['id']}/")
    for version in AgreementVersion.objects.filter(
        agreement__location=location
    ).exclude(status="draft"):
        page(
            f"API agreement {version.pk}", f"/api/v1/agreements/{version.pk}/", via=api
        )
    # The person's own task pages (their approval tasks, done or open).
    for task in Task.objects.filter(
        owner=person, process__data__location=location.pk, flow_task_type="HUMAN"
    ):
        url = task.flow_task.reverse("detail", args=[task.process_id, task.pk])
        page(f"task {task.pk}", url)
    seen["notifications"] = " ".join(
        Notification.objects.filter(user=person).values_list("message", flat=True)
    )
    seen["e-mail"] = " ".join(
        f"{message.subject} {message.body}"
        for message in story.mails
        if person.email in message.to
    )
    return seen


def leaks(seen: dict[str, str], secrets: list[str]) -> dict[str, list[str]]:
    found = {}
    for name, text in seen.items():
        flat = compact(text)
        hits = [secret for secret in secrets if compact(secret) in flat]
        if hits:
            found[name] = hits
    return found


@pytest.mark.parametrize("stage", ["escalated", "designating"])
@pytest.mark.parametrize("who", PARTIES)
def test_a_party_sees_no_internal_fact_anywhere(world, story, who, stage):
    location = story.locations[stage]
    seen = surfaces(world, story, who, location)
    # The party does see its location's story: the escalation, the consultation.
    assert "De partijen komen er samen niet uit." in seen["location page"]
    assert "Partijen blijven verdeeld" in seen["location page"]
    if who == "a_signatory":
        assert seen["notifications"], "the signatory was told of its approval tasks"
        assert seen["e-mail"], "and by e-mail"
    found = leaks(seen, story.secrets(location))
    assert found == {}, "\n".join(f"{name}: {hits}" for name, hits in found.items())


@pytest.mark.parametrize("stage", ["escalated", "designating"])
@pytest.mark.parametrize("who", INSIDERS)
def test_the_ministry_and_case_managers_still_see_it(client, world, story, who, stage):
    location = story.locations[stage]
    client.force_login(getattr(world, who))
    page = client.get(f"/locations/{location.pk}/").content.decode()
    signals = ImpasseSignal.objects.filter(escalation__location=location)
    assert signals.exists()
    for signal in signals:
        assert signal.message in page  # the escalation section and the timeline
    dossier = Document.objects.get(
        location=location, kind=DocumentKind.EVIDENCE_DOSSIER
    )
    assert dossier.title in page
    assert "Bewijsdossier van de escalatie vastgelegd." in page  # the timeline
    if stage == "designating":
        assert NOTE in page
    else:
        description = DeadlineEvent.objects.get(
            location=location, kind=DeadlineKind.ESCALATION, event="overdue"
        ).description
        assert description in page
    documents = token_client(getattr(world, who)).get(
        f"/api/v1/documents/?location={location.pk}"
    )
    assert dossier.pk in {row["id"] for row in documents.json()}
    dossier_pdf = client.get(f"/documenten/locatie/{location.pk}/dossier.pdf")
    assert compact("Bewijsdossier van de escalatie vastgelegd.") in compact(
        _text(dossier_pdf)
    )
