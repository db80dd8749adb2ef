"""Helpers of the escalation tests: a location driven to a deadlock through two
rejected approval rounds, the branch's flows and tasks, documents read back."""

from __future__ import annotations

import hashlib

from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.models import AuditEvent, Location
from documents.constants import DocumentKind
from documents.models import Document
from workflows.escalation import DesignationFlow, EscalationFlow

from ..conftest import token_client
from ..workflows.rounds import approval_task_of, decide, submit_round

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)

REASON_ONE = "De grondprijs in versie 1 is voor ons onaanvaardbaar."
REASON_TWO = "Versie 2 verschuift het tekort naar de ontwikkelaar."

DESIGNATION = {
    "instrument": "instruction",
    "legal_basis": "Instructiebesluit op grond van de Omgevingswet.",
    "national_interest": "Versnelde woningbouw op een doorbraaklocatie.",
}


def reject_twice(location: Location, case_manager, first, second) -> None:
    """Two approval rounds of the heads of agreement, each rejected by a party."""
    process = submit_round(location, case_manager)
    decide(approval_task_of(process, first), "reject", REASON_ONE)
    process = submit_round(location, case_manager)
    decide(approval_task_of(process, second), "reject", REASON_TWO)


def fire(user, location: Location, transition: str, **extra):
    return token_client(user).post(
        f"/api/v1/locations/{location.pk}/transitions/",
        {"transition": transition, "reason": f"Test: {transition}.", **extra},
        format="json",
    )


def process_of(flow_class, location: Location) -> Process:
    return Process.objects.filter(
        flow_class=flow_class, data__location=location.pk
    ).get()


def escalation_process(location: Location) -> Process:
    return process_of(EscalationFlow, location)


def designation_process(location: Location) -> Process:
    return process_of(DesignationFlow, location)


def human_task(process: Process, node) -> Task:
    return Task.objects.get(process=process, flow_task=node)


def open_tasks_of(location: Location):
    """Every open task (human or timer) of the location's escalation branch."""
    return Task.objects.filter(
        process__flow_class__in=[EscalationFlow, DesignationFlow],
        process__data__location=location.pk,
    ).exclude(status__in=[STATUS.DONE, STATUS.CANCELED])


def running_processes(location: Location):
    return Process.objects.filter(
        flow_class__in=[EscalationFlow, DesignationFlow],
        data__location=location.pk,
        status=PROCESS.NEW,
    )


def document(location: Location, kind: str) -> Document:
    return Document.objects.get(location=location, kind=kind)


def content(doc: Document) -> bytes:
    with doc.file.open("rb") as handle:
        return handle.read()


def assert_frozen(doc: Document) -> bytes:
    """The stored file's hash is the document's, and the audit trail names it."""
    pdf = content(doc)
    assert hashlib.sha256(pdf).hexdigest() == doc.sha256
    event = AuditEvent.objects.get(action="document_frozen", data__document=doc.pk)
    assert event.data["sha256"] == doc.sha256
    assert event.data["kind"] == doc.kind
    return pdf


KINDS = DocumentKind
