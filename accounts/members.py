"""Organisations manage their own people: an organisation's administrator invites
people by e-mail, decides who signs and who only acts, and removes people.

Every change is one transaction with its audit event (`casework.services.audit_record`,
without a location). Work a person can no longer do goes back to the organisation's
queue in the same transaction: their claimed open tasks of that organisation when they
leave, their claimed signing tasks when they stop signing (viewflow's unassign: no
owner, status NEW). They are told by e-mail, after the commit.

Administrators hold the object permission `manage_members` on the organisation
(granted per person through guardian); staff with the model-wide permission manage
every organisation.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import remove_perm
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework import jobs
from casework.constants import AuditAction
from casework.services import audit_record
from permissions.checks import (
    forget_cached_permissions,
    has_object_perm,
    objects_with_perm,
)
from permissions.constants import MembershipRole, OrganisationPerm
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible
from permissions.models import Membership, Organisation
from permissions.selectors import language_of
from permissions.services import administrator_grant, membership_set

from .constants import InvitationStatus
from .models import Invitation

User = get_user_model()

INVITATION_SALT = "accounts.invitation"
CLAIMED = (STATUS.ASSIGNED, STATUS.STARTED)


# --- Who manages whom ------------------------------------------------------------------


def may_manage(user, organisation: Organisation) -> bool:
    return has_object_perm(user, OrganisationPerm.MANAGE_MEMBERS, organisation)


def organisations_managed_by(user) -> QuerySet[Organisation]:
    return objects_with_perm(
        user, OrganisationPerm.MANAGE_MEMBERS, Organisation.objects.all()
    ).order_by("name")


def administrator_ids(organisation: Organisation) -> set[int]:
    """The people holding `manage_members` on the organisation itself; one query."""
    return set(
        UserObjectPermission.objects.filter(
            permission__codename="manage_members",
            permission__content_type__app_label="permissions",
            object_pk=str(organisation.pk),
        ).values_list("user_id", flat=True)
    )


def _check_manager(actor, organisation: Organisation) -> None:
    if not may_manage(actor, organisation):
        raise NotPermitted(
            _("Alleen een beheerder van de organisatie kan haar mensen beheren.")
        )


def _membership(organisation: Organisation, user) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(organisation=organisation, user=user)
        .first()
    )
    if membership is None:
        raise NotVisible(looked_for="membership")
    return membership


@transaction.atomic
def administrator_set(
    *, organisation: Organisation, user, is_administrator: bool, actor=None
) -> None:
    """Make a member of the organisation its administrator, or no longer. The last
    administrator cannot step down (someone must be able to manage the people);
    `actor` None: the system (load_demo, an operator's command)."""
    if actor is not None:
        _check_manager(actor, organisation)
    _membership(organisation, user)
    if is_administrator:
        administrator_grant(user=user, organisation=organisation)
    else:
        if administrator_ids(organisation) == {user.pk}:
            raise Conflict(_("De laatste beheerder van de organisatie kan niet weg."))
        remove_perm(OrganisationPerm.MANAGE_MEMBERS, user, organisation)
    forget_cached_permissions(user)
    audit_record(
        action=AuditAction.MEMBER_ROLE_CHANGED,
        actor=actor,
        reason="beheerder" if is_administrator else "geen beheerder meer",
        data={
            "organisation": organisation.pk,
            "user": user.pk,
            "administrator": is_administrator,
        },
    )


# --- Invitations -----------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(
        f"{invitation.pk}.{invitation.nonce}"
    )


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation", args=[invitation_token(invitation)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor,
    make_administrator: bool = False,
) -> Invitation:
    """Invite `email` to join the organisation with `role`, and mail the link (after
    the commit). A pending invitation to the same address is replaced: only the
    newest link works."""
    _check_manager(actor, organisation)
    email = email.strip().lower()
    if role not in MembershipRole.values:
        raise InvalidInput(_("Kies een rol: ondertekenaar of medewerker."))
    if Membership.objects.filter(
        organisation=organisation, user__email__iexact=email
    ).exists():
        raise Conflict(_("Iemand met dit e-mailadres hoort al bij de organisatie."))
    Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        status=InvitationStatus.PENDING,
    ).update(status=InvitationStatus.WITHDRAWN)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        make_administrator=make_administrator,
        invited_by=actor,
        nonce=secrets.token_urlsafe(16)[:22],
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        action=AuditAction.MEMBER_INVITED,
        actor=actor,
        data={"organisation": organisation.pk, "email": email, "role": role},
    )
    _mail_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor) -> None:
    _check_manager(actor, invitation.organisation)
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("Deze uitnodiging is niet meer open."))
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.save(update_fields=["status"])


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a link names. Raises InvalidInput for a link that was
    changed, has expired, was used or withdrawn."""
    max_age = settings.INVITATION_MAX_AGE_DAYS * 24 * 3600
    try:
        value = signing.TimestampSigner(salt=INVITATION_SALT).unsign(
            token, max_age=max_age
        )
    except signing.SignatureExpired:
        raise InvalidInput(
            _("Deze uitnodiging is verlopen. Vraag de beheerder om een nieuwe.")
        ) from None
    except signing.BadSignature:
        raise InvalidInput(_("Deze link is ongeldig.")) from None
    pk, _dot, nonce = value.partition(".")
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(pk=pk, nonce=nonce)
        .first()
    )
    if invitation is None or invitation.status == InvitationStatus.WITHDRAWN:
        raise InvalidInput(_("Deze uitnodiging is ingetrokken."))
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvalidInput(_("Deze uitnodiging is al gebruikt."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """`user` (signed in, with the invited address) joins the organisation."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("Deze uitnodiging is al gebruikt."))
    if (user.email or "").lower() != invitation.email.lower():
        raise NotPermitted(
            _(
                "Deze uitnodiging is voor een ander e-mailadres. Log in met het account "
                "van dat adres."
            )
        )
    organisation = invitation.organisation
    membership = membership_set(
        user=user, organisation=organisation, role=invitation.role
    )
    if invitation.make_administrator:
        administrator_grant(user=user, organisation=organisation)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    audit_record(
        action=AuditAction.MEMBER_JOINED,
        actor=user,
        data={
            "organisation": organisation.pk,
            "user": user.pk,
            "role": invitation.role,
            "invitation": invitation.pk,
        },
    )
    return membership


@transaction.atomic
def invitation_accept_new_account(
    *, token: str, username: str, password: str, first_name: str = "", last_name=""
):
    """Create a local account for the invited address and accept the invitation
    with it. Raises Conflict when the address already has an account (sign in
    first) or the username is taken."""
    invitation = invitation_from_token(token)
    if User._default_manager.filter(email__iexact=invitation.email).exists():
        raise Conflict(
            _(
                "Er is al een account met dit e-mailadres: log daarmee in en open de "
                "link opnieuw."
            )
        )
    if User._default_manager.filter(username__iexact=username).exists():
        raise Conflict(_("Deze gebruikersnaam is al in gebruik."))
    user = User(
        username=username,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    invitation_accept(token=token, user=user)
    return user


# --- Roles and removal -----------------------------------------------------------------


@transaction.atomic
def member_set_role(*, organisation: Organisation, user, role: str, actor) -> list[int]:
    """Make a member sign for the organisation or only act for it. A signatory who
    becomes a member gives back their claimed signing tasks (to the queue); returns
    their ids."""
    _check_manager(actor, organisation)
    if role not in MembershipRole.values:
        raise InvalidInput(_("Kies een rol: ondertekenaar of medewerker."))
    membership = _membership(organisation, user)
    if membership.role == role:
        return []
    previous = membership.role
    membership_set(user=user, organisation=organisation, role=role)
    released = []
    if role != MembershipRole.SIGNATORY:
        released = release_claimed_tasks(
            user=user, organisation=organisation, permission=OrganisationPerm.SIGN
        )
    audit_record(
        action=AuditAction.MEMBER_ROLE_CHANGED,
        actor=actor,
        data={
            "organisation": organisation.pk,
            "user": user.pk,
            "from_role": previous,
            "to_role": role,
            "released_tasks": released,
        },
    )
    if released:
        _mail_person(user, "accounts/email/tasks_released", organisation, released)
    return released


@transaction.atomic
def member_remove(
    *, organisation: Organisation, user, actor, reason: str = ""
) -> list[int]:
    """Remove a person from the organisation: memberships, groups and administrator
    right go, their claimed open tasks of the organisation return to its queue (ids
    returned), and they are told. Someone left without any organisation or role can
    no longer sign in (the account is deactivated, not deleted: the audit trail keeps
    naming them). The last administrator cannot be removed."""
    _check_manager(actor, organisation)
    membership = _membership(organisation, user)
    admins = administrator_ids(organisation)
    if user.pk in admins and admins == {user.pk}:
        raise Conflict(_("De laatste beheerder van de organisatie kan niet weg."))
    released = release_claimed_tasks(user=user, organisation=organisation)
    role = membership.role
    membership.delete()
    user.groups.remove(organisation.members_group, organisation.signatories_group)
    remove_perm(OrganisationPerm.MANAGE_MEMBERS, user, organisation)
    forget_cached_permissions(user)
    deactivated = False
    if (
        not user.memberships.exists()
        and not user.groups.exists()
        and not (user.is_staff or user.is_superuser)
    ):
        user.is_active = False
        user.save(update_fields=["is_active"])
        deactivated = True
    audit_record(
        action=AuditAction.MEMBER_REMOVED,
        actor=actor,
        reason=reason,
        data={
            "organisation": organisation.pk,
            "user": user.pk,
            "role": role,
            "released_tasks": released,
            "deactivated": deactivated,
        },
    )
    _mail_person(user, "accounts/email/removed", organisation, released)
    return released


def release_claimed_tasks(
    *, user, organisation: Organisation, permission: str | None = None
) -> list[int]:
    """Put the open tasks of `organisation` that `user` claimed back in the
    organisation's queue (owner none, status NEW), under the processes' row locks so
    that a completion running now either finishes first or finds the task released.
    `permission`: only tasks claimed with it (a signatory's signing tasks)."""
    tasks = Task.objects.filter(
        owner=user, status__in=CLAIMED, data__organisation=organisation.pk
    )
    if permission is not None:
        tasks = tasks.filter(owner_permission=permission)
    process_ids = sorted(set(tasks.values_list("process_id", flat=True)))
    if not process_ids:
        return []
    list(
        Process.objects.select_for_update()
        .filter(pk__in=process_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    released = []
    for task in tasks.select_for_update().order_by("pk"):
        task.owner = None
        task.status = STATUS.NEW
        task.assigned = None
        task.started = None
        task.save(update_fields=["owner", "status", "assigned", "started"])
        released.append(task.pk)
    return released


# --- Mail --------------------------------------------------------------------------------


def _send_after_commit(mail: EmailMultiAlternatives) -> None:
    from workflows.tasks import mail_row, send_notification_mails

    jobs.enqueue_with_transaction(send_notification_mails, [mail_row(mail)])


def _mail(template: str, context: dict, to: str, language: str | None):
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    return EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def _mail_invitation(invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "link": invitation_url(invitation),
        "days": settings.INVITATION_MAX_AGE_DAYS,
        "inviter": invitation.invited_by,
    }
    language = language_of(invitation.invited_by) if invitation.invited_by_id else None
    _send_after_commit(
        _mail("accounts/email/invitation", context, invitation.email, language)
    )


def _mail_person(user, template: str, organisation: Organisation, released) -> None:
    if not user.email:
        return
    context = {
        "user": user,
        "organisation": organisation,
        "released": len(released),
        "site_url": settings.SITE_URL,
    }
    _send_after_commit(_mail(template, context, user.email, language_of(user)))
