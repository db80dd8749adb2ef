"""The issue's "done when", through the interface: a location with five parties, a
heads-of-agreement drafted on its page by the case manager, one rejected round and its
revision, every signatory deciding from its inbox, then the administrative agreement —
asserting the stage, the frozen hash and the audit trail."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from casework.constants import AuditAction, Stage
from casework.models import AgreementVersion, AuditEvent, VersionStatus
from casework.services import version_canonical_content
from permissions.constants import MembershipRole, OrganisationKind
from workflows.flows import ApprovalRoundFlow

from ..factories import OrganisationFactory, PartyFactory, person_of
from .pages import approval_task, negotiating, open_task, revise_task

pytestmark = pytest.mark.django_db


def five_parties(world):
    location = negotiating(world)
    signers = {world.org_a: world.a_signatory, world.org_b: world.b_signatory}
    for slug, kind, role in [
        ("ministerie-x", OrganisationKind.MINISTRY, "commissioner"),
        ("provincie-x", OrganisationKind.PROVINCE, "province"),
        ("corporatie-x", OrganisationKind.HOUSING_CORPORATION, "housing_corporation"),
    ]:
        organisation = OrganisationFactory(slug=slug, name=slug.title(), kind=kind)
        PartyFactory(location=location, organisation=organisation, role=role)
        signers[organisation] = person_of(organisation, MembershipRole.SIGNATORY)
    return location, signers


def draft_on_the_page(client, world, location, *, title):
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[location.pk])).content.decode()
    create = reverse("workflow:agreement_create", args=[location.pk])
    assert create in page
    form = client.get(create)
    assert form.status_code == 200
    parties = list(location.parties.order_by("organisation__name"))
    data = {
        "title": title,
        "text": "Partijen versnellen samen de woningbouw.",
        "commitments-TOTAL_FORMS": str(len(parties)),
        "commitments-INITIAL_FORMS": "0",
    }
    for index, party in enumerate(parties):
        data[f"commitments-{index}-party"] = str(party.organisation_id)
        data[f"commitments-{index}-description"] = f"{party.organisation.name} levert."
        data[f"commitments-{index}-due_date"] = "2027-06-01"
    response = client.post(create, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return AgreementVersion.objects.filter(agreement__location=location).latest("pk")


def process_of(version):
    return ApprovalRoundFlow.process_class.objects.get(
        artifact_object_id=version.pk, flow_class=ApprovalRoundFlow
    )


def decide_from_the_inbox(client, signer, task, **data):
    client.force_login(signer)
    inbox = client.get(reverse("workflow:inbox")).content.decode()
    queue = client.get(reverse("workflow:queue")).content.decode()
    assert f"/{task.pk}/" in inbox + queue
    response = client.post(open_task(client, task), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_heads_of_agreement_with_a_rejection_then_the_administrative_agreement(
    client, world
):
    location, signers = five_parties(world)

    # Round 1: the developer rejects; the other open decisions are cancelled.
    first = draft_on_the_page(client, world, location, title="Hoofdlijnenakkoord")
    assert first.status == VersionStatus.IN_APPROVAL
    process = process_of(first)
    decide_from_the_inbox(
        client,
        signers[world.org_a],
        approval_task(process, world.org_a),
        decision="approve",
    )
    decide_from_the_inbox(
        client,
        signers[world.org_b],
        approval_task(process, world.org_b),
        decision="reject",
        comment="De fasering is onhaalbaar.",
    )
    first.refresh_from_db()
    assert first.status == VersionStatus.REJECTED
    approve_tasks = Task.objects.filter(
        process=process, flow_task=ApprovalRoundFlow.instance.approve
    )
    assert approve_tasks.filter(status="CANCELED").count() == 3

    # The case manager revises on the revise task's page: a new round starts.
    client.force_login(world.case_manager)
    url = open_task(client, revise_task(location))
    page = client.get(url)
    assert "De fasering is onhaalbaar." in page.content.decode()
    formset = page.context["formset"]
    data = {
        "title": "Hoofdlijnenakkoord",
        "text": "Herziene fasering.",
        "commitments-TOTAL_FORMS": str(len(formset.forms)),
        "commitments-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    for index, form in enumerate(formset.forms):
        for name, value in (form.initial or {}).items():
            data[f"commitments-{index}-{name}"] = (
                value.isoformat() if hasattr(value, "isoformat") else value
            )
    assert client.post(url, data).status_code == 302
    second = AgreementVersion.objects.filter(agreement=first.agreement).latest("number")
    assert second.number == 2 and second.status == VersionStatus.IN_APPROVAL

    # Round 2: all five approve from their inboxes.
    process = process_of(second)
    for organisation, signer in signers.items():
        decide_from_the_inbox(
            client, signer, approval_task(process, organisation), decision="approve"
        )
    location.refresh_from_db()
    second.refresh_from_db()
    assert location.stage == Stage.HEADS_OF_AGREEMENT
    assert second.status == VersionStatus.CONCLUDED
    assert (
        second.sha256 == hashlib.sha256(version_canonical_content(second)).hexdigest()
    )

    # The administrative agreement, the same way.
    agreement = draft_on_the_page(
        client, world, location, title="Bestuurlijke overeenkomst"
    )
    process = process_of(agreement)
    for organisation, signer in signers.items():
        decide_from_the_inbox(
            client, signer, approval_task(process, organisation), decision="approve"
        )
    location.refresh_from_db()
    agreement.refresh_from_db()
    assert location.stage == Stage.ADMINISTRATIVE_AGREEMENT
    assert len(agreement.sha256) == 64

    # The audit trail: every decision by its signatory, the conclusions by the system.
    decisions = AuditEvent.objects.filter(
        location=location, action=AuditAction.APPROVAL_RECORDED
    )
    assert decisions.count() == 2 + 5 + 5
    assert set(decisions.values_list("actor", flat=True)) == {
        s.pk for s in signers.values()
    }
    transitions = list(
        AuditEvent.objects.filter(location=location, action=AuditAction.TRANSITION)
        .order_by("pk")
        .values_list("transition", "actor")
    )[-2:]
    assert transitions == [
        ("conclude_heads_of_agreement", None),
        ("conclude_administrative_agreement", None),
    ]
    assert (
        AuditEvent.objects.filter(
            location=location, action=AuditAction.AGREEMENT_REJECTED
        ).count()
        == 1
    )


def test_only_the_case_manager_drafts_an_agreement_on_the_page(client, world):
    location = negotiating(world)
    create = reverse("workflow:agreement_create", args=[location.pk])
    for user in (world.a_signatory, world.ministry, world.viewer):
        client.force_login(user)
        assert client.get(create).status_code == 403
        assert client.post(create, {"title": "x", "text": "y"}).status_code == 403
    client.force_login(world.c_member)
    assert client.get(create).status_code == 404
    client.force_login(world.case_manager)
    response = client.post(
        create,
        {
            "title": "",
            "text": "",
            "commitments-TOTAL_FORMS": "0",
            "commitments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with its errors
    assert not AgreementVersion.objects.exists()
