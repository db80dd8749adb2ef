"""Sections other apps add to the location page.

Casework knows nothing of the apps built on it (workflows, documents, ...): they depend
on casework, never the other way round. An app that has something to say about a
location registers a panel here from its `AppConfig.ready()`; the location page
renders every registered panel with the context the panel computes. The panel's
function receives the request and the location as the page loaded it (parties and
their organisations prefetched, the user's object permissions cached).

Casework's own panel, the commitments each party still owes under the agreements in
force, is registered at the end of this module.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import COMMITMENT_OWED, CommitmentStatus, VersionStatus
from .models import Commitment, Location


@dataclass(frozen=True)
class LocationPanel:
    name: str
    template_name: str
    context: Callable[[HttpRequest, Location], dict[str, Any] | None]
    order: int = 100


_panels: dict[str, LocationPanel] = {}


def register_location_panel(panel: LocationPanel) -> None:
    """Add (or replace, by name) a section of the location page."""
    _panels[panel.name] = panel


def location_panels(request: HttpRequest, location: Location) -> list[dict[str, Any]]:
    """The registered panels with their context, in order; a panel whose function
    returns None has nothing to show and is left out."""
    rendered = []
    for panel in sorted(_panels.values(), key=lambda panel: (panel.order, panel.name)):
        context = panel.context(request, location)
        if context is not None:
            rendered.append(
                {"name": panel.name, "template_name": panel.template_name, **context}
            )
    return rendered


# Links next to each bottleneck of the agenda (the steps of its lifecycle, whose pages
# are an app's built on casework): a function that sets `links` ([{label, url}]) on
# each bottleneck of the list, for the reader of the request.
BottleneckLinks = Callable[[HttpRequest, Location, list], None]
_bottleneck_links: list[BottleneckLinks] = []


def register_bottleneck_links(function: BottleneckLinks) -> None:
    if function not in _bottleneck_links:
        _bottleneck_links.append(function)


def bottleneck_links(
    request: HttpRequest, location: Location, bottlenecks: list
) -> bool:
    """Set `links` on each bottleneck; True when any bottleneck has one."""
    for bottleneck in bottlenecks:
        bottleneck.links = []
    for function in _bottleneck_links:
        function(request, location, bottlenecks)
    return any(bottleneck.links for bottleneck in bottlenecks)


# --- Casework's own panel: the commitments each party still owes -----------------------


@dataclass(frozen=True)
class OpenCommitment:
    commitment: Commitment
    agreement: str
    due: datetime.date
    overdue: bool


@dataclass
class PartyCommitments:
    organisation: str
    items: list[OpenCommitment] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(item.overdue for item in self.items)


def open_commitments_by_party(location: Location) -> list[PartyCommitments]:
    """The commitments of the agreements in force (concluded versions) that are not yet
    met, per owning party, earliest due date first. One query."""
    today = timezone.localdate()
    by_party: dict[int, PartyCommitments] = {}
    commitments = (
        Commitment.objects.filter(
            version__agreement__location=location,
            version__status=VersionStatus.CONCLUDED,
            status__in=[*COMMITMENT_OWED, CommitmentStatus.REPORTED],
        )
        .select_related("owner__organisation", "version__agreement")
        .order_by("owner__organisation__name", "due_date", "pk")
    )
    for commitment in commitments:
        group = by_party.setdefault(
            commitment.owner_id,
            PartyCommitments(organisation=commitment.owner.organisation.name),
        )
        group.items.append(
            OpenCommitment(
                commitment=commitment,
                agreement=_("%(title)s, versie %(number)s")
                % {
                    "title": commitment.version.agreement.title,
                    "number": commitment.version.number,
                },
                due=commitment.current_due_date,
                overdue=commitment.status == CommitmentStatus.OVERDUE
                or (
                    commitment.status != CommitmentStatus.REPORTED
                    and commitment.current_due_date < today
                ),
            )
        )
    return list(by_party.values())


def commitments_context(request: HttpRequest, location: Location) -> dict[str, Any]:
    return {"parties": open_commitments_by_party(location)}


register_location_panel(
    LocationPanel(
        name="commitments",
        template_name="casework/_commitments_panel.html",
        context=commitments_context,
        # Right after 'who holds the ball' (workflows, order 10).
        order=15,
    )
)
