"""Find and repair what an interrupted process left undone (`manage.py reconcile`, run
by the scheduler every minute).

The follow-ups of a change are written in the change's own transaction (the branch
flows start inside the transition, documents and e-mails are jobs in the database
queue: see `casework.jobs`), so a crash after a commit strands nothing by itself. What
can still be lost, and is repaired here, is derived from the casework facts, never
from a log of intentions:

- an open escalation of an escalated location without an escalation flow, an open
  designation procedure without its flow (data from before the flows started in the
  transition, or a queue that is not in the database): the flow is started;
- a frozen document that should exist but does not, with no job making it: an open
  escalation without its evidence dossier, an open designation procedure without its
  draft decision, a final designation decision taken whose PDF was never made (and
  whose `designate` therefore never fired), a concluded agreement version without
  its PDF: the job is queued
  (not after it has failed `JOB_MAX_ATTEMPTS` times: then a person must look);
- a job still RUNNING long after a worker took it (`JOB_STALE_SECONDS`: its worker was
  killed): queued again, or marked failed after `JOB_MAX_ATTEMPTS` attempts (each
  attempt is a worker id on the job; staff see failed jobs in the admin);
- a document file without its record, older than an hour (a process killed between
  writing the file and committing), in the month folders of the last weeks
  (`--all-files`: the whole store): removed. A file a document refers to is never
  removed.

Every repair is an audit event (`repaired`, with what was repaired in its data). Two
runs at once repair each thing once (the escalation, designation and job rows are
locked while they are repaired); a second run finds nothing to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework import jobs
from casework import services as casework
from casework.constants import AuditAction, Stage, TransitionName, VersionStatus
from casework.models import AgreementVersion, Designation, Escalation
from documents import services as documents
from documents import tasks as document_tasks
from documents.constants import DocumentKind

from . import procedures
from .escalation import DesignationFlow, EscalationFlow

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """What a job is marked failed with when its workers kept dying under it."""


@dataclass
class Repairs:
    flows_started: list[int] = field(default_factory=list)
    documents_queued: list[str] = field(default_factory=list)
    jobs_retried: list[str] = field(default_factory=list)
    jobs_failed: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    # The records whose flow this run started: that flow queued their document.
    started_for: set[tuple[str, int]] = field(default_factory=set)

    def total(self) -> int:
        return sum(
            len(items)
            for items in (
                self.flows_started,
                self.documents_queued,
                self.jobs_retried,
                self.jobs_failed,
                self.files_removed,
            )
        )


def _repaired(*, location=None, reason: str, **data) -> None:
    casework.audit_record(
        action=AuditAction.REPAIRED, location=location, reason=reason, data=data
    )


def branch_flows_repair(repairs: Repairs) -> None:
    """Start the missing escalation and designation flows (few locations are in the
    branch at a time: each is looked at, its lock taken only to start one)."""
    started = set(
        Process.objects.filter(flow_class=EscalationFlow).values_list(
            "data__escalation", flat=True
        )
    )
    escalations = Escalation.objects.filter(
        closed_at__isnull=True, location__stage=Stage.ESCALATED
    ).exclude(pk__in=[pk for pk in started if isinstance(pk, int)])
    for escalation in escalations.select_related("location").order_by("pk"):
        with transaction.atomic():
            process = procedures.start_escalation_flow(
                escalation.pk, escalation.opened_by_id
            )
            if process is not None:
                _repaired(
                    location=escalation.location,
                    reason=_("Escalatieflow gestart die na de escalatie ontbrak."),
                    repair="escalation_flow_started",
                    escalation=escalation.pk,
                    process=process.pk,
                )
                repairs.flows_started.append(process.pk)
                repairs.started_for.add(("escalation", escalation.pk))
    started = set(
        Process.objects.filter(flow_class=DesignationFlow).values_list(
            "data__designation", flat=True
        )
    )
    designations = Designation.objects.filter(
        closed_at__isnull=True, location__stage=Stage.DESIGNATION_PROCEDURE
    ).exclude(pk__in=[pk for pk in started if isinstance(pk, int)])
    for designation in designations.select_related("location").order_by("pk"):
        with transaction.atomic():
            process = procedures.start_designation_flow(
                designation.pk, procedures.designation_started_by(designation.location)
            )
            if process is not None:
                _repaired(
                    location=designation.location,
                    reason=_("Aanwijzingsflow gestart die na de overgang ontbrak."),
                    repair="designation_flow_started",
                    designation=designation.pk,
                    process=process.pk,
                )
                repairs.flows_started.append(process.pk)
                repairs.started_for.add(("designation", designation.pk))


def _queue_missing(repairs: Repairs, *, task, args: tuple, location, what: str) -> None:
    if jobs.job_pending(task, *args) or jobs.job_given_up(task, *args):
        return
    with transaction.atomic():
        _repaired(
            location=location,
            reason=_("Document opnieuw in de wachtrij gezet: %(what)s.")
            % {"what": what},
            repair="document_queued",
            task=task.module_path,
            args=list(args),
        )
        jobs.enqueue_with_transaction(task, *args)
    repairs.documents_queued.append(f"{task.name}{args!r}")


def final_designation_args(designation: Designation) -> tuple | None:
    """The arguments of the job that carries out a final designation decision taken
    by the ministry's task (`documents.tasks.take_final_designation`): who took it
    and their reason, as the task recorded them; None without such a task."""
    task = (
        Task.objects.filter(
            process__flow_class=DesignationFlow,
            process__data__designation=designation.pk,
            flow_task=DesignationFlow.instance.decide,
            status=STATUS.DONE,
            data__decision=TransitionName.DESIGNATE,
        )
        .order_by("-finished", "-pk")
        .first()
    )
    if task is None:
        return None
    return (designation.pk, task.owner_id, task.data.get("reason", ""))


def documents_repair(repairs: Repairs) -> None:
    """Queue the jobs of frozen documents that should exist and do not."""
    for escalation in (
        Escalation.objects.filter(closed_at__isnull=True, dossier_sha256="")
        .select_related("location")
        .order_by("pk")
    ):
        if ("escalation", escalation.pk) in repairs.started_for:
            continue
        _queue_missing(
            repairs,
            task=document_tasks.freeze_evidence_dossier,
            args=(escalation.pk, escalation.opened_by_id),
            location=escalation.location,
            what=_("bewijsdossier"),
        )
    for designation in (
        Designation.objects.filter(closed_at__isnull=True, draft_sha256="")
        .select_related("location")
        .order_by("pk")
    ):
        if ("designation", designation.pk) in repairs.started_for:
            continue
        _queue_missing(
            repairs,
            task=document_tasks.freeze_draft_designation,
            args=(
                designation.pk,
                procedures.designation_started_by(designation.location),
            ),
            location=designation.location,
            what=_("ontwerp-aanwijzingsbesluit"),
        )
    for designation in (
        Designation.objects.filter(
            closed_at__isnull=True,
            decided_at__isnull=False,
            location__stage=Stage.DESIGNATION_PROCEDURE,
        )
        .select_related("location")
        .order_by("pk")
    ):
        args = final_designation_args(designation)
        if args is None:
            logger.error(
                "Designation %s: final decision taken, no task that took it",
                designation.pk,
            )
            continue
        if jobs.job_state_for(document_tasks.take_final_designation, designation.pk):
            continue  # its job is waiting or running, or failed (a person looks)
        _queue_missing(
            repairs,
            task=document_tasks.take_final_designation,
            args=args,
            location=designation.location,
            what=_("aanwijzingsbesluit"),
        )
    for version in (
        AgreementVersion.objects.filter(status=VersionStatus.CONCLUDED)
        .exclude(documents__kind=DocumentKind.AGREEMENT)
        .select_related("agreement__location")
        .order_by("pk")
    ):
        _queue_missing(
            repairs,
            task=document_tasks.render_agreement,
            args=(version.pk,),
            location=version.agreement.location,
            what=_("PDF van de overeenkomst"),
        )


def stale_jobs_repair(repairs: Repairs) -> None:
    """Queue again (or give up on) the jobs whose worker died while running them."""
    if not jobs.queue_in_database(document_tasks.render_agreement):
        return
    max_attempts = jobs.job_max_attempts()
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=jobs.stale_cutoff())
            .order_by("started_at")
        )
        for job in stale:
            attempts = len(job.worker_ids)
            data = {
                "job": str(job.pk),
                "task": job.task_path,
                "attempts": attempts,
                "started_at": job.started_at.isoformat(),
            }
            if attempts < max_attempts:
                job.status = TaskResultStatus.READY
                job.save(update_fields=["status"])
                _repaired(
                    reason=_(
                        "Taak opnieuw in de wachtrij: de worker stopte tijdens het "
                        "uitvoeren."
                    ),
                    repair="job_retried",
                    **data,
                )
                repairs.jobs_retried.append(str(job.pk))
            else:
                job.status = TaskResultStatus.FAILED
                job.finished_at = timezone.now()
                job.exception_class_path = f"{__name__}.{WorkerLost.__qualname__}"
                job.traceback = (
                    f"The worker stopped while running this job, {attempts} times "
                    f"(the last attempt started at {job.started_at.isoformat()}); it "
                    "is not retried again."
                )
                job.save(
                    update_fields=[
                        "status",
                        "finished_at",
                        "exception_class_path",
                        "traceback",
                    ]
                )
                _repaired(
                    reason=_(
                        "Taak mislukt: de worker stopte bij elke poging. Een beheerder "
                        "moet kijken."
                    ),
                    repair="job_failed",
                    **data,
                )
                repairs.jobs_failed.append(str(job.pk))
                logger.error(
                    "Job %s (%s) given up after %d lost attempts",
                    job.pk,
                    job.task_path,
                    attempts,
                )


def files_repair(repairs: Repairs, *, everywhere: bool = False) -> None:
    """Remove the document files that no document refers to (in the recent month
    folders; `everywhere`: the whole store)."""
    for name in documents.orphan_files(everywhere=everywhere):
        if documents.orphan_file_remove(name=name):
            repairs.files_removed.append(name)


def reconcile(*, all_files: bool = False) -> Repairs:
    """Run every repair once, in order (a flow started here queues its document,
    so the documents step after it finds that job pending). A failing step is logged
    and the next one still runs. `all_files`: look for files without a document in
    the whole store, not only in the recent month folders."""
    repairs = Repairs()
    steps = (
        stale_jobs_repair,
        branch_flows_repair,
        documents_repair,
        partial(files_repair, everywhere=all_files),
    )
    for step in steps:
        try:
            step(repairs)
        except Exception:
            name = getattr(step, "__name__", None) or step.func.__name__
            logger.exception("Reconcile step %s failed", name)
            repairs.failed_steps.append(name)
    return repairs
