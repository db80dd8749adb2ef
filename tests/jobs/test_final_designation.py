"""The final designation decision is a background job (issue 20, item 4): the
ministry's task records the decision and queues the job; the job freezes the PDF with
every view and the response, records its hash and fires `designate`, once; the
location page says "wordt gemaakt…" meanwhile, a download answers 202 with
`Retry-After`, and `manage.py reconcile` queues a job that was lost."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult
from viewflow.workflow.status import STATUS

from casework import services as casework
from casework.constants import AuditAction, Stage
from casework.models import AuditEvent, Designation, Location
from documents import services as document_services
from documents import tasks as document_tasks
from documents.constants import DocumentKind
from documents.models import Document
from workflows.escalation import DesignationFlow
from workflows.reconcile import reconcile

from ..conftest import token_client
from ..documents.pdf import compact, compact_text_of
from ..escalation.helpers import designation_process, human_task
from ..scenarios import bring_to, open_consultation
from ..workflows.pages import open_task
from ..workflows.rounds import at, sweep

pytestmark = pytest.mark.django_db

JOB = "documents.tasks.take_final_designation"
RESPONSE = "Het groen wordt in het omgevingsplan geborgd."
REASON = "Aanwijzing na afloop van de zienswijzetermijn."


@pytest.fixture
def decidable(world, time_machine, django_capture_on_commit_callbacks) -> Location:
    """The own location in its designation procedure with one view; the period has
    passed and its timer fired: the ministry's final decision task is open."""
    time_machine.move_to(at("2026-03-02"), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        location = bring_to(
            world.own,
            Stage.DESIGNATION_PROCEDURE,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
    designation = open_consultation(location, world.ministry)
    casework.designation_record_view(
        location=location,
        actor=world.case_manager,
        submitted_by="Bewonersvereniging Eigen Locatie",
        sender_address="Dorpsstraat 1, 1234 AB Eigen",
        received_on=datetime.date(2026, 3, 2),
        summary="Vraagt om meer groen in het plan.",
    )
    # The timer fires the morning after the postal week.
    time_machine.move_to(at(designation.decision_possible_on, 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    return location


def decide_task(location: Location):
    return human_task(designation_process(location), DesignationFlow.instance.decide)


ANSWER = "Het plan krijgt een groene zoom langs de dorpsrand."


def answers_of(location: Location) -> dict[int, str]:
    return {
        view.pk: ANSWER
        for view in Designation.objects.get(
            location=location, closed_at=None
        ).views.all()
    }


def take_decision(client, location: Location):
    url = open_task(client, decide_task(location))
    return client.post(
        url,
        {
            "decision": "designate",
            "response": RESPONSE,
            "reason": REASON,
            "confirm": "on",
            **{f"answer_{pk}": text for pk, text in answers_of(location).items()},
        },
    )


def final_documents():
    return Document.objects.filter(kind=DocumentKind.FINAL_DESIGNATION)


def location_page(client, location: Location) -> str:
    return client.get(reverse("locations:detail", args=[location.pk])).content.decode()


def assert_pending_downloads(client, location: Location) -> None:
    api = client.get(f"/api/v1/locations/{location.pk}/designation-decision.pdf")
    assert api.status_code == 202
    assert api["Retry-After"] == "5"
    assert api.json()["detail"].startswith("Het document wordt gemaakt")
    page = client.get(reverse("designation-decision", args=[location.pk]))
    assert page.status_code == 202
    assert page["Retry-After"] == "5"
    assert "Document wordt gemaakt…" in page.content.decode()


def test_the_task_records_the_decision_and_the_job_designates(
    world, client, decidable, monkeypatch, django_capture_on_commit_callbacks
):
    def no_rendering_in_the_request(*args, **kwargs):
        raise AssertionError("the request rendered a PDF")

    client.force_login(world.ministry)
    monkeypatch.setattr(document_services, "render_pdf", no_rendering_in_the_request)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = take_decision(client, decidable)
    assert response.status_code == 302, response.content
    monkeypatch.undo()

    # Answered without WeasyPrint: the decision is recorded, the task done, no PDF.
    assert callbacks, "the job is handed to the queue once the request commits"
    assert not final_documents().exists()
    designation = Designation.objects.get(location=decidable)
    assert designation.decided_at is not None
    assert designation.decision_response == RESPONSE
    assert designation.decision_sha256 == ""
    assert designation.decision_pending
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATION_PROCEDURE
    task = decide_task(decidable)
    assert task.status == STATUS.DONE
    assert task.data["decision"] == "designate"
    assert task.data["reason"] == REASON

    # Meanwhile the location page says the decision is being made, for the parties
    # too, and its download answers 202.
    for person in (world.ministry, world.a_member):
        client.force_login(person)
        page = location_page(client, decidable)
        assert "Aanwijzingsbesluit (PDF)" in page
        assert "wordt gemaakt…" in page
        assert "Het aanwijzingsbesluit wordt gemaakt" in page
        assert reverse("designation-decision", args=[decidable.pk]) in page
        assert_pending_downloads(client, decidable)

    # The queue runs the job once the request has committed.
    for callback in callbacks:
        callback()
    (final,) = final_documents()
    designation.refresh_from_db()
    assert designation.decision_sha256 == final.sha256
    assert designation.closed_at is not None
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATED
    with final.file.open("rb") as handle:
        pdf = handle.read()
    assert hashlib.sha256(pdf).hexdigest() == final.sha256
    text = compact_text_of(pdf)
    for expected in (RESPONSE, "Vraagt om meer groen in het plan.", ANSWER):
        assert compact(expected) in text, expected
    # The decision's date is the day the ministry took it (not the job's).
    decided_on = date_format(timezone.localdate(designation.decided_at), "j F Y")
    assert compact(f"Besloten op {decided_on}") in text

    # In the audit trail on behalf of the official who decided, with their reason.
    frozen = AuditEvent.objects.get(
        location=decidable,
        action=AuditAction.DOCUMENT_FROZEN,
        data__kind="final_designation",
    )
    designate = AuditEvent.objects.get(location=decidable, transition="designate")
    assert frozen.pk < designate.pk
    assert (frozen.action, frozen.actor, frozen.data["sha256"]) == (
        AuditAction.DOCUMENT_FROZEN,
        world.ministry,
        final.sha256,
    )
    assert frozen.reason == RESPONSE
    assert (designate.transition, designate.actor, designate.reason) == (
        "designate",
        world.ministry,
        REASON,
    )
    assert designate.data["decision_sha256"] == final.sha256

    page = location_page(client, decidable)
    assert "wordt gemaakt…" not in page
    assert reverse("document-download", args=[final.pk]) in page
    response = client.get(f"/api/v1/locations/{decidable.pk}/designation-decision.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Document-Id"] == str(final.pk)
    assert client.get(
        reverse("designation-decision", args=[decidable.pk])
    ).status_code == (200)


def test_the_job_runs_once(world, client, decidable, queue_in_database, run_worker):
    client.force_login(world.ministry)
    assert take_decision(client, decidable).status_code == 302
    (job,) = DBTaskResult.objects.filter(task_path=JOB)
    assert job.status == "READY"
    assert job.args_kwargs["args"] == [
        Designation.objects.get(location=decidable).pk,
        world.ministry.pk,
        REASON,
    ]
    assert not final_documents().exists()
    assert_pending_downloads(client, decidable)

    run_worker()
    (final,) = final_documents()
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATED
    events = AuditEvent.objects.count()

    # A second run (a retried job whose first worker was only slow) does nothing.
    assert document_tasks.take_final_designation.call(*job.args_kwargs["args"]) == (
        final.sha256
    )
    assert final_documents().count() == 1
    assert AuditEvent.objects.count() == events
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATED


def test_a_second_decision_is_refused(
    world, decidable, django_capture_on_commit_callbacks
):
    task = decide_task(decidable)
    designation = Designation.objects.get(location=decidable)
    with django_capture_on_commit_callbacks(execute=False):
        casework.designation_request_decision(
            designation=designation,
            actor=world.ministry,
            response=RESPONSE,
            answers=answers_of(decidable),
        )
    response = token_client(world.ministry).post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {
            "kind": "designation_decision",
            "decision": "designate",
            "reason": REASON,
            "response": RESPONSE,
        },
        format="json",
    )
    assert response.status_code == 409
    assert "al genomen" in response.json()["detail"]
    assert decide_task(decidable).status != STATUS.DONE


def test_the_reconciler_queues_a_lost_job(
    world, client, decidable, queue_in_database, run_worker
):
    client.force_login(world.ministry)
    assert take_decision(client, decidable).status_code == 302
    # As a queue outside the database loses it when the process dies after the
    # commit: the decision is taken, no job makes its PDF.
    DBTaskResult.objects.filter(task_path=JOB).delete()

    repairs = reconcile()
    assert len(repairs.documents_queued) == 1
    (job,) = DBTaskResult.objects.filter(task_path=JOB)
    assert job.args_kwargs["args"][1:] == [world.ministry.pk, REASON]
    repaired = AuditEvent.objects.get(action=AuditAction.REPAIRED)
    assert repaired.location == decidable
    assert repaired.data["task"] == JOB
    # A second run finds the job waiting: nothing to do.
    assert reconcile().total() == 0

    run_worker()
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATED
    assert final_documents().count() == 1
    assert reconcile().total() == 0


def test_the_download_without_a_decision(world, client, decidable):
    client.force_login(world.ministry)
    api = client.get(f"/api/v1/locations/{decidable.pk}/designation-decision.pdf")
    assert api.status_code == 409
    assert "geen aanwijzingsbesluit" in api.json()["detail"]
    assert (
        client.get(reverse("designation-decision", args=[decidable.pk])).status_code
        == 404
    )
    # A location you may not see: the one 404 of the API.
    client.force_login(world.c_member)
    hidden = client.get(f"/api/v1/locations/{decidable.pk}/designation-decision.pdf")
    missing = client.get("/api/v1/locations/999999/designation-decision.pdf")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
