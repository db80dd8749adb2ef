"""Sections other apps add to the location page.

Casework knows nothing of the apps built on it (workflows, documents, ...): they depend
on casework, never the other way round. An app that has something to say about a
location registers a panel here from its `AppConfig.ready()`; the location page
renders every registered panel with the context the panel computes. The panel's
function receives the request and the location as the page loaded it (parties and
their organisations prefetched, the user's object permissions cached).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from .models import Location


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
