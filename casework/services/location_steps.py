"""The steps on a location the interface offers beside the API's: proposing a
location, editing its facts, and a party joining or leaving a location.

Like its neighbours: keyword-only, one transaction, the permission checked on the
object (or programme-wide for a new location), every limit checked before anything is
written, and an audit event in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm, revoke_from_group
from permissions.errors import Conflict, InvalidInput, NotPermitted
from permissions.models import Organisation

from ..access import may_propose_in
from ..constants import AuditAction, LocationPerm, PartyRole, Province, Stage
from ..limits import SHORT_TEXT_MAX
from ..models import (
    AgreementVersion,
    Bottleneck,
    BottleneckAction,
    Commitment,
    Location,
    Party,
    Programme,
    VersionStatus,
)
from ..roles import PARTY_PERMISSIONS
from ..validation import require_text_within
from .audit import audit_record
from .locations import location_create, party_add

# The facts of a location a case manager or the ministry may correct, with their
# limits: (field, kind, limit). Numbers are whole, not negative; shares are percent.
FACT_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("municipality", "text", SHORT_TEXT_MAX),
    ("province", "province", 0),
    ("planned_homes", "number", 10_000_000),
    ("planned_homes_note", "text", SHORT_TEXT_MAX),
    ("share_social_rent", "percent", 100),
    ("share_mid_rent", "percent", 100),
)

CLOSED_STAGES = (Stage.DESIGNATED, Stage.WITHDRAWN)


def _may_steer(actor, location: Location) -> bool:
    return has_object_perm(actor, LocationPerm.MANAGE, location) or has_object_perm(
        actor, LocationPerm.DIRECT, location
    )


def _field_label(name: str) -> str:
    return str(Location._meta.get_field(name).verbose_name).capitalize()


def _checked_facts(values: dict[str, Any]) -> dict[str, Any]:
    """The facts in `values` held to their kinds and limits (InvalidInput naming the
    field otherwise). Only the fields of FACT_FIELDS; an unknown field is refused."""
    known = {name: (kind, limit) for name, kind, limit in FACT_FIELDS}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InvalidInput(
            _("Onbekend gegeven: ‘%(value)s’.") % {"value": ", ".join(unknown)}
        )
    checked: dict[str, Any] = {}
    for name, value in values.items():
        kind, limit = known[name]
        label = _field_label(name)
        if kind == "text":
            value = "" if value is None else value
            if not isinstance(value, str):
                raise InvalidInput(_("%(field)s: geef tekst.") % {"field": label})
            value = require_text_within(value.strip(), field=label, limit=limit)
            if name == "municipality" and not value:
                raise InvalidInput(_("Geef de gemeente of gemeenten."))
        elif kind == "province":
            if value not in Province.values:
                raise InvalidInput(
                    _("Onbekende provincie: ‘%(value)s’.") % {"value": value}
                )
        elif value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(
                    _("%(field)s: geef een heel getal van 0 of meer.")
                    % {"field": label}
                )
            if value > limit:
                raise InvalidInput(
                    _("%(field)s: hooguit %(limit)s.")
                    % {"field": label, "limit": limit}
                )
        checked[name] = value
    return checked


@transaction.atomic
def location_propose(
    *,
    actor,
    programme: Programme,
    name: str,
    municipality: str,
    province: str,
    **facts: Any,
) -> Location:
    """A case manager or the ministry proposes a new location of `programme`: it starts
    in stage `proposed` (through `casework.location_create`), with its facts
    checked like `location_update_facts` does. Raises NotPermitted for anyone else,
    InvalidInput for a missing name or a wrong fact, Conflict when the programme has a
    location of that name already."""
    if not may_propose_in(actor, programme):
        raise NotPermitted(
            _("Alleen de procesregisseur of het ministerie draagt een locatie voor.")
        )
    name = require_text_within(
        (name or "").strip(), field=_("Naam"), limit=SHORT_TEXT_MAX
    )
    if not name:
        raise InvalidInput(_("Geef de naam van de locatie."))
    checked = _checked_facts(
        {"municipality": municipality, "province": province, **facts}
    )
    if programme.locations.filter(name__iexact=name).exists():
        raise Conflict(
            _("Het programma heeft al een locatie ‘%(name)s’.") % {"name": name}
        )
    location = location_create(programme=programme, name=name, **checked)
    audit_record(
        action=AuditAction.LOCATION_CREATED,
        actor=actor,
        location=location,
        data={"name": name, "programme": programme.slug},
    )
    return location


@transaction.atomic
def location_update_facts(*, location: Location, actor, **facts: Any) -> Location:
    """Correct the facts of a location (municipalities, province, planned homes and
    their note, the shares of social rent and mid-rent). The case manager and the
    ministry may; only changed facts are written and audited (old and new value).
    Raises NotPermitted, InvalidInput (a fact outside its kind or limit) or Conflict
    (a closed location)."""
    if not _may_steer(actor, location):
        raise NotPermitted(
            _("Alleen de procesregisseur of het ministerie past de gegevens aan.")
        )
    if location.stage in CLOSED_STAGES:
        raise Conflict(
            _("In de fase ‘%(stage)s’ veranderen de gegevens niet meer.")
            % {"stage": location.get_stage_display()}
        )
    checked = _checked_facts(facts)
    current = Location.objects.select_for_update().get(pk=location.pk)
    changed = {
        name: value
        for name, value in checked.items()
        if getattr(current, name) != value
    }
    if changed:
        Location.objects.filter(pk=location.pk).update(**changed)
        audit_record(
            action=AuditAction.FACTS_UPDATED,
            actor=actor,
            location=location,
            data={
                "changed": {
                    name: {"from": getattr(current, name), "to": value}
                    for name, value in changed.items()
                }
            },
        )
        for name, value in changed.items():
            setattr(location, name, value)
    return location


@transaction.atomic
def party_join(
    *, location: Location, actor, organisation: Organisation, role: str
) -> Party:
    """The case manager makes `organisation` a party of `location` (through
    `casework.party_add`: its people may then see the location). Raises
    NotPermitted, InvalidInput (unknown role), or Conflict (a closed location, the
    organisation takes part already, or an approval round is running: a new party
    would have no task in it)."""
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur voegt partijen toe."))
    if role not in PartyRole.values:
        raise InvalidInput(_("Onbekende rol: ‘%(value)s’.") % {"value": role})
    _require_open_without_round(location)
    if Party.objects.filter(location=location, organisation=organisation).exists():
        raise Conflict(
            _("%(organisation)s is al partij bij deze locatie.")
            % {"organisation": organisation.name}
        )
    return party_add(
        location=location, organisation=organisation, role=role, actor=actor
    )


def _require_open_without_round(location: Location) -> None:
    if location.stage in CLOSED_STAGES:
        raise Conflict(
            _("In de fase ‘%(stage)s’ veranderen de partijen niet meer.")
            % {"stage": location.get_stage_display()}
        )
    if AgreementVersion.objects.filter(
        agreement__location=location, status=VersionStatus.IN_APPROVAL
    ).exists():
        raise Conflict(
            _(
                "Er loopt een goedkeuringsronde: de partijen veranderen pas als die "
                "ronde is afgerond."
            )
        )


def removal_blocker_message(
    party: Party, *, commitments: bool, bottlenecks: bool, actions: bool
) -> str | None:
    """Why `party` must stay on its location, in words, from what it owns (what it
    owns stays on the record: commitments, bottlenecks, actions); None if nothing."""
    name = party.organisation.name
    if commitments:
        return _(
            "%(organisation)s heeft afspraken in een overeenkomst of concept; die "
            "blijven staan, dus de partij ook."
        ) % {"organisation": name}
    if bottlenecks:
        return _(
            "%(organisation)s is eigenaar van een knelpunt; die blijft staan, dus de "
            "partij ook."
        ) % {"organisation": name}
    if actions:
        return _(
            "%(organisation)s heeft acties op de doorbraak-agenda; die blijven staan, "
            "dus de partij ook."
        ) % {"organisation": name}
    return None


def party_removal_blocker(party: Party) -> str | None:
    """Why `party` cannot leave its location now (a Dutch sentence), or None."""
    return removal_blocker_message(
        party,
        commitments=Commitment.objects.filter(owner=party).exists(),
        bottlenecks=Bottleneck.objects.filter(owner=party).exists(),
        actions=BottleneckAction.objects.filter(assignee=party).exists(),
    )


@transaction.atomic
def party_remove(*, location: Location, actor, organisation: Organisation, reason: str):
    """The case manager ends `organisation`'s part in `location`: its people lose
    sight of the location (the grants of `party_add` are taken back). A reason is
    required. Raises NotPermitted, InvalidInput (no reason, not a party) or Conflict
    (a closed location, a running approval round, or what the party owns:
    `party_removal_blocker`)."""
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur verwijdert partijen."))
    reason = require_text_within(
        (reason or "").strip(), field=_("Reden"), limit=SHORT_TEXT_MAX
    )
    if not reason:
        raise InvalidInput(_("Geef een reden op."))
    _require_open_without_round(location)
    party = (
        Party.objects.select_for_update()
        .select_related("organisation")
        .filter(location=location, organisation=organisation)
        .first()
    )
    if party is None:
        raise InvalidInput(
            _("%(organisation)s is geen partij bij deze locatie.")
            % {"organisation": organisation.name}
        )
    blocker = party_removal_blocker(party)
    if blocker:
        raise Conflict(blocker)
    role = party.role
    party.delete()
    for perm in PARTY_PERMISSIONS:
        revoke_from_group(perm, organisation.members_group, location)
    audit_record(
        action=AuditAction.PARTY_REMOVED,
        actor=actor,
        location=location,
        reason=reason,
        data={
            "organisation": organisation.slug,
            "organisation_name": organisation.name,
            "role": role,
        },
    )
