"""Following a notification (issue 19, item 7): it is read from then on, and its link
leads to our own pages. Notifications stored before those pages existed linked to
viewflow's raw pages in English (a process page, "Freeze Dossier", "Consult Timeout
2"); they are resolved when followed, so they lead to the location page or the task
page like new ones."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from casework.constants import Stage
from workflows.escalation import EscalationFlow
from workflows.models import Notification

from ..scenarios import bring_to
from .pages import approval_task, load_urls, negotiating, submit, task_url

pytestmark = pytest.mark.django_db


def follow(client, notification) -> str:
    response = client.get(reverse("workflow:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    return response["Location"]


def stored(user, url: str) -> Notification:
    return Notification.objects.create(user=user, message="Een oude melding", url=url)


def test_opening_a_notification_marks_it_read(client, world):
    notification = stored(world.a_signatory, f"/locations/{world.own.pk}/")
    other = stored(world.a_signatory, "/mywork/")
    client.force_login(world.a_signatory)
    page = client.get(reverse("workflow:notifications")).content.decode()
    assert page.count(">Nieuw<") == 2

    assert follow(client, notification) == f"/locations/{world.own.pk}/"

    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None
    page = client.get(reverse("workflow:notifications")).content.decode()
    assert page.count(">Nieuw<") == 1
    # Following it again keeps the first moment it was read.
    read_at = notification.read_at
    follow(client, notification)
    notification.refresh_from_db()
    assert notification.read_at == read_at


def test_a_task_notification_leads_to_the_task_page(client, world):
    process = submit(negotiating(world), world.case_manager)
    task = approval_task(process, world.org_a)
    notification = stored(world.a_signatory, task_url(task))
    client.force_login(world.a_signatory)

    assert follow(client, notification) == task_url(task)


def test_old_links_to_viewflow_pages_lead_to_the_location_page(client, world):
    location = bring_to(
        world.own,
        Stage.ESCALATED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    load_urls()
    flow = EscalationFlow.instance
    process = flow.process_class.objects.get(data__location=location.pk)
    # The step that freezes the evidence dossier: "Freeze Dossier" on viewflow's page.
    system_step = Task.objects.get(process=process, flow_task=flow.freeze_dossier)
    old_urls = [
        flow.reverse("process_detail", args=[process.pk]),
        system_step.flow_task.reverse("index", args=[process.pk, system_step.pk]),
        system_step.flow_task.reverse("detail", args=[process.pk, system_step.pk]),
    ]
    client.force_login(world.ministry)
    for url in old_urls:
        assert follow(client, stored(world.ministry, url)) == reverse(
            "locations:detail", args=[location.pk]
        ), url
    # And the location page is ours, in Dutch.
    page = client.get(reverse("locations:detail", args=[location.pk]))
    assert page.status_code == 200
    assert "Freeze Dossier" not in page.content.decode()


@pytest.mark.parametrize(
    "url", ["", "https://elders.example/", "//elders.example/", "/bestaat-niet/"]
)
def test_a_link_that_leads_nowhere_returns_to_the_notifications(client, world, url):
    notification = stored(world.a_signatory, url)
    client.force_login(world.a_signatory)

    assert follow(client, notification) == reverse("workflow:notifications")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found(client, world):
    notification = stored(world.b_signatory, f"/locations/{world.own.pk}/")
    client.force_login(world.a_signatory)

    response = client.get(reverse("workflow:notification_open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
