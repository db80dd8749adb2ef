"""The per-flow pages (dashboard, process list, task list, chart, process detail) and
the task pages do not leak: the dashboards and lists are for the programme-wide roles;
a process or task of a location you may not see is a 404; a task of another
organisation (at a location you do see) is a 403 to claim or do."""

from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from casework.constants import Stage
from casework.models import Approval
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

from ..scenarios import bring_to
from .pages import (
    approval_task,
    assign_url,
    execute_url,
    load_urls,
    negotiating,
    submit,
    task_url,
)

pytestmark = pytest.mark.django_db

FLOW_PAGES = ["index", "process_list", "task_list", "chart"]


@pytest.fixture
def rounds(world):
    """An open round at the own location (A and B) and at the foreign one (C)."""
    own = submit(negotiating(world), world.case_manager)
    foreign_location = bring_to(
        world.foreign,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    foreign = submit(foreign_location, world.case_manager)
    load_urls()
    return own, foreign


def detail_url(task):
    return task.flow_task.reverse("detail", args=[task.process_id, task.pk])


def process_url(process):
    return process.flow_class.instance.reverse("process_detail", args=[process.pk])


@pytest.mark.parametrize("flow", [ApprovalRoundFlow, BottleneckActionFlow])
@pytest.mark.parametrize("page", FLOW_PAGES)
@pytest.mark.parametrize("who", ["a_member", "a_signatory", "outsider"])
def test_party_people_cannot_open_the_flow_dashboards(
    client, world, rounds, flow, page, who
):
    client.force_login(getattr(world, who))

    response = client.get(flow.instance.reverse(page))

    assert response.status_code == 403


@pytest.mark.parametrize("page", FLOW_PAGES)
@pytest.mark.parametrize("who", ["case_manager", "ministry", "viewer"])
def test_programme_wide_roles_open_the_flow_dashboards(
    client, world, rounds, page, who
):
    client.force_login(getattr(world, who))

    response = client.get(ApprovalRoundFlow.instance.reverse(page), follow=True)

    assert response.status_code == 200


def test_a_process_of_an_invisible_location_is_not_found(client, world, rounds):
    own, foreign = rounds
    client.force_login(world.a_signatory)

    assert client.get(process_url(own)).status_code == 200
    assert client.get(process_url(foreign)).status_code == 404
    client.force_login(world.outsider)
    assert client.get(process_url(own)).status_code == 404


def test_a_party_opens_only_its_own_tasks(client, world, rounds):
    own, foreign = rounds
    mine = approval_task(own, world.org_a)
    theirs = approval_task(own, world.org_b)  # same location, organisation B
    invisible = approval_task(foreign, world.org_c)
    client.force_login(world.a_signatory)

    # Its own task: the link leads to the page where it is done.
    response = client.get(task_url(mine))
    assert (response.status_code, response.url) == (302, execute_url(mine))
    assert client.get(execute_url(mine)).status_code == 200

    # Another organisation's task at a visible location: read-only at most; claiming
    # or doing it is forbidden, and nothing changes.
    response = client.get(task_url(theirs))
    assert response.status_code == 302
    assert response.url not in (execute_url(theirs), assign_url(theirs))
    assert client.get(execute_url(theirs)).status_code == 403
    assert client.post(execute_url(theirs), {"decision": "approve"}).status_code == 403
    assert client.post(assign_url(theirs)).status_code == 403

    # A task at a location it may not see does not exist for it.
    for url in (
        task_url(invisible),
        execute_url(invisible),
        assign_url(invisible),
        detail_url(invisible),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(execute_url(invisible), {"decision": "approve"}).status_code == (
        404
    )

    # Nor can it reach that task through a process of its own location.
    smuggled = ApprovalRoundFlow.instance.approve.reverse(
        "execute", args=[own.pk, invisible.pk]
    )
    assert client.post(smuggled, {"decision": "approve"}).status_code == 404

    assert not Approval.objects.exists()
    theirs.refresh_from_db()
    invisible.refresh_from_db()
    assert theirs.status == invisible.status == STATUS.ASSIGNED


def test_viewers_and_the_ministry_cannot_do_a_party_task(client, world, rounds):
    own, _foreign = rounds
    task = approval_task(own, world.org_a)
    for who in (world.viewer, world.ministry, world.case_manager):
        client.force_login(who)
        assert client.get(execute_url(task)).status_code == 403
        assert (
            client.post(execute_url(task), {"decision": "approve"}).status_code == 403
        )
    assert not Approval.objects.exists()
