"""An independent client (issue 12, item 6): `openapi-python-client` generates a
Python package from the schema a live server serves at `/api/v1/schema/`, and the
heads-of-agreement journey runs through that package alone, over HTTP, each person
with their own token: read the locations, fire the transitions up to the negotiation,
register a bottleneck, draft the heads of agreement with commitments, submit it; each
signatory lists their tasks and approves; the location reaches `heads_of_agreement`,
the agreement shows its `sha256`, its PDF downloads (and reads back).

Every answer the client received is checked against the schema (status, content
type, body), and the journey calls every operation the schema has: a response field
the schema calls required but leaves out, a null it does not allow or an undocumented
status fails here. The package is generated once per test session.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import schemathesis
from rest_framework.authtoken.models import Token

from casework.constants import Stage
from casework.models import AgreementVersion, Location, VersionStatus
from evidence.constants import ALLOWED_CONTENT_TYPES

from ..documents.pdf import compact, compact_text_of
from ..scenarios import record_criteria

pytestmark = pytest.mark.slow

PACKAGE = "doorbraak_client"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the generator needs to know besides the schema: it has no built-in reader for
# `application/pdf`, so those answers are handed over as bytes.
# Evidence files download in the type read from their bytes: bytes too.
GENERATOR_CONFIG = {
    "package_name_override": PACKAGE,
    "content_type_overrides": {
        "application/pdf": "application/octet-stream",
        **dict.fromkeys(ALLOWED_CONTENT_TYPES, "application/octet-stream"),
        # The exports (CSV, Excel) are files too.
        "text/csv": "application/octet-stream",
        XLSX: "application/octet-stream",
    },
    "post_hooks": [],
}
TITLE = "Hoofdlijnenakkoord Eigen Locatie"


@dataclass
class GeneratedClient:
    """The package generated from the served schema, made on first use (it needs the
    live server, which needs a test's database) and kept for the session."""

    directory: Path
    package: ModuleType | None = None
    schema: dict = field(default_factory=dict)

    def load(self, base_url: str) -> ModuleType:
        if self.package is None:
            response = httpx.get(
                f"{base_url}/api/v1/schema/",
                headers={"Accept": "application/vnd.oai.openapi+json"},
            )
            assert response.status_code == 200, response.text
            self.schema = response.json()
            schema_file = self.directory / "schema.json"
            schema_file.write_text(response.text)
            config_file = self.directory / "generator.json"
            config_file.write_text(json.dumps(GENERATOR_CONFIG))
            generated = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "openapi_python_client",
                    "generate",
                    "--path",
                    str(schema_file),
                    "--config",
                    str(config_file),
                    "--meta",
                    "none",
                    "--output-path",
                    str(self.directory / PACKAGE),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            assert generated.returncode == 0, generated.stdout + generated.stderr
            # The generator warns about what it could not turn into code; nothing
            # of this schema may be left out.
            assert "WARNING" not in generated.stdout, generated.stdout
            sys.path.insert(0, str(self.directory))
            self.package = importlib.import_module(PACKAGE)
        return self.package


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory) -> GeneratedClient:
    return GeneratedClient(tmp_path_factory.mktemp("generated-client"))


class Api:
    """The generated package, and what it answered (to check against the schema)."""

    def __init__(self, package: ModuleType, base_url: str):
        self.package = package
        self.base_url = base_url
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.answers: list[httpx.Response] = []
        self.clients: list = []

    def operation(self, tag: str, operation_id: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")

    def client_for(self, user=None, token: str | None = None):
        """A client with `user`'s token (`Authorization: Token <key>`)."""
        if token is None:
            token = Token.objects.get_or_create(user=user)[0].key

        def keep(response: httpx.Response) -> None:
            response.read()
            # A multipart request (an evidence upload) is streamed: keep its body
            # for the check against the schema.
            response.request.read()
            self.answers.append(response)

        client = self.package.AuthenticatedClient(
            base_url=self.base_url,
            token=token,
            prefix="Token",
            raise_on_unexpected_status=True,
            httpx_args={"event_hooks": {"response": [keep]}},
        )
        self.clients.append(client)
        return client

    def close(self) -> None:
        # A kept-alive connection holds a server thread, and with it a database
        # connection that would outlive the test database.
        for client in self.clients:
            client.get_httpx_client().close()


@pytest.fixture
def api(live_server, generated_client):
    client = Api(generated_client.load(live_server.url), live_server.url)
    yield client
    client.close()


def operations_of(schema: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_the_heads_of_agreement_journey_through_a_generated_client(
    api, world, generated_client
):
    m = api.models
    record_criteria(world.own, world.case_manager)
    ministry = api.client_for(world.ministry)
    case_manager = api.client_for(world.case_manager)

    def transition(client, name: str) -> None:
        answer = api.operation("locations", "locations_transitions_create").sync(
            id=world.own.pk,
            client=client,
            body=m.TransitionRequest(
                transition=m.TransitionEnum(name), reason=f"Journey: {name}."
            ),
        )
        assert isinstance(answer, m.TransitionResponse), answer

    # The case manager reads the locations and the own location's parties.
    locations = api.operation("locations", "locations_list").sync(client=case_manager)
    (own,) = [location for location in locations if location.id == world.own.pk]
    assert (own.name, own.stage) == ("Eigen Locatie", m.StageEnum.PROPOSED)
    detail = api.operation("locations", "locations_retrieve").sync(
        id=own.id, client=case_manager
    )
    parties = {party.organisation.id: party for party in detail.parties}
    assert set(parties) == {world.org_a.pk, world.org_b.pk}
    assert {party.organisation.kind for party in parties.values()} == {
        m.OrganisationKindEnum.MUNICIPALITY,
        m.OrganisationKindEnum.DEVELOPER,
    }

    # Up to the negotiation: select, analyse (with a bottleneck), negotiate.
    transition(ministry, "select")
    transition(case_manager, "start_analysis")
    bottleneck = api.operation("locations", "locations_bottlenecks_create").sync(
        id=own.id,
        client=case_manager,
        body=m.BottleneckCreateRequest(
            category=m.CategoryEnum.GRID_CONGESTION,
            description="Geen netaansluiting voor 2028.",
            owner=world.org_a.pk,
        ),
    )
    assert isinstance(bottleneck, m.Bottleneck), bottleneck
    listed = api.operation("locations", "locations_bottlenecks_list").sync(
        id=own.id, client=case_manager
    )
    assert [b.id for b in listed] == [bottleneck.id]
    transition(case_manager, "start_negotiation")
    detail = api.operation("locations", "locations_retrieve").sync(
        id=own.id, client=case_manager
    )
    assert detail.stage == m.StageEnum.NEGOTIATION

    # The heads of agreement, a commitment per party (the second waits on the first).
    organisation_ids = sorted(parties)
    draft = api.operation("locations", "locations_agreements_create").sync(
        id=own.id,
        client=case_manager,
        body=m.AgreementCreateRequest(
            kind=m.AgreementKindEnum.HEADS_OF_AGREEMENT,
            title=TITLE,
            text="Partijen versnellen samen de bouw van 1.200 woningen.",
            commitments=[
                m.CommitmentInputRequest(
                    party=organisation_id,
                    description=f"Bijdrage {index + 1} van de partijen.",
                    due_date=datetime.date(2027, 6, 1 + index),
                    depends_on=[0] if index else [],
                )
                for index, organisation_id in enumerate(organisation_ids)
            ],
        ),
    )
    assert isinstance(draft, m.Agreement), draft
    assert draft.status == m.AgreementStatusEnum.DRAFT
    assert draft.sha256 is None
    submitted = api.operation("agreements", "agreements_submit_create").sync(
        id=draft.id, client=case_manager
    )
    assert submitted.status == m.AgreementStatusEnum.IN_APPROVAL
    assert {named.id for named in submitted.awaiting} == set(organisation_ids)

    # Each organisation's signatory finds the decision in their tasks and approves.
    complete = api.operation("tasks", "tasks_complete_create")
    people = {user.username: user for user in (world.a_signatory, world.b_signatory)}
    for organisation_id in organisation_ids:
        (username,) = parties[organisation_id].signatories
        signatory = api.client_for(people[username])
        (task,) = api.operation("tasks", "tasks_list").sync(client=signatory)
        assert (task.kind, task.agreement, task.organisation.id) == (
            m.TaskKindEnum.APPROVAL,
            draft.id,
            organisation_id,
        )
        assert task.complete_url == f"/api/v1/tasks/{task.id}/complete/"
        done = complete.sync(
            id=task.id,
            client=signatory,
            body=m.ApprovalCompletionRequest(
                kind=m.ApprovalCompletionKindEnum.APPROVAL,
                decision=m.DecisionEnum.APPROVE,
                comment="Akkoord namens de organisatie.",
            ),
        )
        assert (done.id, done.status) == (task.id, m.TaskStatusEnum.DONE)
        # Once is enough: the same task again is a conflict, in the error shape.
        again = complete.sync(
            id=task.id,
            client=signatory,
            body=m.ApprovalCompletionRequest(
                kind=m.ApprovalCompletionKindEnum.APPROVAL,
                decision=m.DecisionEnum.APPROVE,
            ),
        )
        assert isinstance(again, m.Error) and again.detail
        assert api.operation("tasks", "tasks_list").sync(client=signatory) == []

    # Every party approved: the location has its heads of agreement.
    detail = api.operation("locations", "locations_retrieve").sync(
        id=own.id, client=case_manager
    )
    assert detail.stage == m.StageEnum.HEADS_OF_AGREEMENT
    assert Location.objects.get(pk=own.id).stage == Stage.HEADS_OF_AGREEMENT
    agreement = api.operation("agreements", "agreements_retrieve").sync(
        id=draft.id, client=case_manager
    )
    assert agreement.status == m.AgreementStatusEnum.CONCLUDED
    version = AgreementVersion.objects.get(pk=draft.id)
    assert version.status == VersionStatus.CONCLUDED
    assert agreement.sha256 == version.sha256 and len(agreement.sha256) == 64
    assert sorted(approval.decided_by for approval in agreement.approvals) == sorted(
        people
    )

    # Its PDF downloads and reads back: the title, the parties, the hash.
    pdf = api.operation("agreements", "agreements_pdf_retrieve").sync_detailed(
        id=draft.id, client=case_manager
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = compact_text_of(pdf.content)
    for expected in (TITLE, "Gemeente A", "Ontwikkelaar B", agreement.sha256):
        assert compact(expected) in text, expected

    # The rest of the API, through the same package.
    figures = api.operation("dashboard", "dashboard_retrieve").sync(client=ministry)
    assert figures.locations_by_stage.heads_of_agreement == 1
    assert isinstance(
        api.operation("impasses", "impasses_list").sync(client=ministry), list
    )
    documents = api.operation("documents", "documents_list").sync(
        client=case_manager, location=own.id
    )
    (stored,) = [d for d in documents if d.kind == m.DocumentKindEnum.AGREEMENT]
    assert (
        api.operation("documents", "documents_retrieve")
        .sync(id=stored.id, client=case_manager)
        .sha256
        == stored.sha256
    )
    for response in (
        api.operation("documents", "documents_download_retrieve").sync_detailed(
            id=stored.id, client=case_manager
        ),
        api.operation("locations", "locations_dossier_pdf_retrieve").sync_detailed(
            id=own.id, client=case_manager
        ),
        api.operation("reports", "reports_progress_pdf_retrieve").sync_detailed(
            client=ministry
        ),
    ):
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")
    # Evidence: a party uploads a file (multipart), everyone who sees the location
    # lists and downloads it, byte for byte.
    party = api.client_for(world.a_member)
    content = b"Verslag: de netbeheerder bevestigt de aansluiting in 2027.\n"
    uploaded = api.operation("locations", "locations_evidence_create").sync(
        id=own.id,
        client=party,
        body=m.EvidenceUploadRequest(
            file=api.package.types.File(
                payload=io.BytesIO(content), file_name="verslag.txt"
            )
        ),
    )
    assert isinstance(uploaded, m.Evidence), uploaded
    assert uploaded.sha256 == hashlib.sha256(content).hexdigest()
    assert uploaded.content_type == "text/plain"
    (listed_evidence,) = api.operation("locations", "locations_evidence_list").sync(
        id=own.id, client=case_manager
    )
    assert listed_evidence.id == uploaded.id
    assert (
        api.operation("evidence", "evidence_retrieve")
        .sync(id=uploaded.id, client=ministry)
        .name
        == "verslag.txt"
    )
    download = api.operation("evidence", "evidence_download_retrieve").sync_detailed(
        id=uploaded.id, client=case_manager
    )
    assert download.status_code == 200
    assert download.content == content
    # The bottleneck's lifecycle: its owner (A) takes it up and reports it resolved
    # with the file as evidence; the case manager returns it once, then resolves it,
    # and reopens it when it comes back.
    b_ops = "bottlenecks"
    assert (
        api.operation(b_ops, "bottlenecks_retrieve")
        .sync(id=bottleneck.id, client=party)
        .status.value
        == "open"
    )
    taken_up = api.operation(b_ops, "bottlenecks_partial_update").sync(
        id=bottleneck.id,
        client=party,
        body=m.PatchedBottleneckPatchRequest(
            status=m.BottleneckPatchStatusEnum.IN_PROGRESS
        ),
    )
    assert taken_up.status.value == "in_progress"
    resolve = api.operation(b_ops, "bottlenecks_resolve_create")
    reopen = api.operation(b_ops, "bottlenecks_reopen_create")
    reported = resolve.sync(
        id=bottleneck.id,
        client=party,
        body=m.BottleneckResolveRequest(
            resolution="Aansluiting bevestigd.", evidence=[uploaded.id]
        ),
    )
    assert reported.status.value == "resolution_reported"
    returned = reopen.sync(
        id=bottleneck.id,
        client=case_manager,
        body=m.BottleneckNoteRequest(note="Stuur de overeenkomst mee."),
    )
    assert returned.status.value == "in_progress"
    resolved = resolve.sync(
        id=bottleneck.id,
        client=case_manager,
        body=m.BottleneckResolveRequest(resolution="Overeenkomst ontvangen."),
    )
    assert resolved.status.value == "resolved"
    assert resolved.resolved_by == world.case_manager.username
    assert (
        reopen.sync(
            id=bottleneck.id,
            client=case_manager,
            body=m.BottleneckNoteRequest(note="De aansluiting is uitgesteld."),
        ).status.value
        == "open"
    )

    # The ledger: A reports its commitment kept, the case manager disputes it, A
    # reports again and B (whose commitment waits on it) confirms; B's own is
    # extended, then waived.
    c_ops = "commitments"
    first, second = api.operation(c_ops, "commitments_list").sync(
        client=case_manager, location=own.id
    )
    assert (first.party.id, second.party.id) == tuple(organisation_ids)
    report = api.operation(c_ops, "commitments_report_create")
    owner = api.client_for(world.a_member)
    assert (
        report.sync(
            id=first.id, client=owner, body=m.CommitmentReportRequest(report="Gedaan.")
        ).status.value
        == "reported"
    )
    disputed = api.operation(c_ops, "commitments_dispute_create").sync(
        id=first.id,
        client=case_manager,
        body=m.CommitmentReasonRequest(reason="Het bewijs ontbreekt."),
    )
    assert disputed.status.value == "disputed"
    report.sync(
        id=first.id, client=owner, body=m.CommitmentReportRequest(report="Bewijs.")
    )
    confirmed = api.operation(c_ops, "commitments_confirm_create").sync(
        id=first.id,
        client=api.client_for(world.b_member),
        body=m.CommitmentConfirmRequest(),
    )
    assert confirmed.status.value == "done"
    extended = api.operation(c_ops, "commitments_extend_create").sync(
        id=second.id,
        client=case_manager,
        body=m.CommitmentExtendRequest(
            due_date=datetime.date(2027, 9, 1), reason="Vergunning later."
        ),
    )
    assert extended.current_due_date == datetime.date(2027, 9, 1)
    assert len(extended.events[0].sha256) == 64
    waived = api.operation(c_ops, "commitments_waive_create").sync(
        id=second.id,
        client=case_manager,
        body=m.CommitmentReasonRequest(reason="Niet meer nodig."),
    )
    assert waived.status.value == "waived"
    assert AgreementVersion.objects.get(pk=draft.id).sha256 == agreement.sha256

    # Construction follows the administrative agreement: before it, a 409.
    started = api.operation("locations", "locations_construction_create").sync(
        id=own.id,
        client=case_manager,
        body=m.ConstructionStartCreateRequest(
            started_on=datetime.date(2026, 1, 5), homes_started=10
        ),
    )
    assert isinstance(started, m.Error) and started.detail
    construction = api.operation("locations", "locations_construction_retrieve").sync(
        id=own.id, client=case_manager
    )
    assert (construction.homes_under_construction, construction.starts) == (0, [])

    # The exports: files of what the lists show, and the open data.
    for tag, name, kwargs in [
        ("exports", "exports_locations_csv", {}),
        ("exports", "exports_locations_xlsx", {}),
        ("exports", "exports_commitments_csv", {"location": own.id}),
        ("exports", "exports_commitments_xlsx", {}),
        ("exports", "exports_bottlenecks_csv", {}),
        ("exports", "exports_bottlenecks_xlsx", {"location": own.id}),
        ("exports", "exports_dashboard_csv", {}),
        ("exports", "exports_open_data_csv", {}),
        ("locations", "locations_audit_csv", {"id": own.id}),
        ("locations", "locations_audit_xlsx", {"id": own.id}),
    ]:
        response = api.operation(tag, name).sync_detailed(client=ministry, **kwargs)
        assert response.status_code == 200, name
        # An Excel file is a zip ("PK"); a CSV starts with its Dutch headers.
        is_zip = response.content.startswith(b"PK")
        assert is_zip == name.endswith("xlsx"), name
    (published,) = api.operation("exports", "exports_open_data_json").sync(
        client=ministry
    )
    assert published.fase == "heads_of_agreement" and published.aantal_doorbraken == 1

    # No designation here: the final designation decision's download is a 409.
    decision = api.operation(
        "locations", "locations_designation_decision_pdf_retrieve"
    ).sync_detailed(id=own.id, client=case_manager)
    assert decision.status_code == 409
    # Nor a notice of a draft designation decision: a 409 too.
    notice = api.operation("locations", "locations_designation_notice_create").sync(
        id=own.id,
        client=ministry,
        body=m.DesignationNoticeRequest(
            published_on=datetime.date(2026, 1, 5),
            journal=m.NoticeJournalEnum("staatscourant"),
            reference="Stcrt. 2026, 1",
            open_on=datetime.date(2026, 1, 5),
        ),
    )
    assert isinstance(notice, m.Error) and "aanwijzingsprocedure" in notice.detail

    # Nor views on a draft: the list is empty and recording one is a 409 too.
    views = api.operation("locations", "locations_designation_views_list").sync(
        id=own.id, client=ministry
    )
    assert views == []
    view = api.operation("locations", "locations_designation_views_create").sync(
        id=own.id,
        client=ministry,
        body=m.DesignationViewCreateRequest(
            submitted_by="Dorpsbelang",
            sender_address="Dorpsstraat 1",
            channel=m.ChannelEnum("email"),
            received_on=datetime.date(2026, 1, 5),
            summary="Te druk.",
        ),
    )
    assert isinstance(view, m.Error) and "aanwijzingsprocedure" in view.detail

    # Without a valid token: a 401 in the error shape.
    refused = api.operation("tasks", "tasks_list").sync(
        client=api.client_for(token="0" * 40)
    )
    assert isinstance(refused, m.Error) and refused.detail

    # Every answer matched the schema, and every operation was called.
    schema = schemathesis.openapi.from_dict(generated_client.schema)
    called = set()
    for answer in api.answers:
        operation = schema.find_operation_by_path(
            answer.request.method, answer.request.url.path
        )
        assert operation is not None, answer.request.url
        documented = generated_client.schema["paths"][operation.path][
            answer.request.method.lower()
        ]["responses"]
        status = str(answer.status_code)
        assert status in documented, (operation.path, status)
        media_type = answer.headers["content-type"].split(";")[0]
        assert media_type in documented[status]["content"], (operation.path, status)
        operation.validate_response(answer)  # the body, against its schema
        called.add((answer.request.method, operation.path))
    assert called == operations_of(generated_client.schema)
