"""Writes on organisations, memberships and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm

from .checks import forget_cached_permissions, grant_to_group
from .constants import MembershipRole, OrganisationKind, OrganisationPerm, Role
from .models import Membership, Organisation, UserPreference

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()


@transaction.atomic
def organisation_get_or_create(
    *, slug: str, name: str, kind: OrganisationKind | str, is_demo: bool = False
) -> Organisation:
    """Return the organisation with `slug`, creating it and its two groups if needed."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is not None:
        return organisation
    members, _ = Group.objects.get_or_create(name=f"org:{slug}:members")
    signatories, _ = Group.objects.get_or_create(name=f"org:{slug}:signatories")
    organisation = Organisation(
        slug=slug,
        name=name,
        kind=kind,
        is_demo=is_demo,
        members_group=members,
        signatories_group=signatories,
    )
    organisation.full_clean()
    organisation.save()
    organisation_grant_own_permissions(organisation)
    return organisation


def organisation_grant_own_permissions(organisation: Organisation) -> None:
    """Signatories sign for the organisation; every member acts for it."""
    grant_to_group(OrganisationPerm.SIGN, organisation.signatories_group, organisation)
    grant_to_group(OrganisationPerm.ACT, organisation.members_group, organisation)


@transaction.atomic
def membership_set(
    *, user: User, organisation: Organisation, role: MembershipRole | str
) -> Membership:
    """Make `user` a member (or signatory) of `organisation` and update its groups.

    Signatories are members too: they see what the organisation sees.
    """
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    user.groups.add(organisation.members_group)
    if role == MembershipRole.SIGNATORY:
        user.groups.add(organisation.signatories_group)
    else:
        user.groups.remove(organisation.signatories_group)
    forget_cached_permissions(user)
    return membership


def administrator_grant(*, user: User, organisation: Organisation) -> None:
    """Let `user` manage the organisation's people (accounts.members audits the
    changes people make; this is the bare grant, for load_demo and operators)."""
    assign_perm(OrganisationPerm.MANAGE_MEMBERS, user, organisation)
    forget_cached_permissions(user)


def role_group(role: Role | str) -> Group:
    group, _ = Group.objects.get_or_create(name=Role(role).value)
    return group


@transaction.atomic
def roles_ensure(role_permissions: dict[Role, list[str]]) -> None:
    """Create the role groups and give each exactly its model-wide permissions.

    `role_permissions` maps a role to "app_label.codename" strings; the domain app that
    owns the permissions decides the mapping.
    """
    for role, perms in role_permissions.items():
        group = role_group(role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def role_grant(*, user: User, role: Role | str) -> None:
    user.groups.add(role_group(role))
    forget_cached_permissions(user)


def user_roles(user: User) -> set[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return {role for role in Role if role.value in names}


@transaction.atomic
def preference_set_language(*, user: User, language: str) -> UserPreference:
    """Save the language `user` reads the interface and their e-mail in. Raises
    ValueError for a language the application does not offer."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language: {language!r}")
    preference, _ = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preference
