"""A person of one organisation never reads or acts on another organisation's objects
(issue 7, item 6): every API endpoint and every page under /workflow/, /locations/ and
/documenten/ that takes an object id, tried by people of organisations C (a party
elsewhere) and D (a party nowhere) on organisation A's location, its approval round
and tasks, its breakthrough action, its escalation and designation flows, its
agreement, its document and its notifications.

The endpoints are read from the URL resolver, so a new endpoint fails this test until
it has a case here. Every answer must be a 404 (not visible) or a 403 (not allowed),
never a 200 or a redirect onwards; a method an endpoint does not have (405) is
accepted only next to one it has. After each request the database is as before.

This builds on `tests/casework/test_permission_matrix.py` (roles × actions on one
location) and `tests/workflows/test_flow_pages_access.py` (the flow pages).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook
from viewflow.workflow.models import Process, Task

from casework.constants import PartyRole, Stage
from casework.models import (
    Agreement,
    AgreementVersion,
    Approval,
    AuditEvent,
    Bottleneck,
    BottleneckAction,
    Commitment,
    CommitmentEvent,
    ConstructionStart,
    Designation,
    DesignationView,
    Location,
)
from casework.programmes import ProgrammeRole, programme_role_grant
from config.urls import api_v1
from documents import services as documents
from documents.models import Document
from evidence.models import EvidenceFile
from evidence.services import evidence_upload
from workflows import services as workflows
from workflows.flows import ApprovalRoundFlow
from workflows.models import Notification
from workflows.procedures import ensure_branch_flows, freeze_branch_documents

from ..conftest import forget_world_caches, new_world, token_client
from ..documents.pdf import text_of
from ..factories import LocationFactory, PartyFactory, ProgrammeFactory, UserFactory
from ..scenarios import add_bottleneck, bring_to
from ..workflows.pages import submit

pytestmark = pytest.mark.django_db

# ... and the case manager and director of another programme (issue 17): programme
# roles reach that programme's locations only.
ATTACKERS = [
    "c_member",
    "c_signatory",
    "outsider",
    "other_programme_manager",
    "other_programme_director",
]
SECRET = "Geheim van Gemeente A"
NOT_VISIBLE = (403, 404)


# --- Organisation A's objects ----------------------------------------------------------


class Victim:
    """Everything of organisation A the attackers try to reach."""

    def __init__(self, world):
        self.world = world
        own = bring_to(
            world.own,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
        self.location = own
        self.round = submit(own, world.case_manager)
        self.version = AgreementVersion.objects.get(pk=self.round.artifact_object_id)
        self.approval_task = Task.objects.get(
            process=self.round,
            flow_task=ApprovalRoundFlow.instance.approve,
            data__organisation=world.org_a.pk,
        )
        # In A's signatory's inbox (assigned to the only signatory straight away).
        assert self.approval_task.owner == world.a_signatory
        bottleneck = add_bottleneck(own, world.case_manager, description=SECRET)
        self.bottleneck = bottleneck
        self.commitment = self.version.commitments.order_by("pk").first()
        self.action_process = workflows.action_start(
            bottleneck=bottleneck,
            actor=world.case_manager,
            assignee=world.party_a,
            description=SECRET,
            due_on=datetime.date(2027, 1, 1),
        )
        self.escalated = self._second_location("Geëscaleerd A", Stage.ESCALATED)
        self.designating = self._second_location(
            "Aanwijzing A", Stage.DESIGNATION_PROCEDURE
        )
        self.document = documents.location_dossier_document(
            location=own, actor=world.case_manager
        )
        self.evidence = evidence_upload(
            location=own,
            actor=world.a_member,
            upload=SimpleUploadedFile("geheim.txt", f"{SECRET}\n".encode()),
        )
        self.notification = Notification.objects.create(
            user=world.a_signatory, message=SECRET, url="/workflow/inbox/"
        )
        self.processes = {
            process.flow_class.__name__.removesuffix("Flow").lower(): process
            for process in Process.objects.order_by("pk")
        }
        # Every flow has a process of A's (escalation and designation included).
        assert {"approvalround", "bottleneckaction", "escalation", "designation"} <= (
            set(self.processes)
        )

    def _second_location(self, name: str, stage: str) -> Location:
        location = LocationFactory(programme=self.world.programme, name=name)
        PartyFactory(
            location=location,
            organisation=self.world.org_a,
            role=PartyRole.MUNICIPALITY,
        )
        location = bring_to(
            location,
            stage,
            case_manager=self.world.case_manager,
            ministry=self.world.ministry,
        )
        ensure_branch_flows(location)
        # Their documents are jobs; the set-up needs them now.
        freeze_branch_documents(location)
        return location

    def names(self) -> list[str]:
        return [self.location.name, self.escalated.name, self.designating.name, SECRET]


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """The world and A's objects, built once for this module inside a transaction
    rolled back when the module ends (as in test_permission_matrix). Each test runs in
    its own savepoint; the attacks change nothing anyway, which every request checks."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = new_world()
        add_other_programme(world)
        yield world, Victim(world)
        transaction.set_rollback(True)


def add_other_programme(world) -> None:
    """A second programme with a location of organisation A's too, a case manager
    and a director of that programme only (no global role)."""
    other = ProgrammeFactory(name="Versnellingstafel", slug="versnellingstafel")
    location = LocationFactory(programme=other, name="Locatie aan tafel")
    PartyFactory(
        location=location, organisation=world.org_c, role=PartyRole.MUNICIPALITY
    )
    for attribute, role in (
        ("other_programme_manager", ProgrammeRole.CASE_MANAGER),
        ("other_programme_director", ProgrammeRole.DIRECTOR),
    ):
        user = UserFactory(username=attribute.replace("_", "-"))
        programme_role_grant(programme=other, role=role, user=user, reason="Test.")
        setattr(world, attribute, user)


@pytest.fixture
def world(shared, db):
    forget_world_caches(shared[0])
    return shared[0]


@pytest.fixture
def victim(shared, db) -> Victim:
    return shared[1]


def snapshot(attacker) -> dict:
    """What an attack could change (the attacker's own notifications excepted)."""
    return {
        "audit": AuditEvent.objects.count(),
        "tasks": list(
            Task.objects.order_by("pk").values_list("pk", "status", "owner_id")
        ),
        "processes": list(Process.objects.order_by("pk").values_list("pk", "status")),
        "stages": list(Location.objects.order_by("pk").values_list("pk", "stage")),
        "bottlenecks": list(
            Bottleneck.objects.order_by("pk").values_list(
                "pk", "status", "description", "owner_id", "deadline"
            )
        ),
        "commitments": list(
            Commitment.objects.order_by("pk").values_list(
                "pk", "status", "extended_due_date"
            )
        ),
        "ledger": CommitmentEvent.objects.count(),
        "actions": list(
            BottleneckAction.objects.order_by("pk").values_list(
                "pk", "status", "report"
            )
        ),
        "agreements": Agreement.objects.count(),
        "versions": list(
            AgreementVersion.objects.order_by("pk").values_list("pk", "status")
        ),
        "approvals": Approval.objects.count(),
        "documents": Document.objects.count(),
        "evidence": EvidenceFile.objects.count(),
        "construction": ConstructionStart.objects.count(),
        "designations": list(
            Designation.objects.order_by("pk").values_list(
                "pk", "notice_published_on", "consultation_ends_on", "decided_at"
            )
        ),
        "views": DesignationView.objects.count(),
        "notifications": list(
            Notification.objects.exclude(user=attacker)
            .order_by("pk")
            .values_list("pk", "read_at")
        ),
    }


def leaks(victim: Victim, response) -> list[str]:
    """Names of A's things found in a response (PDFs and spreadsheets read back as
    text)."""
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        text = text_of(body)
    elif content_type.startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    else:
        text = body.decode(errors="replace")
    return [name for name in victim.names() if name in text]


# --- The API: every endpoint of api_v1 -------------------------------------------------

# The body of an upload: a file (multipart), not JSON.
UPLOAD = {"file": ("overname.txt", b"Overname.\n")}

# Endpoints about one object: (method, which object, body).
OBJECT_CASES = {
    "location-detail": [("get", "location", None)],
    "location-transitions": [
        ("post", "location", {"transition": "escalate", "reason": "Overname."}),
        ("post", "location", {"transition": "withdraw", "reason": "Overname."}),
        ("get", "location", None),
    ],
    "location-bottlenecks": [
        ("get", "location", None),
        ("post", "location", {"category": "nitrogen", "description": "Overname."}),
    ],
    "location-agreements": [
        ("get", "location", None),
        (
            "post",
            "location",
            {
                "kind": "heads_of_agreement",
                "title": "Overname",
                "text": "Overname.",
                "commitments": [],
            },
        ),
    ],
    "agreement-detail": [("get", "version", None)],
    "agreement-submit": [("post", "version", {})],
    "agreement-pdf": [("get", "version", None)],
    "task-complete": [
        ("post", "approval_task", {"decision": "approve"}),
        ("post", "approval_task", {"decision": "reject", "comment": "Overname."}),
        ("post", "action_task", {"outcome": "done", "report": "Overname."}),
    ],
    "location-dossier": [("get", "location", None)],
    "document-detail": [("get", "document", None)],
    "document-download": [("get", "document", None)],
    "location-evidence": [("get", "location", None), ("post", "location", UPLOAD)],
    "location-construction": [
        ("get", "location", None),
        ("post", "location", {"started_on": "2026-01-01", "homes_started": 5}),
    ],
    "evidence-detail": [("get", "evidence", None)],
    "evidence-download": [("get", "evidence", None)],
    "location-audit-csv": [("get", "location", None)],
    "location-audit-xlsx": [("get", "location", None)],
    "location-designation-decision": [("get", "location", None)],
    "location-designation-notice": [
        (
            "post",
            "location",
            {
                "published_on": "2026-01-05",
                "journal": "staatscourant",
                "reference": "Stcrt. 2026, 1",
                "open_on": "2026-01-05",
            },
        )
    ],
    # Views on the draft designation decision (issue 16): on A's location in the
    # designation procedure.
    "location-designation-views": [
        ("get", "designating", None),
        (
            "post",
            "designating",
            {
                "submitted_by": "Overname",
                "sender_address": "Overnamestraat 1",
                "channel": "email",
                "received_on": "2026-01-05",
                "summary": "Overname.",
            },
        ),
    ],
    # The bottleneck lifecycle and the commitment ledger (issue 15).
    "bottleneck-detail": [
        ("get", "bottleneck", None),
        ("patch", "bottleneck", {"status": "in_progress"}),
        ("patch", "bottleneck", {"description": "Overname."}),
    ],
    "bottleneck-resolve": [("post", "bottleneck", {"resolution": "Overname."})],
    "bottleneck-reopen": [("post", "bottleneck", {"note": "Overname."})],
    "commitment-report": [("post", "commitment", {"report": "Overname."})],
    "commitment-confirm": [("post", "commitment", {})],
    "commitment-dispute": [("post", "commitment", {"reason": "Overname."})],
    "commitment-waive": [("post", "commitment", {"reason": "Overname."})],
    "commitment-extend": [
        ("post", "commitment", {"due_date": "2027-12-01", "reason": "Overname."})
    ],
}
# Endpoints without an object id: they must not list or count A's things.
LIST_CASES = {
    "location-list",
    "task-list",
    "impasse-list",
    "dashboard",
    "commitment-list",
    "progress-report",
    "document-list",
    # The exports: files of what the lists show (and the open data, refused to a
    # party): none may hold a thing of A's.
    "export-locations-csv",
    "export-locations-xlsx",
    "export-commitments-csv",
    "export-commitments-xlsx",
    "export-bottlenecks-csv",
    "export-bottlenecks-xlsx",
    "export-dashboard-csv",
    "export-open-data-csv",
    "export-open-data-json",
    "schema",
    "swagger-ui",
}


def api_endpoints() -> list[str]:
    names = [pattern.name for pattern in api_v1 if isinstance(pattern, URLPattern)]
    # The last, unnamed pattern is the API's own 404 for unknown URLs.
    return [name for name in names if name is not None]


def test_every_api_endpoint_has_a_case():
    missing = set(api_endpoints()) - set(OBJECT_CASES) - LIST_CASES
    assert missing == set(), (
        f"API endpoints without a cross-organisation case: {missing}"
    )


def object_id(victim: Victim, which: str) -> int:
    return {
        "location": victim.location.pk,
        "designating": victim.designating.pk,
        "version": victim.version.pk,
        "approval_task": victim.approval_task.pk,
        "action_task": Task.objects.filter(process=victim.action_process)
        .order_by("-pk")
        .first()
        .pk,
        "document": victim.document.pk,
        "evidence": victim.evidence.pk,
        "bottleneck": victim.bottleneck.pk,
        "commitment": victim.commitment.pk,
    }[which]


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_the_api_keeps_organisation_a_to_itself(world, victim, attacker):
    person = getattr(world, attacker)
    api = token_client(person)
    for name in api_endpoints():
        if name in LIST_CASES:
            url = f"/api/v1/{_route(name)}"
            before = snapshot(person)
            response = api.get(url)
            assert response.status_code in (200, *NOT_VISIBLE), (name, response)
            if response.status_code == 200:
                assert leaks(victim, response) == [], name
            after = snapshot(person)
            if name == "progress-report" and attacker.startswith("other_programme"):
                # Their own programme's report is theirs to read: made once, it is a
                # document of no location, about that programme only.
                made = Document.objects.order_by("-pk")[
                    : after["documents"] - before["documents"]
                ]
                assert all(d.location_id is None for d in made)
                after["documents"] = before["documents"]
            assert after == before, name
            continue
        answered = False
        for method, which, body in OBJECT_CASES[name]:
            url = "/api/v1/" + _route(name).replace(
                "<int:pk>", str(object_id(victim, which))
            )
            before = snapshot(person)
            if body is UPLOAD:
                response = api.post(
                    url,
                    {"file": SimpleUploadedFile(*UPLOAD["file"])},
                    format="multipart",
                )
            else:
                response = getattr(api, method)(url, body, format="json")
            assert snapshot(person) == before, (name, method, which)
            if response.status_code == 405:
                continue
            answered = True
            assert response.status_code in NOT_VISIBLE, (
                name,
                method,
                which,
                response.status_code,
                response.content[:200],
            )
            assert "detail" in response.json()
            assert leaks(victim, response) == [], (name, method)
        assert answered, f"{name}: no method of this endpoint was tried"


def _route(name: str) -> str:
    for pattern in api_v1:
        if isinstance(pattern, URLPattern) and pattern.name == name:
            return str(pattern.pattern)
    raise LookupError(name)


# --- The pages: every URL with an object id under /workflow/, /locations/, /documenten/

PAGE_PREFIXES = ("workflow/", "locations/", "documenten/", "agreements/")


def object_pages() -> list[tuple[str, str, list[str]]]:
    """(route, namespaced name, namespaces) of every page that takes an object id."""

    def walk(patterns, prefix="", namespaces=()):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                spaces = (
                    (*namespaces, pattern.namespace)
                    if pattern.namespace
                    else namespaces
                )
                yield from walk(
                    pattern.url_patterns, prefix + str(pattern.pattern), spaces
                )
            else:
                route = prefix + str(pattern.pattern)
                if route.startswith(PAGE_PREFIXES) and "<" in route:
                    yield route, pattern.name, list(namespaces)

    return list(walk(get_resolver().url_patterns))


def fill(route: str, namespaces: list[str], victim: Victim) -> str:
    """The route with A's object ids in it."""
    url = route
    if "<int:process_pk>" in url:
        flow = url.split("/")[2]
        process = victim.processes[flow]
        url = url.replace("<int:process_pk>", str(process.pk))
        if "<int:task_pk>" in url:
            node = getattr(process.flow_class.instance, url.split("/")[4], None)
            tasks = Task.objects.filter(process=process).order_by("-pk")
            task = (tasks.filter(flow_task=node).first() if node else None) or (
                tasks.first()
            )
            url = url.replace("<int:task_pk>", str(task.pk))
    if "<int:location_pk>" in url:
        url = url.replace("<int:location_pk>", str(victim.location.pk))
    if "<int:version_pk>" in url:
        url = url.replace("<int:version_pk>", str(victim.version.pk))
    if "<int:pk>" in url:
        if route.startswith("locations/") or route.startswith("documenten/locatie/"):
            pk = victim.location.pk
        elif route.startswith("documenten/overeenkomst/"):
            pk = victim.version.pk
        elif route.startswith("documenten/"):
            pk = victim.document.pk
        elif route.startswith("workflow/meldingen/"):
            pk = victim.notification.pk
        elif route.startswith("workflow/knelpunten/"):
            pk = victim.bottleneck.pk
        elif route.startswith("workflow/afspraken/"):
            pk = victim.commitment.pk
        else:
            raise AssertionError(f"no object for {route}")
        url = url.replace("<int:pk>", str(pk))
    assert "<" not in url, f"no case for a parameter of {route}"
    return "/" + url


def test_the_page_enumeration_sees_the_flows():
    routes = [route for route, _name, _spaces in object_pages()]
    for flow in ("approvalround", "bottleneckaction", "escalation", "designation"):
        assert any(f"workflow/flows/{flow}/" in route for route in routes), flow
    assert any(route.startswith("locations/") for route in routes)
    assert any(route.startswith("documenten/") for route in routes)


@pytest.mark.parametrize(
    "attacker", ["c_signatory", "outsider", "other_programme_manager"]
)
def test_the_pages_keep_organisation_a_to_itself(client, world, victim, attacker):
    person = getattr(world, attacker)
    client.force_login(person)
    tried = 0
    for route, _name, namespaces in object_pages():
        url = fill(route, namespaces, victim)
        answered = False
        for method in ("get", "post"):
            before = snapshot(person)
            response = getattr(client, method)(url, {"reason": "Overname."})
            assert snapshot(person) == before, (url, method)
            if response.status_code == 405:
                continue
            answered = True
            assert response.status_code in NOT_VISIBLE, (
                url,
                method,
                response.status_code,
                response.get("Location"),
            )
            assert leaks(victim, response) == [], (url, method)
        assert answered, f"{url}: neither GET nor POST was answered"
        tried += 1
    # Every task and node page of the four flows, and the location and document pages
    # (fewer since the deadline timers left the flows, and since an approval round has
    # no join, function node or gateway after its decisions: 158 at the time of
    # writing).
    assert tried > 150


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_lists_and_notifications_show_nothing_of_organisation_a(
    client, world, victim, attacker
):
    person = getattr(world, attacker)
    client.force_login(person)
    for url in (
        "/locations/",
        "/workflow/inbox/",
        "/workflow/queue/",
        "/workflow/archive/",
        "/workflow/meldingen/",
        "/dashboard/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code in (200, *NOT_VISIBLE), url
        assert leaks(victim, response) == [], url

    before = snapshot(person)
    response = client.post("/workflow/meldingen/gelezen/")
    assert response.status_code == 302
    assert snapshot(person) == before
    assert Notification.objects.get(message=SECRET).read_at is None
