"""A concluded heads of agreement at the own location, for the commitment ledger.

Commitments (index: owner, waits on):

- `plan` (A): the zoning plan;
- `permit` (B, waits on `plan`): the permit application;
- `land` (A): the land, to be waived;
- `funding` (B): the financing, to be extended;
- `build` (A, waits on `funding`): the start of construction.

Also a draft administrative agreement with one commitment of A (`draft`): a version
that is not concluded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from casework import services
from casework.constants import AgreementKind, Stage
from casework.models import AgreementVersion, Commitment

from ..scenarios import approve_by_every_party, bring_to

DUE = datetime.date(2027, 3, 1)


@dataclass
class Ledger:
    version: AgreementVersion
    plan: Commitment
    permit: Commitment
    land: Commitment
    funding: Commitment
    build: Commitment
    draft: Commitment


def conclude_ledger(world) -> Ledger:
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    a, b = world.org_a.pk, world.org_b.pk
    specs = [
        (a, "Gemeente A stelt het bestemmingsplan vast.", DUE, []),
        (
            b,
            "Ontwikkelaar B dient de omgevingsvergunning in.",
            DUE.replace(month=6),
            [0],
        ),
        (a, "Gemeente A levert de grond.", DUE.replace(month=4), []),
        (b, "Ontwikkelaar B regelt de financiering.", DUE.replace(month=5), []),
        (a, "Gemeente A start de bouw van de school.", DUE.replace(month=9), [3]),
    ]
    version = services.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Hoofdlijnenakkoord Eigen Locatie",
        text="Partijen spreken af de woningbouw te versnellen.",
        commitments=[
            {"party": party, "description": text, "due_date": due, "depends_on": deps}
            for party, text, due, deps in specs
        ],
    )
    version = services.agreement_submit(version=version, actor=world.case_manager)
    approve_by_every_party(version, world.own)
    version.refresh_from_db()
    world.own.refresh_from_db()
    assert world.own.stage == Stage.HEADS_OF_AGREEMENT
    commitments = list(version.commitments.order_by("pk"))
    draft = services.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.ADMINISTRATIVE_AGREEMENT,
        title="Bestuurlijke overeenkomst Eigen Locatie",
        text="Partijen sluiten de overeenkomst.",
        commitments=[
            {
                "party": a,
                "description": "Gemeente A neemt het besluit.",
                "due_date": DUE.replace(month=10),
            }
        ],
    )
    return Ledger(version, *commitments, draft=draft.commitments.get())
