from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    """The stages of a location (stable values, design §2)."""

    PROPOSED = "proposed", _("Voorgedragen")
    SELECTED = "selected", _("Geselecteerd")
    BOTTLENECK_ANALYSIS = "bottleneck_analysis", _("Knelpuntenanalyse")
    NEGOTIATION = "negotiation", _("Onderhandeling")
    HEADS_OF_AGREEMENT = "heads_of_agreement", _("Hoofdlijnenakkoord")
    ADMINISTRATIVE_AGREEMENT = (
        "administrative_agreement",
        _("Bestuurlijke overeenkomst"),
    )
    ESCALATED = "escalated", _("Geëscaleerd")
    DESIGNATION_PROCEDURE = "designation_procedure", _("Aanwijzingsprocedure")
    DESIGNATED = "designated", _("Aangewezen")
    WITHDRAWN = "withdrawn", _("Afgevoerd")


# The main path, in order; the escalation branch and withdrawal sit beside it.
MAIN_PATH = [
    Stage.PROPOSED,
    Stage.SELECTED,
    Stage.BOTTLENECK_ANALYSIS,
    Stage.NEGOTIATION,
    Stage.HEADS_OF_AGREEMENT,
    Stage.ADMINISTRATIVE_AGREEMENT,
]


class TransitionName(models.TextChoices):
    """The transitions of the location state machine (stable names, design §2)."""

    SELECT = "select", _("Selecteren")
    START_ANALYSIS = "start_analysis", _("Knelpuntenanalyse starten")
    START_NEGOTIATION = "start_negotiation", _("Onderhandeling starten")
    CONCLUDE_HEADS_OF_AGREEMENT = (
        "conclude_heads_of_agreement",
        _("Hoofdlijnenakkoord vaststellen"),
    )
    CONCLUDE_ADMINISTRATIVE_AGREEMENT = (
        "conclude_administrative_agreement",
        _("Bestuurlijke overeenkomst vaststellen"),
    )
    ESCALATE = "escalate", _("Escaleren")
    RESUME_NEGOTIATION = "resume_negotiation", _("Onderhandeling hervatten")
    START_DESIGNATION = "start_designation", _("Aanwijzingsprocedure starten")
    DESIGNATE = "designate", _("Aanwijzen")
    WITHDRAW = "withdraw", _("Afvoeren")


# Fired by the workflow when every party approved; never by a person.
SYSTEM_TRANSITIONS = frozenset(
    {
        TransitionName.CONCLUDE_HEADS_OF_AGREEMENT,
        TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT,
    }
)

# Transitions that cannot be undone: every page that fires one asks to confirm it and
# shows it in red (issue 19, item 8). `designate` ends the procedure; `withdraw` ends
# the location.
IRREVERSIBLE_TRANSITIONS = frozenset(
    {TransitionName.WITHDRAW, TransitionName.DESIGNATE}
)


class LocationPerm:
    """Object permissions on a location ("app_label.codename")."""

    VIEW = "casework.view_location"
    # Case manager: advance the location, keep its breakthrough agenda.
    MANAGE = "casework.manage_location"
    # Ministry: select, escalate, designate, withdraw.
    DIRECT = "casework.direct_location"
    # Party member: contribute to the breakthrough agenda of the own organisation.
    CONTRIBUTE = "casework.contribute_location"


class ProgrammePerm:
    """Object permissions on a programme ("app_label.codename"): a programme-scoped
    role. A grant on a programme is a grant on each of its locations (see
    `PROGRAMME_GRANTS`); the global role groups stay "every programme"."""

    VIEW = "casework.view_programme_locations"
    # Case manager of the programme.
    MANAGE = "casework.manage_programme"
    # Director of the programme: the escalating authority (the ministry, a province).
    DIRECT = "casework.direct_programme"
    # Programme administrator: the programme's settings.
    ADMINISTER = "casework.administer_programme"
    # Model-wide, given with every grant above (`casework.programmes.programme_role_grant`):
    # only for its holders do the checks look up grants on programmes.
    HOLDS_ROLE = "casework.hold_programme_role"


def _codename(perm: str) -> str:
    return perm.split(".", 1)[1]


# Which grants on a programme give which permission on its locations (codenames).
PROGRAMME_GRANTS: dict[str, tuple[str, ...]] = {
    LocationPerm.VIEW: tuple(
        _codename(p)
        for p in (ProgrammePerm.VIEW, ProgrammePerm.MANAGE, ProgrammePerm.DIRECT)
    ),
    LocationPerm.MANAGE: (_codename(ProgrammePerm.MANAGE),),
    LocationPerm.DIRECT: (_codename(ProgrammePerm.DIRECT),),
}


# Who may fire a transition made by a person.
TRANSITION_PERMISSION = {
    TransitionName.SELECT: LocationPerm.DIRECT,
    TransitionName.START_ANALYSIS: LocationPerm.MANAGE,
    TransitionName.START_NEGOTIATION: LocationPerm.MANAGE,
    TransitionName.ESCALATE: LocationPerm.DIRECT,
    TransitionName.RESUME_NEGOTIATION: LocationPerm.DIRECT,
    TransitionName.START_DESIGNATION: LocationPerm.DIRECT,
    TransitionName.DESIGNATE: LocationPerm.DIRECT,
    TransitionName.WITHDRAW: LocationPerm.DIRECT,
}


class Province(models.TextChoices):
    DRENTHE = "Drenthe", "Drenthe"
    FLEVOLAND = "Flevoland", "Flevoland"
    FRIESLAND = "Fryslân", "Fryslân"
    GELDERLAND = "Gelderland", "Gelderland"
    GRONINGEN = "Groningen", "Groningen"
    LIMBURG = "Limburg", "Limburg"
    NOORD_BRABANT = "Noord-Brabant", "Noord-Brabant"
    NOORD_HOLLAND = "Noord-Holland", "Noord-Holland"
    OVERIJSSEL = "Overijssel", "Overijssel"
    UTRECHT = "Utrecht", "Utrecht"
    ZEELAND = "Zeeland", "Zeeland"
    ZUID_HOLLAND = "Zuid-Holland", "Zuid-Holland"


class PartyRole(models.TextChoices):
    """What an organisation does in one location."""

    COMMISSIONER = "commissioner", _("Opdrachtgever (Rijk)")
    PROVINCE = "province", _("Provincie")
    MUNICIPALITY = "municipality", _("Gemeente")
    DEVELOPER = "developer", _("Ontwikkelaar")
    HOUSING_CORPORATION = "housing_corporation", _("Woningcorporatie")
    INVESTOR = "investor", _("Belegger")
    ADVISOR = "advisor", _("Adviseur")


class BottleneckCategory(models.TextChoices):
    """Kinds of bottleneck (stable values, design §1)."""

    NITROGEN = "nitrogen", _("Stikstof")
    GRID_CONGESTION = "grid_congestion", _("Netcongestie")
    FINANCING_GAP = "financing_gap", _("Financieel tekort")
    INFRASTRUCTURE = "infrastructure", _("Infrastructuur")
    LAND_POSITION = "land_position", _("Grondpositie")
    PLANNING_PROCEDURE = "planning_procedure", _("Planologische procedure")
    OBJECTION_APPEAL = "objection_appeal", _("Bezwaar en beroep")
    CAPACITY = "capacity", _("Capaciteit")
    AFFORDABILITY_PROGRAMMING = (
        "affordability_programming",
        _("Betaalbaarheid en programmering"),
    )
    WATER_SOIL = "water_soil", _("Water en bodem")
    OTHER = "other", _("Overig")


class BottleneckStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In behandeling")
    # The owning party reported it resolved; the case manager confirms or returns it.
    RESOLUTION_REPORTED = "resolution_reported", _("Opgelost gemeld")
    RESOLVED = "resolved", _("Opgelost")


# What a bottleneck's lifecycle allows next (casework.services.ledger).
BOTTLENECK_UNRESOLVED = (BottleneckStatus.OPEN, BottleneckStatus.IN_PROGRESS)


class ListedAs(models.TextChoices):
    DOORBRAAKLOCATIE = "doorbraaklocatie", _("Doorbraaklocatie")
    EXAMPLE_IN_ANNOUNCEMENT = "example_in_announcement", _("Voorbeeld in aankondiging")
    OTHER = "other", _("Anders")


class AuditAction(models.TextChoices):
    TRANSITION = "transition", _("Overgang")
    BOTTLENECK_CREATED = "bottleneck_created", _("Knelpunt geregistreerd")
    PARTY_ADDED = "party_added", _("Partij toegevoegd")
    CRITERIA_RECORDED = "criteria_recorded", _("Selectiecriteria vastgelegd")
    CONSULTATION_RECORDED = "consultation_recorded", _("Bestuurlijk overleg vastgelegd")
    AGREEMENT_DRAFTED = "agreement_drafted", _("Overeenkomst opgesteld")
    AGREEMENT_SUBMITTED = "agreement_submitted", _("Ter goedkeuring aangeboden")
    APPROVAL_RECORDED = "approval_recorded", _("Besluit van partij vastgelegd")
    AGREEMENT_CONCLUDED = "agreement_concluded", _("Overeenkomst vastgesteld")
    AGREEMENT_REJECTED = "agreement_rejected", _("Overeenkomst afgewezen")
    ACTION_ASSIGNED = "action_assigned", _("Actie toegewezen")
    ACTION_REPORTED = "action_reported", _("Actie gemeld")
    ACTION_REVIEWED = "action_reviewed", _("Actie beoordeeld")
    DEADLINE_PASSED = "deadline_passed", _("Termijn verstreken")
    DOCUMENT_FROZEN = "document_frozen", _("Document vastgelegd")
    NOTICE_PUBLISHED = "notice_published", _("Kennisgeving van het ontwerp vastgelegd")
    VIEW_RECORDED = "view_recorded", _("Zienswijze vastgelegd")
    CONSULTATION_PERIOD_ENDED = (
        "consultation_period_ended",
        _("Zienswijzetermijn verstreken"),
    )
    PROCEDURE_ENDED = "procedure_ended", _("Lopende taken vervallen")
    ROUND_ENDED = "round_ended", _("Goedkeuringsronde gestopt")
    # `manage.py reconcile` repaired what an interrupted process left undone.
    REPAIRED = "repaired", _("Hersteld na een onderbreking")
    # The people of an organisation (accounts.members); no location.
    MEMBER_INVITED = "member_invited", _("Uitnodiging verstuurd")
    MEMBER_JOINED = "member_joined", _("Lid geworden van een organisatie")
    MEMBER_ROLE_CHANGED = "member_role_changed", _("Rol in een organisatie gewijzigd")
    MEMBER_REMOVED = "member_removed", _("Uit een organisatie verwijderd")
    # Steps of the interface (casework.services.location_steps).
    LOCATION_CREATED = "location_created", _("Locatie aangemaakt")
    FACTS_UPDATED = "facts_updated", _("Gegevens bijgewerkt")
    PARTY_REMOVED = "party_removed", _("Partij verwijderd")
    EVIDENCE_UPLOADED = "evidence_uploaded", _("Bewijsstuk toegevoegd")
    EVIDENCE_CITED = "evidence_cited", _("Bewijsstuk aangehaald")
    CONSTRUCTION_STARTED = "construction_started", _("Start bouw vastgelegd")
    PROGRAMME_CHANGED = "programme_changed", _("Programma gewijzigd")
    # The lifecycle of a bottleneck (casework.services.ledger).
    BOTTLENECK_UPDATED = "bottleneck_updated", _("Knelpunt bijgewerkt")
    BOTTLENECK_RESOLUTION_REPORTED = (
        "bottleneck_resolution_reported",
        _("Knelpunt opgelost gemeld"),
    )
    BOTTLENECK_RESOLVED = "bottleneck_resolved", _("Knelpunt opgelost")
    BOTTLENECK_RETURNED = "bottleneck_returned", _("Oplossing teruggegeven")
    BOTTLENECK_REOPENED = "bottleneck_reopened", _("Knelpunt heropend")
    # The commitment ledger (casework.services.ledger).
    COMMITMENT_REPORTED = "commitment_reported", _("Afspraak nagekomen gemeld")
    COMMITMENT_CONFIRMED = "commitment_confirmed", _("Nakoming bevestigd")
    COMMITMENT_DISPUTED = "commitment_disputed", _("Nakoming betwist")
    COMMITMENT_WAIVED = "commitment_waived", _("Afspraak vervallen")
    COMMITMENT_EXTENDED = "commitment_extended", _("Termijn van afspraak verlengd")


class DeadlineKind(models.TextChoices):
    """What a deadline belongs to."""

    APPROVAL = "approval", _("Goedkeuring van een overeenkomst")
    ACTION = "action", _("Actie op de doorbraak-agenda")
    COMMITMENT = "commitment", _("Wederkerige afspraak")
    ESCALATION = "escalation", _("Escalatie en aanwijzing")
    BOTTLENECK = "bottleneck", _("Knelpunt")


# The working-day calendar deadlines are counted in (`casework.calendar`): the
# Netherlands' public holidays, weekends excluded.
WORKING_DAY_CALENDAR = "NL"


class DeadlineEventKind(models.TextChoices):
    REMINDER = "reminder", _("Herinnering")
    OVERDUE = "overdue", _("Termijn verstreken")


class ActionStatus(models.TextChoices):
    """A breakthrough-agenda action: the party acts, the case manager accepts."""

    OPEN = "open", _("Open")
    DONE_REPORTED = "done_reported", _("Gereed gemeld")
    HELP_REQUESTED = "help_requested", _("Hulp gevraagd")
    ACCEPTED = "accepted", _("Afgerond")
    CANCELLED = "cancelled", _("Vervallen")


class ImpasseRule(models.TextChoices):
    """Why the system believes a location is stuck (design §5)."""

    DEADLINE_PASSED = "deadline_passed", _("Termijn verstreken")
    REJECTED_TWICE = "rejected_twice", _("Twee keer afgewezen")
    STAGE_TOO_LONG = "stage_too_long", _("Te lang in dezelfde fase")
    COMMITMENT_CYCLE = "commitment_cycle", _("Afspraken wachten op elkaar")
    COMMITMENT_DISPUTED = "commitment_disputed", _("Nakoming betwist")


# --- Agreements ---------------------------------------------------------------------


class AgreementKind(models.TextChoices):
    """Kinds of agreement (stable values, design §1)."""

    HEADS_OF_AGREEMENT = "heads_of_agreement", _("Hoofdlijnenakkoord")
    ADMINISTRATIVE_AGREEMENT = (
        "administrative_agreement",
        _("Bestuurlijke overeenkomst"),
    )


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    IN_APPROVAL = "in_approval", _("Ter goedkeuring")
    REJECTED = "rejected", _("Afgewezen")
    CONCLUDED = "concluded", _("Vastgesteld")
    # The location left the stage the agreement belongs to (escalated, withdrawn)
    # while its round ran: the decisions still open lapsed, no one can conclude it.
    ENDED = "ended", _("Ronde gestopt")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # The owner reported it kept; the parties it was made to confirm or dispute.
    REPORTED = "reported", _("Gemeld")
    # A party it was made to disputed the report: the owner is at it again.
    DISPUTED = "disputed", _("Betwist")
    DONE = "done", _("Nagekomen")
    OVERDUE = "overdue", _("Te laat")
    WAIVED = "waived", _("Vervallen")


# Commitments still owed by their owner (to report), and those no longer waited for.
COMMITMENT_OWED = (
    CommitmentStatus.OPEN,
    CommitmentStatus.OVERDUE,
    CommitmentStatus.DISPUTED,
)
COMMITMENT_SETTLED = (CommitmentStatus.DONE, CommitmentStatus.WAIVED)


class CommitmentEventKind(models.TextChoices):
    """A line of the commitment ledger."""

    REPORTED = "reported", _("Nagekomen gemeld")
    CONFIRMED = "confirmed", _("Bevestigd")
    DISPUTED = "disputed", _("Betwist")
    WAIVED = "waived", _("Vervallen")
    EXTENDED = "extended", _("Termijn verlengd")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Goedkeuren")
    REJECT = "reject", _("Afwijzen")


# The stage in which a version of each agreement kind can be submitted, and the
# transition that concludes it (fired by the system when every party approved).
AGREEMENT_STAGE: dict[str, Stage] = {
    AgreementKind.HEADS_OF_AGREEMENT: Stage.NEGOTIATION,
    AgreementKind.ADMINISTRATIVE_AGREEMENT: Stage.HEADS_OF_AGREEMENT,
}
# The kind of agreement a location in each stage works towards.
AGREEMENT_KIND_FOR_STAGE: dict[str, str] = {
    stage: kind for kind, stage in AGREEMENT_STAGE.items()
}
CONCLUDING_TRANSITION: dict[str, TransitionName] = {
    AgreementKind.HEADS_OF_AGREEMENT: TransitionName.CONCLUDE_HEADS_OF_AGREEMENT,
    AgreementKind.ADMINISTRATIVE_AGREEMENT: (
        TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT
    ),
}


# --- The escalation branch ----------------------------------------------------------


class ConsultationOutcome(models.TextChoices):
    BREAKTHROUGH = "breakthrough", pgettext_lazy("consultation outcome", "Doorbraak")
    DEADLOCK_REMAINS = "deadlock_remains", _("Impasse blijft")


class Instrument(models.TextChoices):
    """Omgevingswet instruments for a designation (stable values, design §4)."""

    INSTRUCTION = "instruction", _("Instructie(besluit)")
    PROJECT_DECISION = "project_decision", _("Projectbesluit")
    PREPARATORY_DECISION = "preparatory_decision", _("Voorbereidingsbesluit")


class NoticeJournal(models.TextChoices):
    """Where the notice of a draft designation decision is published (artikel 3:12
    Awb): the Staatscourant for the State, the provinciaal blad for a province."""

    STAATSCOURANT = "staatscourant", _("Staatscourant")
    PROVINCIAAL_BLAD = "provinciaal_blad", _("Provinciaal blad")


class ViewChannel(models.TextChoices):
    """How a view on a draft decision came in (artikel 3:15 Awb)."""

    WRITTEN = "written", _("Schriftelijk (per post)")
    ORAL = "oral", _("Mondeling")
    EMAIL = "email", _("Per e-mail")


class BreakthroughKind(models.TextChoices):
    """What kind of knot a recorded breakthrough cut (design §2)."""

    HEADS_OF_AGREEMENT = "heads_of_agreement", _("Hoofdlijnenakkoord gesloten")
    ADMINISTRATIVE_AGREEMENT = (
        "administrative_agreement",
        _("Bestuurlijke overeenkomst gesloten"),
    )
    INTERVENTION_FINAL = "intervention_final", _("Besluit tot ingrijpen definitief")


class BreakthroughRule(models.TextChoices):
    """Which recorded breakthroughs a programme counts, once per location per year."""

    DOORBRAAKAANPAK = (
        "doorbraakaanpak",
        _(
            "Doorbraakaanpak: hoofdlijnenakkoord, bestuurlijke overeenkomst of "
            "definitief besluit tot ingrijpen"
        ),
    )
    AGREEMENT_OR_DESIGNATION = (
        "agreement_or_designation",
        _("Alleen bestuurlijke overeenkomst of definitief besluit tot ingrijpen"),
    )


# The kinds of breakthrough each rule counts.
BREAKTHROUGH_RULE_KINDS = {
    BreakthroughRule.DOORBRAAKAANPAK: frozenset(BreakthroughKind.values),
    BreakthroughRule.AGREEMENT_OR_DESIGNATION: frozenset(
        {BreakthroughKind.ADMINISTRATIVE_AGREEMENT, BreakthroughKind.INTERVENTION_FINAL}
    ),
}
