"""Writes that drive the flows: start a round or an action, and do a human task from
code (the API) with the same checks the task pages apply.

Every function checks before it acts: a task you may not see is `NotVisible` (404), a
task of another organisation `NotPermitted` (403), a task already done or a round
already closed `Conflict` (409).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import services as casework
from casework.models import AgreementVersion, Bottleneck, BottleneckAction, Party
from casework.selectors import require_location_visible
from evidence.constants import EvidenceSubject
from evidence.services import evidence_cite
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def approval_round_submit(*, version: AgreementVersion, actor):
    """Submit a draft version: casework opens its round, viewflow starts the approval
    process (one task per party), and an open 'revise' task of the same agreement is
    done by this very submission."""
    from .flows import ApprovalRoundFlow

    with transaction.atomic():
        version = casework.agreement_submit(version=version, actor=actor)
        process = ApprovalRoundFlow.start.run(version=version, actor=actor)
    _finish_open_revisions(version=version, actor=actor)
    return process


def _finish_open_revisions(*, version: AgreementVersion, actor) -> None:
    from .flows import ApprovalRoundFlow

    flow = ApprovalRoundFlow.instance
    open_revisions = Task.objects.filter(
        flow_task=flow.revise,
        status__in=OPEN,
        process__data__location=version.agreement.location_id,
    ).exclude(process__artifact_object_id=version.pk)
    for task in open_revisions:
        with task.activation() as activation:
            if activation.task.status not in OPEN:
                continue
            if activation.task.status == STATUS.NEW:
                activation.assign(actor)
            elif activation.task.owner_id != actor.pk:
                activation.reassign(actor)
            if activation.task.status != STATUS.STARTED:
                activation.start(None)
            activation.task.data["revised_by_version"] = version.pk
            activation.execute()


def action_start(
    *,
    bottleneck: Bottleneck,
    actor,
    assignee: Party,
    description: str,
    due_on: datetime.date,
):
    """Assign a breakthrough-agenda action and start its flow."""
    from .flows import BottleneckActionFlow

    with transaction.atomic():
        action = casework.action_assign(
            bottleneck=bottleneck,
            actor=actor,
            assignee=assignee,
            description=description,
            due_on=due_on,
        )
        return BottleneckActionFlow.start.run(action=action, actor=actor)


# --- What doing each kind of task means (shared by the task pages and the API) ------


def decide_approval(activation, *, user, decision: str, comment: str) -> None:
    # By key: approval_record reads what it needs of both while locking the version.
    casework.approval_record(
        version=activation.process.data["version"],
        organisation=activation.task.data["organisation"],
        actor=user,
        decision=decision,
        comment=comment or "",
    )
    casework.deadline_resolve(reference=f"task:{activation.task.pk}")
    activation.task.data["decision"] = decision
    activation.execute()


def report_action(activation, *, user, outcome: str, report: str, evidence=()) -> None:
    action = activation.process.action
    casework.action_report(action=action, actor=user, outcome=outcome, report=report)
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.ACTION_REPORT,
        subject_id=action.pk,
        location=action.bottleneck.location,
        actor=user,
    )
    casework.deadline_resolve(reference=f"action:{action.pk}")
    activation.task.data["outcome"] = outcome
    activation.execute()


def review_action(activation, *, user, decision: str, note: str) -> None:
    action: BottleneckAction = activation.process.action
    casework.action_review(action=action, actor=user, decision=decision, note=note)
    activation.task.data["decision"] = decision
    activation.execute()


def revise_agreement(
    activation, *, user, title: str, text: str, commitments: list[dict[str, Any]]
) -> AgreementVersion:
    """The case manager revises the rejected version of the task's round: a new draft
    of the same agreement, submitted at once (a new round). Submitting does every open
    revision task of the agreement, this one included. Returns the new version."""
    version = activation.process.version
    draft = casework.agreement_draft(
        location=version.agreement.location,
        actor=user,
        kind=version.agreement.kind,
        title=title,
        text=text,
        commitments=commitments,
    )
    approval_round_submit(version=draft, actor=user)
    activation.task.refresh_from_db()
    if activation.task.status != STATUS.DONE:  # pragma: no cover - defensive
        activation.task.data["revised_by_version"] = draft.pk
        activation.execute()
    return draft


def task_location_id(task) -> int | None:
    return (task.process.data or {}).get("location")


def visible_task(user, task_id: int, *, flows=None) -> Task:
    """The human task (of one of `flows`, when given) with its process, if `user` may
    see its location and its flow shows the user its tasks (the escalation branch's
    only to the ministry and case managers); else `NotVisible` (a 404), the answer for
    a task that does not exist."""
    tasks = Task.objects.select_related("process").filter(
        pk=task_id, flow_task_type="HUMAN"
    )
    if flows is not None:
        tasks = tasks.filter(process__flow_class__in=flows)
    task = tasks.first()
    location_id = task_location_id(task) if task is not None else None
    if location_id is None:
        raise NotVisible(task=task_id)
    try:
        require_location_visible(user, location_id)
    except NotVisible:
        raise NotVisible(task=task_id) from None
    if not task.flow_task.flow_class.instance.shows_tasks_to(user, task):
        raise NotVisible(task=task_id)
    return task


def _handlers() -> dict:
    from .escalation import task_handlers
    from .flows import ApprovalRoundFlow, BottleneckActionFlow

    return {
        ApprovalRoundFlow.instance.approve: _complete_approval,
        ApprovalRoundFlow.instance.revise: _complete_revision,
        BottleneckActionFlow.instance.perform: _complete_perform,
        BottleneckActionFlow.instance.review: _complete_review,
        **task_handlers(),
    }


def task_completion_check(*, task, user) -> None:
    """What would refuse `user` doing `task` whatever they send, raised before the
    body is read: Conflict (the task is done, or its round closed), NotPermitted (not
    the user's or their organisation's task). A visible task is checked, so this says
    nothing about tasks the user may not see."""
    if task.flow_task not in _handlers():
        raise InvalidInput(_("Deze taak doet u op de taakpagina, niet via de API."))
    if task.status not in OPEN:
        raise Conflict(_closed_message(task))
    if not _may_do(task.flow_task, user, task):
        raise NotPermitted(_("Dit is geen taak van u of uw organisatie."))


def task_complete(
    *,
    user,
    payload: dict[str, Any],
    task_id: int | None = None,
    task=None,
    checked: bool = False,
) -> Task:
    """Do a human task from code on behalf of `user` (the API's `complete`): by
    `task_id`, or the `task` `visible_task` returned (not read or checked twice;
    `checked` when the caller ran `task_completion_check` on it already).
    Raises what `visible_task` and `task_completion_check` raise, then what doing the
    task raises (the same functions as its page: `payload` holds the page's fields);
    a refusal leaves everything as it was."""
    if task is None:
        task = visible_task(user, task_id)
    if not checked:
        task_completion_check(task=task, user=user)
    handler = _handlers()[task.flow_task]
    with transaction.atomic(), task.activation() as activation:
        task = activation.task
        if task.status not in OPEN:
            raise Conflict(_closed_message(task))
        if task.status == STATUS.NEW:
            activation.assign(user)
        elif task.owner_id != user.pk:
            # Someone else of the same organisation had claimed it; whoever decides
            # for the organisation takes it over.
            activation.reassign(user)
        if task.status != STATUS.STARTED:
            activation.start(None)
        handler(activation, user, payload)
    # The activation saved the task as it is now: no need to read it back.
    return activation.task


def _may_do(node, user, task) -> bool:
    if hasattr(node, "may_act"):
        return node.may_act(user, task)
    return node.can_assign(user, task) or node.can_execute(user, task)


def _closed_message(task) -> str:
    if task.status == STATUS.CANCELED:
        return _("De ronde van deze taak is gesloten.")
    return _("Deze taak is al gedaan.")


def _complete_approval(activation, user, payload):
    decide_approval(
        activation,
        user=user,
        decision=payload.get("decision", ""),
        comment=payload.get("comment", ""),
    )


def _complete_revision(activation, user, payload):
    revise_agreement(
        activation,
        user=user,
        title=payload.get("title", ""),
        text=payload.get("text", ""),
        commitments=payload.get("commitments", []),
    )


def _complete_perform(activation, user, payload):
    report_action(
        activation,
        user=user,
        outcome=payload.get("outcome", ""),
        report=payload.get("report", ""),
        evidence=payload.get("evidence", []),
    )


def _complete_review(activation, user, payload):
    review_action(
        activation,
        user=user,
        decision=payload.get("decision", ""),
        note=payload.get("note", ""),
    )
