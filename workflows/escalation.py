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

The flows start and stop with the location's stage: `workflows.procedures` follows
every transition. What doing each task means is `workflows.handlers`.

Keep the flows at their paths and names: viewflow stores
`workflows/escalation.EscalationFlow` and the node names in the database.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from casework import services as casework
from casework.access import is_programme_staff
from casework.constants import ConsultationOutcome, DeadlineKind, LocationPerm
from casework.models import Designation, Escalation, Location
from casework.validation import DATE_MAX
from documents import tasks as document_tasks
from permissions.constants import OrganisationKind

from . import deadlines, views
from .constants import CONSULTATION_WORKING_DAYS, DECISION_WORKING_DAYS
from .deadlines import DeadlineFacts, task_reference
from .flows import DoorbraakFlow
from .models import DesignationProcess, EscalationProcess
from .nodes import RoleTask, location_of, role_holders
from .notifications import translatable


def consultation_timer_moment(designation: Designation) -> datetime.datetime:
    """When the designation flow's timer ends the consultation period: the morning
    after its postal week (`Designation.views_until`). Until the notice is recorded
    the period has no end and the timer waits at the end of the date window;
    recording the notice moves it (`workflows.procedures.follow_period`)."""
    return deadlines.overdue_moment(designation.views_until or DATE_MAX)


def _may_see_procedure(user, location_id) -> bool:
    location = Location.objects.filter(pk=location_id).first()
    return location is not None and is_programme_staff(user, location)


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
            return is_programme_staff(user)
        location_id = (getattr(obj, "data", None) or {}).get("location")
        return location_id is not None and _may_see_procedure(user, location_id)

    def shows_tasks_to(self, user, task) -> bool:
        # The parties see that their location is escalated, not the deliberation: a
        # task of the branch is not there for them (a 404, as for a missing one).
        return _may_see_procedure(user, (task.process.data or {}).get("location"))

    def claimants(self, task) -> list:
        node = task.flow_task
        if isinstance(node, RoleTask):
            location = location_of(task.process)
            return list(role_holders(node.role_permission, location.programme_id))
        return super().claimants(task)

    # What each human task is, in the words of its deadline messages.
    task_descriptions: dict[str, str] = {}

    def deadline_facts(self, activation, task) -> DeadlineFacts:
        location = location_of(activation.process)
        node = task.flow_task
        organisation = None
        if node.role_permission == LocationPerm.DIRECT:
            # The escalating authority: the programme's province, or the Rijk (the
            # location's ministry party).
            organisation = location.programme.escalating_authority
        if node.role_permission == LocationPerm.DIRECT and organisation is None:
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
            reference=task_reference(task),
            organisation=organisation,
            description=translatable(
                _("%(what)s bij %(location)s, uiterlijk %(due)s."),
                what=self.task_descriptions.get(node.name, title),
                location=location.name,
                due=deadlines.task_due(task).strftime("%d-%m-%Y"),
            ),
            title=title,
        )

    def due_in(self, activation, name: str) -> dict:
        """The due date of a task of the branch: the working days of the location's
        programme."""
        programme = (
            Location.objects.filter(pk=activation.process.data["location"])
            .select_related("programme")
            .get()
            .programme
        )
        return {
            "due": deadlines.due_in_working_days(
                deadlines.working_days(name, programme)
            ).isoformat()
        }


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
        .Next(this.end)
    )
    intervene = (
        RoleTask(views.InterventionTaskView.as_view(), LocationPerm.DIRECT)
        .Annotation(title=_("Besluiten over ingrijpen"))
        .onCreate(this.task_created)
        .Next(this.end)
    )

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
        return self.due_in(activation, CONSULTATION_WORKING_DAYS)

    def decision_due(self, activation):
        return self.due_in(activation, DECISION_WORKING_DAYS)

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
        .Next(this.end)
    )

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
        """The morning after the postal week that follows the consultation period
        (a written view posted within the period may still come in): see
        `consultation_timer_moment`."""
        return consultation_timer_moment(
            Designation.objects.get(pk=activation.process.data["designation"])
        )

    def record_period_closed(self, activation):
        casework.designation_consultation_closed(
            designation=activation.process.designation
        )

    def decision_due(self, activation):
        return self.due_in(activation, DECISION_WORKING_DAYS)
