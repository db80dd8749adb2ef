"""The task pages, driven through viewflow's real URLs as each role: the task link of
the inbox, the assign page when the task is still in the queue, the execute page
with our form. What the pages say, what a decision changes, and that a refused form
changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.constants import ActionStatus, AuditAction, Stage
from casework.models import (
    AgreementVersion,
    Approval,
    AuditEvent,
    BottleneckAction,
    VersionStatus,
)
from permissions.constants import MembershipRole
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

from ..factories import person_of
from ..scenarios import add_bottleneck
from .pages import (
    approval_task,
    execute_url,
    negotiating,
    open_task,
    open_tasks,
    revise_task,
    submit,
    version_of,
)

pytestmark = pytest.mark.django_db


def decide(client, task, **data):
    url = open_task(client, task)
    return client.post(url, data)


def test_a_signatory_approves_from_the_interface(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    client.force_login(world.a_signatory)

    url = open_task(client, task)
    page = client.get(url)

    assert page.status_code == 200
    content = page.content.decode()
    assert "Hoofdlijnenakkoord Eigen Locatie" in content
    assert "Wat uw besluit betekent" in content
    # The commitments grouped per party, every party's decision so far.
    assert "<caption>Gemeente A</caption>" in content
    assert "<caption>Ontwikkelaar B</caption>" in content
    assert content.count("Nog niet besloten") == 2
    assert 'name="decision" value="approve"' in content

    response = client.post(url, {"decision": "approve", "comment": ""})

    assert response.status_code == 302
    assert response.url == reverse("workflow:inbox")
    approval = Approval.objects.get(version=version_of(process))
    assert (approval.organisation, approval.decision, approval.decided_by) == (
        world.org_a,
        "approve",
        world.a_signatory,
    )
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert task.owner == world.a_signatory
    inbox = client.get(response.url)
    assert "Uw goedkeuring van Hoofdlijnenakkoord Eigen Locatie, versie 1 is " in (
        inbox.content.decode()
    )

    # The last party approves: the version is concluded and the location moves on.
    client.force_login(world.b_signatory)
    response = decide(client, approval_task(process, world.org_b), decision="approve")
    assert response.status_code == 302
    version = version_of(process)
    location.refresh_from_db()
    assert version.status == VersionStatus.CONCLUDED
    assert len(version.sha256) == 64
    assert location.stage == Stage.HEADS_OF_AGREEMENT
    process.refresh_from_db()
    assert process.status == PROCESS.DONE


def test_a_reject_without_comment_shows_an_error_and_changes_nothing(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    client.force_login(world.a_signatory)
    url = open_task(client, task)
    audit_before = AuditEvent.objects.count()

    response = client.post(url, {"decision": "reject", "comment": "   "})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Geef bij afwijzing een toelichting." in content
    assert 'role="alert"' in content
    assert not Approval.objects.exists()
    assert version_of(process).status == VersionStatus.IN_APPROVAL
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert AuditEvent.objects.count() == audit_before
    assert len(open_tasks(process, ApprovalRoundFlow.instance.approve)) == 2


def test_a_rejection_then_a_revision_through_the_form_opens_a_new_round(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    client.force_login(world.b_signatory)

    response = decide(
        client,
        approval_task(process, world.org_b),
        decision="reject",
        comment="De grondexploitatie ontbreekt.",
    )

    assert response.status_code == 302
    assert version_of(process).status == VersionStatus.REJECTED
    # A's open decision is cancelled with the round; the case manager revises.
    assert approval_task(process, world.org_a).status == STATUS.CANCELED
    revision = revise_task(location)
    assert revision.owner == world.case_manager

    client.force_login(world.case_manager)
    url = open_task(client, revision)
    page = client.get(url)
    content = page.content.decode()
    assert "De grondexploitatie ontbreekt." in content
    assert 'value="Hoofdlijnenakkoord Eigen Locatie"' in content
    assert "Partijen versnellen samen de woningbouw." in content
    # The commitments' dates prefilled in the form a date input understands; a new
    # row starts without a party (left untouched, it is left out).
    assert 'name="commitments-0-due_date" value="2027-06-01"' in content
    assert '<option value="" selected>Kies een partij</option>' in content
    formset = page.context["formset"]
    assert [form.initial["party"] for form in formset.initial_forms] == [
        world.org_a.pk,
        world.org_b.pk,
    ]

    response = client.post(
        url,
        {
            "title": "Hoofdlijnenakkoord Eigen Locatie",
            "text": "Partijen versnellen samen de woningbouw, met grondexploitatie.",
            "commitments-TOTAL_FORMS": "3",
            "commitments-INITIAL_FORMS": "2",
            "commitments-MIN_NUM_FORMS": "0",
            "commitments-MAX_NUM_FORMS": "1000",
            "commitments-0-party": world.org_a.pk,
            "commitments-0-description": "Gemeente A levert de grondexploitatie.",
            "commitments-0-due_date": "2027-03-01",
            "commitments-1-party": world.org_b.pk,
            "commitments-1-description": "Ontwikkelaar B levert haar bijdrage.",
            "commitments-1-due_date": "2027-06-01",
            "commitments-1-DELETE": "",
            "commitments-2-party": "",
            "commitments-2-description": "",
            "commitments-2-due_date": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == reverse("workflow:inbox")
    revision.refresh_from_db()
    assert revision.status == STATUS.DONE
    new_version = AgreementVersion.objects.get(
        agreement=version_of(process).agreement, number=2
    )
    assert new_version.status == VersionStatus.IN_APPROVAL
    assert revision.data["revised_by_version"] == new_version.pk
    assert [c.description for c in new_version.commitments.order_by("id")] == [
        "Gemeente A levert de grondexploitatie.",
        "Ontwikkelaar B levert haar bijdrage.",
    ]
    # A new round with a decision for each party; the old round is over, its
    # revision done exactly once.
    new_process = ApprovalRoundFlow.process_class.objects.get(
        artifact_object_id=new_version.pk, flow_class=ApprovalRoundFlow
    )
    assert {
        t.data["organisation"]
        for t in open_tasks(new_process, ApprovalRoundFlow.instance.approve)
    } == {world.org_a.pk, world.org_b.pk}
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    assert (
        Task.objects.filter(
            process=process, flow_task=ApprovalRoundFlow.instance.end
        ).count()
        == 1
    )
    assert not Task.objects.filter(status=STATUS.ERROR).exists()
    assert (
        AuditEvent.objects.filter(
            location=location, action=AuditAction.AGREEMENT_SUBMITTED
        ).count()
        == 2
    )


def test_a_revision_without_title_changes_nothing(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    client.force_login(world.b_signatory)
    decide(
        client,
        approval_task(process, world.org_b),
        decision="reject",
        comment="Nee.",
    )
    client.force_login(world.case_manager)
    url = open_task(client, revise_task(location))

    response = client.post(
        url,
        {
            "title": "",
            "text": "Nieuwe tekst.",
            "commitments-TOTAL_FORMS": "0",
            "commitments-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Controleer het formulier" in response.content.decode()
    assert AgreementVersion.objects.count() == 1
    assert revise_task(location).status == STATUS.ASSIGNED


def start_action_from_the_location_page(client, world, location):
    bottleneck = add_bottleneck(location, world.case_manager)
    client.force_login(world.case_manager)
    response = client.post(
        reverse("workflow:action_start", args=[location.pk]),
        {
            "bottleneck": bottleneck.pk,
            "party": world.org_a.pk,
            "description": "Stikstofberekening laten uitvoeren.",
            "due_on": "2027-01-15",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("locations:detail", args=[location.pk]) + (
        "#aan-zet"
    )
    return BottleneckAction.objects.get(bottleneck=bottleneck)


def test_a_party_member_reports_an_action_done_and_the_case_manager_accepts(
    client, world
):
    location = negotiating(world)
    action = start_action_from_the_location_page(client, world, location)
    perform = Task.objects.get(
        flow_task=BottleneckActionFlow.instance.perform,
        process__artifact_object_id=action.pk,
    )
    # A's member and signatory both act for A: the task waits in their queue.
    assert perform.status == STATUS.NEW
    client.force_login(world.a_member)
    url = open_task(client, perform)
    page = client.get(url)
    assert "Stikstofberekening laten uitvoeren." in page.content.decode()
    assert "Hulp nodig" in page.content.decode()

    response = client.post(
        url, {"outcome": "done", "report": "Rapport staat in het dossier (v3)."}
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE_REPORTED
    assert action.report == "Rapport staat in het dossier (v3)."
    perform.refresh_from_db()
    assert (perform.status, perform.owner) == (STATUS.DONE, world.a_member)
    review = Task.objects.get(
        flow_task=BottleneckActionFlow.instance.review, process=perform.process
    )
    assert review.owner == world.case_manager

    client.force_login(world.case_manager)
    url = open_task(client, review)
    page = client.get(url)
    assert "Rapport staat in het dossier (v3)." in page.content.decode()
    # Returning needs a note; nothing changes without one.
    refused = client.post(url, {"decision": "return", "note": ""})
    assert refused.status_code == 200
    assert "Geef aan wat de partij nog moet doen." in refused.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE_REPORTED

    response = client.post(url, {"decision": "accept", "note": ""})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.ACCEPTED
    review.process.refresh_from_db()
    assert review.process.status == PROCESS.DONE


def test_an_action_returned_to_the_party_comes_back_in_its_queue(client, world):
    location = negotiating(world)
    action = start_action_from_the_location_page(client, world, location)
    perform = Task.objects.get(flow_task=BottleneckActionFlow.instance.perform)
    client.force_login(world.a_signatory)
    url = open_task(client, perform)
    client.post(url, {"outcome": "help", "report": "Wie rekent de stikstof door?"})
    review = Task.objects.get(flow_task=BottleneckActionFlow.instance.review)
    client.force_login(world.case_manager)
    url = open_task(client, review)
    assert "Hulpvraag van de partij" in client.get(url).content.decode()

    client.post(url, {"decision": "return", "note": "Bureau X rekent het door."})

    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    again = Task.objects.filter(
        flow_task=BottleneckActionFlow.instance.perform, status=STATUS.NEW
    ).get()
    client.force_login(world.a_member)
    page = client.get(open_task(client, again))
    assert "Bureau X rekent het door." in page.content.decode()


def test_a_second_signatory_of_the_organisation_cannot_do_a_claimed_task(client, world):
    second = person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    location = negotiating(world)
    process = submit(location, world.case_manager)
    task = approval_task(process, world.org_a)
    assert task.status == STATUS.NEW  # two signatories: nobody gets it at once
    client.force_login(world.a_signatory)
    open_task(client, task)
    task.refresh_from_db()
    assert task.owner == world.a_signatory

    client.force_login(second)
    execute = client.post(
        execute_url(task),
        {"decision": "approve"},
    )

    assert execute.status_code == 403
    assert not Approval.objects.exists()


def test_action_start_form_refuses_party_members_and_bad_input(client, world):
    location = negotiating(world)
    bottleneck = add_bottleneck(location, world.case_manager)
    url = reverse("workflow:action_start", args=[location.pk])
    data = {
        "bottleneck": bottleneck.pk,
        "party": world.org_a.pk,
        "description": "Doen.",
        "due_on": (datetime.date.today() + datetime.timedelta(days=5)).isoformat(),
    }

    client.force_login(world.a_member)
    assert client.post(url, data).status_code == 403
    client.force_login(world.c_member)
    assert client.post(url, data).status_code == 404
    client.force_login(world.case_manager)
    response = client.post(url, {**data, "party": world.org_c.pk}, follow=True)
    assert "Kies een knelpunt en een partij" in response.content.decode()
    assert not BottleneckAction.objects.exists()
