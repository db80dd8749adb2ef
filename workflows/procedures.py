"""The workflow follows the location's stage: the escalation branch's flows start and
stop with the transitions that enter and leave the procedure.

Casework does not import the workflow layer; `casework.services.location_transition`
sends `casework.signals.location_transitioned` inside the transition's transaction,
and `follow_transition` here is its receiver (connected in `WorkflowsConfig.ready`):

- `escalate` starts the escalation flow, `start_designation` ends it and starts the
  designation flow;
- `resume_negotiation`, `withdraw` and `designate` end the running procedure: its open
  tasks are cancelled, with one audit event naming the tasks that lapsed.
- a transition that takes the location out of the stage of a running approval round
  (`escalate`, `withdraw`) stops that round: casework ends its version, and here its
  open decisions, timers and revision task are cancelled and the people who held
  them are told why (no task is left that cannot be done).
  A transition fired by a task of the procedure itself names its process
  (`from_process`): that one is not cancelled, it finishes by itself.

`manage.py reconcile` and the demo start a flow that is missing with the same
functions (`ensure_branch_flows`).

`follow_period` receives `casework.signals.designation_period_set`: when the
ministry records the notice of the draft designation decision, the designation
flow's timer is moved to the morning after the period's postal week.
"""

from __future__ import annotations

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from accounts.constants import NotificationKind
from casework import services as casework
from casework.constants import (
    AGREEMENT_STAGE,
    SYSTEM_TRANSITIONS,
    Stage,
    TransitionName,
)
from casework.models import AgreementVersion, Designation, Escalation, Location
from documents import tasks as document_tasks
from permissions.errors import Conflict

from .constants import OPEN_TASK_STATUSES
from .deadlines import task_reference
from .escalation import DesignationFlow, EscalationFlow, consultation_timer_moment
from .flows import ApprovalRoundFlow
from .nodes import active_user
from .notifications import notify, translatable

BRANCH_FLOWS = (EscalationFlow, DesignationFlow)

# The receiver's key in the signal (kept from when it lived in `workflows.escalation`:
# what disconnects it, a test or an operator's shell, names it so).
DISPATCH_UID = "workflows.escalation.follow_transition"
PERIOD_DISPATCH_UID = "workflows.procedures.follow_period"


def follow_period(sender, *, designation: Designation, **kwargs) -> int:
    """The designation's consultation period has its end: its flow's timer, still
    waiting, fires the morning after the postal week (one UPDATE, in the notice's
    transaction). The number of timers moved."""
    return Task.objects.filter(
        process__flow_class=DesignationFlow,
        process__data__designation=designation.pk,
        process__status=PROCESS.NEW,
        flow_task=DesignationFlow.instance.consultation_period,
        status=STATUS.SCHEDULED,
    ).update(scheduled=consultation_timer_moment(designation))


def start_escalation_flow(escalation_id: int, actor_id) -> Process | None:
    """Start the escalation flow of an open escalation, unless it has one; the new
    process, or None. Locks the escalation, so two callers (the transition and
    `manage.py reconcile`) cannot both start one."""
    escalation = (
        Escalation.objects.select_for_update()
        .filter(pk=escalation_id, closed_at__isnull=True)
        .select_related("location")
        .first()
    )
    if escalation is None or escalation.location.stage != Stage.ESCALATED:
        return None
    if Process.objects.filter(
        flow_class=EscalationFlow, data__escalation=escalation.pk
    ).exists():
        return None
    return EscalationFlow.start.run(escalation=escalation, actor=active_user(actor_id))


def start_designation_flow(designation_id: int, actor_id) -> Process | None:
    """Start the designation flow of an open designation procedure, unless it has
    one; the new process, or None. Locks the designation (see above)."""
    designation = (
        Designation.objects.select_for_update()
        .filter(pk=designation_id, closed_at__isnull=True)
        .select_related("location")
        .first()
    )
    if designation is None or designation.location.stage != Stage.DESIGNATION_PROCEDURE:
        return None
    if Process.objects.filter(
        flow_class=DesignationFlow, data__designation=designation.pk
    ).exists():
        return None
    return DesignationFlow.start.run(
        designation=designation, actor=active_user(actor_id)
    )


def designation_started_by(location: Location):
    """Who fired the `start_designation` of the location's latest procedure."""
    return (
        location.audit_events.filter(transition=TransitionName.START_DESIGNATION)
        .order_by("-at", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )


def ensure_branch_flows(location: Location) -> list[Process]:
    """Start the flow of an open escalation or designation that has none (a location
    escalated before the flows started in the transition's own transaction, or
    repaired by `manage.py reconcile`). Idempotent; the processes it started."""
    location = Location.objects.get(pk=location.pk)
    started: list[Process] = []
    with transaction.atomic():
        escalation = location.escalations.filter(closed_at__isnull=True).first()
        if escalation is not None and location.stage == Stage.ESCALATED:
            process = start_escalation_flow(escalation.pk, escalation.opened_by_id)
            if process is not None:
                started.append(process)
        designation = location.designations.filter(closed_at__isnull=True).first()
        if designation is not None:
            process = start_designation_flow(
                designation.pk, designation_started_by(location)
            )
            if process is not None:
                started.append(process)
    return started


def freeze_branch_documents(location: Location) -> None:
    """Freeze now, in this process, the evidence dossier and the draft decision of the
    location's open escalation and designation that are still waiting for their jobs:
    for batch commands (the demo) and test set-ups that need them at once, never for a
    request. The queued jobs then find them frozen and change nothing."""
    open_escalation = location.escalations.filter(
        closed_at__isnull=True, dossier_sha256=""
    ).first()
    if open_escalation is not None:
        document_tasks.freeze_evidence_dossier.call(
            open_escalation.pk, open_escalation.opened_by_id
        )
    designation = location.designations.filter(
        closed_at__isnull=True, draft_sha256=""
    ).first()
    if designation is not None:
        document_tasks.freeze_draft_designation.call(
            designation.pk, designation_started_by(location)
        )


def _cancel_open_tasks(process: Process) -> list:
    """Cancel the open tasks and timers of a running process (its lock held by the
    caller) and the process itself; its human tasks that were open, which lapsed."""
    process.refresh_from_db()
    if process.status != PROCESS.NEW:
        return []
    lapsed = []
    for task in process.task_set.exclude(
        status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED]
    ).order_by("pk"):
        activation = task.flow_task.activation_class(task)
        if task.flow_task_type == "HUMAN" and task.status in OPEN_TASK_STATUSES:
            lapsed.append(task)
            casework.deadline_resolve(reference=task_reference(task))
        cancel = getattr(activation, "cancel", None)
        if cancel is None or not cancel.can_proceed():
            raise Conflict(
                gettext(
                    "Een taak van de lopende procedure wordt op dit moment "
                    "gedaan; probeer het zo opnieuw."
                )
            )
        cancel()
    process.status = PROCESS.CANCELED
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])
    return lapsed


def end_open_procedures(
    *,
    location: Location,
    actor,
    transition: str,
    flows=BRANCH_FLOWS,
    from_process: int | None = None,
) -> list[str]:
    """Cancel the open tasks and timers of the location's running escalation and
    designation processes (except `from_process`, whose own task fires the transition:
    it moves on by itself once that task is done), and say so in the audit trail.
    Returns the titles of the human tasks that lapsed."""
    processes = Process.objects.filter(
        flow_class__in=list(flows),
        data__location=location.pk,
        status=PROCESS.NEW,
    )
    if from_process is not None:
        processes = processes.exclude(pk=from_process)
    processes = processes.order_by("pk")
    lapsed: list[str] = []
    for process in processes:
        with process.flow_class.lock(process.pk):
            lapsed += [
                str(task.flow_task.task_title) for task in _cancel_open_tasks(process)
            ]
    if lapsed:
        casework.procedure_ended_record(
            location=location, actor=actor, transition=transition, tasks=lapsed
        )
    return lapsed


def _lock_round_or_conflict(process: Process) -> None:
    """Lock a round's process without waiting: a signatory deciding in it at this
    moment holds it (and then waits for the agreement version this transition has
    locked), so waiting would deadlock. The transition is refused instead, nothing
    changed; the official tries again a moment later."""
    try:
        with transaction.atomic():
            Process.objects.select_for_update(nowait=True).filter(pk=process.pk).get()
    except DatabaseError:
        raise Conflict(
            gettext(
                "Op dit moment besluit een partij in de lopende goedkeuringsronde; "
                "probeer het zo opnieuw."
            )
        ) from None


def end_rounds_left_behind(*, location: Location, actor, transition: str) -> list:
    """Stop the location's running approval rounds whose agreement belongs to another
    stage than the location is in now (it was escalated or withdrawn; casework has
    ended their versions in the same transition): their open decisions, timers and
    revision tasks are cancelled, one audit event names the tasks that lapsed, and
    everyone who held or could claim one is told why, in their language. Returns
    the lapsed tasks."""
    processes = Process.objects.filter(
        flow_class=ApprovalRoundFlow, data__location=location.pk, status=PROCESS.NEW
    ).order_by("pk")
    lapsed: list = []
    for process in processes:
        version = AgreementVersion.objects.select_related("agreement").get(
            pk=process.data["version"]
        )
        if AGREEMENT_STAGE[version.agreement.kind] == location.stage:
            continue
        _lock_round_or_conflict(process)
        tasks = _cancel_open_tasks(process)
        lapsed += tasks
        for task in tasks:
            _tell_round_stopped(task, version=version, location=location)
    if lapsed:
        casework.procedure_ended_record(
            location=location,
            actor=actor,
            transition=transition,
            tasks=[str(task.flow_task.task_title) for task in lapsed],
        )
    return lapsed


def _tell_round_stopped(task, *, version: AgreementVersion, location: Location):
    flow = ApprovalRoundFlow.instance
    people = [task.owner] if task.owner_id else flow.claimants(task)
    title = version.agreement.title
    notify(
        people,
        subject=translatable(_("Goedkeuringsronde gestopt: %(title)s"), title=title),
        message=translatable(
            _(
                "De goedkeuringsronde van ‘%(title)s’ (versie %(number)s) bij "
                "%(location)s is gestopt, omdat de locatie nu in de fase ‘%(stage)s’ "
                "is. Uw taak ‘%(task)s’ is vervallen: u hoeft hierover niet meer te "
                "besluiten."
            ),
            title=title,
            number=version.number,
            location=location.name,
            stage=Stage(location.stage).label,
            task=task.flow_task.task_title,
        ),
        url=f"/locations/{location.pk}/",
        kind=NotificationKind.PROCEDURE_STEP,
    )


def follow_transition(
    sender,
    *,
    location,
    transition,
    actor,
    reason,
    data,
    from_process: int | None = None,
    **kwargs,
) -> None:
    """Receiver of `casework.signals.location_transitioned`, sent by
    `casework.services.location_transition` inside the transition's transaction.

    The branch flows start in that transaction: the escalation and its flow (with its
    first task and the queued dossier job) commit together or not at all, so a process
    that dies after the commit leaves nothing undone. Starting a flow is a few
    inserts; the documents it needs are jobs (`workflows.escalation`). A transition
    that leaves the procedure cancels its open tasks and timers, except those of
    `from_process` (the process whose task fired it)."""
    actor_id = getattr(actor, "pk", None)
    if transition not in SYSTEM_TRANSITIONS:
        # A concluding transition is the round's own outcome: nothing to stop.
        end_rounds_left_behind(location=location, actor=actor, transition=transition)
    if transition == TransitionName.ESCALATE:
        start_escalation_flow(data["escalation"], actor_id)
    elif transition == TransitionName.START_DESIGNATION:
        end_open_procedures(
            location=location,
            actor=actor,
            transition=transition,
            flows=(EscalationFlow,),
            from_process=from_process,
        )
        start_designation_flow(data["designation"], actor_id)
    elif transition in (
        TransitionName.RESUME_NEGOTIATION,
        TransitionName.WITHDRAW,
        TransitionName.DESIGNATE,
    ):
        end_open_procedures(
            location=location,
            actor=actor,
            transition=transition,
            from_process=from_process,
        )
