"""The documents themselves: agreement PDF, progress report, location dossier; stored
once, hashed, frozen; downloads behind the object permissions."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from casework import services as casework
from casework.constants import Stage
from casework.limits import COMMITMENTS_PER_AGREEMENT_MAX
from casework.models import AgreementKind, Location
from documents import services
from documents.constants import DocumentKind
from documents.models import Document
from permissions.errors import Conflict

from ..conftest import token_client
from ..scenarios import approve_by_every_party, bring_to, signatory_for
from .pdf import compact, compact_text_of, json_attachment, pdfa_identification


def content(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def test_agreement_pdf_says_everything_and_is_archival(world, concluded_version):
    document = services.agreement_document(version=concluded_version)
    pdf = content(document)
    text = compact_text_of(pdf)
    for expected in (
        concluded_version.agreement.title,
        world.own.name,
        "Gemeente A",
        "Ontwikkelaar B",
        "Gemeente A levert haar bijdrage.",
        "Ontwikkelaar B levert haar bijdrage.",
        "Goedkeuren",
        concluded_version.sha256,
    ):
        assert compact(expected) in text, expected
    for approval in concluded_version.approvals.select_related("decided_by"):
        signatory = approval.decided_by.get_full_name() or approval.decided_by.username
        assert compact(signatory) in text
    assert pdfa_identification(pdf) == ("3", "A")
    data = json_attachment(pdf, "overeenkomst.json")
    assert data["sha256"] == concluded_version.sha256
    assert {c["party"] for c in data["commitments"]} == {"Gemeente A", "Ontwikkelaar B"}
    assert len(data["approvals"]) == 2
    # The stored file's own hash is recorded; the content hash is the version's.
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.content_sha256 == concluded_version.sha256
    assert document.kind == DocumentKind.AGREEMENT


def test_agreement_pdf_is_rendered_once_and_served_as_stored(concluded_version):
    first = services.agreement_document(version=concluded_version)
    second = services.agreement_document(version=concluded_version)
    assert first.pk == second.pk
    assert Document.objects.filter(kind=DocumentKind.AGREEMENT).count() == 1


def test_a_stored_document_is_frozen(concluded_version):
    document = services.agreement_document(version=concluded_version)
    document.title = "Anders"
    with pytest.raises(ValueError):
        document.save()


def test_only_a_concluded_version_has_a_pdf(world):
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    from ..scenarios import submit_agreement

    version = submit_agreement(
        world.own, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    with pytest.raises(Conflict):
        services.agreement_document(version=version)


def test_hard_text_and_the_most_commitments_allowed_render(world):
    most = COMMITMENTS_PER_AGREEMENT_MAX
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    tricky = "Kosten < baten & grond > 0 🏠 " + "X" * 180 + " einde"
    commitments = [
        {
            "party": (world.org_a if i % 2 else world.org_b).pk,
            "description": f"Afspraak {i}: {tricky if i == 7 else 'levering'}",
            "due_date": datetime.date(2027, 1, 1) + datetime.timedelta(days=i),
        }
        for i in range(most)
    ]
    version = casework.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Akkoord <met> & zo 🏗",
        text=tricky,
        commitments=commitments,
    )
    version = casework.agreement_submit(version=version, actor=world.case_manager)
    approve_by_every_party(version, world.own)
    version.refresh_from_db()
    pdf = content(services.agreement_document(version=version))
    text = compact_text_of(pdf)
    assert compact(tricky) in text
    assert compact("Akkoord <met> & zo 🏗") in text
    for i in (0, 1, most // 2, most - 1):
        assert compact(f"Afspraak {i}:") in text
    assert len(json_attachment(pdf, "overeenkomst.json")["commitments"]) == most


def test_documents_are_drawn_up_in_dutch_whatever_language_is_active(
    world, concluded_version
):
    # A request in English (or a thread left in English) must not make the official
    # document half English: builder texts and template texts are both Dutch.
    with translation.override("en"):
        report = services.progress_report_document(
            locations=Location.objects.all(), actor=world.ministry
        )
    text = compact_text_of(content(report))
    assert compact("Voortgangsrapportage doorbraakaanpak") in text
    assert compact("Progress report") not in text
    assert report.title == "Voortgangsrapportage doorbraakaanpak"


def test_progress_report_states_the_figures(world, concluded_version):
    report = services.progress_report_document(
        locations=Location.objects.all(), actor=world.ministry
    )
    pdf = content(report)
    text = compact_text_of(pdf)
    assert compact("Voortgangsrapportage doorbraakaanpak") in text
    assert compact("Woningen in versnelde planvorming") in text
    assert compact(world.own.name) in text and compact(world.foreign.name) in text
    data = json_attachment(pdf, "voortgang.json")
    assert data["locations_total"] == 2
    assert data["locations_by_stage"]["heads_of_agreement"] == 1
    assert data["homes_target"] == world.programme.homes_target
    # Same data: the same document, not a new rendering.
    again = services.progress_report_document(
        locations=Location.objects.all(), actor=world.ministry
    )
    assert again.pk == report.pk
    # Changed data: a new document; the old one stays as it was.
    casework.location_transition(
        location=world.foreign,
        transition="withdraw",
        actor=world.ministry,
        reason="Weg.",
    )
    changed = services.progress_report_document(
        locations=Location.objects.all(), actor=world.ministry
    )
    assert changed.pk != report.pk
    assert content(report) == pdf


def test_location_dossier_has_history_parties_and_open_work(world):
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    from ..scenarios import submit_agreement

    version = submit_agreement(
        world.own, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    casework.approval_record(
        version=version,
        organisation=world.org_a,
        actor=signatory_for(world.org_a),
        decision="approve",
    )
    pdf = content(
        services.location_dossier_document(location=world.own, actor=world.case_manager)
    )
    text = compact_text_of(pdf)
    for expected in (
        "Locatiedossier",
        world.own.name,
        "Gemeente A",
        "Ontwikkelaar B",
        "Aan zet: Ontwikkelaar B",  # who holds the ball, as the page says it
        "Knelpuntenanalyse → Onderhandeling",
    ):
        assert compact(expected) in text, expected


def test_location_dossier_lists_the_ledgers_commitments_that_wait_on_someone(
    world, concluded_version
):
    """Who holds the ball, as the location page's table says it: a disputed
    commitment waits on its owner, a reported one on the parties to confirm."""
    commitments = {
        c.owner.organisation_id: c
        for c in concluded_version.commitments.select_related("owner")
    }
    disputed = commitments[world.org_a.pk]
    reported = commitments[world.org_b.pk]
    casework.commitment_report(
        commitment=disputed, actor=world.a_member, report="Het plan ligt er."
    )
    casework.commitment_dispute(
        commitment=disputed, actor=world.case_manager, reason="Nog niet vastgesteld."
    )
    casework.commitment_report(
        commitment=reported, actor=world.b_member, report="De grond is gekocht."
    )
    pdf = content(
        services.location_dossier_document(location=world.own, actor=world.case_manager)
    )
    text = compact_text_of(pdf)
    start = text.index(compact("Afspraken die op iemand wachten"))
    # The part of "Wie is aan zet", before the open commitments per party.
    waiting = text[start : text.index(compact("Openstaande afspraken"), start)]
    for expected in (
        disputed.description,
        "Betwist",
        reported.description,
        "Gemeld",
        "termijn verstreken",  # disputed past its date: late, as on the dashboard
    ):
        assert compact(expected) in waiting, expected
    # The dossier's data holds the same facts (so a changed ledger is a new dossier).
    data = json_attachment(pdf, "dossier.json")
    ledger = {row[0]: row for row in data["sections"]["work"]["ledger"]}
    assert ledger[disputed.pk][1:3] == ["disputed", ["Gemeente A"]]
    assert ledger[reported.pk][1] == "reported"


# --- downloads ------------------------------------------------------------------------


def test_agreement_pdf_download_follows_location_visibility(world, concluded_version):
    url = f"/api/v1/agreements/{concluded_version.pk}/pdf/"
    response = token_client(world.a_member).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    document = Document.objects.get(agreement_version=concluded_version)
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert response["Repr-Digest"].startswith("sha-256=:")
    for user in (world.c_member, world.outsider):
        response = token_client(user).get(url)
        assert response.status_code == 404
        assert response.json()["detail"]
    assert APIClient().get(url).status_code == 401
    assert (
        token_client(world.a_member).get("/api/v1/agreements/999999/pdf/").status_code
        == 404
    )


def test_dossier_and_document_downloads_follow_location_visibility(world):
    url = f"/api/v1/locations/{world.own.pk}/dossier.pdf"
    response = token_client(world.b_member).get(url)
    assert response.status_code == 200
    document_id = int(response["X-Document-Id"])
    assert token_client(world.c_member).get(url).status_code == 404
    download = f"/api/v1/documents/{document_id}/download/"
    assert token_client(world.viewer).get(download).status_code == 200
    assert token_client(world.c_member).get(download).status_code == 404
    listed = token_client(world.a_member).get("/api/v1/documents/").json()
    assert [item["id"] for item in listed] == [document_id]
    assert token_client(world.c_member).get("/api/v1/documents/").json() == []


def test_progress_report_is_for_ministry_and_viewers(world):
    for user in (world.ministry, world.viewer, world.case_manager):
        response = token_client(user).get("/api/v1/reports/progress.pdf")
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
    response = token_client(world.a_member).get("/api/v1/reports/progress.pdf")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_interface_downloads(world, client, concluded_version):
    client.force_login(world.a_member)
    response = client.get(reverse("agreement-pdf", args=[concluded_version.pk]))
    assert response.status_code == 200
    assert (
        client.get(reverse("location-dossier", args=[world.own.pk])).status_code == 200
    )
    assert (
        client.get(reverse("location-dossier", args=[world.foreign.pk])).status_code
        == 404
    )
    assert client.get(reverse("progress-report")).status_code == 403
    client.force_login(world.viewer)
    assert client.get(reverse("progress-report")).status_code == 200


def _round_concluded_through_the_tasks(world, *, title: str):
    from workflows import services as workflows
    from workflows.models import ApprovalRound

    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = casework.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title=title,
        text="Tekst.",
        commitments=[],
    )
    process = workflows.approval_round_submit(version=version, actor=world.case_manager)
    tasks = ApprovalRound.objects.get(pk=process.pk).task_set.filter(
        flow_task_type="HUMAN"
    )
    for task in tasks.order_by("pk"):
        signer = (
            world.a_signatory
            if task.data["organisation"] == world.org_a.pk
            else world.b_signatory
        )
        workflows.task_complete(
            task_id=task.pk, user=signer, payload={"decision": "approve"}
        )
    version.refresh_from_db()
    return version


def test_the_round_that_concludes_archives_the_agreement_pdf(
    world, django_capture_on_commit_callbacks
):
    """In the tests jobs run at once: the PDF is there when the round has concluded."""
    with django_capture_on_commit_callbacks(execute=True):
        version = _round_concluded_through_the_tasks(
            world, title="Akkoord via de ronde"
        )
    document = Document.objects.get(
        kind=DocumentKind.AGREEMENT, agreement_version=version
    )
    assert document.content_sha256 == version.sha256
    assert compact(version.sha256) in compact_text_of(content(document))


def test_location_page_offers_the_documents(world, client, concluded_version):
    client.force_login(world.a_member)
    page = client.get(reverse("locations:detail", args=[world.own.pk])).content.decode()
    assert reverse("location-dossier", args=[world.own.pk]) in page
    assert reverse("agreement-pdf", args=[concluded_version.pk]) in page
    client.force_login(world.viewer)
    menu = client.get(reverse("locations:index")).content.decode()
    assert reverse("progress-report") in menu
    client.force_login(world.a_member)
    menu = client.get(reverse("locations:index")).content.decode()
    assert reverse("progress-report") not in menu


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_conclusion_queues_its_pdf_and_the_worker_renders_it(
    world, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """As in production: the last approval queues one job (after the commit) instead of
    rendering; `db_worker` renders the PDF, and a second run of the job changes nothing."""
    from django.core.management import call_command
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        version = _round_concluded_through_the_tasks(
            world, title="Akkoord in de wachtrij"
        )
    # (The round's e-mails are jobs of their own.)
    (job,) = DBTaskResult.objects.filter(task_path="documents.tasks.render_agreement")
    assert job.args_kwargs == {"args": [version.pk], "kwargs": {}}
    assert not Document.objects.filter(agreement_version=version).exists()

    # The worker closes its connection between jobs; here that connection holds the
    # test's transaction, so it stays open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    document = Document.objects.get(
        kind=DocumentKind.AGREEMENT, agreement_version=version
    )
    assert job.return_value == document.sha256
    assert compact(version.sha256) in compact_text_of(content(document))
    from documents.tasks import render_agreement

    render_agreement.call(version.pk)
    assert Document.objects.filter(agreement_version=version).count() == 1


def test_no_job_is_queued_for_a_conclusion_that_rolls_back(
    world, settings, django_capture_on_commit_callbacks
):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE

    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        _round_concluded_through_the_tasks(world, title="Akkoord dat niet doorgaat")
        raise Abort
    assert not DBTaskResult.objects.exists()


def test_a_pdf_not_yet_rendered_by_the_worker_answers_202_until_it_is(
    world, client, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """No request renders a document (issue 20, item 4): before the worker has run,
    the page and the API answer 202 with Retry-After (and queue no second job); once
    it has run, the PDF."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        version = _round_concluded_through_the_tasks(
            world, title="Akkoord, direct nodig"
        )
    jobs = DBTaskResult.objects.filter(task_path="documents.tasks.render_agreement")
    client.force_login(world.a_member)
    page = client.get(reverse("agreement-pdf", args=[version.pk]))
    assert page.status_code == 202
    assert page["Retry-After"] == "5"
    assert "wordt gemaakt" in page.content.decode()
    api = client.get(f"/api/v1/agreements/{version.pk}/pdf/")
    assert api.status_code == 202
    assert api["Retry-After"] == "5"
    assert "wordt gemaakt" in api.json()["detail"]
    assert not Document.objects.filter(agreement_version=version).exists()
    assert jobs.count() == 1
    location_page = client.get(reverse("locations:detail", args=[world.own.pk]))
    assert "wordt gemaakt…" in location_page.content.decode()

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    response = client.get(reverse("agreement-pdf", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert Document.objects.filter(agreement_version=version).count() == 1
    location_page = client.get(reverse("locations:detail", args=[world.own.pk]))
    assert "wordt gemaakt…" not in location_page.content.decode()
