"""No request renders a document (issue 20, item 4): escalating queues the evidence
dossier, the location dossier and the progress report answer 202 with Retry-After
until the worker has made them, and the pages say "wordt gemaakt…" meanwhile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from casework.constants import Stage
from casework.models import Escalation
from documents.constants import DocumentKind
from documents.models import Document

from ..escalation.helpers import fire
from ..scenarios import bring_to

pytestmark = pytest.mark.django_db


def test_escalate_queues_the_evidence_dossier_instead_of_rendering_it(
    world, client, queue_in_database, run_worker
):
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    assert fire(world.ministry, location, "escalate").status_code == 200

    # Answered without WeasyPrint: no document, one job waiting.
    assert not Document.objects.exists()
    (job,) = DBTaskResult.objects.filter(
        task_path="documents.tasks.freeze_evidence_dossier"
    )
    assert job.status == "READY"
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    assert "Bewijsdossier" in page and "wordt gemaakt…" in page

    run_worker()
    dossier = Document.objects.get(kind=DocumentKind.EVIDENCE_DOSSIER)
    assert Escalation.objects.get(location=location).dossier_sha256 == dossier.sha256
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    assert "wordt gemaakt…" not in page
    assert reverse("document-download", args=[dossier.pk]) in page


@pytest.mark.parametrize("kind", ["location_dossier", "progress_report"])
def test_a_download_answers_202_until_the_worker_made_it(
    world, client, queue_in_database, run_worker, kind
):
    client.force_login(world.viewer)
    api, page = {
        "location_dossier": (
            f"/api/v1/locations/{world.own.pk}/dossier.pdf",
            reverse("location-dossier", args=[world.own.pk]),
        ),
        "progress_report": (
            "/api/v1/reports/progress.pdf",
            reverse("progress-report"),
        ),
    }[kind]
    for _attempt in range(2):
        response = client.get(api)
        assert response.status_code == 202
        assert response["Retry-After"] == "5"
        assert response.json()["detail"].startswith("Het document wordt gemaakt")
        html = client.get(page)
        assert html.status_code == 202
        assert html["Retry-After"] == "5"
        assert "Document wordt gemaakt…" in html.content.decode()
    # One job, however often it was asked for.
    assert (
        DBTaskResult.objects.filter(task_path__endswith=f"render_{kind}").count() == 1
    )
    assert not Document.objects.filter(kind=kind).exists()

    run_worker()
    response = client.get(api)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert client.get(page).status_code == 200
    assert Document.objects.filter(kind=kind).count() == 1
