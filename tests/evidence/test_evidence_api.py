"""Evidence files through the API (issue 15, item 3): uploaded as multipart, typed
from their bytes, hashed into the audit trail, cited by reports, downloaded as
attachments by whoever may see the location, and refused with a clear `{"detail"}`
(nothing stored) when they are too large, of another type, badly named or empty."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.test import override_settings
from django.utils import timezone

from casework.constants import AuditAction
from casework.models import AuditEvent
from evidence.models import EvidenceCitation, EvidenceFile

from ..conftest import token_client
from ..workflows.api_helpers import action_tasks, complete
from . import files
from .helpers import multipart, nothing_stored, stored_files, upload

pytestmark = pytest.mark.django_db


def test_a_party_uploads_a_pdf_and_everyone_who_sees_the_location_downloads_it(world):
    content = files.pdf()
    response = upload(
        token_client(world.a_member), world.own, content, "Besluit B&W.pdf"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Besluit B&W.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["cited_by"] == []
    # The audit row that records it carries its hash.
    event = AuditEvent.objects.get(action=AuditAction.EVIDENCE_UPLOADED)
    assert event.location == world.own
    assert event.actor == world.a_member
    assert event.data["sha256"] == body["sha256"]
    assert event.data["name"] == "Besluit B&W.pdf"
    # Stored under a name of our own, never the one it was sent under.
    (path,) = stored_files()
    assert path.suffix == ".pdf"
    assert "Besluit" not in str(path)
    assert path.read_bytes() == content

    for who in (world.case_manager, world.viewer, world.b_member, world.ministry):
        download = token_client(who).get(body["download"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == content
        assert download["Content-Type"] == "application/pdf"
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment;")
        assert "Besluit" in download["Content-Disposition"]
    listed = token_client(world.viewer).get(
        f"/api/v1/locations/{world.own.pk}/evidence/"
    )
    assert [row["id"] for row in listed.json()] == [body["id"]]


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (files.png, "foto.png", "image/png"),
        (files.jpeg, "foto.jpg", "image/jpeg"),
        (files.text, "verslag.txt", "text/plain"),
        (files.eml, "mail.eml", "message/rfc822"),
        (
            files.docx,
            "brief.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (files.odt, "brief.odt", "application/vnd.oasis.opendocument.text"),
        # The type is read from the bytes: a PDF sent as "scan.png" is a PDF.
        (files.pdf, "scan.png", "application/pdf"),
    ],
)
def test_every_kind_on_the_allow_list_is_taken_by_its_bytes(
    world, make, name, content_type
):
    response = upload(
        token_client(world.case_manager),
        world.own,
        make(),
        name,
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (files.executable(), "begroting.pdf"),
        (files.html(), "verslag.txt"),
        (b"\x00\x01\x02\x03" * 100, "data.docx"),
    ],
    ids=["exe-as-pdf", "html-as-text", "binary-as-docx"],
)
def test_bytes_not_on_the_allow_list_are_415_whatever_the_name(world, content, name):
    with nothing_stored():
        response = upload(token_client(world.a_member), world.own, content, name)
    assert response.status_code == 415
    assert "niet aangenomen" in response.json()["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\bewijs.pdf",
        "map/bewijs.pdf",
        "..",
        "bewijs\x07.pdf",
        "bewijs\u202e.pdf",
        "",
    ],
    ids=["traversal", "backslash", "folder", "dotdot", "bell", "bidi", "empty"],
)
def test_a_name_with_a_folder_or_a_control_character_is_refused(world, name):
    with nothing_stored():
        response = upload(token_client(world.a_member), world.own, files.pdf(), name)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_an_empty_file_is_refused(world):
    with nothing_stored():
        response = upload(token_client(world.a_member), world.own, b"", "leeg.pdf")
    assert response.status_code == 400
    assert response.json() == {"detail": "Het bestand is leeg."}


@override_settings(EVIDENCE_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_413(world):
    client = token_client(world.a_member)
    with nothing_stored():
        # Over the limit but within the room for the framing: the view refuses it.
        response = upload(client, world.own, files.pdf() + b"%" * 2048, "groot.pdf")
        assert response.status_code == 413
        assert response.json() == {"detail": "Het bestand is groter dan 1 kB."}
        # Far over it: refused before the body is read.
        response = upload(client, world.own, b"%PDF" + b"0" * 200_000, "groter.pdf")
        assert response.status_code == 413
        assert "groter dan" in response.json()["detail"]


def test_the_default_limit_is_20_megabytes(world):
    from django.conf import settings

    assert settings.EVIDENCE_MAX_BYTES == 20 * 1024 * 1024
    body, content_type = multipart(b"x" * (21 * 1024 * 1024), "groot.txt")
    with nothing_stored():
        response = token_client(world.a_member).generic(
            "POST",
            f"/api/v1/locations/{world.own.pk}/evidence/",
            body,
            content_type=content_type,
        )
    assert response.status_code == 413
    assert response.json() == {"detail": "Het bestand is groter dan 20 MB."}


def test_who_may_upload_and_where(world):
    with nothing_stored():
        # A programme viewer reads evidence but adds none.
        response = upload(token_client(world.viewer), world.own, files.pdf())
        assert response.status_code == 403
        # A location you may not see is a 404, as one that does not exist.
        hidden = upload(token_client(world.a_member), world.foreign, files.pdf())
        missing = upload(token_client(world.a_member), 10_000_000, files.pdf())
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content == b'{"detail":"Niet gevonden."}'
        # One file per request, in the field `file`.
        response = upload(
            token_client(world.a_member), world.own, files.pdf(), field="bijlage"
        )
        assert response.status_code == 400
        # JSON is not a file.
        response = token_client(world.a_member).post(
            f"/api/v1/locations/{world.own.pk}/evidence/", {"file": "x"}, format="json"
        )
        assert response.status_code == 415
        assert "multipart/form-data" in response.json()["detail"]


def test_a_download_as_a_party_of_another_location_is_404_like_a_missing_id(world):
    evidence = upload(token_client(world.a_member), world.own, files.pdf()).json()
    outsider = token_client(world.c_member)
    for suffix in ("", "download/"):
        hidden = outsider.get(f"/api/v1/evidence/{evidence['id']}/{suffix}")
        missing = outsider.get(f"/api/v1/evidence/{evidence['id'] + 1000}/{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert sorted(hidden.headers.items()) == sorted(missing.headers.items())


def test_a_replacement_is_a_new_file_and_the_old_one_stays(world):
    client = token_client(world.a_member)
    first = upload(client, world.own, files.text(), "verslag.txt").json()
    second = upload(
        client,
        world.own,
        files.pdf(),
        "verslag.pdf",
        fields={"replaces": str(first["id"])},
    ).json()
    assert second["replaces"] == first["id"]
    assert client.get(first["download"]).status_code == 200
    assert EvidenceFile.objects.count() == 2
    with pytest.raises(ValueError):
        EvidenceFile.objects.get(pk=first["id"]).save()
    with pytest.raises(ValueError):
        EvidenceFile.objects.get(pk=first["id"]).delete()
    # Only a file of the same location can be replaced.
    other = upload(token_client(world.c_member), world.foreign, files.pdf()).json()
    with nothing_stored():
        response = upload(
            client, world.own, files.pdf(), fields={"replaces": str(other["id"])}
        )
    assert response.status_code == 400


def _open_action(world):
    from casework.models import Bottleneck
    from workflows import services as workflows

    from ..scenarios import add_bottleneck

    bottleneck = add_bottleneck(world.own, world.case_manager)
    process = workflows.action_start(
        bottleneck=Bottleneck.objects.get(pk=bottleneck.pk),
        actor=world.case_manager,
        assignee=world.party_a,
        description="Lever de stikstofberekening aan.",
        due_on=datetime.date(2100, 1, 1),
    )
    return process.action


def test_an_action_report_cites_the_evidence_with_its_hash(world):
    action = _open_action(world)
    client = token_client(world.a_member)
    evidence = upload(client, world.own, files.pdf(), "berekening.pdf").json()
    (task,) = action_tasks(action)
    response = complete(
        client,
        task,
        kind="action",
        outcome="done",
        report="Berekening ingediend.",
        evidence=[evidence["id"]],
    )
    assert response.status_code == 200, response.content
    citation = EvidenceCitation.objects.get()
    assert (citation.subject_kind, citation.subject_id) == ("action_report", action.pk)
    event = AuditEvent.objects.get(action=AuditAction.EVIDENCE_CITED)
    assert event.data["evidence"] == [
        {"id": evidence["id"], "name": "berekening.pdf", "sha256": evidence["sha256"]}
    ]
    detail = client.get(f"/api/v1/evidence/{evidence['id']}/").json()
    assert detail["cited_by"][0]["kind"] == "action_report"


def test_citing_a_file_that_is_not_yours_undoes_the_report(world):
    action = _open_action(world)
    theirs = upload(token_client(world.case_manager), world.own, files.pdf()).json()
    (task,) = action_tasks(action)
    before = AuditEvent.objects.count()
    for evidence in ([theirs["id"]], [theirs["id"] + 1000]):
        response = complete(
            token_client(world.a_member),
            task,
            kind="action",
            outcome="done",
            report="Berekening ingediend.",
            evidence=evidence,
        )
        assert response.status_code == 400
        assert "niet door u bij deze locatie toegevoegd" in response.json()["detail"]
    action.refresh_from_db()
    assert action.status == "open"
    assert AuditEvent.objects.count() == before
    assert not EvidenceCitation.objects.exists()


def test_a_consultation_cites_its_evidence_and_the_evidence_dossier_lists_it(world):
    """The consultation through the API's task body cites the file the case manager
    added; the evidence dossier of the escalation lists it with its hash."""
    from casework.constants import Stage
    from documents.builders import evidence_dossier_context
    from workflows.escalation import EscalationFlow

    from ..escalation.helpers import escalation_process, human_task
    from ..scenarios import bring_to

    location = bring_to(
        world.own,
        Stage.ESCALATED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    manager = token_client(world.case_manager)
    minutes = upload(manager, location, files.eml(), "verslag-overleg.eml").json()
    consult = human_task(escalation_process(location), EscalationFlow.instance.consult)
    response = complete(
        manager,
        consult,
        kind="consultation",
        held_on=timezone.localdate().isoformat(),
        participants="Minister, wethouder.",
        outcome="deadlock_remains",
        summary="Geen akkoord.",
        evidence=[minutes["id"]],
    )
    assert response.status_code == 200, response.content
    escalation = location.escalations.get()
    citation = EvidenceCitation.objects.get()
    assert (citation.subject_kind, citation.subject_id) == (
        "consultation",
        escalation.pk,
    )
    _context, data = evidence_dossier_context(escalation)
    assert data["evidence"] == [
        [
            minutes["id"],
            "verslag-overleg.eml",
            minutes["sha256"],
            [["consultation", escalation.pk]],
        ]
    ]
