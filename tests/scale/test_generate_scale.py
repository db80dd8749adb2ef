"""`manage.py generate_scale` at a small size: the portfolio it writes is one the
application can work with — people see their own tasks in inbox, queue and API, a
generated task completes through the same service as the API, a generated round
concludes, the timers fire, and the same seed gives the same portfolio."""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.access import locations_visible_to
from casework.constants import Stage
from casework.models import (
    Agreement,
    AgreementKind,
    AgreementVersion,
    Approval,
    AuditEvent,
    Deadline,
    Location,
    Party,
    VersionStatus,
)
from casework.services import version_canonical_content
from permissions.constants import MembershipRole
from permissions.models import Membership, Organisation
from workflows import clock, selectors
from workflows.flows import ApprovalRoundFlow
from workflows.services import task_complete

from ..conftest import token_client
from ..workflows.rounds import no_flow_errors

pytestmark = pytest.mark.django_db

SIZE = {"locations": 30, "tasks": 300, "users": 20}
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def generate(seed: int = 1) -> None:
    call_command("generate_scale", seed=seed, no_progress=True, stdout=None, **SIZE)


def approve_tasks():
    return Task.objects.filter(flow_task=ApprovalRoundFlow.instance.approve)


def snapshot() -> dict:
    """The portfolio without database ids (which differ between runs)."""
    return {
        "locations": sorted(
            Location.objects.values_list(
                "name", "stage", "province", "planned_homes", "municipality"
            )
        ),
        "parties": sorted(
            Party.objects.values_list("location__name", "organisation__slug", "role")
        ),
        "versions": sorted(
            AgreementVersion.objects.values_list(
                "agreement__location__name",
                "agreement__kind",
                "number",
                "status",
                "approval_due_on",
            )
        ),
        "approvals": sorted(
            Approval.objects.values_list(
                "version__agreement__location__name",
                "version__number",
                "organisation__slug",
                "decision",
                "decided_by__username",
            )
        ),
        "tasks": sorted(
            Counter(
                (str(t.flow_task), t.status, t.owner.username if t.owner else "")
                for t in Task.objects.select_related("owner")
            ).items()
        ),
    }


@pytest.fixture
def generated(db):
    generate()


def test_every_stage_agreement_state_and_task_state_is_there(generated):
    assert Location.objects.count() == SIZE["locations"]
    assert set(Location.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(AgreementVersion.objects.values_list("status", flat=True)) == set(
        VersionStatus.values
    )
    assert set(Agreement.objects.values_list("kind", flat=True)) == set(
        AgreementKind.values
    )
    human = Task.objects.filter(flow_task_type="HUMAN")
    assert human.count() >= SIZE["tasks"]
    assert set(human.values_list("status", flat=True)) >= {
        STATUS.NEW,
        STATUS.ASSIGNED,
        STATUS.DONE,
        STATUS.CANCELED,
    }
    # The round of every submitted version, and every task of an open round belongs to
    # a running process; nothing open in a finished one.
    submitted = AgreementVersion.objects.exclude(status=VersionStatus.DRAFT)
    assert Process.objects.count() == submitted.count()
    assert not Task.objects.filter(status__in=OPEN, process__status="DONE").exists()
    # Every decided approval task has its approval row, and the other way round.
    done = approve_tasks().filter(status=STATUS.DONE)
    assert done.count() == Approval.objects.count()
    # Stages are spread in time (impasse detection reads them).
    stamps = Location.objects.values_list("stage_changed_at", flat=True)
    assert max(stamps) - min(stamps) > datetime.timedelta(days=30)
    # The audit trail holds the transitions that led to each stage.
    negotiating = Location.objects.filter(stage=Stage.NEGOTIATION).first()
    assert list(
        AuditEvent.objects.filter(location=negotiating)
        .order_by("id")
        .values_list("transition", flat=True)
    ) == ["select", "start_analysis", "start_negotiation"]


def test_concluded_versions_carry_the_hash_of_their_content(generated):
    concluded = AgreementVersion.objects.filter(status=VersionStatus.CONCLUDED)
    assert concluded.exists()
    for version in concluded.select_related("agreement"):
        assert (
            version.sha256
            == hashlib.sha256(version_canonical_content(version)).hexdigest()
        )


def test_people_see_only_their_organisations_locations(generated):
    membership = (
        Membership.objects.filter(role=MembershipRole.SIGNATORY)
        .select_related("user", "organisation")
        .first()
    )
    visible = set(locations_visible_to(membership.user).values_list("pk", flat=True))
    assert visible == set(
        Party.objects.filter(organisation=membership.organisation).values_list(
            "location_id", flat=True
        )
    )
    assert visible


def test_a_signatory_finds_their_tasks_in_inbox_queue_and_api(generated, client):
    assigned = approve_tasks().filter(status=STATUS.ASSIGNED).first()
    owner = assigned.owner
    inbox = set(
        approve_tasks()
        .filter(owner=owner, status=STATUS.ASSIGNED)
        .values_list("pk", flat=True)
    )
    assert set(selectors.inbox(owner).values_list("pk", flat=True)) == inbox
    listed = token_client(owner).get("/api/v1/tasks/")
    assert listed.status_code == 200
    assert inbox <= {row["id"] for row in listed.json()}
    client.force_login(owner)
    page = client.get(reverse("workflow:inbox"))
    assert page.status_code == 200
    assert {row.task.pk for row in page.context["rows"]} == inbox

    # A task of an organisation with two signatories waits in both their queues.
    waiting = approve_tasks().filter(status=STATUS.NEW).first()
    organisation = Organisation.objects.get(pk=waiting.data["organisation"])
    signatories = [
        m.user
        for m in Membership.objects.filter(
            organisation=organisation, role=MembershipRole.SIGNATORY
        ).select_related("user")
    ]
    assert len(signatories) >= 2
    for user in signatories:
        assert waiting in selectors.queue(user)
        ids = {row["id"] for row in token_client(user).get("/api/v1/tasks/").json()}
        assert waiting.pk in ids


def test_completing_every_open_task_of_a_generated_round_concludes_it(generated):
    process = (
        Process.objects.filter(
            status="NEW",
            task__flow_task=ApprovalRoundFlow.instance.approve,
            task__status__in=OPEN,
        )
        .exclude(task__flow_task=ApprovalRoundFlow.instance.revise)
        .distinct()
        .first()
    )
    version = AgreementVersion.objects.select_related("agreement__location").get(
        pk=process.artifact_object_id
    )
    location = version.agreement.location
    stage_before = location.stage
    open_tasks = approve_tasks().filter(process=process, status__in=OPEN)
    assert open_tasks.exists()

    with no_flow_errors():
        for task in open_tasks:
            organisation = Organisation.objects.get(pk=task.data["organisation"])
            signatory = (
                Membership.objects.filter(
                    organisation=organisation, role=MembershipRole.SIGNATORY
                )
                .order_by("user__username")
                .first()
                .user
            )
            done = task_complete(
                task_id=task.pk, user=signatory, payload={"decision": "approve"}
            )
            assert done.status == STATUS.DONE

    version.refresh_from_db()
    assert version.status == VersionStatus.CONCLUDED
    location.refresh_from_db()
    assert location.stage != stage_before
    assert location.stage == version.agreement.kind
    process.refresh_from_db()
    assert process.status == "DONE"
    assert not Task.objects.filter(process=process, status__in=OPEN).exists()
    assert Approval.objects.filter(version=version).count() == (
        location.parties.count()
    )


def test_the_generated_deadlines_fire(generated, time_machine):
    """The generated portfolio's deadlines are on the clock (no viewflow timer on a
    human task), and the clock fires each of them once."""
    assert not Task.objects.filter(flow_task_type="TIMER").exists()
    open_deadlines = Deadline.objects.filter(resolved_at__isnull=True)
    assert open_deadlines.count() == (
        Task.objects.filter(
            flow_task=ApprovalRoundFlow.instance.approve,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        ).count()
    )
    time_machine.move_to(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=40)
    )
    to_fire = open_deadlines.filter(reminder_sent_at__isnull=True).count() + (
        open_deadlines.filter(overdue_marked_at__isnull=True).count()
    )
    assert to_fire
    with no_flow_errors():
        fired = clock.sweep().fired
    assert fired == to_fire
    assert not open_deadlines.filter(overdue_marked_at__isnull=True).exists()
    assert clock.sweep().fired == 0


def test_the_same_seed_gives_the_same_portfolio(db):
    with transaction.atomic():
        generate(seed=7)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Location.objects.exists()
    generate(seed=7)
    assert snapshot() == first
    assert first["approvals"]
