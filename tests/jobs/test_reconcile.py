"""`manage.py reconcile` (issue 20, item 2) repairs what an interrupted process left
undone, derived from the casework facts; idempotent and audited. (The crash suite,
`tests/crash/`, kills real processes; here the stranded states are made directly.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from viewflow.workflow.models import Process, Task

from casework.constants import AuditAction, Stage
from casework.models import AuditEvent, Escalation
from casework.signals import location_transitioned
from documents.constants import DocumentKind
from documents.models import Document
from workflows.escalation import EscalationFlow
from workflows.procedures import follow_transition
from workflows.reconcile import reconcile

from ..escalation.helpers import fire
from ..scenarios import bring_to

pytestmark = pytest.mark.django_db


def repairs_recorded():
    return list(
        AuditEvent.objects.filter(action=AuditAction.REPAIRED)
        .order_by("pk")
        .values_list("data__repair", flat=True)
    )


def test_an_escalation_left_without_its_flow_gets_one(
    world, django_capture_on_commit_callbacks
):
    """As a process that died after the commit left it when the flow still started
    after the commit: escalated, and nothing else."""
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    location_transitioned.disconnect(
        dispatch_uid="workflows.escalation.follow_transition"
    )
    try:
        assert fire(world.ministry, location, "escalate").status_code == 200
    finally:
        location_transitioned.connect(
            follow_transition, dispatch_uid="workflows.escalation.follow_transition"
        )
    assert not Process.objects.filter(flow_class=EscalationFlow).exists()

    with django_capture_on_commit_callbacks(execute=True):
        repairs = reconcile()
    assert len(repairs.flows_started) == 1
    process = Process.objects.get(flow_class=EscalationFlow)
    assert Task.objects.filter(
        process=process, flow_task=EscalationFlow.instance.consult
    ).exists()
    escalation = Escalation.objects.get(location=location)
    dossier = Document.objects.get(kind=DocumentKind.EVIDENCE_DOSSIER)
    assert escalation.dossier_sha256 == dossier.sha256
    assert repairs_recorded() == ["escalation_flow_started"]
    repaired = AuditEvent.objects.get(action=AuditAction.REPAIRED)
    assert repaired.location == location
    assert repaired.data["process"] == process.pk

    # Idempotent: nothing left to do, nothing recorded.
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().total() == 0
    assert repairs_recorded() == ["escalation_flow_started"]


def test_a_concluded_version_without_its_pdf_is_queued_once_and_given_up_on(
    world, concluded_version, queue_in_database, settings
):
    """The PDF job of a conclusion was lost (or failed): queued again, once; a job
    that failed JOB_MAX_ATTEMPTS times is left for a person."""
    DBTaskResult.objects.all().delete()
    assert not Document.objects.filter(agreement_version=concluded_version).exists()

    assert reconcile().documents_queued == [
        f"render_agreement({concluded_version.pk},)"
    ]
    (job,) = DBTaskResult.objects.filter(task_path="documents.tasks.render_agreement")
    assert job.args_kwargs["args"] == [concluded_version.pk]
    assert reconcile().total() == 0  # it is waiting: not queued twice
    assert repairs_recorded() == ["document_queued"]

    settings.JOB_MAX_ATTEMPTS = 2
    job.status, job.worker_ids = "FAILED", ["w1"]
    job.save()
    assert len(reconcile().documents_queued) == 1  # one failure: tried again
    DBTaskResult.objects.filter(status="READY").update(
        status="FAILED", worker_ids=["w2"]
    )
    assert reconcile().total() == 0  # two failures: given up
    assert repairs_recorded() == ["document_queued", "document_queued"]


def test_the_command_says_what_it_repaired(world, capsys):
    call_command("reconcile")
    assert capsys.readouterr().out.startswith("0 flows gestart, 0 documenten")
