"""Writes that drive the flows: start a round or an action, and do a human task from
code (the API) with the same checks and handlers the task pages use.

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
from casework.models import (
    AgreementVersion,
    Bottleneck,
    DesignationView,
    Location,
    Party,
)
from casework.transactions import in_callers_transaction
from evidence.constants import EvidenceSubject
from evidence.services import evidence_cite
from permissions.errors import Conflict, InvalidInput, NotPermitted

from . import handlers
from .constants import OPEN_TASK_STATUSES
from .escalation import DesignationFlow, EscalationFlow
from .flows import ApprovalRoundFlow, BottleneckActionFlow
from .nodes import task_activation
from .presenters import task_kind
from .selectors import visible_task

# The open statuses under the name this module's callers (the tests' helpers) use.
OPEN = OPEN_TASK_STATUSES

# Every flow of the workflow app (`constants.FLOWS` names them by reference).
FLOW_CLASSES = (
    ApprovalRoundFlow,
    BottleneckActionFlow,
    EscalationFlow,
    DesignationFlow,
)


def flow_classes() -> tuple:
    return FLOW_CLASSES


def approval_round_submit(*, version: AgreementVersion, actor):
    """Submit a draft version: casework opens its round, viewflow starts the approval
    process (one task per party), and an open 'revise' task of the same agreement is
    done by this very submission."""
    return handlers.submit_round(
        flow_class=ApprovalRoundFlow, version=version, actor=actor
    )


def action_start(
    *,
    bottleneck: Bottleneck,
    actor,
    assignee: Party,
    description: str,
    due_on: datetime.date,
):
    """Assign a breakthrough-agenda action and start its flow."""
    with transaction.atomic():
        action = casework.action_assign(
            bottleneck=bottleneck,
            actor=actor,
            assignee=assignee,
            description=description,
            due_on=due_on,
        )
        return BottleneckActionFlow.start.run(action=action, actor=actor)


# --- Doing a task from code -------------------------------------------------------------

# What doing each kind of human task (its node's name) means, for a body of fields:
# the one table, built once, of the handlers the task pages call too.
TASK_HANDLERS: dict[str, handlers.Handler] = handlers.FROM_PAYLOAD


def _handler(task) -> handlers.Handler | None:
    return TASK_HANDLERS.get(task_kind(task))


def task_completion_check(*, task, user) -> None:
    """What would refuse `user` doing `task` whatever they send, raised before the
    body is read: Conflict (the task is done, or its round closed), NotPermitted (not
    the user's or their organisation's task). A visible task is checked, so this says
    nothing about tasks the user may not see."""
    if _handler(task) is None:
        raise InvalidInput(_("Deze taak doet u op de taakpagina, niet via de API."))
    if task.status not in OPEN_TASK_STATUSES:
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
    task raises (the same handlers as its page: `payload` holds the page's fields);
    a refusal leaves everything as it was."""
    if task is None:
        task = visible_task(user, task_id)
    if not checked:
        task_completion_check(task=task, user=user)
    handler = _handler(task)
    with (
        transaction.atomic(),
        in_callers_transaction(),
        task_activation(task) as activation,
    ):
        task = activation.task
        if task.status not in OPEN_TASK_STATUSES:
            raise Conflict(_closed_message(task))
        if task.status == STATUS.NEW:
            # Claimed and done at once: viewflow's `assign` would save the task here,
            # and doing it saves the task again a moment later in this transaction.
            # The claim is written by that one save.
            task.owner = user
            task.status = STATUS.ASSIGNED
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


@transaction.atomic
def designation_view_record(
    *, location: Location, actor, evidence: Any = (), **fields: Any
) -> DesignationView:
    """Record a view on the draft designation decision
    (`casework.designation_record_view`, its rules and refusals) citing the evidence
    files `evidence` (ids or files `actor` added at the location): both or neither.
    The location page and the API record a view through here."""
    view = casework.designation_record_view(location=location, actor=actor, **fields)
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.DESIGNATION_VIEW,
        subject_id=view.pk,
        location=location,
        actor=actor,
    )
    return view
