"""Inbox, queue and archive: one place for every flow, in Dutch, each task with its
location, agreement or action, organisation, due date and what deciding means; the
queue of an organisation's tasks shown to its signatories and to nobody else."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from permissions.constants import MembershipRole
from workflows import selectors
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

from ..factories import person_of
from .pages import (
    approval_task,
    assign_url,
    execute_url,
    negotiating,
    open_task,
    submit,
    task_url,
)
from .task_world import build_task_world

pytestmark = pytest.mark.django_db


def rows_of(response):
    assert response.status_code == 200
    return response.context["rows"]


def test_the_inbox_shows_what_each_task_is_about(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    assert task.owner == world.a_signatory  # A's only signatory gets it at once
    task.data["overdue"] = True
    task.save(update_fields=["data"])
    client.force_login(world.a_signatory)

    response = client.get(reverse("workflow:inbox"))

    [row] = rows_of(response)
    assert row.task == task
    assert row.title == "Besluit over de overeenkomst"
    assert row.location == location
    assert row.subject == "Hoofdlijnenakkoord Eigen Locatie, versie 1"
    assert row.organisation == "Gemeente A"
    assert row.due == selectors.task_due(task)
    assert row.overdue
    assert "hoofdlijnenakkoord vastgesteld" in row.meaning
    content = response.content.decode()
    assert f'<a href="{task_url(task)}">Besluit over de overeenkomst</a>' in content
    assert f'<a href="/locations/{location.pk}/">Eigen Locatie</a>' in content
    assert "termijn verstreken" in content
    assert f'<time datetime="{row.due.isoformat()}">' in content
    assert "<caption" in content and 'scope="col"' in content
    # The menu counts the inbox.
    assert 'data-count="inbox">1<' in content


def test_the_inbox_is_empty_for_people_without_tasks(client, world):
    submit(negotiating(world), world.case_manager)
    for who in (world.c_signatory, world.viewer, world.ministry, world.a_member):
        client.force_login(who)
        response = client.get(reverse("workflow:inbox"))
        assert rows_of(response) == []
        assert "Er staan geen taken voor u klaar." in response.content.decode()


def test_the_english_inbox(client, world):
    submit(negotiating(world), world.case_manager)
    client.force_login(world.a_signatory)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("workflow:inbox"))

    content = response.content.decode()
    assert "Decision on the agreement" in content
    assert "What your decision means" in content
    assert "Hoofdlijnenakkoord Eigen Locatie, version 1" in content


@pytest.fixture
def two_signatories(world):
    """Organisation A has two signatories: its decisions wait in their queue."""
    return person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")


def test_the_queue_shows_an_organisations_task_to_its_signatories_only(
    client, world, two_signatories
):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    assert (task.status, task.owner) == (STATUS.NEW, None)
    b_task = approval_task(process, world.org_b)
    assert b_task.owner == world.b_signatory  # B has one signatory: assigned

    for signatory in (world.a_signatory, two_signatories):
        client.force_login(signatory)
        rows = rows_of(client.get(reverse("workflow:queue")))
        assert [row.task for row in rows] == [task]
        assert rows[0].organisation == "Gemeente A"
        assert selectors.work_counts(signatory)["queue"] == 1

    # Nobody else: not the member of A (members do not sign), not the other
    # organisations, not the programme-wide roles.
    for who in (
        world.a_member,
        world.b_member,
        world.b_signatory,
        world.c_signatory,
        world.outsider,
        world.viewer,
        world.ministry,
        world.case_manager,
    ):
        client.force_login(who)
        assert rows_of(client.get(reverse("workflow:queue"))) == [], who.username


def test_the_queue_follows_viewflows_own_rule(world):
    """Our queue is viewflow's `user_queue` rule (the task's permission, model-wide
    or on its object through guardian's generic tables), evaluated in SQL; viewflow's
    `queue()` would also drop every flow whose dashboard the person may not open."""
    task_world = build_task_world(world, 12)
    users = [
        world.a_signatory,
        task_world.second_signatory,
        world.a_member,
        world.b_signatory,
        world.c_member,
        world.viewer,
        world.case_manager,
    ]
    for user in users:
        ours = set(selectors.queue(user).values_list("pk", flat=True))
        viewflows = set(
            Task.objects.user_queue(user)
            .filter(status=STATUS.NEW)
            .values_list("pk", flat=True)
        )
        assert ours == viewflows, user.username
    assert (
        len(set(selectors.queue(world.a_signatory).values_list("pk", flat=True))) == 12
    )
    # Members act for A (the actions), signatories also sign (the approvals).
    member_queue = selectors.queue(world.a_member)
    assert {task.flow_task for task in member_queue} == {
        BottleneckActionFlow.instance.perform
    }


def test_bulk_tasks_match_the_real_ones(world):
    """The copies `build_task_world` bulk-creates are claimable like the tasks the
    flows create (the query-count tests measure realistic rows)."""
    task_world = build_task_world(world, 12)
    for real, node in (
        (task_world.approval, ApprovalRoundFlow.instance.approve),
        (task_world.perform, BottleneckActionFlow.instance.perform),
    ):
        copy = Task.objects.filter(flow_task=node).exclude(pk=real.pk).first()
        fields = (
            "flow_task_type",
            "status",
            "owner_permission",
            "owner_permission_content_type_id",
            "owner_permission_obj_pk",
        )
        assert [getattr(copy, f) for f in fields] == [getattr(real, f) for f in fields]
        assert set(copy.data) >= set(real.data)
        assert node.can_assign(world.a_signatory, copy)
        assert not node.can_assign(world.b_signatory, copy)


def test_claiming_from_the_queue_leads_to_the_task_page(client, world, two_signatories):
    process = submit(negotiating(world), world.case_manager)
    task = approval_task(process, world.org_a)
    client.force_login(two_signatories)
    content = client.get(reverse("workflow:queue")).content.decode()
    assert f'action="{assign_url(task)}"' in content

    response = client.post(assign_url(task), {"_continue": "1"}, follow=True)

    assert response.redirect_chain[-1][0] == execute_url(task)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, two_signatories)
    # It left the queue of the other signatory and is in the claimer's inbox.
    assert selectors.work_counts(world.a_signatory)["queue"] == 0
    assert [row.task for row in rows_of(client.get(reverse("workflow:inbox")))] == [
        task
    ]


def test_the_archive_lists_what_the_user_did(client, world):
    process = submit(negotiating(world), world.case_manager)
    client.force_login(world.a_signatory)
    task = approval_task(process, world.org_a)
    client.post(open_task(client, task), {"decision": "approve"})
    client.force_login(world.b_signatory)
    b_task = approval_task(process, world.org_b)
    client.post(open_task(client, b_task), {"decision": "reject", "comment": "Nee."})

    client.force_login(world.a_signatory)
    [row] = rows_of(client.get(reverse("workflow:archive")))
    assert (row.task, row.outcome) == (task, "Goedgekeurd")
    client.force_login(world.b_signatory)
    response = client.get(reverse("workflow:archive"))
    [row] = rows_of(response)
    assert row.outcome == "Afgewezen"
    assert "Afgewezen" in response.content.decode()
    assert rows_of(client.get(reverse("workflow:inbox"))) == []
