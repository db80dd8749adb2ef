"""Writes of a programme's settings: its targets, terms and breakthrough rule.

A programme is set up and changed by an administrator (in `/admin/`), never without
saying why: every change goes through these functions, which check the admin
permission, validate the model, and write an audit event naming what changed from
what to what, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from permissions.errors import InvalidInput, NotPermitted

from .constants import AuditAction
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
)


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
            name: [None, getattr(programme, name)]
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
    if not actor.has_perm("casework.change_programme"):
        raise NotPermitted(_("U mag programma's niet wijzigen."))
    reason = _reason(reason)
    unknown = set(changes) - set(PROGRAMME_FIELDS)
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
    _audit(programme=programme, actor=actor, reason=reason, changes=changed)
    return programme
