"""The one glossary of the interface, in plain Dutch (language level B1).

Every term the interface uses for a thing of the domain is here once, with its English
translation and the words *not* to use for it. The glossary page (footer,
"Begrippenlijst") shows it; `tests/i18n/test_glossary.py` holds the translation
catalogue to it: no interface text uses an avoided variant.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Term:
    """One term: how the interface says it in Dutch and English, what it means (B1),
    and the variants that must not appear in an interface text."""

    dutch: str
    english: str
    meaning: object  # a lazy translation
    # Words or phrases never to use (matched as whole words, case-insensitive).
    avoid: tuple[str, ...] = ()
    # Texts that must not be a whole label (e.g. a column heading "Uiterlijk"), while
    # the word itself is fine in a sentence ("uiterlijk 1 maart").
    avoid_as_label: tuple[str, ...] = ()


GLOSSARY: tuple[Term, ...] = (
    Term(
        "locatie",
        "location",
        _(
            "Een gebied waar woningen komen. Het programma volgt de locatie van "
            "voordracht tot overeenkomst."
        ),
    ),
    Term(
        "fase",
        "stage",
        _("Waar een locatie nu staat, bijvoorbeeld ‘Onderhandeling’."),
    ),
    Term(
        "knelpunt",
        "bottleneck",
        _("Iets wat de bouw tegenhoudt, zoals stikstof of geld dat ontbreekt."),
    ),
    Term(
        "doorbraak-agenda",
        "breakthrough agenda",
        _("De lijst van knelpunten van een locatie, met de acties om ze op te lossen."),
    ),
    Term(
        "actie",
        "action",
        _(
            "Een klus voor één partij om een knelpunt op te lossen, met een uiterste datum."
        ),
    ),
    Term(
        "partij",
        "party",
        _(
            "Een organisatie die meedoet bij een locatie, zoals een gemeente of een "
            "ontwikkelaar."
        ),
    ),
    Term(
        "afspraak",
        "commitment",
        _(
            "Wat één partij belooft te doen, en uiterlijk wanneer. Samen heten de "
            "afspraken ‘wederkerige afspraken’: elke partij doet iets."
        ),
    ),
    Term(
        "wacht op",
        "waits for",
        _(
            "Een afspraak die pas kan als een andere afspraak klaar is, ‘wacht op’ die "
            "afspraak."
        ),
        avoid=("hangt af van", "hangen af van"),
    ),
    Term(
        "uiterste datum",
        "due date",
        _("De laatste dag waarop iets klaar moet zijn."),
        avoid=("deadline", "deadlines"),
        avoid_as_label=("Uiterlijk",),
    ),
    Term(
        "hoofdlijnenakkoord",
        "heads of agreement",
        _(
            "De eerste overeenkomst: de partijen zijn het eens over de hoofdlijnen. "
            "Het is ‘het’ hoofdlijnenakkoord."
        ),
        avoid=("de hoofdlijnenakkoord",),
    ),
    Term(
        "bestuurlijke overeenkomst",
        "administrative agreement",
        _("De overeenkomst die de doorbraak vastlegt. Alle partijen tekenen."),
    ),
    Term(
        "concept",
        "draft",
        _(
            "Een versie van een overeenkomst die nog niet ter goedkeuring is "
            "aangeboden. U kunt hem nog veranderen."
        ),
    ),
    Term(
        "goedkeuringsronde",
        "approval round",
        _(
            "Elke partij besluit over één versie: goedkeuren of afwijzen. Keurt "
            "iedereen goed, dan ligt de versie vast."
        ),
    ),
    Term(
        "procesregisseur",
        "case manager",
        _(
            "Wie de locaties begeleidt: zet de volgende stap en stelt overeenkomsten op."
        ),
    ),
    Term(
        "ondertekenaar",
        "signatory",
        _("Wie namens een partij mag goedkeuren of afwijzen."),
    ),
    Term(
        "programmalezer",
        "programme viewer",
        _("Wie alles mag lezen, maar niets verandert (zoals de koepels)."),
    ),
    Term(
        "impasse",
        "impasse",
        _("De locatie zit vast: een termijn is voorbij of partijen wachten op elkaar."),
    ),
    Term(
        "escaleren",
        "escalate",
        _(
            "Het ministerie brengt een impasse naar bestuurlijk overleg, omdat de "
            "partijen er samen niet uitkomen."
        ),
    ),
    Term(
        "afvoeren",
        "withdraw",
        _("De locatie gaat uit het programma. Dat kan niet worden teruggedraaid."),
    ),
    Term(
        "aanwijzen",
        "designate",
        _(
            "De minister besluit dat op de locatie woningen komen, onder de "
            "Omgevingswet. Dat kan niet worden teruggedraaid."
        ),
    ),
    Term(
        "zienswijze",
        "written view",
        _("Een reactie op een ontwerpbesluit, die iedereen mag indienen."),
    ),
    Term(
        "taak",
        "task",
        _("Werk dat op u wacht, in uw inbox of in de wachtrij van uw organisatie."),
    ),
)
