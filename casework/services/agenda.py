"""The breakthrough agenda: bottlenecks on a location, and the actions a party takes on
them (assigned by the case manager, reported by the party, reviewed by the case
manager).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted
from permissions.models import Membership

from ..constants import (
    ActionStatus,
    AuditAction,
    BottleneckCategory,
    LocationPerm,
    Stage,
)
from ..limits import (
    ACTIONS_PER_BOTTLENECK_MAX,
    BOTTLENECKS_PER_LOCATION_MAX,
    TEXT_MAX,
)
from ..models import (
    Bottleneck,
    BottleneckAction,
    Location,
    Party,
)
from ..validation import (
    require_count_within,
    require_date_in_window,
    require_text,
    require_text_within,
)
from .audit import audit_record
from .deadlines import bottleneck_deadline_open


def _locked_count(parent_model, parent_pk: int, children, link: str) -> int:
    """Lock the parent row and count its children in one query (a count with the
    lock held: two writes at once cannot both take the last place under a limit)."""
    count = Subquery(
        children.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        parent_model.objects.select_for_update()
        .filter(pk=parent_pk)
        .annotate(children=count)
        .values_list("children", flat=True)
        .get()
        or 0
    )


# --- Bottlenecks ------------------------------------------------------------------------


@transaction.atomic
def bottleneck_create(
    *,
    location: Location,
    actor,
    category: str,
    description: str,
    owner: Party | None = None,
    deadline: datetime.date | None = None,
) -> Bottleneck:
    """Register a bottleneck on the location's breakthrough agenda.

    Case managers may register any bottleneck; a party's people only one owned by their
    own organisation. The description, the deadline and the number of bottlenecks of
    the location are held to `casework.limits` (InvalidInput).
    """
    manages = has_object_perm(actor, LocationPerm.MANAGE, location)
    if not (manages or has_object_perm(actor, LocationPerm.CONTRIBUTE, location)):
        raise NotPermitted(_("U heeft geen recht om knelpunten te registreren."))
    if category not in BottleneckCategory.values:
        raise InvalidInput(_("Onbekende categorie: ‘%(value)s’.") % {"value": category})
    description = require_text_within(
        require_text(description, _("Geef een omschrijving van het knelpunt.")),
        field=_("Omschrijving"),
        limit=TEXT_MAX,
    )
    if deadline is not None:
        deadline = require_date_in_window(deadline, field=_("Uiterste datum"))
    if owner is not None and owner.location_id != location.pk:
        raise InvalidInput(_("De eigenaar is geen partij bij deze locatie."))
    if not manages and not (
        owner is not None
        and Membership.objects.filter(
            user=actor, organisation_id=owner.organisation_id
        ).exists()
    ):
        raise NotPermitted(
            _(
                "U kunt alleen knelpunten registreren waarvan uw eigen organisatie "
                "eigenaar is."
            )
        )
    if location.stage in (Stage.DESIGNATED, Stage.WITHDRAWN):
        raise Conflict(
            _("Bij een afgeronde locatie worden geen knelpunten meer geregistreerd.")
        )
    # The location's row is locked while counting: two registrations at once cannot
    # both take the last place.
    require_count_within(
        _locked_count(Location, location.pk, Bottleneck.objects, "location") + 1,
        limit=BOTTLENECKS_PER_LOCATION_MAX,
        message=_("Hooguit %(limit)s knelpunten per locatie."),
    )
    bottleneck = Bottleneck(
        location=location,
        category=category,
        description=description,
        owner=owner,
        deadline=deadline,
        created_by=actor,
    )
    bottleneck.full_clean()
    bottleneck.save()
    bottleneck_deadline_open(bottleneck=bottleneck)
    audit_record(
        action=AuditAction.BOTTLENECK_CREATED,
        actor=actor,
        location=location,
        data={
            "bottleneck": bottleneck.pk,
            "category": category,
        },
    )
    return bottleneck


# --- Actions ----------------------------------------------------------------------------


def _is_member(user, organisation_id: int) -> bool:
    return Membership.objects.filter(
        user=user, organisation_id=organisation_id
    ).exists()


@transaction.atomic
def action_assign(
    *,
    bottleneck: Bottleneck,
    actor,
    assignee: Party,
    description: str,
    due_on: datetime.date,
) -> BottleneckAction:
    """Put an action on the breakthrough agenda: `assignee` acts before `due_on`. The
    description, the date and the number of actions of the bottleneck are held to
    `casework.limits` (InvalidInput)."""
    location = bottleneck.location
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur wijst acties toe."))
    if assignee.location_id != location.pk:
        raise InvalidInput(_("De partij neemt niet deel aan deze locatie."))
    description = require_text_within(
        require_text(description, _("Omschrijf de actie.")),
        field=_("Actie"),
        limit=TEXT_MAX,
    )
    if not isinstance(due_on, datetime.date):
        raise InvalidInput(_("Geef een uiterste datum."))
    due_on = require_date_in_window(due_on, field=_("Uiterste datum"))
    if location.stage in (Stage.DESIGNATED, Stage.WITHDRAWN):
        raise Conflict(
            _("Bij een afgeronde locatie worden geen acties meer toegewezen.")
        )
    require_count_within(
        _locked_count(Bottleneck, bottleneck.pk, BottleneckAction.objects, "bottleneck")
        + 1,
        limit=ACTIONS_PER_BOTTLENECK_MAX,
        message=_("Hooguit %(limit)s acties per knelpunt."),
    )
    action = BottleneckAction.objects.create(
        bottleneck=bottleneck,
        assignee=assignee,
        description=description,
        due_on=due_on,
        created_by=actor,
    )
    audit_record(
        action=AuditAction.ACTION_ASSIGNED,
        actor=actor,
        location=location,
        data={
            "action": action.pk,
            "organisation": assignee.organisation.slug,
            "organisation_name": assignee.organisation.name,
            "due_on": due_on.isoformat(),
        },
    )
    return action


@transaction.atomic
def action_report(
    *, action: BottleneckAction, actor, outcome: str, report: str
) -> BottleneckAction:
    """The assigned party reports the action done (with evidence) or asks for help."""
    action = (
        BottleneckAction.objects.select_for_update()
        .select_related("assignee__organisation", "bottleneck__location")
        .get(pk=action.pk)
    )
    if not _is_member(actor, action.assignee.organisation_id):
        raise NotPermitted(_("Alleen de toegewezen partij meldt deze actie."))
    if outcome not in ("done", "help"):
        raise InvalidInput(_("Meld ‘done’ (gereed) of ‘help’ (hulp nodig)."))
    report = require_text_within(
        require_text(
            report,
            _("Geef het bewijs van gereedmelding.")
            if outcome == "done"
            else _("Beschrijf waarbij u hulp nodig heeft."),
        ),
        field=_("Bewijs of hulpvraag"),
        limit=TEXT_MAX,
    )
    if action.status != ActionStatus.OPEN:
        raise Conflict(_("Deze actie is al gemeld."))
    action.status = (
        ActionStatus.DONE_REPORTED if outcome == "done" else ActionStatus.HELP_REQUESTED
    )
    action.report = report
    action.save(update_fields=["status", "report"])
    audit_record(
        action=AuditAction.ACTION_REPORTED,
        actor=actor,
        location=action.bottleneck.location,
        reason=report,
        data={
            "action": action.pk,
            "outcome": outcome,
            "organisation_name": action.assignee.organisation.name,
        },
    )
    return action


@transaction.atomic
def action_review(
    *, action: BottleneckAction, actor, decision: str, note: str = ""
) -> BottleneckAction:
    """The case manager accepts the reported action (closing it) or returns it to the
    party with a note (after helping, or when the evidence falls short)."""
    action = (
        BottleneckAction.objects.select_for_update()
        .select_related("bottleneck__location")
        .get(pk=action.pk)
    )
    location = action.bottleneck.location
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur beoordeelt acties."))
    if decision not in ("accept", "return"):
        raise InvalidInput(_("Besluit is ‘accept’ of ‘return’."))
    if decision == "return":
        note = require_text(note, _("Geef aan wat de partij nog moet doen."))
    note = require_text_within(note, field=_("Toelichting"), limit=TEXT_MAX)
    if action.status not in (ActionStatus.DONE_REPORTED, ActionStatus.HELP_REQUESTED):
        raise Conflict(_("Deze actie wacht niet op beoordeling."))
    action.review_note = note.strip()
    if decision == "accept":
        action.status = ActionStatus.ACCEPTED
        action.closed_at = timezone.now()
    else:
        action.status = ActionStatus.OPEN
    action.save(update_fields=["status", "review_note", "closed_at"])
    audit_record(
        action=AuditAction.ACTION_REVIEWED,
        actor=actor,
        location=location,
        reason=note,
        data={"action": action.pk, "decision": decision},
    )
    return action
