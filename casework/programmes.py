"""Writes of a programme's settings: its targets, terms and breakthrough rule; and of
its programme-scoped roles.

A programme is set up and changed by an administrator (in `/admin/`, or its settings
page `/programmas/<slug>/instellingen/` for a programme administrator), never without
saying why: every change goes through these functions, which check the permission,
validate the model, and write an audit event naming what changed from what to what,
in the same transaction.

A programme role (case manager, viewer, director, administrator of one programme) is
a guardian grant on the programme (`programme_role_grant`), with the model-wide
`ProgrammePerm.HOLDS_ROLE` that makes the checks look such grants up.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from permissions.checks import forget_cached_permissions
from permissions.errors import InvalidInput, NotPermitted

from .access import administers_programme
from .constants import AuditAction, ProgrammePerm
from .limits import TEXT_MAX
from .models import Programme
from .services import audit_record
from .validation import require_text_within

# What an administrator may set on a programme.
PROGRAMME_FIELDS = (
    "name",
    "slug",
    "description",
    "homes_target",
    "breakthrough_targets",
    "breakthrough_rule",
    "construction_start_year",
    "stage_limit_days",
    "approval_working_days",
    "reminder_working_days",
    "escalation_consultation_working_days",
    "escalation_decision_working_days",
    "consultation_weeks",
    "escalation_rungs",
    "escalating_authority",
)

# What a programme administrator changes on the settings page (not name and slug).
SETTINGS_FIELDS = PROGRAMME_FIELDS[3:]


class ProgrammeRole(models.TextChoices):
    """A role in one programme (stable values)."""

    CASE_MANAGER = "case_manager", gettext_lazy("Procesregisseur")
    VIEWER = "viewer", gettext_lazy("Programmalezer")
    DIRECTOR = "director", gettext_lazy("Escalerende overheid (bestuurlijk)")
    ADMINISTRATOR = "administrator", gettext_lazy("Programmabeheerder")


PROGRAMME_ROLE_PERMS: dict[str, tuple[str, ...]] = {
    ProgrammeRole.CASE_MANAGER: (ProgrammePerm.VIEW, ProgrammePerm.MANAGE),
    ProgrammeRole.VIEWER: (ProgrammePerm.VIEW,),
    ProgrammeRole.DIRECTOR: (ProgrammePerm.VIEW, ProgrammePerm.DIRECT),
    ProgrammeRole.ADMINISTRATOR: (ProgrammePerm.ADMINISTER,),
}


def _plain(value: Any) -> Any:
    """An audit-friendly value (an organisation by its id)."""
    if isinstance(value, models.Model):
        return value.pk
    return value


def _reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput(_("Geef een reden voor de wijziging."))
    return require_text_within(reason.strip(), field=_("Reden"), limit=TEXT_MAX)


def _validated(programme: Programme) -> None:
    try:
        programme.full_clean()
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages)) from None


def _audit(*, programme: Programme, actor, reason: str, changes: dict) -> None:
    audit_record(
        action=AuditAction.PROGRAMME_CHANGED,
        actor=actor,
        reason=reason,
        data={
            "programme": programme.pk,
            "programme_slug": programme.slug,
            "changes": changes,
        },
    )


@transaction.atomic
def programme_create(*, actor, reason: str, **fields: Any) -> Programme:
    """Set up a programme. Raises NotPermitted (not allowed to add programmes),
    InvalidInput (no reason, an unknown field, an invalid value)."""
    if not actor.has_perm("casework.add_programme"):
        raise NotPermitted(_("U mag geen programma's aanmaken."))
    reason = _reason(reason)
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Onbekende velden: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    programme = Programme(**fields)
    _validated(programme)
    programme.save()
    _audit(
        programme=programme,
        actor=actor,
        reason=reason,
        changes={
            name: [None, _plain(getattr(programme, name))]
            for name in PROGRAMME_FIELDS
            if name in fields
        },
    )
    return programme


@transaction.atomic
def programme_update(
    *, programme: Programme, actor, reason: str, **changes: Any
) -> Programme:
    """Change a programme's settings. Raises NotPermitted, InvalidInput (as
    `programme_create`); a change to nothing writes nothing."""
    if not (
        actor.has_perm("casework.change_programme")
        or administers_programme(actor, programme)
    ):
        raise NotPermitted(_("U mag programma's niet wijzigen."))
    reason = _reason(reason)
    allowed = (
        PROGRAMME_FIELDS
        if actor.has_perm("casework.change_programme")
        else SETTINGS_FIELDS
    )
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidInput(
            _("Onbekende velden: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    changed = {
        name: [getattr(programme, name), value]
        for name, value in changes.items()
        if getattr(programme, name) != value
    }
    if not changed:
        return programme
    for name, (_old, value) in changed.items():
        setattr(programme, name, value)
    _validated(programme)
    programme.save(update_fields=list(changed))
    _audit(
        programme=programme,
        actor=actor,
        reason=reason,
        changes={
            name: [_plain(old), _plain(new)] for name, (old, new) in changed.items()
        },
    )
    return programme


def programme_roles_of(user, programme: Programme) -> list[str]:
    """The roles `user` holds in `programme` (granted to them directly)."""
    held = set(
        UserObjectPermission.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(Programme),
            object_pk=str(programme.pk),
        ).values_list("permission__codename", flat=True)
    )
    return [
        str(role)
        for role, perms in PROGRAMME_ROLE_PERMS.items()
        if {perm.split(".", 1)[1] for perm in perms} <= held
    ]


def _role_holder(user, group) -> Any:
    if (user is None) == (group is None):
        raise InvalidInput(_("Geef een persoon of een groep."))
    return user if user is not None else group


@transaction.atomic
def programme_role_grant(
    *, programme: Programme, role: str, actor=None, reason: str, user=None, group=None
) -> None:
    """Give `user` (or `group`) a role in `programme`: the role's grants on the
    programme and the model-wide `HOLDS_ROLE`. `actor` None is the system (the demo,
    a management command); else a superuser or the programme's administrator.
    Audited."""
    if actor is not None and not administers_programme(actor, programme):
        raise NotPermitted(_("U mag de rollen van dit programma niet wijzigen."))
    if role not in PROGRAMME_ROLE_PERMS:
        raise InvalidInput(_("Onbekende rol."))
    reason = _reason(reason)
    holder = _role_holder(user, group)
    for perm in PROGRAMME_ROLE_PERMS[role]:
        assign_perm(perm, holder, programme)
    app_label, codename = ProgrammePerm.HOLDS_ROLE.split(".")
    marker = Permission.objects.get(
        content_type__app_label=app_label, codename=codename
    )
    if isinstance(holder, Group):
        holder.permissions.add(marker)
    else:
        holder.user_permissions.add(marker)
        forget_cached_permissions(holder)
    _audit(
        programme=programme,
        actor=actor,
        reason=reason,
        changes={
            "role_granted": [
                None,
                {
                    "role": str(role),
                    "user": getattr(user, "pk", None),
                    "group": getattr(group, "pk", None),
                },
            ]
        },
    )


@transaction.atomic
def programme_role_revoke(
    *, programme: Programme, role: str, actor=None, reason: str, user=None, group=None
) -> None:
    """Take a role in `programme` away (the model-wide `HOLDS_ROLE` stays: it only
    makes the checks look). Audited."""
    if actor is not None and not administers_programme(actor, programme):
        raise NotPermitted(_("U mag de rollen van dit programma niet wijzigen."))
    if role not in PROGRAMME_ROLE_PERMS:
        raise InvalidInput(_("Onbekende rol."))
    reason = _reason(reason)
    holder = _role_holder(user, group)
    for perm in PROGRAMME_ROLE_PERMS[role]:
        remove_perm(perm, holder, programme)
    if user is not None:
        forget_cached_permissions(user)
    _audit(
        programme=programme,
        actor=actor,
        reason=reason,
        changes={
            "role_revoked": [
                {
                    "role": str(role),
                    "user": getattr(user, "pk", None),
                    "group": getattr(group, "pk", None),
                },
                None,
            ]
        },
    )
