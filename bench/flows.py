"""The baseline flow of the throughput benchmark: viewflow as it comes, one `View` task
assigned to a person at start, nothing of ours around it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.views import UpdateProcessView


class BareFlow(flow.Flow):
    start = flow.StartHandle(this.start_process).Next(this.task)
    task = (
        flow.View(UpdateProcessView.as_view(fields=[]))
        .Assign(this.owner)
        .Next(this.end)
    )
    end = flow.End()

    def start_process(self, activation, *, owner):
        activation.process.data = {"owner": owner.pk}
        return activation.process

    def owner(self, activation):
        return get_user_model().objects.get(pk=activation.process.data["owner"])
