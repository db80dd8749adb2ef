"""Sections other apps add to the location dossier.

The dossier shows what the location page shows. Some of that is known only to the
apps built on documents (who holds the ball is read from viewflow's tasks by
`workflows`); documents never imports them. Such an app registers a section here from
its `AppConfig.ready()`, with the same selector its page panel uses, a print template,
and the facts the section adds to the dossier's data (embedded as JSON and hashed:
changed facts make a new dossier, unchanged ones reuse the stored one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casework.models import Location


@dataclass(frozen=True)
class DossierSection:
    name: str
    template_name: str
    # What the section shows: a template context, from the location as the dossier
    # loaded it (programme, parties, organisations and signatories prefetched).
    context: Callable[[Location], dict[str, Any]]
    # The section's facts for the dossier's data, from that context (JSON types).
    data: Callable[[dict[str, Any]], Any]
    order: int = 100


_sections: dict[str, DossierSection] = {}


def register_dossier_section(section: DossierSection) -> None:
    """Add (or replace, by name) a section of the location dossier."""
    _sections[section.name] = section


def dossier_sections(location: Location) -> list[dict[str, Any]]:
    """The registered sections with their context and data, in order."""
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.name)):
        context = section.context(location)
        rendered.append(
            {
                "name": section.name,
                "template_name": section.template_name,
                "context": context,
                "data": section.data(context),
            }
        )
    return rendered
