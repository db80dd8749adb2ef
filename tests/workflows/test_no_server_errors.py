"""No page under /workflow/ answers 500, for any role of the demo (issue 19, item 7):
every URL of the workflow app, filled in with the processes and tasks of a world
where each flow has run (an approval round with a decision taken, an action, an
escalation that went on to a designation procedure), opened by every kind of person
with GET and sent an empty form with POST."""

from __future__ import annotations

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.models import Process, Task

from casework.constants import Stage
from workflows import services as workflows

from ..scenarios import add_bottleneck, bring_to
from .pages import approval_task, load_urls, negotiating, open_task, submit

pytestmark = pytest.mark.django_db

ROLES = [
    "case_manager",
    "ministry",
    "viewer",
    "a_member",
    "a_signatory",
    "c_signatory",
    "outsider",
    None,  # not logged in
]


def workflow_patterns() -> list[str]:
    load_urls()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return [p for p in walk(get_resolver().url_patterns) if p.startswith("workflow/")]


def filled_urls(location_pks: list[int]) -> list[str]:
    """Every workflow URL once per process, task or location it can name."""
    patterns = workflow_patterns()
    urls = [f"/{p}" for p in patterns if "<" not in p]
    for process in Process.objects.all():
        flow = process.flow_class.instance.flow_label
        prefix = f"workflow/flows/{flow}/<int:process_pk>/"
        for pattern in patterns:
            if pattern.startswith(prefix) and "<int:task_pk>" not in pattern:
                urls.append("/" + pattern.replace("<int:process_pk>", str(process.pk)))
    for task in Task.objects.select_related("process"):
        flow = task.process.flow_class.instance.flow_label
        prefix = f"workflow/flows/{flow}/<int:process_pk>/{task.flow_task.name}/"
        for pattern in patterns:
            if pattern.startswith(prefix + "<int:task_pk>/"):
                urls.append(
                    "/"
                    + pattern.replace("<int:process_pk>", str(task.process_id)).replace(
                        "<int:task_pk>", str(task.pk)
                    )
                )
    for pattern in patterns:
        if "<int:location_pk>" in pattern:
            urls += [
                "/" + pattern.replace("<int:location_pk>", str(pk))
                for pk in location_pks
            ]
    return urls


@pytest.fixture
def every_flow(client, world):
    """The own location negotiating with a round (A approved) and an action; the
    foreign one escalated and in the designation procedure."""
    location = negotiating(world)
    process = submit(location, world.case_manager)
    client.force_login(world.a_signatory)
    url = open_task(client, approval_task(process, world.org_a))
    client.post(url, {"decision": "approve", "comment": ""})
    client.logout()
    workflows.action_start(
        bottleneck=location.bottlenecks.first()
        or add_bottleneck(location, world.case_manager),
        actor=world.case_manager,
        assignee=world.party_a,
        description="Stikstofberekening aanleveren",
        due_on=datetime.date(2027, 3, 1),
    )
    bring_to(
        world.foreign,
        Stage.DESIGNATION_PROCEDURE,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    return filled_urls([world.own.pk, world.foreign.pk])


@pytest.mark.parametrize("who", ROLES)
def test_no_workflow_url_answers_500_for_any_role(client, world, every_flow, who):
    urls = every_flow
    # Every kind of page is among them: the lists, a flow's pages, a process's, a
    # human task's and a system step's.
    for fragment in ("/inbox/", "/flows/", "/chart/", "/execute/", "/assign/"):
        assert any(fragment in url for url in urls), fragment
    assert any("/escalation/" in url for url in urls)
    assert any("/designation/" in url for url in urls)
    if who is not None:
        client.force_login(getattr(world, who))
    client.raise_request_exception = False

    failures = []
    for method in ("get", "post"):
        for url in urls:
            status = getattr(client, method)(url).status_code
            if status >= 500:
                failures.append((method.upper(), url, status))

    assert failures == []
