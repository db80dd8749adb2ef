"""The limits of `casework.limits` on every write (issue 12 items 1 and 7, issue 20
item 5): every free text has a maximum length, every date lies in the window
2000-01-01..2100-12-31, every list a person can grow has a maximum count. Over a limit
is a 400 (API) or a Dutch message (interface) that names the field and the limit, and
nothing is stored; at the limit, the write goes through.

Counts are enforced in the services, so the API and the forms both get them; text
lengths and dates in the services too (whatever reaches them: a form, the API, a flow),
and in the forms and serializers before that.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework import services
from casework.constants import Stage
from casework.limits import (
    ACTIONS_PER_BOTTLENECK_MAX,
    AGREEMENT_TEXT_MAX,
    BOTTLENECKS_PER_LOCATION_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    DATE_MAX,
    DATE_MIN,
    LIST_ITEMS_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    VIEWS_PER_PROCEDURE_MAX,
)
from casework.models import (
    Agreement,
    AgreementVersion,
    Approval,
    AuditEvent,
    Bottleneck,
    BottleneckAction,
    ConsultationOutcome,
    Designation,
    DesignationView,
    Escalation,
    Location,
)
from permissions.errors import InvalidInput
from workflows import services as workflows
from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client
from ..scenarios import bring_to, record_consultation
from ..workflows.pages import open_task
from ..workflows.rounds import submit_round

pytestmark = pytest.mark.django_db

WINDOW = "1 januari 2000 en 31 december 2100"
OUTSIDE = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"]
EDGES = [DATE_MIN.isoformat(), DATE_MAX.isoformat()]


def at(stage: str, world, location=None) -> Location:
    return bring_to(
        location or world.own,
        stage,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def stored(location: Location) -> dict:
    """What a refused write could have changed."""
    location.refresh_from_db()
    return {
        "stage": location.stage,
        "audit": AuditEvent.objects.count(),
        "bottlenecks": Bottleneck.objects.count(),
        "actions": BottleneckAction.objects.count(),
        "agreements": Agreement.objects.count(),
        "versions": AgreementVersion.objects.count(),
        "approvals": Approval.objects.count(),
        "views": DesignationView.objects.count(),
        "escalations": list(
            Escalation.objects.values_list("consultation_outcome", flat=True)
        ),
    }


def refused(response, *names: str) -> str:
    assert response.status_code == 400, response.content[:300]
    detail = response.json()["detail"]
    for name in names:
        assert name in detail, (name, detail)
    return detail


# --- Text lengths in the API ----------------------------------------------------------


def agreement_body(world, **fields):
    body = {
        "kind": "heads_of_agreement",
        "title": "Hoofdlijnenakkoord",
        "text": "Partijen spreken af.",
        "commitments": [
            {
                "party": world.org_a.pk,
                "description": "Grond leveren.",
                "due_date": "2030-01-01",
            }
        ],
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", SHORT_TEXT_MAX),
        ("text", AGREEMENT_TEXT_MAX),
        ("commitments[0].description", TEXT_MAX),
    ],
)
def test_an_agreement_text_over_its_limit_is_refused(world, field, limit):
    location = at(Stage.NEGOTIATION, world)
    before = stored(location)
    body = agreement_body(world)
    if field.startswith("commitments"):
        body["commitments"][0]["description"] = "x" * (limit + 1)
    else:
        body[field] = "x" * (limit + 1)
    response = token_client(world.case_manager).post(
        f"/api/v1/locations/{location.pk}/agreements/", body, format="json"
    )
    refused(response, field, str(limit))
    assert stored(location) == before
    # At the limit it goes through.
    if field.startswith("commitments"):
        body["commitments"][0]["description"] = "x" * limit
    else:
        body[field] = "x" * limit
    response = token_client(world.case_manager).post(
        f"/api/v1/locations/{location.pk}/agreements/", body, format="json"
    )
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize(
    ("body", "field", "limit"),
    [
        (
            {"transition": "withdraw", "reason": "x" * (TEXT_MAX + 1)},
            "reason",
            TEXT_MAX,
        ),
        (
            {"transition": "x" * (SHORT_TEXT_MAX + 1), "reason": "r"},
            "transition",
            SHORT_TEXT_MAX,
        ),
        (
            {
                "transition": "start_designation",
                "reason": "r",
                "instrument": "instruction",
                "legal_basis": "x" * (TEXT_MAX + 1),
                "national_interest": "n",
            },
            "legal_basis",
            TEXT_MAX,
        ),
        (
            {
                "transition": "start_designation",
                "reason": "r",
                "instrument": "instruction",
                "legal_basis": "l",
                "national_interest": "x" * (TEXT_MAX + 1),
            },
            "national_interest",
            TEXT_MAX,
        ),
    ],
    ids=["reason", "transition", "legal_basis", "national_interest"],
)
def test_a_transition_text_over_its_limit_is_refused(world, body, field, limit):
    location = at(Stage.ESCALATED, world)
    record_consultation(
        location, world.case_manager, ConsultationOutcome.DEADLOCK_REMAINS
    )
    before = stored(location)
    response = token_client(world.ministry).post(
        f"/api/v1/locations/{location.pk}/transitions/", body, format="json"
    )
    refused(response, field, str(limit))
    assert stored(location) == before


def test_a_bottleneck_over_its_limits_is_refused(world):
    location = at(Stage.BOTTLENECK_ANALYSIS, world)
    api = token_client(world.case_manager)
    url = f"/api/v1/locations/{location.pk}/bottlenecks/"
    before = stored(location)
    response = api.post(
        url,
        {"category": "nitrogen", "description": "x" * (TEXT_MAX + 1)},
        format="json",
    )
    refused(response, "description", str(TEXT_MAX))
    response = api.post(
        url,
        {"category": "nitrogen", "description": "x", "deadline": "9999-12-31"},
        format="json",
    )
    refused(response, "deadline", WINDOW)
    assert stored(location) == before
    response = api.post(
        url,
        {
            "category": "nitrogen",
            "description": "x" * TEXT_MAX,
            "deadline": DATE_MAX.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "field", "limit"),
    [
        ({"decision": "reject", "comment": "x" * (TEXT_MAX + 1)}, "comment", TEXT_MAX),
        ({"decision": "x" * (SHORT_TEXT_MAX + 1)}, "decision", SHORT_TEXT_MAX),
    ],
    ids=["comment", "decision"],
)
def test_a_task_text_over_its_limit_is_refused(world, payload, field, limit):
    location = at(Stage.NEGOTIATION, world)
    process = submit_round(location, world.case_manager)
    task = Task.objects.get(
        process=process,
        flow_task=ApprovalRoundFlow.instance.approve,
        data__organisation=world.org_a.pk,
    )
    before = stored(location)
    response = token_client(world.a_signatory).post(
        f"/api/v1/tasks/{task.pk}/complete/", payload, format="json"
    )
    refused(response, field, str(limit))
    assert stored(location) == before
    task.refresh_from_db()
    assert task.status != "DONE"


# --- Text lengths in the services (whatever calls them) -------------------------------


def test_the_services_refuse_texts_over_their_limits(world):
    """What the API or a form does not check (a flow, a future endpoint) the service
    does: each message names the field (its Dutch label) and the limit."""
    location = at(Stage.ESCALATED, world)
    too_long = "x" * (TEXT_MAX + 1)
    before = stored(location)
    cases = [
        (
            "Reden",
            lambda: services.location_transition(
                location=location,
                transition="withdraw",
                actor=world.ministry,
                reason=too_long,
            ),
        ),
        (
            "Deelnemers",
            lambda: services.escalation_record_consultation(
                location=location,
                actor=world.case_manager,
                held_on=timezone.localdate(),
                participants=too_long,
                outcome=ConsultationOutcome.DEADLOCK_REMAINS,
            ),
        ),
        (
            "Wat is besproken",
            lambda: services.escalation_record_consultation(
                location=location,
                actor=world.case_manager,
                held_on=timezone.localdate(),
                participants="Minister en wethouder.",
                outcome=ConsultationOutcome.DEADLOCK_REMAINS,
                summary=too_long,
            ),
        ),
        (
            "Grondposities",
            lambda: services.location_record_criteria(
                location=location,
                actor=world.case_manager,
                land_positions=too_long,
                planning_status="p",
                market_involvement="m",
                financial_prospect="f",
            ),
        ),
    ]
    for label, call in cases:
        with pytest.raises(InvalidInput) as refusal:
            call()
        assert label in refusal.value.message, refusal.value.message
        assert str(TEXT_MAX) in refusal.value.message
    assert stored(location) == before


# --- Dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", OUTSIDE)
def test_a_bottleneck_deadline_outside_the_window_is_refused(world, day):
    location = at(Stage.BOTTLENECK_ANALYSIS, world)
    before = stored(location)
    response = token_client(world.case_manager).post(
        f"/api/v1/locations/{location.pk}/bottlenecks/",
        {"category": "nitrogen", "description": "Stikstof.", "deadline": day},
        format="json",
    )
    refused(response, "deadline", WINDOW)
    assert stored(location) == before


@pytest.mark.parametrize("day", OUTSIDE)
def test_a_commitment_due_outside_the_window_is_refused(world, day):
    location = at(Stage.NEGOTIATION, world)
    before = stored(location)
    body = agreement_body(world)
    body["commitments"][0]["due_date"] = day
    api = token_client(world.case_manager)
    url = f"/api/v1/locations/{location.pk}/agreements/"
    response = api.post(url, body, format="json")
    refused(response, "commitments[0].due_date", WINDOW)
    assert stored(location) == before
    # The window's edges are in it.
    body["commitments"] = [
        {**body["commitments"][0], "due_date": edge} for edge in EDGES
    ]
    response = api.post(url, body, format="json")
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize(
    "day",
    [datetime.date(1, 1, 1), datetime.date(1999, 12, 31), datetime.date(9999, 12, 31)],
)
def test_the_services_refuse_dates_outside_the_window(world, day):
    """Every date argument of a service, named by its label."""
    location = at(Stage.NEGOTIATION, world)
    bottleneck = location.bottlenecks.first()
    before = stored(location)
    cases = [
        (
            "Uiterste datum",
            lambda: services.bottleneck_create(
                location=location,
                actor=world.case_manager,
                category="nitrogen",
                description="Stikstof.",
                deadline=day,
            ),
        ),
        (
            "Uiterste datum",
            lambda: workflows.action_start(
                bottleneck=bottleneck,
                actor=world.case_manager,
                assignee=world.party_a,
                description="Grondbod uitbrengen.",
                due_on=day,
            ),
        ),
        (
            "Afspraak 1",
            lambda: services.agreement_draft(
                location=location,
                actor=world.case_manager,
                kind="heads_of_agreement",
                title="Akkoord",
                text="Tekst.",
                commitments=[
                    {"party": world.org_a.pk, "description": "D.", "due_date": day}
                ],
            ),
        ),
    ]
    for label, call in cases:
        with pytest.raises(InvalidInput) as refusal:
            call()
        assert label in refusal.value.message and WINDOW in refusal.value.message
    assert stored(location) == before


def test_a_consultation_date_outside_the_window_is_refused(world):
    location = at(Stage.ESCALATED, world)
    before = stored(location)
    with pytest.raises(InvalidInput) as refusal:
        services.escalation_record_consultation(
            location=location,
            actor=world.case_manager,
            held_on=datetime.date(1, 1, 1),
            participants="Minister en wethouder.",
            outcome=ConsultationOutcome.DEADLOCK_REMAINS,
        )
    assert "Datum van het overleg" in refusal.value.message
    assert WINDOW in refusal.value.message
    assert stored(location) == before


# --- Counts ----------------------------------------------------------------------------


def test_commitments_per_agreement_are_limited(world):
    location = at(Stage.NEGOTIATION, world)
    api = token_client(world.case_manager)
    url = f"/api/v1/locations/{location.pk}/agreements/"
    one = agreement_body(world)["commitments"][0]
    before = stored(location)
    response = api.post(
        url,
        agreement_body(world, commitments=[one] * (COMMITMENTS_PER_AGREEMENT_MAX + 1)),
        format="json",
    )
    refused(response, "commitments", str(COMMITMENTS_PER_AGREEMENT_MAX))
    assert stored(location) == before
    with pytest.raises(InvalidInput) as refusal:
        services.agreement_draft(
            location=location,
            actor=world.case_manager,
            kind="heads_of_agreement",
            title="Akkoord",
            text="Tekst.",
            commitments=[{**one, "due_date": datetime.date(2030, 1, 1)}]
            * (COMMITMENTS_PER_AGREEMENT_MAX + 1),
        )
    assert str(COMMITMENTS_PER_AGREEMENT_MAX) in refusal.value.message
    response = api.post(
        url,
        agreement_body(world, commitments=[one] * COMMITMENTS_PER_AGREEMENT_MAX),
        format="json",
    )
    assert response.status_code == 201


def test_the_items_of_a_list_body_are_limited(world):
    location = at(Stage.NEGOTIATION, world)
    body = agreement_body(world)
    two = {**body["commitments"][0]}
    body["commitments"] = [
        {**two, "depends_on": [1] * (LIST_ITEMS_MAX + 1)},
        two,
    ]
    before = stored(location)
    response = token_client(world.case_manager).post(
        f"/api/v1/locations/{location.pk}/agreements/", body, format="json"
    )
    refused(response, "depends_on", str(LIST_ITEMS_MAX))
    assert stored(location) == before


def test_bottlenecks_per_location_are_limited(world):
    location = at(Stage.BOTTLENECK_ANALYSIS, world)
    existing = location.bottlenecks.count()
    Bottleneck.objects.bulk_create(
        Bottleneck(location=location, category="nitrogen", description=f"Knelpunt {i}")
        for i in range(BOTTLENECKS_PER_LOCATION_MAX - existing)
    )
    before = stored(location)
    response = token_client(world.case_manager).post(
        f"/api/v1/locations/{location.pk}/bottlenecks/",
        {"category": "nitrogen", "description": "Eén te veel."},
        format="json",
    )
    refused(response, str(BOTTLENECKS_PER_LOCATION_MAX), "knelpunten per locatie")
    assert stored(location) == before


def test_actions_per_bottleneck_are_limited(world):
    location = at(Stage.NEGOTIATION, world)
    bottleneck = location.bottlenecks.first()
    BottleneckAction.objects.bulk_create(
        BottleneckAction(
            bottleneck=bottleneck,
            assignee=world.party_a,
            description=f"Actie {i}",
            due_on=datetime.date(2030, 1, 1),
            created_by=world.case_manager,
        )
        for i in range(ACTIONS_PER_BOTTLENECK_MAX)
    )
    before = stored(location)
    with pytest.raises(InvalidInput) as refusal:
        workflows.action_start(
            bottleneck=bottleneck,
            actor=world.case_manager,
            assignee=world.party_a,
            description="Eén te veel.",
            due_on=datetime.date(2030, 1, 1),
        )
    assert str(ACTIONS_PER_BOTTLENECK_MAX) in refusal.value.message
    assert "acties per knelpunt" in refusal.value.message
    assert stored(location) == before


def test_views_per_designation_procedure_are_limited(world):
    location = at(Stage.DESIGNATION_PROCEDURE, world)
    designation = Designation.objects.get(location=location, closed_at__isnull=True)
    today = timezone.localdate()
    DesignationView.objects.bulk_create(
        DesignationView(
            designation=designation,
            submitted_by=f"Indiener {i}",
            received_on=today,
            summary="Bezwaar.",
            recorded_by=world.case_manager,
        )
        for i in range(VIEWS_PER_PROCEDURE_MAX)
    )
    before = stored(location)
    with pytest.raises(InvalidInput) as refusal:
        services.designation_record_view(
            location=location,
            actor=world.case_manager,
            submitted_by="Eén te veel",
            sender_address="Straat 1, Plaats",
            received_on=today,
            summary="Nog een bezwaar.",
        )
    assert str(VIEWS_PER_PROCEDURE_MAX) in refusal.value.message
    assert stored(location) == before


# --- The forms of the interface --------------------------------------------------------


def only_error(response) -> str:
    assert response.status_code == 302
    messages = [
        m for m in get_messages(response.wsgi_request) if m.level_tag == "error"
    ]
    assert len(messages) == 1, [str(m) for m in messages]
    return str(messages[0])


def test_the_transition_form_names_the_field_and_the_limit(client, world):
    location = at(Stage.NEGOTIATION, world)
    client.force_login(world.ministry)
    before = stored(location)
    response = client.post(
        reverse("locations:transition", args=[location.pk]),
        {"transition": "withdraw", "reason": "x" * (TEXT_MAX + 1)},
    )
    message = only_error(response)
    assert "Reden" in message and str(TEXT_MAX) in message, message
    assert stored(location) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"description": "x" * (TEXT_MAX + 1)}, ["Omschrijving", str(TEXT_MAX)]),
        (
            {"description": "Stikstof.", "deadline": "9999-12-31"},
            ["Uiterste datum", WINDOW],
        ),
        (
            {"description": "Stikstof.", "deadline": "0001-01-01"},
            ["Uiterste datum", WINDOW],
        ),
    ],
    ids=["long", "9999", "0001"],
)
def test_the_bottleneck_form_names_the_field_and_the_limit(client, world, data, words):
    location = at(Stage.BOTTLENECK_ANALYSIS, world)
    client.force_login(world.case_manager)
    before = stored(location)
    response = client.post(
        reverse("locations:bottleneck_create", args=[location.pk]),
        {"category": "nitrogen", **data},
    )
    message = only_error(response)
    for word in words:
        assert word in message, message
    assert stored(location) == before


def test_the_action_form_names_the_field_and_the_window(client, world):
    location = at(Stage.NEGOTIATION, world)
    client.force_login(world.case_manager)
    before = stored(location)
    response = client.post(
        reverse("workflow:action_start", args=[location.pk]),
        {
            "bottleneck": location.bottlenecks.first().pk,
            "party": world.org_a.pk,
            "description": "Grondbod uitbrengen.",
            "due_on": "9999-12-31",
        },
    )
    message = only_error(response)
    assert "Uiterste datum" in message and WINDOW in message, message
    assert stored(location) == before


def test_the_agreement_form_limits_its_commitments(client, world):
    location = at(Stage.NEGOTIATION, world)
    client.force_login(world.case_manager)
    rows = COMMITMENTS_PER_AGREEMENT_MAX + 1
    data = {
        "title": "Akkoord",
        "text": "Tekst.",
        "commitments-TOTAL_FORMS": rows,
        "commitments-INITIAL_FORMS": 0,
    }
    for i in range(rows):
        data[f"commitments-{i}-party"] = world.org_a.pk
        data[f"commitments-{i}-description"] = f"Afspraak {i}."
        data[f"commitments-{i}-due_date"] = "2030-01-01"
    before = stored(location)
    response = client.post(
        reverse("workflow:agreement_create", args=[location.pk]), data
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert str(COMMITMENTS_PER_AGREEMENT_MAX) in page
    assert stored(location) == before


def test_a_task_form_names_the_field_and_the_limit(client, world):
    location = at(Stage.NEGOTIATION, world)
    process = submit_round(location, world.case_manager)
    task = Task.objects.get(
        process=process,
        flow_task=ApprovalRoundFlow.instance.approve,
        data__organisation=world.org_a.pk,
    )
    client.force_login(world.a_signatory)
    before = stored(location)
    response = client.post(
        open_task(client, task),
        {"decision": "reject", "comment": "x" * (TEXT_MAX + 1)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Toelichting" in page and str(TEXT_MAX) in page
    assert stored(location) == before
