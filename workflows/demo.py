"""The demo's agreement rounds and actions, driven through the real flows.

`casework.demo.DemoLoader` replays the programme's history but may not import the
workflow layer; it asks for a `casework.demo.DemoWorkflow`. `FlowDemo` is that
workflow: it starts rounds and actions with the services the API uses, and decides
through the party's own task (`task_complete`), so the demo's history has real
processes and tasks, and the open rounds put real tasks in the parties' inboxes.
"""

from __future__ import annotations

import datetime

from viewflow.workflow.models import Task

from casework import services as casework
from casework.models import AgreementVersion, Bottleneck, Location, Party
from permissions.models import Organisation

from . import procedures, services
from .constants import OPEN_TASK_STATUSES
from .escalation import EscalationFlow
from .flows import ApprovalRoundFlow


class FlowDemo:
    """`casework.demo.DemoWorkflow` on viewflow."""

    def submit_round(self, *, version: AgreementVersion, actor) -> None:
        services.approval_round_submit(version=version, actor=actor)

    def decide(
        self,
        *,
        version: AgreementVersion,
        organisation: Organisation,
        actor,
        decision: str,
        comment: str = "",
    ) -> None:
        task = Task.objects.get(
            flow_task=ApprovalRoundFlow.instance.approve,
            process__artifact_object_id=version.pk,
            data__organisation=organisation.pk,
            status__in=OPEN_TASK_STATUSES,
        )
        services.task_complete(
            task_id=task.pk,
            user=actor,
            payload={"decision": decision, "comment": comment},
        )

    def start_action(
        self,
        *,
        bottleneck: Bottleneck,
        actor,
        assignee: Party,
        description: str,
        due_on: datetime.date,
    ) -> None:
        services.action_start(
            bottleneck=bottleneck,
            actor=actor,
            assignee=assignee,
            description=description,
            due_on=due_on,
        )

    # The escalation branch. The flows start inside the transition; their documents
    # are background jobs. The demo is a batch command, not a request: it freezes
    # them at once, so the replayed history (and a demo without a worker) has them
    # (the queued jobs then find them frozen and change nothing).

    def _freeze_branch_documents(self, location: Location) -> None:
        procedures.ensure_branch_flows(location)
        procedures.freeze_branch_documents(location)

    def escalate(self, *, location: Location, actor, reason: str) -> None:
        casework.location_transition(
            location=location, transition="escalate", actor=actor, reason=reason
        )
        self._freeze_branch_documents(location)

    def _open_task(self, location: Location, node) -> Task:
        return Task.objects.get(
            flow_task=node,
            process__data__location=location.pk,
            status__in=OPEN_TASK_STATUSES,
        )

    def record_consultation(
        self,
        *,
        location: Location,
        actor,
        held_on: datetime.date,
        participants: str,
        outcome: str,
        summary: str,
    ) -> None:
        task = self._open_task(location, EscalationFlow.instance.consult)
        services.task_complete(
            task_id=task.pk,
            user=actor,
            payload={
                "held_on": held_on,
                "participants": participants,
                "outcome": outcome,
                "summary": summary,
            },
        )

    def decide_intervention(
        self, *, location: Location, actor, decision: str, reason: str, **details
    ) -> None:
        task = self._open_task(location, EscalationFlow.instance.intervene)
        services.task_complete(
            task_id=task.pk,
            user=actor,
            payload={"decision": decision, "reason": reason, **details},
        )
        self._freeze_branch_documents(location)
