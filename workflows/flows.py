"""The flows of Doorbraak: the approval round and the breakthrough-agenda action (the
escalation branch's are in `workflows.escalation`). Each reads top to bottom like its
diagram; every node calls a casework service, and gateways read casework state.

Keep the flows at their paths and names: viewflow stores `workflows/flows.ApprovalRoundFlow`
and the node names in the database (`workflows.constants`).
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from accounts.constants import NotificationKind
from casework import services as casework
from casework.access import location_visible, reads_portfolio
from casework.constants import (
    ActionStatus,
    DeadlineKind,
    LocationPerm,
    VersionStatus,
)
from casework.models import AgreementVersion, BottleneckAction
from documents import tasks as document_tasks
from permissions.constants import OrganisationPerm

from . import deadlines, views
from .deadlines import DeadlineFacts, action_reference, task_reference
from .models import ActionProcess, ApprovalRound
from .nodes import (
    FanOut,
    OrganisationTask,
    ProcessLock,
    RoundDecision,
    active_user,
    location_of,
    round_version_status,
    task_organisation,
)
from .notifications import date_in_words, notify, people_of, translatable
from .presenters import task_url

PROCESS_LOCK = ProcessLock()


class DoorbraakFlow(flow.Flow):
    """Access to a flow's pages follows the locations: the dashboards are for the
    programme-wide roles; one process is visible to whoever may see its location."""

    lock_impl = PROCESS_LOCK
    # A flow whose work is internal to the ministry and case managers
    # (casework.audience): what it tells people is for them alone.
    internal = False

    def has_view_permission(self, user, obj=None):
        if not (user and user.is_authenticated):
            return False
        if obj is None:
            return reads_portfolio(user)
        return location_visible(
            user, (getattr(obj, "data", None) or {}).get("location")
        )

    def shows_tasks_to(self, user, task) -> bool:
        """Whether `user`, who may see the task's location, may see the task (and so
        learn it exists). Here: every task of a visible location."""
        return True

    def task_created(self, activation):
        """Write the new task's deadline (when it has a due date) and tell the people
        who can do it (its owner, or everyone who may claim it) by notification and
        e-mail, after the task is committed."""
        task = activation.task
        if deadlines.task_due(task) is not None:
            self.open_deadline(activation, task)
        location = location_of(activation.process)
        people = [task.owner] if task.owner_id else self.claimants(task)
        if not people:
            return
        title = task.flow_task.task_title
        due = task.data.get("due")
        # Translated for each recipient, in their language (workflows.notifications).
        message = translatable(
            _("Nieuwe taak: %(title)s – %(location)s"),
            title=title,
            location=location.name,
        )
        if due:
            message = translatable(
                "%(message)s %(due)s",
                message=message,
                due=translatable(
                    _("(uiterlijk %(due)s)"),
                    due=date_in_words(datetime.date.fromisoformat(due)),
                ),
            )
        notify(
            people,
            subject=translatable(_("Nieuwe taak in Doorbraak: %(title)s"), title=title),
            message=message,
            url=task_url(task),
            internal_to=location if self.internal else None,
            kind=NotificationKind.NEW_TASK,
        )

    def claimants(self, task) -> list:
        """Who may claim an unassigned task (and hears of it and of its deadline): the
        organisation's signatories or members for an organisation's task."""
        if "organisation" in (task.data or {}):
            return people_of(
                task_organisation(task),
                signatories_only=task.owner_permission == OrganisationPerm.SIGN,
            )
        return []

    # Deadlines of human tasks: a casework fact per task (`casework.Deadline`),
    # written when the task is created and swept by the one clock (`workflows.clock`);
    # each flow says what its deadline is about in `deadline_facts`.

    def deadline_facts(self, activation, task) -> DeadlineFacts:
        raise NotImplementedError

    def open_deadline(self, activation, task) -> None:
        facts = self.deadline_facts(activation, task)
        casework.deadline_open(
            location=facts.location,
            kind=facts.kind,
            reference=facts.reference,
            organisation=facts.organisation,
            description=str(facts.description),
            title=str(facts.title),
            due_on=deadlines.task_due(task),
            task_id=task.pk,
        )

    def has_manage_permission(self, user, obj=None):
        # Cancelling or undoing tasks by hand bypasses the domain's rules: staff only.
        return bool(user and user.is_authenticated and user.is_superuser)


class ApprovalRoundFlow(DoorbraakFlow):
    """One approval round of an agreement version.

    Every organisation taking part in the location decides, each through one of its
    signatories. When the last one approves, casework concludes the version (frozen,
    hashed) and fires the location's system transition. A rejection cancels the
    decisions still open and gives the case manager a task to revise; the revised
    version starts a new round.
    """

    process_class = ApprovalRound
    process_title = _("Goedkeuringsronde")
    process_description = _(
        "Elke partij keurt de versie van de overeenkomst goed of af."
    )

    start = flow.StartHandle(this.start_round).Next(this.fan_out)

    fan_out = FanOut().Next(this.approve, data_source=this.organisations_deciding)

    approve = (
        RoundDecision(views.ApprovalTaskView.as_view(), OrganisationPerm.SIGN)
        .Annotation(title=_("Besluit over de overeenkomst"))
        .onCreate(this.task_created)
        .Next(this.join)
    )

    # The join is reached only by the decision that ends the round (the last
    # approval, or a rejection: see `RoundDecision`); one node then closes the round
    # (its deadlines) and, when concluded, queues the agreement's PDF.
    join = flow.Join(continue_on_condition=this.round_rejected).Next(this.close_round)
    close_round = flow.Function(this.close_the_round).Next(this.outcome)
    outcome = flow.If(this.version_concluded).Then(this.end).Else(this.revise)

    revise = (
        flow.View(views.ReviseTaskView.as_view())
        .Annotation(title=_("Overeenkomst herzien"))
        .onCreate(this.task_created)
        .Permission(LocationPerm.MANAGE, obj=location_of)
        .Assign(this.submitter)
        .Next(this.end)
    )
    end = flow.End()

    # --- nodes' functions -----------------------------------------------------------

    def start_round(self, activation, *, version: AgreementVersion, actor):
        process = activation.process
        location = version.agreement.location
        process.artifact = version
        process.data = {
            "version": version.pk,
            "location": location.pk,
            "submitted_by": actor.pk,
        }
        return process

    def organisations_deciding(self, activation):
        version = AgreementVersion.objects.select_related("agreement__location").get(
            pk=activation.process.data["version"]
        )
        due = version.approval_due_on
        organisation_ids = version.agreement.location.parties.order_by(
            "organisation__name"
        ).values_list("organisation_id", flat=True)
        return [
            {"organisation": organisation_id, "due": due.isoformat()}
            for organisation_id in organisation_ids
        ]

    def submitter(self, activation):
        return active_user(activation.process.data["submitted_by"])

    def deadline_facts(self, activation, task) -> DeadlineFacts:
        version = activation.process.version
        organisation = task_organisation(task)
        title = version.agreement.title
        return DeadlineFacts(
            location=version.agreement.location,
            kind=DeadlineKind.APPROVAL,
            reference=task_reference(task),
            organisation=organisation,
            description=translatable(
                _(
                    "%(organisation)s besluit over ‘%(title)s’ (versie %(version)s) "
                    "uiterlijk %(due)s."
                ),
                organisation=organisation.name,
                title=title,
                version=version.number,
                due=deadlines.task_due(task).strftime("%d-%m-%Y"),
            ),
            title=title,
        )

    def round_rejected(self, activation, active_tasks) -> bool:
        return round_version_status(activation.process) == VersionStatus.REJECTED

    def close_the_round(self, activation):
        """The round is over: no decision of it is awaited any more. A concluded
        version's PDF is a background job, queued in the conclusion's own transaction
        (it exists exactly when the conclusion does, whatever happens to this process
        after the commit): the last approval neither holds the round's lock nor makes
        its signatory wait while WeasyPrint works. A download before the job has run
        answers 202."""
        casework.deadlines_resolve_of_tasks(
            activation.process.task_set.filter(flow_task=self.approve).values("pk")
        )
        if self.version_concluded(activation):
            document_tasks.queue_agreement(activation.process.data["version"])

    def version_concluded(self, activation) -> bool:
        return round_version_status(activation.process) == VersionStatus.CONCLUDED


class BottleneckActionFlow(DoorbraakFlow):
    """An action on the breakthrough agenda: the assigned party does it (reporting done
    with evidence, or asking for help), the case manager accepts it or returns it."""

    process_class = ActionProcess
    process_title = _("Actie op de doorbraak-agenda")
    process_description = _(
        "Een partij voert een actie uit; de procesregisseur accepteert."
    )

    start = flow.StartHandle(this.start_action).Next(
        this.perform, task_data=this.perform_data
    )

    perform = (
        OrganisationTask(views.ActionPerformTaskView.as_view(), OrganisationPerm.ACT)
        .Annotation(title=_("Actie uitvoeren"))
        .onCreate(this.task_created)
        .Next(this.review)
    )

    review = (
        flow.View(views.ActionReviewTaskView.as_view())
        .Annotation(title=_("Actie beoordelen"))
        .onCreate(this.task_created)
        .Permission(LocationPerm.MANAGE, obj=location_of)
        .Assign(this.assigner)
        .Next(this.accepted)
    )
    accepted = (
        flow.If(this.is_accepted)
        .Then(this.end)
        .Else(this.perform, task_data=this.perform_data)
    )
    end = flow.End()

    def start_action(self, activation, *, action: BottleneckAction, actor):
        process = activation.process
        process.artifact = action
        process.data = {
            "action": action.pk,
            "location": action.bottleneck.location_id,
            "assigned_by": actor.pk,
        }
        return process

    def perform_data(self, activation):
        """`perform` is entered from the start and after each return: its data names
        the organisation and the due date."""
        action = BottleneckAction.objects.select_related("assignee").get(
            pk=activation.process.data["action"]
        )
        return {
            "organisation": action.assignee.organisation_id,
            "action": action.pk,
            "due": action.due_on.isoformat(),
        }

    def assigner(self, activation):
        return active_user(activation.process.data["assigned_by"])

    def deadline_facts(self, activation, task) -> DeadlineFacts:
        action = activation.process.action
        organisation = action.assignee.organisation
        return DeadlineFacts(
            location=action.bottleneck.location,
            kind=DeadlineKind.ACTION,
            reference=action_reference(action),
            organisation=organisation,
            description=translatable(
                _("%(organisation)s voert uiterlijk %(due)s uit: %(action)s"),
                organisation=organisation.name,
                due=action.due_on.strftime("%d-%m-%Y"),
                action=action.description[:200],
            ),
            title=action.description[:200],
        )

    def is_accepted(self, activation) -> bool:
        status = (
            BottleneckAction.objects.filter(pk=activation.process.data["action"])
            .values_list("status", flat=True)
            .get()
        )
        return status == ActionStatus.ACCEPTED
