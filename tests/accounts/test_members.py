"""Organisations manage their own people: invitations (signed, expiring, once),
who signs and who only acts, and removal, whose claimed tasks go back to the queue."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone
from viewflow.workflow.status import STATUS

from accounts import members
from accounts.constants import InvitationStatus
from accounts.models import Invitation
from casework.constants import AuditAction, Stage
from casework.models import AuditEvent
from permissions.checks import has_object_perm
from permissions.constants import MembershipRole, OrganisationPerm
from permissions.models import Membership

from ..factories import person_of
from ..scenarios import bring_to
from ..workflows.rounds import approval_task_of, decide, submit_round

User = get_user_model()


@pytest.fixture
def admin_a(world):
    """`a_member` administers organisation A (granted by the system, as load_demo or
    an operator would)."""
    members.administrator_set(
        organisation=world.org_a, user=world.a_member, is_administrator=True
    )
    return world.a_member


def people_page(organisation):
    return f"/accounts/organisaties/{organisation.pk}/"


def invitation_link(message) -> str:
    return re.search(r"http://[^\s]+/accounts/uitnodiging/[^\s]+/", message.body)[0]


def path_of(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


# --- Invitations -------------------------------------------------------------------------


def test_an_administrator_invites_by_email_and_the_invitee_makes_an_account(
    world, admin_a, client, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{people_page(world.org_a)}uitnodigen/",
            {"email": "Nieuw@Gemeente-A.nl", "role": MembershipRole.SIGNATORY},
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nieuw@gemeente-a.nl"]
    assert "Gemeente A" in message.subject
    link = invitation_link(message)
    audit = AuditEvent.objects.get(action=AuditAction.MEMBER_INVITED)
    assert audit.actor == admin_a
    assert audit.data["organisation"] == world.org_a.pk

    invitee = Client()
    page = invitee.get(path_of(link))
    assert page.status_code == 200
    assert "Gemeente A" in page.content.decode()
    response = invitee.post(
        path_of(link),
        {
            "username": "nieuw",
            "first_name": "Nina",
            "last_name": "Nieuw",
            "password1": "een-lang-en-sterk-wachtwoord-42",
            "password2": "een-lang-en-sterk-wachtwoord-42",
        },
    )
    assert response.status_code == 302
    nieuw = User.objects.get(username="nieuw")
    assert nieuw.email == "nieuw@gemeente-a.nl"
    membership = Membership.objects.get(user=nieuw, organisation=world.org_a)
    assert membership.role == MembershipRole.SIGNATORY
    assert has_object_perm(nieuw, OrganisationPerm.SIGN, world.org_a)
    assert AuditEvent.objects.filter(
        action=AuditAction.MEMBER_JOINED, actor=nieuw
    ).exists()
    # Signed in with the new account.
    assert invitee.get("/accounts/meldingen/").status_code == 200

    # Once only.
    again = Client().get(path_of(link))
    assert again.status_code == 400
    assert "al gebruikt" in again.content.decode()


def test_a_signed_in_person_with_the_invited_address_accepts(world, admin_a):
    invitation = members.invitation_create(
        organisation=world.org_a,
        email=world.c_member.email,
        role=MembershipRole.MEMBER,
        actor=admin_a,
    )
    token = members.invitation_token(invitation)
    other = Client()
    other.force_login(world.b_member)  # another address: refused
    response = other.post(f"/accounts/uitnodiging/{token}/")
    assert not Membership.objects.filter(
        user=world.b_member, organisation=world.org_a
    ).exists()
    assert response.status_code == 200

    client = Client()
    client.force_login(world.c_member)
    response = client.post(f"/accounts/uitnodiging/{token}/")
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=world.c_member, organisation=world.org_a, role=MembershipRole.MEMBER
    ).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == world.c_member


def test_an_invitation_link_expires_and_cannot_be_changed(world, admin_a, settings):
    settings.INVITATION_MAX_AGE_DAYS = 7
    invitation = members.invitation_create(
        organisation=world.org_a,
        email="later@example.org",
        role=MembershipRole.MEMBER,
        actor=admin_a,
    )
    token = members.invitation_token(invitation)
    client = Client()
    assert client.get(f"/accounts/uitnodiging/{token}/").status_code == 200
    # Another invitation's id under the same signature: refused.
    forged = token.replace(f"{invitation.pk}.", f"{invitation.pk + 1}.", 1)
    assert client.get(f"/accounts/uitnodiging/{forged}/").status_code == 400
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        response = client.get(f"/accounts/uitnodiging/{token}/")
    assert response.status_code == 400
    assert "verlopen" in response.content.decode()


def test_a_new_invitation_to_the_same_address_replaces_the_old_link(world, admin_a):
    first = members.invitation_create(
        organisation=world.org_a, email="x@example.org", role="member", actor=admin_a
    )
    second = members.invitation_create(
        organisation=world.org_a, email="x@example.org", role="signatory", actor=admin_a
    )
    client = Client()
    old = client.get(f"/accounts/uitnodiging/{members.invitation_token(first)}/")
    assert old.status_code == 400
    new = client.get(f"/accounts/uitnodiging/{members.invitation_token(second)}/")
    assert new.status_code == 200
    assert Invitation.objects.get(pk=first.pk).status == InvitationStatus.WITHDRAWN


def test_only_administrators_manage_people(world, admin_a):
    signatory = Client()
    signatory.force_login(world.a_signatory)  # of A, but no administrator
    assert signatory.get(people_page(world.org_a)).status_code == 403
    response = signatory.post(
        f"{people_page(world.org_a)}uitnodigen/",
        {"email": "x@example.org", "role": "member"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    outsider = Client()
    outsider.force_login(world.b_signatory)  # not of A at all: the page does not exist
    assert outsider.get(people_page(world.org_a)).status_code == 404
    response = outsider.post(
        f"{people_page(world.org_a)}mensen/{world.a_signatory.pk}/verwijderen/"
    )
    assert response.status_code == 404
    assert Membership.objects.filter(user=world.a_signatory).exists()

    admin = Client()
    admin.force_login(admin_a)
    page = admin.get(people_page(world.org_a))
    assert page.status_code == 200
    assert world.a_signatory.email in page.content.decode()
    # Someone of another organisation cannot be changed through A's page.
    response = admin.post(
        f"{people_page(world.org_a)}mensen/{world.b_signatory.pk}/verwijderen/"
    )
    assert Membership.objects.filter(user=world.b_signatory).exists()


def test_the_last_administrator_cannot_leave(world, admin_a):
    with pytest.raises(members.Conflict):
        members.member_remove(organisation=world.org_a, user=admin_a, actor=admin_a)
    with pytest.raises(members.Conflict):
        members.administrator_set(
            organisation=world.org_a,
            user=admin_a,
            is_administrator=False,
            actor=admin_a,
        )


# --- Roles and removal -------------------------------------------------------------------


@pytest.fixture
def claimed(world):
    """An approval round on `own`: A's only signatory holds A's task."""
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    process = submit_round(world.own, world.case_manager)
    task = approval_task_of(process, world.org_a)
    assert task.status == STATUS.ASSIGNED and task.owner == world.a_signatory
    mail.outbox.clear()
    return task


def test_removing_a_person_returns_their_claimed_tasks_to_the_queue(
    world, admin_a, claimed, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{people_page(world.org_a)}mensen/{world.a_signatory.pk}/verwijderen/",
            {"reason": "Vertrokken"},
        )
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.owner is None
    assert claimed.status == STATUS.NEW
    leaver = User.objects.get(pk=world.a_signatory.pk)
    assert not leaver.memberships.exists()
    assert not leaver.is_active  # no organisation, no role: can no longer sign in
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_REMOVED)
    assert event.actor == admin_a
    assert event.reason == "Vertrokken"
    assert event.data["released_tasks"] == [claimed.pk]
    [notice] = mail.outbox
    assert notice.to == [leaver.email]
    assert "wachtrij" in notice.body

    # A new signatory of A claims it from the queue and decides.
    successor = person_of(world.org_a, MembershipRole.SIGNATORY, username="opvolger")
    assert claimed.flow_task.can_assign(successor, claimed)
    assert not claimed.flow_task.can_execute(leaver, claimed)
    decide(claimed, user=successor)
    claimed.refresh_from_db()
    assert claimed.status == STATUS.DONE and claimed.owner == successor


def test_a_signatory_who_only_acts_from_now_gives_back_signing_tasks(
    world, admin_a, claimed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        released = members.member_set_role(
            organisation=world.org_a,
            user=world.a_signatory,
            role=MembershipRole.MEMBER,
            actor=admin_a,
        )
    assert released == [claimed.pk]
    claimed.refresh_from_db()
    assert (claimed.owner, claimed.status) == (None, STATUS.NEW)
    assert not has_object_perm(
        User.objects.get(pk=world.a_signatory.pk), OrganisationPerm.SIGN, world.org_a
    )
    event = AuditEvent.objects.filter(action=AuditAction.MEMBER_ROLE_CHANGED).last()
    assert event.data["from_role"] == "signatory"
    assert event.data["to_role"] == "member"
    assert len(mail.outbox) == 1


def test_a_claimed_task_of_another_organisation_stays_put(world, admin_a, claimed):
    b_task = approval_task_of(claimed.process, world.org_b)
    assert b_task.owner == world.b_signatory
    # b_signatory also works for A (as member); removing them from A leaves B's task.
    members.invitation_create(
        organisation=world.org_a,
        email=world.b_signatory.email,
        role=MembershipRole.MEMBER,
        actor=admin_a,
    )
    invitation = Invitation.objects.get(email=world.b_signatory.email)
    members.invitation_accept(
        token=members.invitation_token(invitation), user=world.b_signatory
    )
    released = members.member_remove(
        organisation=world.org_a, user=world.b_signatory, actor=admin_a
    )
    assert released == []
    b_task.refresh_from_db()
    assert b_task.owner == world.b_signatory and b_task.status == STATUS.ASSIGNED
    assert User.objects.get(pk=world.b_signatory.pk).is_active  # still of B
