"""Demo data: the doorbraakaanpak as public reporting shows it, replayed through the real
services so that stages, parties and the audit trail are genuine.

Facts come from `casework/data/locations.csv` (a copy of the programme's public list).
What the sources do not say stays unknown. Market parties do not appear in the sources:
each location gets a demo developer and a demo housing corporation, named as such.

Agreement rounds and actions are workflow: they run as viewflow processes with a task per
party. Casework does not import the workflow layer (layers point one way), so the loader
asks for a `DemoWorkflow` — the operations it needs — and `manage.py load_demo` (in
`workflows`) hands it the one that drives the real flows. A demo round without its
tasks would be a state the application never has, so there is no fallback.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from permissions.constants import MembershipRole, OrganisationKind, Role
from permissions.models import Organisation
from permissions.services import (
    administrator_grant,
    membership_set,
    organisation_get_or_create,
    role_grant,
)

from . import services
from .calendar import add_working_days
from .constants import (
    AgreementKind,
    BottleneckCategory,
    ListedAs,
    NoticeJournal,
    PartyRole,
    Stage,
    ViewChannel,
)
from .models import AgreementVersion, Bottleneck, Location, Party, Programme
from .programmes import ProgrammeRole, programme_role_grant, programme_roles_of
from .roles import ensure_roles

CSV_PATH = Path(__file__).parent / "data" / "locations.csv"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

User = get_user_model()

MINISTRY = ("ministerie-vro", "Ministerie van Volkshuisvesting en Ruimtelijke Ordening")
# Every demo user's e-mail address is in this reserved domain (`manage.py demo_logins`
# lists them by it).
DEMO_EMAIL_DOMAIN = "demo.doorbraak.invalid"

UMBRELLAS = [
    ("vng", "Vereniging van Nederlandse Gemeenten (VNG)"),
    ("ipo", "Interprovinciaal Overleg (IPO)"),
    ("neprom", "NEPROM"),
    ("aedes", "Aedes"),
    ("ivbn", "IVBN"),
]

# Where each location stands in the demo, consistent with what the sources report.
# Locations not named here stay `proposed`: the unconfirmed candidates.
TARGET_STAGE = {
    "Stougjeswijk": Stage.ADMINISTRATIVE_AGREEMENT,
    "Gnephoek": Stage.HEADS_OF_AGREEMENT,
    "Doorbraaklocatie Barendrecht": Stage.HEADS_OF_AGREEMENT,
    # Both negotiate a heads of agreement whose round is open (`OPEN_ROUNDS`).
    "Fellenoord": Stage.NEGOTIATION,
    "'t Zoet": Stage.NEGOTIATION,
    # The escalation branch (design §4). Both are demo: no public source reports an
    # escalation or a designation at any doorbraaklocatie. Each stalls on the
    # bottleneck the CSV names for it (the IJmeer link for Pampus; the Council of
    # State ruling for Katwijk); what follows is marked "(demo)".
    "Pampus": Stage.ESCALATED,
    "Doorbraaklocatie Katwijk": Stage.DESIGNATION_PROCEDURE,
    "Oostflank": Stage.BOTTLENECK_ANALYSIS,
    "Oostflank Purmer": Stage.BOTTLENECK_ANALYSIS,
    "Oosterwold": Stage.SELECTED,
    "De Groote Wielen": Stage.SELECTED,
    "Spoorzone Hoofddorp": Stage.SELECTED,
}

# The second programme (demo): a regional versnellingstafel with its own case manager,
# terms and targets, and the province as escalating authority. Which locations of the
# public list sit at it is invented for the demo (the programme's name says so).
REGIONAL_PROGRAMME = {
    "slug": "versnellingstafel-zuid-holland",
    "name": "Versnellingstafel Zuid-Holland (demo)",
    "description": (
        "Demo: een regionale versnellingstafel van de provincie Zuid-Holland, met een "
        "eigen procesregisseur, eigen termijnen en de provincie als escalerende "
        "overheid. Welke locaties hier aan tafel zitten is voor de demo verzonnen."
    ),
    "homes_target": 8_000,
    "breakthrough_targets": {"2026": 2},
    "construction_start_year": 2029,
    "stage_limit_days": 90,
    "approval_working_days": 5,
    "reminder_working_days": 1,
    "escalation_consultation_working_days": 15,
    "escalation_decision_working_days": 5,
    "consultation_weeks": 4,
    "escalation_rungs": [
        "Procesregisseur versnellingstafel",
        "Bestuurlijk overleg",
        "Gedeputeerde Staten",
    ],
}
REGIONAL_PROVINCE = "Zuid-Holland"
REGIONAL_LOCATIONS = {
    "Doorbraaklocatie Schiedam": Stage.SELECTED,
    "Doorbraaklocatie Zuidplas": Stage.BOTTLENECK_ANALYSIS,
    "Doorbraaklocatie Lansingerland en Zoetermeer": Stage.PROPOSED,
}

# Dutch wording of the bottleneck notes in the CSV.
BOTTLENECK_TEXT = {
    "Pampus": "Vereist de IJmeerverbinding; netaansluitingen.",
    "Fellenoord": "Grondverwerving en het financiële risico daarvan.",
    "Stougjeswijk": "De bestemming van de grond (grondgebruik) was de knoop.",
    "Gnephoek": "Organisatie en financiering van de publiek-private samenwerking (PPS).",
    "Doorbraaklocatie Barendrecht": "Herprogrammering van het sociale (woning)programma.",
    "Doorbraaklocatie Katwijk": (
        "Uitspraak van de Raad van State van december 2024 (natuur, infrastructuur), "
        "als het Valkenhorst betreft."
    ),
}

# Negotiation needs a registered bottleneck. The CSV names none for these locations;
# the one registered here is drawn from what the CSV reports, and marked "(demo)".
DEMO_BOTTLENECKS = {
    "'t Zoet": (
        BottleneckCategory.PLANNING_PROCEDURE,
        "Het omgevingsplan moet worden gewijzigd voordat de werkzaamheden in 2026 kunnen "
        "starten (demo).",
    ),
}

# The CSV's notes are in English; the interface is Dutch first.
DUTCH = {
    "25,000-35,000 (estimate from before 2025)": "25.000-35.000 (schatting van vóór 2025)",
    "4,000-6,000 if the location is Bleizo-West (not confirmed)": (
        "4.000-6.000 als het Bleizo-West betreft (niet bevestigd)"
    ),
    "4,000-6,000 in total; 1,700 by 2030": "4.000-6.000 in totaal; 1.700 vóór 2030",
    "5,600 if the location is Valkenhorst (not confirmed)": (
        "5.600 als het Valkenhorst betreft (niet bevestigd)"
    ),
    "8,000 if the location is the Vijfde Dorp (not confirmed)": (
        "8.000 als het het Vijfde Dorp betreft (niet bevestigd)"
    ),
    "about 2500": "circa 2.500",
    "about 5000 up to 2040": "circa 5.000 tot 2040",
    "about 7000": "circa 7.000",
    "national contribution EUR 60.5m on condition that at least 900 homes start within 5 years": (
        "Rijksbijdrage EUR 60,5 mln op voorwaarde dat binnen 5 jaar ten minste 900 woningen "
        "starten"
    ),
    "up to 5,800 (30/40/30 mix)": "tot 5.800 (mix 30/40/30)",
    "agreement Feb 2025 if Bleizo-West": "akkoord februari 2025, als het Bleizo-West betreft",
    "agreement on reprogramming the social (housing) programme (announcement June 2025)": (
        "akkoord over herprogrammering van het sociale (woning)programma (aankondiging juni 2025)"
    ),
    "breakthrough reported to parliament 8 Dec 2025; construction could start end of 2026": (
        "doorbraak gemeld aan de Tweede Kamer op 8 december 2025; bouw kan eind 2026 starten"
    ),
    "draft area programme open for views 27 Oct - 8 Dec 2025": (
        "ontwerp-gebiedsprogramma ter inzage van 27 oktober tot 8 december 2025"
    ),
    "heads of agreement on organising and financing a public-private partnership (announcement June 2025)": (
        "hoofdlijnenakkoord over organisatie en financiering van een publiek-private "
        "samenwerking (aankondiging juni 2025)"
    ),
    "koersdocument July 2024": "koersdocument juli 2024",
    "omgevingsplan being amended; works 2026; first homes 2028-2030": (
        "omgevingsplan wordt gewijzigd; werkzaamheden 2026; eerste woningen 2028-2030"
    ),
    "pilot of a national land-purchase facility (June 2025)": (
        "pilot van een landelijke grondaankoopfaciliteit (juni 2025)"
    ),
    "ANP June 2025": "ANP juni 2025",
    "ANP June 2025 (municipality only)": "ANP juni 2025 (alleen de gemeente)",
    "ANP June 2025; property press": "ANP juni 2025; vastgoedpers",
    "Kamerbrief 8 Dec 2025": "Kamerbrief 8 december 2025",
    "Omroep Brabant; municipal pages": "Omroep Brabant; gemeentelijke pagina's",
    "announcement June 2025": "aankondiging juni 2025",
    "announcement June 2025; public-public agreement Oct 2024": (
        "aankondiging juni 2025; publiek-publieke overeenkomst oktober 2024"
    ),
    "municipal publication": "gemeentelijke publicatie",
    "regional press Jan 2026": "regionale pers januari 2026",
}


def dutch(text: str) -> str:
    return DUTCH.get(text, text)


CRITERION_UNPUBLISHED = (
    "Getoetst bij de selectie (juni 2025); de onderbouwing is niet openbaar."
)


def _moment(date: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(date).replace(hour=hour, tzinfo=AMSTERDAM)


@contextmanager
def _at(date: str, hour: int = 10) -> Iterator[None]:
    with time_machine.travel(_moment(date, hour), tick=False):
        yield


def _working_days_ago(days: int) -> str:
    """A date relative to the day the demo is loaded: the open work is recent, and its
    deadlines lie ahead whenever the demo is loaded."""
    return add_working_days(timezone.localdate(), -days).isoformat()


class DemoWorkflow(Protocol):
    """What the demo needs of the workflow layer (which casework does not import).

    `workflows.demo.FlowDemo` implements it with the real flows.
    """

    def submit_round(self, *, version: AgreementVersion, actor) -> None:
        """Submit a draft version: its approval round starts, one task per party."""

    def decide(
        self,
        *,
        version: AgreementVersion,
        organisation: Organisation,
        actor,
        decision: str,
        comment: str = "",
    ) -> None:
        """`actor` decides for `organisation` in the open round of `version`."""

    def start_action(
        self,
        *,
        bottleneck: Bottleneck,
        actor,
        assignee: Party,
        description: str,
        due_on: datetime.date,
    ) -> None:
        """Assign an action on the breakthrough agenda; its flow starts."""

    def escalate(self, *, location: Location, actor, reason: str) -> None:
        """The ministry escalates; the escalation flow starts (evidence dossier, the
        case manager's consultation task)."""

    def record_consultation(
        self,
        *,
        location: Location,
        actor,
        held_on: datetime.date,
        participants: str,
        outcome: str,
        summary: str,
    ) -> None:
        """The case manager records the consultation through the flow's task."""

    def decide_intervention(
        self, *, location: Location, actor, decision: str, reason: str, **details
    ) -> None:
        """The ministry decides on intervention through the flow's task; a started
        designation procedure gets its flow (draft decision, consultation period)."""


@dataclass
class DemoRow:
    name: str
    municipalities: list[str]
    province: str
    planned_homes: int | None
    planned_homes_note: str
    listed_as: str
    reported_progress: str
    known_bottleneck: str
    source_note: str


def read_rows() -> list[DemoRow]:
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        rows = []
        for raw in csv.DictReader(handle):
            municipalities = [
                m.strip() for m in raw["municipality"].split(";") if m.strip()
            ]
            name = (
                raw["name"].strip() or f"Doorbraaklocatie {' en '.join(municipalities)}"
            )
            rows.append(
                DemoRow(
                    name=name,
                    municipalities=municipalities,
                    province=raw["province"].strip(),
                    planned_homes=int(raw["planned_homes"])
                    if raw["planned_homes"]
                    else None,
                    planned_homes_note=dutch(raw["planned_homes_note"].strip()),
                    listed_as=raw["listed_as"].strip() or ListedAs.OTHER,
                    reported_progress=dutch(raw["reported_progress"].strip()),
                    known_bottleneck=raw["known_bottleneck"].strip(),
                    source_note=dutch(raw["source_note"].strip()),
                )
            )
    return rows


class DemoLoader:
    """Loads the demo; every step is idempotent (a second run adds nothing)."""

    def __init__(
        self,
        workflow: DemoWorkflow,
        log: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.workflow = workflow
        self.log = log
        self.password = settings.DEMO_PASSWORD
        self._users_checked: set[str] = set()
        # One hash for every demo user: hashing is deliberately slow, the demo has ~70.
        self.password_hash = make_password(self.password)

    def run(self) -> None:
        ensure_roles()
        with transaction.atomic():
            self.programme = self._programme()
            self.ministry = self._organisation(*MINISTRY, OrganisationKind.MINISTRY)
            self.case_manager = self._user(
                "regisseur", "Procesregisseur", role=Role.CASE_MANAGER
            )
            self.minister_official = self._user(
                "ministerie", "Ministerie (beleidsmedewerker)", role=Role.MINISTRY
            )
            membership_set(
                user=self.minister_official,
                organisation=self.ministry,
                role=MembershipRole.MEMBER,
            )
            self._user("kijker", "Programmalezer", role=Role.VIEWER)
            for slug, name in UMBRELLAS:
                organisation = self._organisation(
                    slug, name, OrganisationKind.UMBRELLA, title="Programmalezer"
                )
                # Umbrella organisations read the programme: viewers, not signatories.
                self._signatory(organisation, role=Role.VIEWER, title="Programmalezer")
            self._regional_programme()
        for row in read_rows():
            with transaction.atomic():
                self._location(row)

    # --- people and organisations ---

    def _programme(self) -> Programme:
        programme, _ = Programme.objects.get_or_create(
            slug="doorbraakaanpak-2025",
            defaults={
                "name": "Doorbraakaanpak 2025",
                "description": (
                    "Twintig kansrijke locaties waar Rijk, medeoverheden, marktpartijen en "
                    "corporaties samen impasses doorbreken (aankondiging juni 2025)."
                ),
                "homes_target": 100_000,
                "breakthrough_targets": {"2025": 5},
                "construction_start_year": 2030,
            },
        )
        return programme

    def _regional_programme(self) -> None:
        """The versnellingstafel: its settings, its province as escalating authority,
        and its own logins: a case manager (`regisseur-zh`), a programme
        administrator (`beheerder-zh`), and the province's signatory as director."""
        province = self._organisation(
            f"provincie-{slugify(REGIONAL_PROVINCE)}",
            f"Provincie {REGIONAL_PROVINCE}",
            OrganisationKind.PROVINCE,
        )
        fields = {k: v for k, v in REGIONAL_PROGRAMME.items() if k != "slug"}
        self.regional, _ = Programme.objects.get_or_create(
            slug=REGIONAL_PROGRAMME["slug"],
            defaults={**fields, "escalating_authority": province},
        )
        self.regional_case_manager = self._user(
            "regisseur-zh", "Procesregisseur versnellingstafel Zuid-Holland"
        )
        administrator = self._user(
            "beheerder-zh", "Programmabeheerder versnellingstafel Zuid-Holland"
        )
        self.regional_director = User.objects.get(username=province.slug)
        for user, role in (
            (self.regional_case_manager, ProgrammeRole.CASE_MANAGER),
            (self.regional_director, ProgrammeRole.DIRECTOR),
            (administrator, ProgrammeRole.ADMINISTRATOR),
        ):
            if not programme_roles_of(user, self.regional):
                programme_role_grant(
                    programme=self.regional,
                    role=role,
                    user=user,
                    reason="Demo: rollen van de versnellingstafel.",
                )

    def _programme_of(self, row: DemoRow) -> Programme:
        return self.regional if row.name in REGIONAL_LOCATIONS else self.programme

    def _actors(self, location: Location):
        """(director, case manager) of the location's programme."""
        if location.programme_id == self.regional.pk:
            return self.regional_director, self.regional_case_manager
        return self.minister_official, self.case_manager

    def _user(self, username: str, full_name: str, *, role: Role | None = None):
        # A reserved domain (RFC 2606): the console shows the mail, no server delivers it.
        email = f"{username}@{DEMO_EMAIL_DOMAIN}"
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name, "email": email}
        )
        if not user.email:  # demo users made before they had addresses
            user.email = email
            user.save(update_fields=["email"])
        # Checking a password is deliberately slow: once per user and run is enough.
        if created or (
            username not in self._users_checked
            and not user.check_password(self.password)
        ):
            user.password = self.password_hash
            user.save(update_fields=["password"])
        self._users_checked.add(username)
        if role is not None:
            role_grant(user=user, role=role)
        return user

    def _organisation(
        self,
        slug: str,
        name: str,
        kind: str,
        *,
        demo: bool = False,
        title: str = "Ondertekenaar",
    ):
        organisation = organisation_get_or_create(
            slug=slug, name=name, kind=kind, is_demo=demo
        )
        if not organisation.memberships.exists():
            self._signatory(organisation, title=title)
        return organisation

    def _signatory(
        self,
        organisation: Organisation,
        *,
        role: Role | None = None,
        title: str = "Ondertekenaar",
    ):
        user = self._user(organisation.slug, f"{title} {organisation.name}", role=role)
        membership_set(
            user=user, organisation=organisation, role=MembershipRole.SIGNATORY
        )
        # Each organisation's demo signatory also manages its people (accounts).
        administrator_grant(user=user, organisation=organisation)
        return user

    def _parties_for(self, row: DemoRow) -> list[tuple[Organisation, str]]:
        first = row.municipalities[0]
        parties = [
            (self.ministry, PartyRole.COMMISSIONER),
            (
                self._organisation(
                    f"provincie-{slugify(row.province)}",
                    f"Provincie {row.province}",
                    OrganisationKind.PROVINCE,
                ),
                PartyRole.PROVINCE,
            ),
        ]
        for municipality in row.municipalities:
            organisation = self._organisation(
                f"gemeente-{slugify(municipality)}",
                f"Gemeente {municipality}",
                OrganisationKind.MUNICIPALITY,
            )
            parties.append((organisation, PartyRole.MUNICIPALITY))
        for kind, role, label in (
            (OrganisationKind.DEVELOPER, PartyRole.DEVELOPER, "Ontwikkelaar"),
            (
                OrganisationKind.HOUSING_CORPORATION,
                PartyRole.HOUSING_CORPORATION,
                "Woningcorporatie",
            ),
        ):
            organisation = self._organisation(
                f"{slugify(label)}-{slugify(first)}-demo",
                f"{label} {first} (demo)",
                kind,
                demo=True,
            )
            parties.append((organisation, role))
        return parties

    # --- locations, replayed through the services ---

    def _location(self, row: DemoRow) -> None:
        slug = slugify(row.name)
        programme = self._programme_of(row)
        if Location.objects.filter(programme=programme, slug=slug).exists():
            return
        with _at("2025-06-13", 9):
            location = services.location_create(
                programme=programme,
                name=row.name,
                slug=slug,
                municipality="; ".join(row.municipalities),
                province=row.province,
                planned_homes=row.planned_homes,
                planned_homes_note=row.planned_homes_note,
                listed_as=row.listed_as,
                reported_progress=row.reported_progress,
                source_note=row.source_note,
            )
            for organisation, role in self._parties_for(row):
                services.party_add(
                    location=location, organisation=organisation, role=role
                )
        target = TARGET_STAGE.get(
            row.name, REGIONAL_LOCATIONS.get(row.name, Stage.PROPOSED)
        )
        self.log(f"  {row.name}: {target.label}")
        if target == Stage.PROPOSED:
            return
        self._select(location)
        if target == Stage.SELECTED:
            return
        self._analyse(location, row)
        if target == Stage.BOTTLENECK_ANALYSIS:
            return
        if target == Stage.ESCALATED:
            self._escalate(location, ESCALATIONS[row.name])
            return
        self._negotiate(location, row)
        if target == Stage.NEGOTIATION:
            self._open_work(location, row)
            return
        if target == Stage.DESIGNATION_PROCEDURE:
            self._escalate(location, ESCALATIONS[row.name])
            return
        self._conclude(location, row, AgreementKind.HEADS_OF_AGREEMENT)
        if target == Stage.HEADS_OF_AGREEMENT:
            return
        self._conclude(location, row, AgreementKind.ADMINISTRATIVE_AGREEMENT)

    def _transition(self, location: Location, name: str, actor, reason: str) -> None:
        services.location_transition(
            location=location, transition=name, actor=actor, reason=reason
        )

    def _select(self, location: Location) -> None:
        director, _case_manager = self._actors(location)
        with _at("2025-06-20"):
            services.location_record_criteria(
                location=location,
                actor=director,
                land_positions=CRITERION_UNPUBLISHED,
                planning_status=CRITERION_UNPUBLISHED,
                market_involvement=CRITERION_UNPUBLISHED,
                financial_prospect=CRITERION_UNPUBLISHED,
            )
            self._transition(
                location,
                "select",
                director,
                "Geselecteerd als doorbraaklocatie (aankondiging doorbraakaanpak, juni 2025)."
                if director == self.minister_official
                else "Aan de versnellingstafel geselecteerd (demo).",
            )

    def _analyse(self, location: Location, row: DemoRow) -> None:
        early = row.name in ("Stougjeswijk", "Gnephoek", "Doorbraaklocatie Barendrecht")
        _director, case_manager = self._actors(location)
        with _at("2025-06-24" if early else "2025-09-15"):
            self._transition(
                location,
                "start_analysis",
                case_manager,
                "Startgesprek met de partijen gevoerd; knelpunten worden in kaart gebracht.",
            )
            if row.name in BOTTLENECK_TEXT and row.known_bottleneck:
                services.bottleneck_create(
                    location=location,
                    actor=self.case_manager,
                    category=row.known_bottleneck,
                    description=BOTTLENECK_TEXT[row.name],
                )
            elif row.name in DEMO_BOTTLENECKS:
                category, description = DEMO_BOTTLENECKS[row.name]
                services.bottleneck_create(
                    location=location,
                    actor=self.case_manager,
                    category=category,
                    description=description,
                )

    def _negotiate(self, location: Location, row: DemoRow) -> None:
        early = row.name in ("Stougjeswijk", "Gnephoek", "Doorbraaklocatie Barendrecht")
        with _at("2025-06-25" if early else "2025-10-01"):
            self._transition(
                location,
                "start_negotiation",
                self.case_manager,
                "Knelpuntenanalyse afgerond; partijen onderhandelen over wederkerige afspraken.",
            )

    def _submit(self, location: Location, kind: str, spec: dict) -> AgreementVersion:
        """Draft the version of `spec` and start its approval round."""
        version = services.agreement_draft(
            location=location,
            actor=self.case_manager,
            kind=kind,
            title=spec["title"],
            text=spec["text"],
            commitments=[
                {
                    "party": self._party_organisation(location, owner).pk,
                    "description": description,
                    # A date, or (open rounds) a time after the day of submission.
                    "due_date": due
                    if isinstance(due, str)
                    else (timezone.localdate() + due).isoformat(),
                }
                for owner, description, due in spec["commitments"]
            ],
        )
        self.workflow.submit_round(version=version, actor=self.case_manager)
        return version

    def _approve(self, version: AgreementVersion, parties) -> None:
        """Each party's signatory approves, through the party's task of the round."""
        for party in parties:
            self.workflow.decide(
                version=version,
                organisation=party.organisation,
                actor=User.objects.get(username=party.organisation.slug),
                decision="approve",
            )

    def _conclude(self, location: Location, row: DemoRow, kind: str) -> None:
        spec = AGREEMENTS[(row.name, kind)]
        with _at(spec["drafted"]):
            version = self._submit(location, kind, spec)
        with _at(spec["concluded"]):
            self._approve(
                version,
                location.parties.select_related("organisation").order_by("id"),
            )
        location.refresh_from_db()

    def _open_work(self, location: Location, row: DemoRow) -> None:
        """The work in progress: a round some parties still have to decide on, and an
        action the assigned party has yet to do, both with deadlines ahead."""
        spec = OPEN_ROUNDS.get(row.name)
        if spec is not None:
            with _at(_working_days_ago(3), 9):
                version = self._submit(location, AgreementKind.HEADS_OF_AGREEMENT, spec)
            with _at(_working_days_ago(1), 11):
                self._approve(
                    version,
                    location.parties.select_related("organisation")
                    .filter(organisation__kind__in=spec["approved_by"])
                    .order_by("id"),
                )
        action = OPEN_ACTIONS.get(row.name)
        if action is not None:
            with _at(_working_days_ago(2), 14):
                self.workflow.start_action(
                    bottleneck=location.bottlenecks.order_by("id").first(),
                    actor=self.case_manager,
                    assignee=location.parties.filter(organisation__kind=action["owner"])
                    .order_by("id")
                    .first(),
                    description=action["description"],
                    due_on=add_working_days(
                        timezone.localdate(), action["working_days"]
                    ),
                )

    def _escalate(self, location: Location, spec: dict) -> None:
        """The escalation branch, recent enough that its open steps lie ahead: the
        escalation, the consultation (deadlock remains), and for a designation the
        ministry's decision, the draft decision and a view recorded since."""
        with _at(_working_days_ago(spec["escalated"]), 9):
            self.workflow.escalate(
                location=location, actor=self.minister_official, reason=spec["reason"]
            )
        with _at(_working_days_ago(spec["consulted"]), 15):
            self.workflow.record_consultation(
                location=location,
                actor=self.case_manager,
                held_on=timezone.localdate(),
                participants=spec["participants"],
                outcome="deadlock_remains",
                summary=spec["summary"],
            )
        designation = spec.get("designation")
        if designation is None:
            return
        with _at(_working_days_ago(designation["started"]), 11):
            self.workflow.decide_intervention(
                location=location,
                actor=self.minister_official,
                decision="start_designation",
                reason=designation["reason"],
                instrument=designation["instrument"],
                legal_basis=designation["legal_basis"],
                national_interest=designation["national_interest"],
            )
        # The draft lies open and its notice is published: the period starts.
        with _at(_working_days_ago(designation["notice"]), 10):
            services.designation_record_notice(
                location=location,
                actor=self.minister_official,
                published_on=timezone.localdate(),
                journal=NoticeJournal.STAATSCOURANT,
                reference=designation["notice_reference"],
                open_on=timezone.localdate(),
            )
        for view in designation["views"]:
            with _at(_working_days_ago(view["recorded"]), 14):
                services.designation_record_view(
                    location=location,
                    actor=self.case_manager,
                    submitted_by=view["submitted_by"],
                    sender_address=view["sender_address"],
                    channel=ViewChannel.WRITTEN,
                    sent_on=timezone.localdate() - datetime.timedelta(days=1),
                    received_on=timezone.localdate(),
                    summary=view["summary"],
                )

    def _party_organisation(self, location: Location, owner_kind: str) -> Organisation:
        return (
            location.parties.filter(organisation__kind=owner_kind)
            .select_related("organisation")
            .order_by("id")
            .first()
            .organisation
        )


# The demo agreements. Facts from the sources where they exist; demo commitments are
# marked "(demo)".
AGREEMENTS: dict[tuple[str, str], dict] = {
    ("Stougjeswijk", AgreementKind.HEADS_OF_AGREEMENT): {
        # Every round is decided within its ten working days.
        "drafted": "2025-10-01",
        "concluded": "2025-10-14",
        "title": "Hoofdlijnenakkoord Stougjeswijk",
        "text": (
            "Partijen spreken op hoofdlijnen af hoe de knoop over de bestemming van de grond "
            "wordt doorgehakt, zodat circa 2.500 woningen versneld tot ontwikkeling komen."
        ),
        "commitments": [
            (
                OrganisationKind.MUNICIPALITY,
                "Voorstel voor de bestemming van de grond uitwerken (demo).",
                "2025-11-15",
            ),
            (
                OrganisationKind.DEVELOPER,
                "Fasering en woningbouwprogramma uitwerken (demo).",
                "2025-11-30",
            ),
        ],
    },
    ("Stougjeswijk", AgreementKind.ADMINISTRATIVE_AGREEMENT): {
        "drafted": "2025-11-20",
        "concluded": "2025-12-04",
        "title": "Bestuurlijke overeenkomst Stougjeswijk",
        "text": (
            "De doorbraak: partijen leggen de afspraken over grondgebruik en fasering vast; "
            "de bouw kan eind 2026 starten (Kamerbrief 8 december 2025)."
        ),
        "commitments": [
            (
                OrganisationKind.MUNICIPALITY,
                "Omgevingsplan aanpassen voor de eerste fase (demo).",
                "2026-09-30",
            ),
            (
                OrganisationKind.DEVELOPER,
                "Start bouw eerste fase (demo).",
                "2026-12-31",
            ),
        ],
    },
    ("Gnephoek", AgreementKind.HEADS_OF_AGREEMENT): {
        "drafted": "2025-06-26",
        "concluded": "2025-06-30",
        "title": "Hoofdlijnenakkoord Gnephoek",
        "text": (
            "Hoofdlijnenakkoord over de organisatie en financiering van een publiek-private "
            "samenwerking (aankondiging juni 2025). Rijksbijdrage van EUR 60,5 mln onder de "
            "voorwaarde dat binnen vijf jaar ten minste 900 woningen starten."
        ),
        "commitments": [
            (
                OrganisationKind.MINISTRY,
                "Rijksbijdrage van EUR 60,5 mln beschikbaar stellen.",
                "2026-06-30",
            ),
            (
                OrganisationKind.MUNICIPALITY,
                "Ten minste 900 woningen binnen vijf jaar in aanbouw.",
                "2030-06-30",
            ),
        ],
    },
    ("Doorbraaklocatie Barendrecht", AgreementKind.HEADS_OF_AGREEMENT): {
        "drafted": "2025-06-26",
        "concluded": "2025-06-30",
        "title": "Hoofdlijnenakkoord Barendrecht",
        "text": (
            "Afspraak over het herprogrammeren van het sociale (woning)programma "
            "(aankondiging juni 2025)."
        ),
        "commitments": [
            (
                OrganisationKind.MUNICIPALITY,
                "Geherprogrammeerd sociaal woningbouwprogramma uitwerken (demo).",
                "2026-03-31",
            ),
            (
                OrganisationKind.HOUSING_CORPORATION,
                "Sociale huurwoningen in het programma inpassen (demo).",
                "2026-06-30",
            ),
        ],
    },
}

# Rounds open when the demo is loaded: submitted three working days earlier, approved
# since by the parties in `approved_by`; the others find the task in their inbox (for
# 't Zoet: `gemeente-breda`). The text states what the CSV reports; the commitments are
# demo, due some months after the submission.
OPEN_ROUNDS: dict[str, dict] = {
    "'t Zoet": {
        "title": "Hoofdlijnenakkoord 't Zoet",
        "text": (
            "Partijen spreken op hoofdlijnen af hoe 't Zoet versneld tot ontwikkeling "
            "komt: 4.000-6.000 woningen in totaal, waarvan 1.700 vóór 2030. Het "
            "omgevingsplan wordt gewijzigd; de werkzaamheden starten in 2026 en de eerste "
            "woningen volgen in 2028-2030."
        ),
        "commitments": [
            (
                OrganisationKind.MUNICIPALITY,
                "Wijziging van het omgevingsplan voor de eerste fase vaststellen (demo).",
                datetime.timedelta(days=180),
            ),
            (
                OrganisationKind.DEVELOPER,
                "Bouwrijp maken en werkzaamheden eerste fase starten (demo).",
                datetime.timedelta(days=270),
            ),
            (
                OrganisationKind.HOUSING_CORPORATION,
                "Aandeel sociale huur in de eerste fase vastleggen (demo).",
                datetime.timedelta(days=180),
            ),
        ],
        "approved_by": [
            OrganisationKind.MINISTRY,
            OrganisationKind.PROVINCE,
            OrganisationKind.HOUSING_CORPORATION,
        ],
    },
    "Fellenoord": {
        "title": "Hoofdlijnenakkoord Fellenoord",
        "text": (
            "Partijen spreken op hoofdlijnen af hoe circa 7.000 woningen in Fellenoord tot "
            "ontwikkeling komen. De grondverwerving en het financiële risico daarvan "
            "worden aangepakt met een pilot van een landelijke grondaankoopfaciliteit "
            "(juni 2025)."
        ),
        "commitments": [
            (
                OrganisationKind.MINISTRY,
                "Voorwaarden van de landelijke grondaankoopfaciliteit vastleggen (demo).",
                datetime.timedelta(days=120),
            ),
            (
                OrganisationKind.MUNICIPALITY,
                "Grondverwerving voor de eerste fase afronden (demo).",
                datetime.timedelta(days=365),
            ),
        ],
        "approved_by": [OrganisationKind.MINISTRY],
    },
}

# Breakthrough-agenda actions open when the demo is loaded, on the location's first
# bottleneck: assigned two working days earlier, due `working_days` after assignment.
OPEN_ACTIONS: dict[str, dict] = {
    "Fellenoord": {
        "owner": OrganisationKind.MUNICIPALITY,
        "description": (
            "Grondverwervingsstrategie uitwerken voor de pilot van de landelijke "
            "grondaankoopfaciliteit (demo)."
        ),
        "working_days": 15,
    },
}


# The escalation branch, in working days before the day the demo is loaded: Pampus
# waits for the ministry's decision on intervention; at Katwijk the draft designation
# decision lies open for views (42 days from its start). All of it is demo.
ESCALATIONS: dict[str, dict] = {
    "Pampus": {
        "escalated": 12,
        "consulted": 4,
        "reason": (
            "De knelpuntenanalyse loopt vast op de IJmeerverbinding en de "
            "netaansluitingen: geen partij kan de volgende stap zetten zonder besluit "
            "over de ontsluiting (demo)."
        ),
        "participants": (
            "Ministerie van VRO, Provincie Flevoland, Gemeente Almere, "
            "Ontwikkelaar Almere (demo), Woningcorporatie Almere (demo)."
        ),
        "summary": (
            "Geen overeenstemming over de volgorde van ontsluiting en woningbouw; de "
            "impasse blijft (demo)."
        ),
    },
    "Doorbraaklocatie Katwijk": {
        "escalated": 30,
        "consulted": 24,
        "reason": (
            "Na de uitspraak van de Raad van State (december 2024) komen de partijen "
            "niet tot een nieuw plan (demo)."
        ),
        "participants": (
            "Ministerie van VRO, Provincie Zuid-Holland, Gemeente Katwijk, "
            "Ontwikkelaar Katwijk (demo), Woningcorporatie Katwijk (demo)."
        ),
        "summary": (
            "Partijen verschillen van mening over natuurcompensatie en ontsluiting; "
            "de impasse blijft (demo)."
        ),
        "designation": {
            "started": 20,
            "reason": (
                "De impasse blijft na het bestuurlijk overleg; de minister bereidt een "
                "projectbesluit voor (demo)."
            ),
            "instrument": "project_decision",
            "legal_basis": (
                "Projectbesluit, artikelen 5.44-5.55 Omgevingswet; procedure artikelen "
                "16.70-16.73 (demo)."
            ),
            "national_interest": (
                "Versnelde woningbouw op een doorbraaklocatie van het programma (demo)."
            ),
            "notice": 18,
            "notice_reference": "Stcrt. (demo)",
            "views": [
                {
                    "recorded": 6,
                    "submitted_by": "Vereniging van omwonenden (demo)",
                    "sender_address": "Postbus 1, 1000 AA Demostad (demo)",
                    "summary": (
                        "Vraagt de natuurcompensatie vóór de bouw te regelen (demo)."
                    ),
                },
            ],
        },
    },
}
