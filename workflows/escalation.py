"""The escalation branch (design §4) on viewflow.

- `EscalationFlow` starts when the ministry's `escalate` commits: it freezes the
  evidence dossier, then the case manager records the administrative consultation
  (bestuurlijk overleg). Outcome *breakthrough*: the ministry resumes the negotiation.
  Outcome *deadlock remains*: the ministry decides on intervention (start the
  designation procedure, resume the negotiation, or withdraw the location).
- `DesignationFlow` starts when `start_designation` commits: it freezes the draft
  designation decision, waits out the consultation period (a database timer) while
  views are recorded on the location page, and then gives the ministry the task to
  take the final decision (final PDF with the views and the response, `designate`).

Casework does not import this module: `casework.signals.location_transitioned` tells
it of every transition. A transition that leaves the procedure from outside its own
tasks (the ministry resumes the negotiation on the location page because the parties
agreed after all) cancels the procedure's open tasks and timers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.nodes import View
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework import services as casework
from casework.constants import DeadlineKind, LocationPerm, Stage, TransitionName
from casework.limits import TEXT_MAX
from casework.models import (
    ConsultationOutcome,
    Designation,
    DesignationView,
    Escalation,
    Location,
)
from casework.validation import require_text_within
from documents import services as documents
from documents import tasks as document_tasks
from evidence.constants import EvidenceSubject
from evidence.services import evidence_cite
from permissions.checks import has_global_perm, has_object_perm
from permissions.constants import OrganisationKind
from permissions.errors import Conflict, InvalidInput

from . import deadlines, views
from .flows import (
    OPEN_TASK_STATUSES,
    DeadlineFacts,
    DoorbraakFlow,
    active_user,
    location_of,
)
from .models import DesignationProcess, EscalationProcess
from .notifications import translatable

# Working days each human task of the branch gets (settings may override them).
CONSULTATION_WORKING_DAYS = "ESCALATION_CONSULTATION_WORKING_DAYS"
DECISION_WORKING_DAYS = "ESCALATION_DECISION_WORKING_DAYS"
DEFAULT_WORKING_DAYS = {CONSULTATION_WORKING_DAYS: 20, DECISION_WORKING_DAYS: 10}


def working_days(name: str) -> int:
    return int(getattr(settings, name, DEFAULT_WORKING_DAYS[name]))


# --- Who does the tasks -------------------------------------------------------------


def role_holders(perm: str):
    """Active users holding `perm` model-wide (a programme-wide role)."""
    app_label, codename = perm.split(".", 1)
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        get_user_model()
        ._default_manager.filter(granted, is_active=True)
        .distinct()
        .order_by("pk")
    )


class RoleTask(View):
    """A task for a programme-wide role at one location: the case manager
    (`manage_location`) or the ministry (`direct_location`).

    The task asks for that permission on the location, so viewflow's queue shows it
    to every holder of the role and to nobody else (not to the parties). With exactly
    one holder it is assigned to them at once; whoever does it must still hold the
    permission then.
    """

    def __init__(self, view, permission: str, **kwargs):
        super().__init__(view, **kwargs)
        self._role_permission = permission
        self.Permission(permission, obj=location_of)

    @property
    def role_permission(self) -> str:
        return self._role_permission

    def calc_owner(self, activation):
        holders = list(role_holders(self._role_permission)[:2])
        return holders[0] if len(holders) == 1 else None

    def may_act(self, user, task) -> bool:
        return bool(user and user.is_authenticated) and has_object_perm(
            user, self._role_permission, location_of(task.process)
        )

    def can_assign(self, user, task):
        return not task.owner_id and self.may_act(user, task)

    def can_execute(self, user, task):
        return task.owner_id == getattr(user, "pk", None) and self.may_act(user, task)


def _may_see_procedure(user, location_id) -> bool:
    location = Location.objects.filter(pk=location_id).first()
    return location is not None and (
        has_object_perm(user, LocationPerm.MANAGE, location)
        or has_object_perm(user, LocationPerm.DIRECT, location)
    )


class EscalationBranchFlow(DoorbraakFlow):
    """What the two flows of the branch share: their pages are for the ministry and
    case managers only (a party sees the escalation on the location page, not the
    internal deliberation), their tasks belong to a role, and their deadlines are
    recorded as escalation deadlines."""

    internal = True

    def has_view_permission(self, user, obj=None):
        if not (user and user.is_authenticated):
            return False
        if obj is None:
            return has_global_perm(user, LocationPerm.MANAGE) or has_global_perm(
                user, LocationPerm.DIRECT
            )
        location_id = (getattr(obj, "data", None) or {}).get("location")
        return location_id is not None and _may_see_procedure(user, location_id)

    def shows_tasks_to(self, user, task) -> bool:
        # The parties see that their location is escalated, not the deliberation: a
        # task of the branch is not there for them (a 404, as for a missing one).
        return _may_see_procedure(user, (task.process.data or {}).get("location"))

    def claimants(self, task) -> list:
        node = task.flow_task
        if isinstance(node, RoleTask):
            return list(role_holders(node.role_permission))
        return super().claimants(task)

    # What each human task is, in the words of its deadline messages.
    task_descriptions: dict[str, str] = {}

    def deadline_facts(self, activation, task) -> DeadlineFacts:
        location = location_of(activation.process)
        node = task.flow_task
        organisation = None
        if node.role_permission == LocationPerm.DIRECT:
            party = (
                location.parties.filter(organisation__kind=OrganisationKind.MINISTRY)
                .select_related("organisation")
                .order_by("pk")
                .first()
            )
            organisation = party.organisation if party else None
        title = str(node.task_title)
        return DeadlineFacts(
            location=location,
            kind=DeadlineKind.ESCALATION,
            reference=f"task:{task.pk}",
            organisation=organisation,
            description=translatable(
                _("%(what)s bij %(location)s, uiterlijk %(due)s."),
                what=self.task_descriptions.get(node.name, title),
                location=location.name,
                due=deadlines.task_due(task).strftime("%d-%m-%Y"),
            ),
            reminder_subject=translatable(_("Herinnering: %(title)s"), title=title),
            overdue_subject=translatable(
                _("Termijn verstreken: %(title)s"), title=title
            ),
        )

    def due_in(self, name: str) -> dict:
        return {"due": deadlines.due_in_working_days(working_days(name)).isoformat()}


class EscalationFlow(EscalationBranchFlow):
    """The escalation of one location: evidence dossier, administrative consultation,
    and the ministry's decision on what follows."""

    process_class = EscalationProcess
    process_title = _("Escalatie")
    process_description = _(
        "Bewijsdossier, bestuurlijk overleg en het besluit van het ministerie."
    )

    task_descriptions = {
        "consult": _("De procesregisseur legt het bestuurlijk overleg vast"),
        "resume": _("Het ministerie hervat de onderhandeling"),
        "intervene": _("Het ministerie besluit over ingrijpen"),
    }

    start = flow.StartHandle(this.start_escalation).Next(this.freeze_dossier)
    freeze_dossier = flow.Function(this.freeze_evidence_dossier).Next(
        this.consult, task_data=this.consultation_due
    )

    consult = (
        RoleTask(views.ConsultationTaskView.as_view(), LocationPerm.MANAGE)
        .Annotation(title=_("Bestuurlijk overleg vastleggen"))
        .onCreate(this.task_created)
        .OnTimeout(this.reminder_at, this.remind, interrupting=False)
        .OnTimeout(this.overdue_at, this.mark_overdue, interrupting=False)
        .Next(this.outcome)
    )
    outcome = (
        flow.If(this.deadlock_remains)
        .Then(this.intervene, task_data=this.decision_due)
        .Else(this.resume, task_data=this.decision_due)
    )

    resume = (
        RoleTask(views.ResumeTaskView.as_view(), LocationPerm.DIRECT)
        .Annotation(title=_("Onderhandeling hervatten"))
        .onCreate(this.task_created)
        .OnTimeout(this.reminder_at, this.remind, interrupting=False)
        .OnTimeout(this.overdue_at, this.mark_overdue, interrupting=False)
        .Next(this.end)
    )
    intervene = (
        RoleTask(views.InterventionTaskView.as_view(), LocationPerm.DIRECT)
        .Annotation(title=_("Besluiten over ingrijpen"))
        .onCreate(this.task_created)
        .OnTimeout(this.reminder_at, this.remind, interrupting=False)
        .OnTimeout(this.overdue_at, this.mark_overdue, interrupting=False)
        .Next(this.end)
    )

    remind = flow.Function(this.send_reminder).Next(this.deadline_end)
    mark_overdue = flow.Function(this.record_overdue).Next(this.deadline_end)
    deadline_end = flow.End()
    end = flow.End()

    def start_escalation(self, activation, *, escalation: Escalation, actor):
        process = activation.process
        process.artifact = escalation
        process.data = {
            "location": escalation.location_id,
            "escalation": escalation.pk,
            "escalated_by": getattr(actor, "pk", None),
        }
        return process

    def freeze_evidence_dossier(self, activation):
        """The dossier is a background job, queued in the transaction that starts the
        flow (the escalation's own): WeasyPrint never runs in the ministry's request,
        and a crash after the commit cannot lose it. The consultation task does not
        wait for it; the location page says it is being made until it is there."""
        process = activation.process
        document_tasks.queue_evidence_dossier(
            process.data["escalation"], process.data.get("escalated_by")
        )

    def consultation_due(self, activation):
        return self.due_in(CONSULTATION_WORKING_DAYS)

    def decision_due(self, activation):
        return self.due_in(DECISION_WORKING_DAYS)

    def deadlock_remains(self, activation) -> bool:
        outcome = (
            Escalation.objects.filter(pk=activation.process.data["escalation"])
            .values_list("consultation_outcome", flat=True)
            .get()
        )
        return outcome == ConsultationOutcome.DEADLOCK_REMAINS


class DesignationFlow(EscalationBranchFlow):
    """A designation procedure: the draft decision lies open for views for the
    consultation period, after which the ministry takes the final decision."""

    process_class = DesignationProcess
    process_title = _("Aanwijzingsprocedure")
    process_description = _(
        "Ontwerpbesluit, zienswijzetermijn en het definitieve aanwijzingsbesluit."
    )

    task_descriptions = {
        "decide": _("Het ministerie neemt het definitieve aanwijzingsbesluit"),
    }

    start = flow.StartHandle(this.start_designation).Next(this.freeze_draft)
    freeze_draft = flow.Function(this.freeze_draft_decision).Next(
        this.consultation_period
    )
    consultation_period = flow.Timer(this.period_ends_at).Next(this.close_period)
    close_period = flow.Function(this.record_period_closed).Next(
        this.decide, task_data=this.decision_due
    )
    decide = (
        RoleTask(views.FinalDecisionTaskView.as_view(), LocationPerm.DIRECT)
        .Annotation(title=_("Definitief aanwijzingsbesluit nemen"))
        .onCreate(this.task_created)
        .OnTimeout(this.reminder_at, this.remind, interrupting=False)
        .OnTimeout(this.overdue_at, this.mark_overdue, interrupting=False)
        .Next(this.end)
    )

    remind = flow.Function(this.send_reminder).Next(this.deadline_end)
    mark_overdue = flow.Function(this.record_overdue).Next(this.deadline_end)
    deadline_end = flow.End()
    end = flow.End()

    def start_designation(self, activation, *, designation: Designation, actor):
        process = activation.process
        process.artifact = designation
        process.data = {
            "location": designation.location_id,
            "designation": designation.pk,
            "started_by": getattr(actor, "pk", None),
        }
        return process

    def freeze_draft_decision(self, activation):
        """A background job too, queued in the transaction of `start_designation`."""
        process = activation.process
        document_tasks.queue_draft_designation(
            process.data["designation"], process.data.get("started_by")
        )

    def period_ends_at(self, activation):
        """The morning after the last day of the consultation period."""
        ends_on = (
            Designation.objects.filter(pk=activation.process.data["designation"])
            .values_list("consultation_ends_on", flat=True)
            .get()
        )
        return deadlines.overdue_moment(ends_on)

    def record_period_closed(self, activation):
        casework.designation_consultation_closed(
            designation=activation.process.designation
        )

    def decision_due(self, activation):
        return self.due_in(DECISION_WORKING_DAYS)


BRANCH_FLOWS = (EscalationFlow, DesignationFlow)


# --- Doing the tasks (the task pages and `workflows.services.task_complete`) --------

# Processes whose own task is firing a transition right now: the transition must not
# cancel them (their flow moves on by itself once the task is done).
_driving: ContextVar[frozenset[int]] = ContextVar("driving", default=frozenset())


@contextmanager
def driving(process_pk: int) -> Iterator[None]:
    token = _driving.set(_driving.get() | {process_pk})
    try:
        yield
    finally:
        _driving.reset(token)


def _location(activation) -> Location:
    return Location.objects.get(pk=activation.process.data["location"])


def _done(activation, **data) -> None:
    casework.deadline_resolve(reference=f"task:{activation.task.pk}")
    activation.task.data.update(data)
    activation.execute()


def record_consultation(
    activation,
    *,
    user,
    held_on,
    participants: str,
    outcome: str,
    summary: str = "",
    evidence=(),
) -> None:
    location = _location(activation)
    escalation = casework.escalation_record_consultation(
        location=location,
        actor=user,
        held_on=held_on,
        participants=participants,
        outcome=outcome,
        summary=summary,
    )
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.CONSULTATION,
        subject_id=escalation.pk,
        location=location,
        actor=user,
    )
    _done(activation, outcome=outcome)


def resume_negotiation(activation, *, user, reason: str) -> None:
    with driving(activation.process.pk):
        casework.location_transition(
            location=_location(activation),
            transition=TransitionName.RESUME_NEGOTIATION,
            actor=user,
            reason=reason,
        )
    _done(activation, decision=TransitionName.RESUME_NEGOTIATION)


INTERVENTIONS = (
    TransitionName.START_DESIGNATION,
    TransitionName.RESUME_NEGOTIATION,
    TransitionName.WITHDRAW,
)


def decide_intervention(
    activation,
    *,
    user,
    decision: str,
    reason: str,
    note: str = "",
    **designation,
) -> None:
    """The ministry decides what follows a deadlock. `note` is its internal
    deliberation: kept on the task, shown to the ministry and case managers only."""
    if decision not in INTERVENTIONS:
        raise InvalidInput(
            gettext("Kies: %(choices)s.") % {"choices": ", ".join(INTERVENTIONS)}
        )
    extra = designation if decision == TransitionName.START_DESIGNATION else {}
    note = require_text_within(
        note or "", field=gettext("Interne afweging"), limit=TEXT_MAX
    )
    with driving(activation.process.pk):
        casework.location_transition(
            location=_location(activation),
            transition=decision,
            actor=user,
            reason=reason,
            **extra,
        )
    _done(activation, decision=decision, note=(note or "").strip())


FINAL_DECISIONS = (
    TransitionName.DESIGNATE,
    TransitionName.RESUME_NEGOTIATION,
    TransitionName.WITHDRAW,
)


def take_final_decision(
    activation, *, user, decision: str, reason: str, response: str = ""
) -> None:
    """The ministry decides after the consultation period: designate (the final
    decision's PDF is frozen with the views and `response`, then `designate` fires),
    or refrain (resume the negotiation, or withdraw)."""
    if decision not in FINAL_DECISIONS:
        raise InvalidInput(
            gettext("Kies: %(choices)s.") % {"choices": ", ".join(FINAL_DECISIONS)}
        )
    location = _location(activation)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(gettext("Geef een reden op."))
    # Before the decision's PDF is rendered: its texts are within their limits.
    require_text_within(reason, field=gettext("Reden"), limit=TEXT_MAX)
    require_text_within(
        response, field=gettext("Reactie op de zienswijzen"), limit=TEXT_MAX
    )
    data = {"decision": decision}
    with driving(activation.process.pk):
        if decision == TransitionName.DESIGNATE:
            document = documents.final_designation_document(
                designation=activation.process.designation,
                actor=user,
                response=response,
            )
            data["document"] = document.pk
        casework.location_transition(
            location=location, transition=decision, actor=user, reason=reason
        )
    _done(activation, **data)


def task_handlers() -> dict:
    """What doing each task of the branch means, for `services.task_complete`."""

    def consult(activation, user, payload):
        held_on = payload.get("held_on")
        if isinstance(held_on, str):
            try:
                held_on = datetime.date.fromisoformat(held_on)
            except ValueError:
                raise InvalidInput(
                    gettext("Ongeldige datum: ‘%(value)s’.") % {"value": held_on}
                ) from None
        record_consultation(
            activation,
            user=user,
            held_on=held_on,
            participants=payload.get("participants", ""),
            outcome=payload.get("outcome", ""),
            summary=payload.get("summary", ""),
            evidence=payload.get("evidence", []),
        )

    def resume(activation, user, payload):
        resume_negotiation(activation, user=user, reason=payload.get("reason", ""))

    def intervene(activation, user, payload):
        decide_intervention(
            activation,
            user=user,
            decision=payload.get("decision", ""),
            reason=payload.get("reason", ""),
            note=payload.get("note", ""),
            **{
                key: payload.get(key, "")
                for key in ("instrument", "legal_basis", "national_interest")
            },
        )

    def decide(activation, user, payload):
        take_final_decision(
            activation,
            user=user,
            decision=payload.get("decision", ""),
            reason=payload.get("reason", ""),
            response=payload.get("response", ""),
        )

    escalation, designation = EscalationFlow.instance, DesignationFlow.instance
    return {
        escalation.consult: consult,
        escalation.resume: resume,
        escalation.intervene: intervene,
        designation.decide: decide,
    }


# --- Following the location's stage -------------------------------------------------


def _start_escalation_flow(escalation_id: int, actor_id) -> Process | None:
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


def _start_designation_flow(designation_id: int, actor_id) -> Process | None:
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
            process = _start_escalation_flow(escalation.pk, escalation.opened_by_id)
            if process is not None:
                started.append(process)
        designation = location.designations.filter(closed_at__isnull=True).first()
        if designation is not None:
            process = _start_designation_flow(
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


def end_open_procedures(
    *, location: Location, actor, transition: str, flows=BRANCH_FLOWS
) -> list[str]:
    """Cancel the open tasks and timers of the location's running escalation and
    designation processes (except the one whose task fires the transition), and say
    so in the audit trail. Returns the titles of the human tasks that lapsed."""
    skip = _driving.get()
    processes = (
        Process.objects.filter(
            flow_class__in=list(flows),
            data__location=location.pk,
            status=PROCESS.NEW,
        )
        .exclude(pk__in=list(skip))
        .order_by("pk")
    )
    lapsed: list[str] = []
    for process in processes:
        flow_class = process.flow_class
        with flow_class.lock(process.pk):
            process.refresh_from_db()
            if process.status != PROCESS.NEW:
                continue
            for task in process.task_set.exclude(
                status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED]
            ).order_by("pk"):
                activation = task.flow_task.activation_class(task)
                if task.flow_task_type == "HUMAN" and task.status in OPEN_TASK_STATUSES:
                    lapsed.append(str(task.flow_task.task_title))
                    casework.deadline_resolve(reference=f"task:{task.pk}")
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
    if lapsed:
        casework.procedure_ended_record(
            location=location, actor=actor, transition=transition, tasks=lapsed
        )
    return lapsed


def follow_transition(
    sender, *, location, transition, actor, reason, data, **kwargs
) -> None:
    """Receiver of `casework.signals.location_transitioned`.

    The branch flows start inside the transition's transaction: the escalation and its
    flow (with its first task and the queued dossier job) commit together or not at
    all, so a process that dies after the commit leaves nothing undone. Starting a
    flow is a few inserts; the documents it needs are jobs (see the flows above)."""
    actor_id = getattr(actor, "pk", None)
    if transition == TransitionName.ESCALATE:
        _start_escalation_flow(data["escalation"], actor_id)
    elif transition == TransitionName.START_DESIGNATION:
        end_open_procedures(
            location=location,
            actor=actor,
            transition=transition,
            flows=(EscalationFlow,),
        )
        _start_designation_flow(data["designation"], actor_id)
    elif transition in (
        TransitionName.RESUME_NEGOTIATION,
        TransitionName.WITHDRAW,
        TransitionName.DESIGNATE,
    ):
        end_open_procedures(location=location, actor=actor, transition=transition)


def period_end_label(designation: Designation) -> str:
    return date_format(designation.consultation_ends_on, "j F Y")


# --- What the location page and the task pages show --------------------------------


@dataclass
class EscalationFacts:
    """The escalation branch of one location as it stands: the escalation (open, or
    the one that led to the designation), its designation procedure, the views
    received, the impasse signals it cites, and the open tasks of its flows."""

    escalation: Escalation | None
    designation: Designation | None = None
    views: list[DesignationView] = field(default_factory=list)
    signals: list = field(default_factory=list)
    open_tasks: list[Task] = field(default_factory=list)
    intervention: dict | None = None

    @property
    def period_running(self) -> bool:
        return (
            self.designation is not None
            and self.designation.closed_at is None
            and not self.designation.consultation_elapsed()
        )


BRANCH_STAGES = (Stage.ESCALATED, Stage.DESIGNATION_PROCEDURE, Stage.DESIGNATED)


def escalation_facts(location: Location) -> EscalationFacts:
    """At most six queries, whatever the number of views, signals or tasks; none for
    a location outside the escalation branch."""
    if location.stage not in BRANCH_STAGES:
        return EscalationFacts(escalation=None)
    escalation = (
        location.escalations.filter(closed_at__isnull=True)
        .select_related("opened_by")
        .first()
    )
    designation = (
        location.designations.filter(closed_at__isnull=True)
        .select_related("escalation")
        .first()
    )
    if designation is None and location.stage == Stage.DESIGNATED:
        designation = (
            location.designations.select_related("escalation")
            .order_by("-started_at", "-pk")
            .first()
        )
    if escalation is None and designation is not None:
        escalation = designation.escalation
    if escalation is None:
        return EscalationFacts(escalation=None)
    tasks = list(
        Task.objects.filter(
            process__flow_class__in=list(BRANCH_FLOWS),
            process__data__location=location.pk,
            flow_task_type="HUMAN",
        )
        .filter(
            Q(process__data__escalation=escalation.pk)
            | Q(process__data__designation=getattr(designation, "pk", None))
        )
        .select_related("owner", "process")
        .order_by("pk")
    )
    intervention = next(
        (
            {
                **task.data,
                "label": TransitionName(task.data["decision"]).label
                if task.data.get("decision") in TransitionName.values
                else "",
            }
            for task in reversed(tasks)
            if task.status == STATUS.DONE
            and task.flow_task == EscalationFlow.instance.intervene
        ),
        None,
    )
    return EscalationFacts(
        escalation=escalation,
        designation=designation,
        views=list(designation.views.order_by("submitted_on", "pk"))
        if designation is not None
        else [],
        signals=list(escalation.signals.select_related("waiting_on").order_by("pk")),
        open_tasks=[task for task in tasks if task.status in OPEN_TASK_STATUSES],
        intervention=intervention,
    )
