"""Where the flows appear in the interface: one workflow app with a shared inbox, queue
and archive for every flow; the per-flow dashboards only for programme-wide roles."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset

from .flows import ApprovalRoundFlow, BottleneckActionFlow


class DoorbraakWorkflowApp(WorkflowAppViewset):
    title = _("Taken")
    icon = "assignment"

    def has_view_permission(self, user, obj=None):
        # Everyone signed in has an inbox; what is in it is decided per task.
        return bool(user and user.is_authenticated)


def workflow_app() -> DoorbraakWorkflowApp:
    return DoorbraakWorkflowApp(
        flow_viewsets=[
            FlowViewset(ApprovalRoundFlow, icon="how_to_vote"),
            FlowViewset(BottleneckActionFlow, icon="construction"),
        ]
    )
