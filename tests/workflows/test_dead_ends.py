"""No dead ends on the task pages (issue 19, item 7): a task opened again once it is
done (a second tab, the back button, a colleague who did it first) says in Dutch who
did it and when, and leads back to the work; a form sent to it changes nothing. A
task a colleague claimed says by whom. The flows' index sends a party to its own
work, and the 403 page says what happened and where to go on."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from viewflow.workflow.status import STATUS

from casework.models import Approval
from permissions.constants import MembershipRole
from workflows.flows import ApprovalRoundFlow

from ..factories import person_of
from .pages import (
    approval_task,
    assign_url,
    execute_url,
    load_urls,
    negotiating,
    open_task,
    submit,
    task_url,
)

pytestmark = pytest.mark.django_db

TASK_PAGES = ("index", "detail", "execute", "assign", "unassign")


def page_url(task, name: str) -> str:
    load_urls()
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


@pytest.fixture
def decided(client, world):
    """Organisation A's signatory approved; the task is done."""
    process = submit(negotiating(world), world.case_manager)
    task = approval_task(process, world.org_a)
    client.force_login(world.a_signatory)
    url = open_task(client, task)
    assert client.post(url, {"decision": "approve", "comment": ""}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    return task


def test_every_page_of_a_done_task_says_it_is_done_by_you(client, world, decided):
    for name in TASK_PAGES:
        response = client.get(page_url(decided, name))

        assert response.status_code == 200, name
        content = response.content.decode()
        assert "Deze taak is al afgerond door u op " in content, name
        assert "no transition" not in content
        assert f'href="{reverse("locations:detail", args=[world.own.pk])}"' in content
        assert f'href="{reverse("mywork:index")}">Naar Mijn werk<' in content
        assert f'href="{reverse("workflow:inbox")}">Naar uw inbox<' in content


def test_deciding_again_from_a_second_tab_changes_nothing(client, world, decided):
    before = list(Approval.objects.values_list("pk", "decision"))

    response = client.post(
        execute_url(decided), {"decision": "reject", "comment": "Toch niet."}
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Deze taak is al afgerond door u op " in content
    assert "Wat u heeft ingevuld is niet opgeslagen; er is niets gewijzigd." in content
    assert list(Approval.objects.values_list("pk", "decision")) == before
    decided.refresh_from_db()
    assert decided.status == STATUS.DONE
    assert decided.data["decision"] == "approve"
    # Claiming it again is refused the same way.
    assert client.post(assign_url(decided)).status_code == 409


def test_a_colleague_learns_who_did_the_task_and_when(client, world, decided):
    colleague = person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    client.force_login(colleague)

    for url in (task_url(decided), execute_url(decided)):
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        name = world.a_signatory.get_full_name() or world.a_signatory.username
        day = date_format(localtime(decided.finished), "j F Y")
        assert f"Deze taak is al afgerond door {name} (Gemeente A) op {day} om " in (
            content
        )
        assert "Goedgekeurd" in content  # the outcome


def test_a_lapsed_task_says_so(client, world):
    process = submit(negotiating(world), world.case_manager)
    theirs = approval_task(process, world.org_b)
    mine = approval_task(process, world.org_a)
    # B rejects: the round closes, A's decision lapses.
    client.force_login(world.b_signatory)
    url = open_task(client, theirs)
    client.post(url, {"decision": "reject", "comment": "Te weinig woningen."})
    mine.refresh_from_db()
    assert mine.status == STATUS.CANCELED
    client.force_login(world.a_signatory)

    response = client.post(execute_url(mine), {"decision": "approve"})

    assert response.status_code == 409
    content = response.content.decode()
    assert "Deze taak is vervallen op " in content
    assert "er hoeft niets meer te gebeuren" in content
    assert not Approval.objects.filter(organisation=world.org_a).exists()


def test_a_task_claimed_by_a_colleague_names_the_colleague(client, world):
    colleague = person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    process = submit(negotiating(world), world.case_manager)
    task = approval_task(process, world.org_a)
    client.force_login(world.a_signatory)
    open_task(client, task)  # claimed, not yet decided
    client.force_login(colleague)

    response = client.post(execute_url(task), {"decision": "approve"})

    assert response.status_code == 403
    content = response.content.decode()
    name = world.a_signatory.get_full_name() or world.a_signatory.username
    assert f"opgepakt door {name}; alleen die kan hem afronden" in content
    assert not Approval.objects.exists()


def test_a_done_task_of_an_invisible_location_is_still_not_found(
    client, world, decided
):
    client.force_login(world.c_signatory)
    for name in TASK_PAGES:
        assert client.get(page_url(decided, name)).status_code == 404, name
    assert client.post(execute_url(decided), {"decision": "approve"}).status_code == 404


def test_the_flows_index_sends_a_party_to_its_work(client, world):
    load_urls()
    for who in ("a_member", "a_signatory", "outsider"):
        client.force_login(getattr(world, who))
        response = client.get("/workflow/flows/", follow=True)
        assert response.redirect_chain == [(reverse("mywork:index"), 302)], who
        assert "De procesoverzichten zijn er voor het ministerie" in (
            response.content.decode()
        )
    client.force_login(world.ministry)
    response = client.get("/workflow/flows/")
    assert response["Location"] == ApprovalRoundFlow.instance.reverse("index")


def test_the_403_page_says_what_happened_and_leads_back_to_the_work(client, world):
    process = submit(negotiating(world), world.case_manager)
    theirs = approval_task(process, world.org_b)
    client.force_login(world.a_signatory)

    response = client.get(execute_url(theirs))

    assert response.status_code == 403
    content = response.content.decode()
    assert "Deze pagina of handeling is niet voor uw rol of uw organisatie." in content
    assert "Er is niets gewijzigd." in content
    assert f'href="{reverse("mywork:index")}">Mijn werk<' in content
    assert f'href="{reverse("dashboard:index")}">Het dashboard<' in content
    assert f'href="{reverse("locations:index")}">De lijst van locaties<' in content
    assert "Log in as another user" not in content
