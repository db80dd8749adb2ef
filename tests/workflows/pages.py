"""Helpers of the interface tests: open a task the way a person does (the task link
of the inbox, then viewflow's own assign and execute pages), and the world's own
location in negotiation with an approval round."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import get_resolver
from viewflow.workflow.models import Task

from casework import services as casework
from casework.constants import Stage
from casework.models import AgreementKind, AgreementVersion, Location
from workflows import services as workflows
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

from ..scenarios import bring_to


def load_urls() -> None:
    """A flow knows its URL namespace once the URLconf is built (viewflow sets the
    parents of its viewsets then): build it before reversing outside a request."""
    _ = get_resolver().url_patterns


def task_url(task: Task) -> str:
    """The link the inbox shows: viewflow's task index, which redirects onwards."""
    load_urls()
    return task.flow_task.reverse("index", args=[task.process_id, task.pk])


def execute_url(task: Task) -> str:
    load_urls()
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def assign_url(task: Task) -> str:
    load_urls()
    return task.flow_task.reverse("assign", args=[task.process_id, task.pk])


def open_task(client: Client, task: Task) -> str:
    """Follow the task link as the logged-in person: claim the task on viewflow's
    assign page when it is still in the queue, and return the URL of the page where
    it is done (the execute page)."""
    response = client.get(task_url(task))
    assert response.status_code == 302, response.status_code
    if response.url == assign_url(task):
        page = client.get(response.url)
        assert page.status_code == 200
        claimed = client.post(response.url, {"_continue": "1"})
        assert claimed.status_code == 302
        response = client.get(claimed.url)
        assert response.status_code == 302
    assert response.url == execute_url(task), response.url
    return response.url


def negotiating(world) -> Location:
    return bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


def submit(location: Location, case_manager, kind=AgreementKind.HEADS_OF_AGREEMENT):
    """Draft a version with one commitment per party and start its round."""
    parties = list(location.parties.select_related("organisation"))
    version = casework.agreement_draft(
        location=location,
        actor=case_manager,
        kind=kind,
        title=f"{AgreementKind(kind).label} {location.name}",
        text="Partijen versnellen samen de woningbouw.",
        commitments=[
            {
                "party": party.organisation_id,
                "description": f"{party.organisation.name} levert haar bijdrage.",
                "due_date": datetime.date(2027, 6, 1),
            }
            for party in parties
        ],
    )
    return workflows.approval_round_submit(version=version, actor=case_manager)


def approval_task(process, organisation) -> Task:
    return Task.objects.get(
        process=process,
        flow_task=ApprovalRoundFlow.instance.approve,
        data__organisation=organisation.pk,
    )


def version_of(process) -> AgreementVersion:
    return AgreementVersion.objects.get(pk=process.artifact_object_id)


def open_tasks(process, node) -> list[Task]:
    return list(
        Task.objects.filter(
            process=process, flow_task=node, status__in=workflows.OPEN
        ).order_by("pk")
    )


def revise_task(location: Location) -> Task:
    return Task.objects.get(
        flow_task=ApprovalRoundFlow.instance.revise,
        status__in=workflows.OPEN,
        process__data__location=location.pk,
    )


def action_tasks(node=None):
    node = node or BottleneckActionFlow.instance.perform
    return Task.objects.filter(flow_task=node)
