"""Evidence in the interface: the form on the location page, the list with hashes,
the download, citing a file in the action report's task page, and the refusals as a
Dutch message with nothing stored; a file sent to any other form is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from casework.constants import AuditAction
from casework.models import AuditEvent
from evidence.models import EvidenceCitation, EvidenceFile
from workflows import services as workflows

from ..scenarios import add_bottleneck
from ..workflows.pages import action_tasks, open_task
from . import files
from .helpers import multipart, nothing_stored

pytestmark = pytest.mark.django_db


def page(client, location) -> str:
    return client.get(reverse("locations:detail", args=[location.pk])).content.decode()


def post_file(client, location, content: bytes, name: str, **kwargs):
    body, content_type = multipart(content, name, **kwargs)
    response = client.generic(
        "POST",
        reverse("evidence-upload", args=[location.pk]),
        body,
        content_type=content_type,
    )
    if response.status_code == 302:
        return client.get(response.url)
    return response


def test_a_party_uploads_on_the_location_page_and_sees_it_listed_with_its_hash(
    world, client
):
    client.force_login(world.a_member)
    html = page(client, world.own)
    assert 'enctype="multipart/form-data"' in html
    assert 'id="bewijs-titel"' in html
    response = client.post(
        reverse("evidence-upload", args=[world.own.pk]),
        {"file": SimpleUploadedFile("besluit.pdf", files.pdf(), "application/pdf")},
        follow=True,
    )
    assert response.status_code == 200
    evidence = EvidenceFile.objects.get()
    html = response.content.decode()
    assert "‘besluit.pdf’ is toegevoegd" in html
    assert evidence.sha256 in html
    assert reverse("evidence-download", args=[evidence.pk]) in html
    download = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.pdf()
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    # A programme viewer reads the list but has no form.
    client.force_login(world.viewer)
    html = page(client, world.own)
    assert "besluit.pdf" in html
    assert 'enctype="multipart/form-data"' not in html


@override_settings(EVIDENCE_MAX_BYTES=1024)
@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            files.executable(),
            "begroting.pdf",
            "Dit soort bestand wordt niet aangenomen",
        ),
        (files.pdf() + b"%" * 2048, "groot.pdf", "Het bestand is groter dan 1 kB."),
        (files.pdf(), "../../etc/passwd", "mag geen map bevatten"),
        (files.pdf(), "rapport\x1b.pdf", "stuurteken"),
        (b"", "leeg.pdf", "Het bestand is leeg."),
    ],
    ids=["type", "size", "traversal", "control", "empty"],
)
def test_a_refused_file_is_a_dutch_message_and_nothing_is_stored(
    world, client, content, name, message
):
    client.force_login(world.a_member)
    with nothing_stored():
        response = post_file(client, world.own, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_interface_answers_an_invisible_file_as_a_missing_one(world, client):
    from evidence.services import evidence_upload

    theirs = evidence_upload(
        location=world.own,
        actor=world.a_member,
        upload=SimpleUploadedFile("bewijs.txt", files.text()),
    )
    client.force_login(world.c_member)
    hidden = client.get(reverse("evidence-download", args=[theirs.pk]))
    missing = client.get(reverse("evidence-download", args=[theirs.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    with nothing_stored():
        response = post_file(client, world.own, files.pdf(), "bewijs.pdf")
    assert response.status_code == 404


def test_a_file_sent_to_another_form_is_refused(world, client):
    client.force_login(world.case_manager)
    body, content_type = multipart(
        files.pdf(), "bewijs.pdf", fields={"category": "nitrogen", "description": "X."}
    )
    with nothing_stored():
        response = client.generic(
            "POST",
            reverse("locations:bottleneck_create", args=[world.own.pk]),
            body,
            content_type=content_type,
        )
    assert response.status_code == 400
    assert "Dit formulier neemt geen bestanden aan." in response.content.decode()
    assert not world.own.bottlenecks.exists()


def test_the_action_report_page_cites_the_uploaded_evidence(world, client):
    bottleneck = add_bottleneck(world.own, world.case_manager)
    process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=world.party_a,
        description="Lever de stikstofberekening aan.",
        due_on=datetime.date(2100, 1, 1),
    )
    client.force_login(world.a_member)
    post_file(client, world.own, files.pdf(), "berekening.pdf")
    evidence = EvidenceFile.objects.get()
    (task,) = [t for t in action_tasks() if t.process_id == process.pk]
    url = open_task(client, task)
    form = client.get(url).content.decode()
    assert 'name="evidence"' in form
    assert "berekening.pdf" in form
    response = client.post(
        url,
        {
            "outcome": "done",
            "report": "Berekening ingediend.",
            "evidence": [str(evidence.pk)],
            "_continue": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    citation = EvidenceCitation.objects.get()
    assert (citation.subject_kind, citation.subject_id) == (
        "action_report",
        process.action.pk,
    )
    event = AuditEvent.objects.get(action=AuditAction.EVIDENCE_CITED)
    assert event.data["evidence"][0]["sha256"] == evidence.sha256
    # The timeline says so, with the hash.
    html = page(client, world.own)
    assert "Bewijs bij de melding: berekening.pdf" in html
    assert f"berekening.pdf: SHA-256 {evidence.sha256}." in html


def test_a_view_on_the_draft_designation_cites_its_evidence(world, client):
    from django.utils import timezone

    from casework.constants import Stage

    from ..scenarios import bring_to, open_consultation

    location = bring_to(
        world.own,
        Stage.DESIGNATION_PROCEDURE,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    open_consultation(location, world.ministry)
    client.force_login(world.case_manager)
    post_file(client, location, files.eml(), "zienswijze-bewoners.eml")
    evidence = EvidenceFile.objects.get()
    assert 'id="id_zienswijze_evidence"' in page(client, location)
    response = client.post(
        reverse("workflow:designation_view_create", args=[location.pk]),
        {
            "submitted_by": "Bewonersvereniging",
            "sender_address": "Dorpsstraat 1, Eigen",
            "channel": "email",
            "received_on": timezone.localdate().isoformat(),
            "summary": "Zorgen over de verkeersdruk.",
            "evidence": [str(evidence.pk)],
        },
    )
    assert response.status_code == 302
    view = location.designations.get().views.get()
    citation = EvidenceCitation.objects.get()
    assert (citation.subject_kind, citation.subject_id) == ("designation_view", view.pk)
    # Someone else's file: refused, the view not recorded.
    post_file(client, location, files.text(), "x.txt")
    other = EvidenceFile.objects.latest("pk")
    client.force_login(world.ministry)
    response = client.post(
        reverse("workflow:designation_view_create", args=[location.pk]),
        {
            "submitted_by": "Ondernemersvereniging",
            "sender_address": "Marktplein 2, Eigen",
            "channel": "written",
            "received_on": timezone.localdate().isoformat(),
            "summary": "Bezwaar.",
            "evidence": [str(other.pk)],
        },
        follow=True,
    )
    assert "Bewijsstukken: " in response.content.decode()
    assert location.designations.get().views.count() == 1
    assert EvidenceCitation.objects.count() == 1
