"""The domain of the doorbraakaanpak: programmes, locations, parties, bottlenecks, and the
audit trail of everything that changes them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from permissions.checks import has_object_perm
from permissions.constants import OrganisationKind
from permissions.models import Organisation

from .atw import postal_deadline
from .constants import (
    TRANSITION_PERMISSION,
    WORKING_DAY_CALENDAR,
    ActionStatus,
    AgreementKind,
    AuditAction,
    BottleneckCategory,
    BottleneckStatus,
    BreakthroughKind,
    BreakthroughRule,
    CommitmentEventKind,
    CommitmentStatus,
    ConsultationOutcome,
    DeadlineEventKind,
    DeadlineKind,
    Decision,
    ImpasseRule,
    Instrument,
    ListedAs,
    LocationPerm,
    NoticeJournal,
    PartyRole,
    Province,
    Stage,
    TransitionName,
    VersionStatus,
    ViewChannel,
)
from .guards import (
    administrative_agreement_approved,
    consultation_outcome_deadlock,
    consultation_outcome_recorded,
    designation_decision_ready,
    has_bottleneck,
    heads_of_agreement_approved,
    selection_criteria_recorded,
)


def _may(perm: str):
    """A django-fsm permission answered by the project's object-permission layer."""

    def check(instance: Location, user) -> bool:
        return has_object_perm(user, perm, instance)

    return check


def _nobody(instance: Location, user) -> bool:
    """System-only transitions: no person holds this permission."""
    return False


def default_breakthrough_targets() -> dict[str, int]:
    return {"2025": 5}


def default_escalation_rungs() -> list[str]:
    return ["Procesregisseur", "Bestuurlijk overleg", "Ministerie"]


def validate_escalation_rungs(value) -> None:
    """The ladder is a list of short, non-empty names (at most ten)."""
    if (
        not isinstance(value, list)
        or len(value) > 10
        or not all(isinstance(r, str) and r.strip() and len(r) <= 100 for r in value)
    ):
        raise ValidationError(
            _("De escalatieladder is een lijst van ten hoogste tien treden.")
        )


class Programme(models.Model):
    """A programme of locations with shared targets and deadlines, e.g. the
    Doorbraakaanpak 2025 or a regional versnellingstafel."""

    name = models.CharField(_("naam"), max_length=200, unique=True)
    slug = models.SlugField(_("korte naam"), max_length=100, unique=True)
    description = models.TextField(_("omschrijving"), blank=True)
    homes_target = models.PositiveIntegerField(
        _("doel woningen in versnelde planvorming"), default=100_000
    )
    breakthrough_targets = models.JSONField(
        _("doel doorbraken per jaar"),
        default=default_breakthrough_targets,
        help_text=_('Per jaar het doel, bijvoorbeeld {"2025": 5}.'),
    )
    construction_start_year = models.PositiveSmallIntegerField(
        _("bouw overal gestart in"), default=2030
    )
    stage_limit_days = models.PositiveSmallIntegerField(
        _("maximale duur van een fase (dagen)"), default=120
    )
    approval_working_days = models.PositiveSmallIntegerField(
        _("termijn voor goedkeuring (werkdagen)"), default=10
    )
    reminder_working_days = models.PositiveSmallIntegerField(
        _("herinnering vooraf (werkdagen)"),
        default=2,
        validators=[MaxValueValidator(20)],
        help_text=_("Zoveel werkdagen voor een uiterste datum komt een herinnering."),
    )
    breakthrough_rule = models.CharField(
        _("regel voor het tellen van doorbraken"),
        max_length=32,
        choices=BreakthroughRule.choices,
        default=BreakthroughRule.DOORBRAAKAANPAK,
    )
    # The escalation branch (design §4): the working days of its tasks, the weeks the
    # draft designation lies open for views, the rungs of the ladder, and who
    # escalates (empty: the Rijk, i.e. the ministry; or a province).
    escalation_consultation_working_days = models.PositiveSmallIntegerField(
        _("termijn bestuurlijk overleg (werkdagen)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
    )
    escalation_decision_working_days = models.PositiveSmallIntegerField(
        _("termijn besluit na escalatie (werkdagen)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
    )
    consultation_weeks = models.PositiveSmallIntegerField(
        _("zienswijzetermijn (weken)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    escalation_rungs = models.JSONField(
        _("escalatieladder"),
        default=default_escalation_rungs,
        blank=True,
        validators=[validate_escalation_rungs],
        help_text=_("De treden van de escalatie, van eerste tot laatste."),
    )
    escalating_authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalerende overheid"),
        limit_choices_to={"kind": OrganisationKind.PROVINCE},
        help_text=_("Leeg: het Rijk (het ministerie). Of een provincie."),
    )
    # When `detect_impasses` last looked at the programme's locations: the moment its
    # signals are as of ("Bijgewerkt op …" above every list of signals). Empty until
    # the first run.
    impasses_checked_at = models.DateTimeField(
        _("impassesignalen bijgewerkt op"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("programma")
        verbose_name_plural = _("programma's")
        ordering = ["name"]
        permissions = [
            ("view_programme_locations", _("Locaties van het programma inzien")),
            ("manage_programme", _("Procesregisseur van het programma")),
            ("direct_programme", _("Bestuurlijk sturen in het programma")),
            ("administer_programme", _("Instellingen van het programma beheren")),
            # Model-wide, given with every grant above: whose checks look them up.
            ("hold_programme_role", _("Heeft een rol in een programma")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage_limit_days__gt=0),
                name="programme_stage_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(approval_working_days__gt=0),
                name="programme_approval_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(breakthrough_rule__in=BreakthroughRule.values),
                name="programme_breakthrough_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def escalates_through_province(self) -> bool:
        return self.escalating_authority_id is not None


class Location(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A doorbraaklocatie: a housing location whose impasse the programme breaks.

    Its stage is a state machine (design §2). The stage field is protected: only the
    services in `casework.services` change it, through the transition methods below,
    inside one transaction that also writes the audit event.
    """

    # Set by the conclusion, within the transaction in which it found every party's
    # approval of the current version of this kind, for the concluding guard
    # (`casework.guards`); not a field.
    _every_party_approved: str | None = None

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="locations",
        verbose_name=_("programma"),
    )
    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("korte naam"), max_length=120)
    municipality = models.CharField(
        _("gemeente(n)"),
        max_length=300,
        help_text=_("Meerdere gemeenten gescheiden door ‘; ’."),
    )
    province = models.CharField(_("provincie"), max_length=32, choices=Province.choices)
    planned_homes = models.PositiveIntegerField(
        _("geplande woningen"), null=True, blank=True, help_text=_("Leeg: niet bekend.")
    )
    planned_homes_note = models.CharField(
        _("toelichting woningen"), max_length=300, blank=True
    )
    share_social_rent = models.PositiveSmallIntegerField(
        _("aandeel sociale huur (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    share_mid_rent = models.PositiveSmallIntegerField(
        _("aandeel middenhuur / betaalbare koop (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    # Selection criteria of the announcement (design §1); `select` needs all four.
    land_positions = models.TextField(_("grondposities"), blank=True)
    planning_status = models.TextField(
        _("stand van de planologische uitwerking"), blank=True
    )
    market_involvement = models.TextField(
        _("betrokkenheid marktpartijen en corporaties"), blank=True
    )
    financial_prospect = models.TextField(
        _("perspectief op financiële dekking"), blank=True
    )
    listed_as = models.CharField(
        _("vermeld als"),
        max_length=32,
        choices=ListedAs.choices,
        default=ListedAs.OTHER,
    )
    reported_progress = models.TextField(_("gemelde voortgang"), blank=True)
    source_note = models.CharField(_("bron"), max_length=300, blank=True)

    stage = FSMField(
        _("fase"),
        default=Stage.PROPOSED,
        choices=Stage.choices,
        protected=True,
        max_length=32,
    )
    stage_changed_at = models.DateTimeField(
        _("fase gewijzigd op"), default=timezone.now
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("locatie")
        verbose_name_plural = _("locaties")
        ordering = ["name", "id"]
        permissions = [
            ("manage_location", _("Locatie regisseren")),
            ("direct_location", _("Locatie bestuurlijk sturen (ministerie)")),
            ("contribute_location", _("Bijdragen aan de doorbraak-agenda")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "slug"], name="location_slug_unique_per_programme"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="location_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(share_social_rent__isnull=True)
                | Q(share_social_rent__lte=100),
                name="location_share_social_rent_percentage",
            ),
            models.CheckConstraint(
                condition=Q(share_mid_rent__isnull=True) | Q(share_mid_rent__lte=100),
                name="location_share_mid_rent_percentage",
            ),
        ]
        indexes = [models.Index(fields=["stage"], name="location_stage_idx")]

    def __str__(self) -> str:
        return self.name

    def get_stage_display(self) -> str:
        """The stage's label. (Django's generated method translates the label of every
        stage on each call to look one up: milliseconds on a list of 50 locations.)"""
        try:
            return str(Stage(self.stage).label)
        except ValueError:
            return self.stage

    # The state machine. Methods only change the stage; services do everything else.

    @transition(
        field=stage,
        source=Stage.PROPOSED,
        target=Stage.SELECTED,
        conditions=[selection_criteria_recorded],
        permission=_may(TRANSITION_PERMISSION[TransitionName.SELECT]),
    )
    def select(self) -> None:
        """Selected as doorbraaklocatie."""

    @transition(
        field=stage,
        source=Stage.SELECTED,
        target=Stage.BOTTLENECK_ANALYSIS,
        permission=_may(TRANSITION_PERMISSION[TransitionName.START_ANALYSIS]),
    )
    def start_analysis(self) -> None:
        """Bottlenecks are being identified and the breakthrough agenda drawn up."""

    @transition(
        field=stage,
        source=Stage.BOTTLENECK_ANALYSIS,
        target=Stage.NEGOTIATION,
        conditions=[has_bottleneck],
        permission=_may(TRANSITION_PERMISSION[TransitionName.START_NEGOTIATION]),
    )
    def start_negotiation(self) -> None:
        """Parties negotiate reciprocal commitments."""

    @transition(
        field=stage,
        source=Stage.NEGOTIATION,
        target=Stage.HEADS_OF_AGREEMENT,
        conditions=[heads_of_agreement_approved],
        permission=_nobody,
    )
    def conclude_heads_of_agreement(self) -> None:
        """System only: every party approved the current heads-of-agreement version."""

    @transition(
        field=stage,
        source=Stage.HEADS_OF_AGREEMENT,
        target=Stage.ADMINISTRATIVE_AGREEMENT,
        conditions=[administrative_agreement_approved],
        permission=_nobody,
    )
    def conclude_administrative_agreement(self) -> None:
        """System only: every party approved the current administrative-agreement version."""

    @transition(
        field=stage,
        source=[
            Stage.BOTTLENECK_ANALYSIS,
            Stage.NEGOTIATION,
            Stage.HEADS_OF_AGREEMENT,
            # After the agreement: lapsed or disputed commitments deadlock too.
            Stage.ADMINISTRATIVE_AGREEMENT,
        ],
        target=Stage.ESCALATED,
        permission=_may(TRANSITION_PERMISSION[TransitionName.ESCALATE]),
    )
    def escalate(self) -> None:
        """The deadlock goes to administrative consultation."""

    @transition(
        field=stage,
        source=Stage.DESIGNATION_PROCEDURE,
        target=Stage.NEGOTIATION,
        permission=_may(TRANSITION_PERMISSION[TransitionName.RESUME_NEGOTIATION]),
    )
    @transition(
        field=stage,
        source=Stage.ESCALATED,
        target=Stage.NEGOTIATION,
        conditions=[consultation_outcome_recorded],
        permission=_may(TRANSITION_PERMISSION[TransitionName.RESUME_NEGOTIATION]),
    )
    def resume_negotiation(self) -> None:
        """Back to the table: after the consultation (its outcome recorded), or because
        the parties still agree during the designation procedure."""

    @transition(
        field=stage,
        source=Stage.ESCALATED,
        target=Stage.DESIGNATION_PROCEDURE,
        conditions=[consultation_outcome_deadlock],
        permission=_may(TRANSITION_PERMISSION[TransitionName.START_DESIGNATION]),
    )
    def start_designation(self) -> None:
        """The minister prepares a designation under the Omgevingswet."""

    @transition(
        field=stage,
        source=Stage.DESIGNATION_PROCEDURE,
        target=Stage.DESIGNATED,
        conditions=[designation_decision_ready],
        permission=_may(TRANSITION_PERMISSION[TransitionName.DESIGNATE]),
    )
    def designate(self) -> None:
        """Designation decided and published."""

    @transition(
        field=stage,
        source=[
            s for s in Stage.values if s not in (Stage.DESIGNATED, Stage.WITHDRAWN)
        ],
        target=Stage.WITHDRAWN,
        permission=_may(TRANSITION_PERMISSION[TransitionName.WITHDRAW]),
    )
    def withdraw(self) -> None:
        """Removed from the programme."""

    @property
    def selection_criteria_complete(self) -> bool:
        return all(
            value.strip()
            for value in (
                self.land_positions,
                self.planning_status,
                self.market_involvement,
                self.financial_prospect,
            )
        )

    # What `casework.selectors` reads once per page and keeps on the location.
    _agenda: list[Bottleneck]
    _versions: list[AgreementVersion]

    # The facts the guards of the concluding transitions read (`casework.guards` is
    # imported by this module, so its queries live here, where their models are).

    def submitted_versions(self, kind: str) -> models.QuerySet[AgreementVersion]:
        """The location's submitted versions of the agreement of `kind`, newest
        first."""
        return (
            AgreementVersion.objects.filter(
                agreement__location_id=self.pk, agreement__kind=kind
            )
            .exclude(status=VersionStatus.DRAFT)
            .order_by("-number")
        )

    def version_approved_by_every_party(self, kind: str) -> bool:
        """True when the newest submitted version of the location's agreement of
        `kind` is in approval (or concluded) and every party has approved it: one
        query (the guard of the concluding transitions, checked on every
        conclusion)."""
        parties = Party.objects.filter(location_id=self.pk)
        approved = Approval.objects.filter(
            version_id=OuterRef(OuterRef("pk")), decision=Decision.APPROVE
        ).values("organisation_id")
        row = (
            self.submitted_versions(kind)
            .annotate(
                has_parties=Exists(parties),
                party_missing=Exists(parties.exclude(organisation_id__in=approved)),
            )
            .values("status", "has_parties", "party_missing")
            .first()
        )
        return bool(
            row
            and row["status"] in (VersionStatus.IN_APPROVAL, VersionStatus.CONCLUDED)
            and row["has_parties"]
            and not row["party_missing"]
        )


class Party(models.Model):
    """An organisation's participation in one location, with its role there.

    Creating a party grants the organisation's members read access to the location
    (see `casework.services.party_add`).
    """

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(_("rol"), max_length=32, choices=PartyRole.choices)
    joined_at = models.DateTimeField(_("toegetreden op"), default=timezone.now)

    class Meta:
        verbose_name = _("partij")
        verbose_name_plural = _("partijen")
        ordering = ["location", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "organisation"], name="party_unique_per_location"
            ),
            models.CheckConstraint(
                condition=Q(role__in=PartyRole.values), name="party_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.location}"


class Bottleneck(models.Model):
    """A knelpunt on the location's breakthrough agenda, owned by one party."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="bottlenecks"
    )
    category = models.CharField(
        _("categorie"), max_length=32, choices=BottleneckCategory.choices
    )
    description = models.TextField(_("omschrijving"))
    owner = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="bottlenecks",
        null=True,
        blank=True,
        verbose_name=_("eigenaar"),
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=BottleneckStatus.choices,
        default=BottleneckStatus.OPEN,
    )
    deadline = models.DateField(_("uiterste datum"), null=True, blank=True)
    created_at = models.DateTimeField(_("geregistreerd op"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The lifecycle (casework.services.ledger): how it was resolved, reported by whom
    # (the owning party, or the case manager at once), confirmed by whom and when;
    # the case manager's note when returning or reopening it.
    resolution = models.TextField(_("oplossing"), blank=True)
    resolution_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_reported_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("opgelost op"), null=True, blank=True)
    review_note = models.TextField(_("toelichting procesregisseur"), blank=True)

    class Meta:
        verbose_name = _("knelpunt")
        verbose_name_plural = _("knelpunten")
        ordering = ["location", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=BottleneckCategory.values),
                name="bottleneck_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BottleneckStatus.values),
                name="bottleneck_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(description=""), name="bottleneck_description_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"


class BottleneckAction(models.Model):
    """An action on the breakthrough agenda: a party does something about a bottleneck
    before a deadline; the case manager accepts the result."""

    bottleneck = models.ForeignKey(
        Bottleneck, on_delete=models.CASCADE, related_name="actions"
    )
    assignee = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("partij"),
    )
    description = models.TextField(_("actie"))
    due_on = models.DateField(_("uiterste datum"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ActionStatus.choices,
        default=ActionStatus.OPEN,
    )
    report = models.TextField(
        _("melding"), blank=True, help_text=_("Bewijs van gereedmelding of hulpvraag.")
    )
    review_note = models.TextField(_("toelichting procesregisseur"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(description=""), name="action_description_required"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]


class DeadlineEvent(models.Model):
    """A deadline that came near or passed: the facts impasse detection reads.

    One row per subject and kind of event, so a timer that fires twice records once.
    `resolved_at` is set when the cause is gone (the task was done after all).
    """

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="deadline_events"
    )
    kind = models.CharField(_("soort"), max_length=16, choices=DeadlineKind.choices)
    event = models.CharField(
        _("gebeurtenis"), max_length=16, choices=DeadlineEventKind.choices
    )
    reference = models.CharField(
        _("verwijzing"),
        max_length=64,
        help_text=_("Bijvoorbeeld task:123 of action:4."),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("omschrijving"), max_length=300)
    due_on = models.DateField(_("uiterste datum"))
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("termijngebeurtenis")
        verbose_name_plural = _("termijngebeurtenissen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "event"], name="deadline_event_once_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DeadlineKind.values), name="deadline_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(event__in=DeadlineEventKind.values),
                name="deadline_event_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.description}"


class Deadline(models.Model):
    """A due date, watched by the one deadline clock (`manage.py deadlines`).

    One row per subject (`reference`: `task:12`, `action:4`, `commitment:7`,
    `bottleneck:3`): an approval or escalation task, a breakthrough-agenda action, a
    commitment of a concluded agreement, a bottleneck. The moments of its reminder and
    its overdue mark are stored with it (computed with `calendar`, the working-day
    calendar), so the sweep finds what is due through two partial indexes whatever the
    number of open deadlines; moving the due date is one UPDATE. `reminder_sent_at` and
    `overdue_marked_at` say that each happened (once); `resolved_at` that the subject
    was dealt with. The reminders and overdue marks themselves are logged as
    `DeadlineEvent` rows; impasse detection reads the deadlines.
    """

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="deadlines"
    )
    kind = models.CharField(_("soort"), max_length=16, choices=DeadlineKind.choices)
    reference = models.CharField(_("verwijzing"), max_length=64, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ligt bij"),
    )
    # The viewflow task that holds it now (its owner, or whoever may claim it, is
    # told); none for a commitment or a bottleneck (the owning party is told).
    task_id = models.BigIntegerField(null=True, blank=True)
    commitment = models.ForeignKey(
        "Commitment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    bottleneck = models.ForeignKey(
        "Bottleneck",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    title = models.CharField(_("onderwerp"), max_length=200, blank=True)
    description = models.CharField(_("omschrijving"), max_length=300)
    due_on = models.DateField(_("uiterste datum"))
    calendar = models.CharField(
        _("werkdagenkalender"), max_length=16, default=WORKING_DAY_CALENDAR
    )
    reminder_working_days = models.PositiveSmallIntegerField(default=2)
    remind_at = models.DateTimeField(_("herinnering op"))
    overdue_at = models.DateTimeField(_("verlopen op"))
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_marked_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("termijn")
        verbose_name_plural = _("termijnen")
        ordering = ["due_on", "id"]
        indexes = [
            # What the sweep asks: the due reminders and overdue marks, of open
            # deadlines only (the closed ones are most rows and never read by it).
            models.Index(
                fields=["remind_at"],
                name="deadline_reminder_due",
                condition=Q(resolved_at__isnull=True, reminder_sent_at__isnull=True),
            ),
            models.Index(
                fields=["overdue_at"],
                name="deadline_overdue_due",
                condition=Q(resolved_at__isnull=True, overdue_marked_at__isnull=True),
            ),
            # Impasse detection and the pages: a location's open, passed deadlines.
            models.Index(
                fields=["location", "overdue_at"],
                name="deadline_open_by_location",
                condition=Q(resolved_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DeadlineKind.values), name="deadline_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.due_on}"


class Escalation(models.Model):
    """A deadlock taken to administrative consultation (bestuurlijk overleg).

    Opened by the `escalate` transition; the case manager records the consultation.
    """

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="escalations"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reden"))
    consultation_held_on = models.DateField(_("datum overleg"), null=True, blank=True)
    consultation_participants = models.TextField(_("deelnemers"), blank=True)
    consultation_outcome = models.CharField(
        _("uitkomst"), max_length=20, choices=ConsultationOutcome.choices, blank=True
    )
    # The evidence dossier frozen when the escalation opened (its file's hash; the
    # document itself is in `documents`, which casework does not import).
    dossier_sha256 = models.CharField(
        _("SHA-256 van het bewijsdossier"), max_length=64, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("escalatie")
        verbose_name_plural = _("escalaties")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=Q(closed_at__isnull=True),
                name="escalation_one_open_per_location",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalatie {self.location} ({self.opened_at:%Y-%m-%d})"


class Designation(models.Model):
    """A designation procedure under the Omgevingswet for one location."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="designations"
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.PROTECT, related_name="+"
    )
    instrument = models.CharField(
        _("instrument"), max_length=32, choices=Instrument.choices
    )
    legal_basis = models.TextField(_("wettelijke grondslag"))
    national_interest = models.TextField(_("nationaal belang"))
    started_at = models.DateTimeField(default=timezone.now)
    # The notice of the draft (artikel 3:12 Awb) and the day the draft lies open: the
    # period of six weeks starts on the later of the two (artikel 3:16, tweede lid)
    # and ends as the Algemene termijnenwet has it (`casework.atw`). Empty until the
    # ministry records the notice; a designation from before the notice was recorded
    # (migration 0018) started on its `started_at` day, without a notice.
    notice_published_on = models.DateField(
        _("kennisgeving gepubliceerd op"), null=True, blank=True
    )
    notice_journal = models.CharField(
        _("gepubliceerd in"), max_length=32, choices=NoticeJournal.choices, blank=True
    )
    notice_reference = models.CharField(
        _("vindplaats van de kennisgeving"), max_length=300, blank=True
    )
    draft_open_on = models.DateField(_("ter inzage gelegd op"), null=True, blank=True)
    consultation_starts_on = models.DateField(
        _("begin zienswijzetermijn"), null=True, blank=True
    )
    consultation_ends_on = models.DateField(
        _("einde zienswijzetermijn"), null=True, blank=True
    )
    decision_sha256 = models.CharField(
        _("SHA-256 van het besluit"), max_length=64, blank=True
    )
    # The draft decision that lay open for views, and the ministry's answer to the
    # views in the final decision (both frozen in their PDFs; the hashes link them).
    draft_sha256 = models.CharField(
        _("SHA-256 van het ontwerpbesluit"), max_length=64, blank=True
    )
    decision_response = models.TextField(_("reactie op de zienswijzen"), blank=True)
    decided_at = models.DateTimeField(_("besloten op"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("aanwijzing")
        verbose_name_plural = _("aanwijzingen")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=Q(closed_at__isnull=True),
                name="designation_one_open_per_location",
            ),
            models.CheckConstraint(
                condition=Q(instrument__in=Instrument.values),
                name="designation_instrument_valid",
            ),
            models.CheckConstraint(
                condition=Q(notice_journal="")
                | Q(notice_journal__in=NoticeJournal.values),
                name="designation_notice_journal_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Aanwijzing {self.location} ({self.get_instrument_display()})"

    @property
    def period_set(self) -> bool:
        """The consultation period has a start and an end (the notice is recorded, or
        the designation is from before notices were recorded)."""
        return (
            self.consultation_starts_on is not None
            and self.consultation_ends_on is not None
        )

    def period_started(self, today: datetime.date | None = None) -> bool:
        return self.period_set and (today or timezone.localdate()) >= (
            self.consultation_starts_on  # type: ignore[operator]
        )

    def consultation_elapsed(self, today: datetime.date | None = None) -> bool:
        """The last day of the period has passed (False while it has no end)."""
        return self.consultation_ends_on is not None and (
            (today or timezone.localdate()) > self.consultation_ends_on
        )

    @property
    def views_until(self) -> datetime.date | None:
        """The last day a written view posted within the period may be received."""
        if self.consultation_ends_on is None:
            return None
        return postal_deadline(self.consultation_ends_on)

    @property
    def decision_possible_on(self) -> datetime.date | None:
        """The first day the final decision may be taken: after the postal week."""
        until = self.views_until
        if until is None or until == datetime.date.max:
            return until
        return until + datetime.timedelta(days=1)

    def views_closed(self, today: datetime.date | None = None) -> bool:
        """The period and its postal week have passed: no view can still be on
        time, and the final decision may be taken."""
        until = self.views_until
        return until is not None and (today or timezone.localdate()) > until

    @property
    def decision_pending(self) -> bool:
        """The ministry took the final decision and its PDF is still being made (a
        background job renders it, records its hash and fires `designate`)."""
        return bool(
            self.closed_at is None
            and self.decided_at is not None
            and not self.decision_sha256
        )


class DesignationView(models.Model):
    """A view (zienswijze) on the draft designation decision: who submitted it, when,
    and what it says in short. Recorded during the consultation period by a case
    manager or the ministry; the final decision lists every view and answers them."""

    designation = models.ForeignKey(
        Designation, on_delete=models.CASCADE, related_name="views"
    )
    submitted_by = models.CharField(_("indiener"), max_length=300)
    # The address of the sender: the final decision is sent to it (artikel 3:44 Awb).
    sender_address = models.TextField(_("adres van de indiener"), blank=True)
    channel = models.CharField(
        _("wijze van indienen"),
        max_length=16,
        choices=ViewChannel.choices,
        default=ViewChannel.WRITTEN,
    )
    # A written view: the day it was posted (the postmark); it is on time when
    # posted within the period and received within the postal week (6:9 Awb).
    sent_on = models.DateField(_("verzonden op"), null=True, blank=True)
    received_on = models.DateField(_("ontvangen op"))
    # Set when recorded: received after the period (and not a posted written view
    # within the postal week). A late view is kept and answered, marked "te laat".
    late = models.BooleanField(_("te laat"), default=False)
    summary = models.TextField(_("samenvatting"))
    # The ministry's answer to this view, recorded with the final decision.
    answer = models.TextField(_("antwoord"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("zienswijze")
        verbose_name_plural = _("zienswijzen")
        ordering = ["designation", "received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(submitted_by=""), name="designation_view_submitter"
            ),
            models.CheckConstraint(
                condition=~Q(summary=""), name="designation_view_summary"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ViewChannel.values),
                name="designation_view_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submitted_by} ({self.received_on:%Y-%m-%d})"


class Agreement(models.Model):
    """A heads of agreement or administrative agreement of one location. Its content
    lives in versions; each submitted version gets one approval round."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="agreements"
    )
    kind = models.CharField(_("soort"), max_length=32, choices=AgreementKind.choices)
    title = models.CharField(_("titel"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("overeenkomst")
        verbose_name_plural = _("overeenkomsten")
        ordering = ["location", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "kind"], name="agreement_one_per_kind_per_location"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AgreementKind.values), name="agreement_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementVersion(models.Model):
    """One version of an agreement: its text and commitments. Once concluded it is
    frozen: `sha256` is the hash of its canonical content and nothing may change."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("versie"))
    text = models.TextField(_("tekst"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approval_due_on = models.DateField(
        _("besluit uiterlijk"),
        null=True,
        blank=True,
        help_text=_("Gezet bij indienen: het aantal werkdagen van het programma."),
    )
    concluded_at = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("versie")
        verbose_name_plural = _("versies")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values),
                name="agreement_version_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="concluded") | ~Q(sha256=""),
                name="agreement_version_concluded_has_hash",
            ),
        ]
        # The portfolio's figures read the versions in approval and the concluded
        # ones out of every version (a few hundred of ~9,000 at full size).
        indexes = [models.Index(fields=["status"], name="agreement_version_status_idx")]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class Commitment(models.Model):
    """A reciprocal commitment (wederkerige afspraak) in an agreement version."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="commitments"
    )
    owner = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="commitments"
    )
    description = models.TextField(_("afspraak"))
    due_date = models.DateField(_("uiterste datum"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.OPEN,
    )
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependants"
    )
    # The ledger (casework.services.ledger), never the frozen version: the due date
    # after an extension (the version's `due_date` and hash stay as concluded), and
    # the organisation whose dispute of the report is open (None: the case manager
    # disputed it, or nobody; `disputed_at` says which).
    extended_due_date = models.DateField(
        _("uiterste datum na verlenging"), null=True, blank=True
    )
    disputed_by = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disputed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("afspraak")
        verbose_name_plural = _("afspraken")
        ordering = ["version", "owner", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values),
                name="commitment_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def current_due_date(self) -> datetime.date:
        """The due date the ledger holds: the extended one, else the agreed one."""
        return self.extended_due_date or self.due_date


class CommitmentEvent(models.Model):
    """A line of the commitment ledger: a report, confirmation, dispute, waiver or
    extension (an amendment recorded against the frozen version, which never
    changes). `sha256` is the hash of the line's canonical JSON (with the version's
    own hash in it); never updated or deleted."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(
        _("soort"), max_length=16, choices=CommitmentEventKind.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The party the actor acted for; none for the case manager.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("tijdstip"), default=timezone.now)
    text = models.TextField(_("toelichting"))
    previous_due_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(_("nieuwe uiterste datum"), null=True, blank=True)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("regel van het afsprakenregister")
        verbose_name_plural = _("afsprakenregister")
        ordering = ["commitment", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CommitmentEventKind.values),
                name="commitment_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extended") | Q(due_date__isnull=False),
                name="commitment_event_extension_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(sha256=""), name="commitment_event_hashed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.kind}"


class Approval(models.Model):
    """The decision of one participating organisation on one agreement version."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="approvals"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("besluit"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("toelichting"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("goedkeuring")
        verbose_name_plural = _("goedkeuringen")
        ordering = ["version", "decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation"], name="approval_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values),
                name="approval_decision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(decision="reject") | ~Q(comment=""),
                name="approval_reject_needs_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_decision_display()}"


class ImpasseSignal(models.Model):
    """A reason to believe a location is stuck, raised by `detect_impasses`.

    `key` identifies the cause (a task, a pair of rejected versions, a stay in a stage,
    a cycle of commitments): while the cause exists the signal stays open; when it is
    gone the detector closes it. At most one open signal per location and key.
    """

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="impasse_signals"
    )
    rule = models.CharField(_("regel"), max_length=24, choices=ImpasseRule.choices)
    key = models.CharField(_("oorzaak"), max_length=200)
    message = models.CharField(_("uitleg"), max_length=500)
    waiting_on = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wacht op"),
    )
    opened_at = models.DateTimeField(_("geopend op"), default=timezone.now)
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
    )

    class Meta:
        verbose_name = _("impassesignaal")
        verbose_name_plural = _("impassesignalen")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "key"],
                condition=Q(closed_at__isnull=True),
                name="impasse_one_open_signal_per_cause",
            ),
            models.CheckConstraint(
                condition=Q(rule__in=ImpasseRule.values), name="impasse_rule_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["closed_at", "location"], name="impasse_open_idx")
        ]

    def __str__(self) -> str:
        return self.message


class AuditEvent(models.Model):
    """One entry of the audit trail: who did what to which location, when and why.

    Written in the same transaction as the change it records (only through
    `casework.services.audit_record`); never updated or deleted, which the database
    refuses (migration 0006). Each entry carries the hash of its predecessor, so that
    `manage.py verify_audit` finds any entry changed or removed (`casework.audit_chain`).
    """

    at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leeg: het systeem (de workflow)."),
    )
    action = models.CharField(
        _("handeling"), max_length=40, choices=AuditAction.choices
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="audit_events", null=True
    )
    transition = models.CharField(_("overgang"), max_length=40, blank=True)
    from_stage = models.CharField(_("van fase"), max_length=32, blank=True)
    to_stage = models.CharField(_("naar fase"), max_length=32, blank=True)
    reason = models.TextField(_("reden"), blank=True)
    data = models.JSONField(_("gegevens"), default=dict, blank=True)
    # The hash chain (casework.audit_chain): each event's hash covers its own content
    # and its predecessor's hash, so editing or removing a row breaks the chain there.
    prev_hash = models.CharField(
        _("vorige hash"), max_length=64, blank=True, default="", editable=False
    )
    hash = models.CharField(
        _("hash"), max_length=64, blank=True, default="", editable=False
    )

    class Meta:
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("audittrail")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["location", "at"], name="audit_location_at_idx")
        ]
        constraints = [
            # Two events can never chain onto the same predecessor: a fork is refused
            # by the database itself, whatever the application does.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_no_fork")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.transition}"

    @property
    def from_stage_label(self) -> str:
        return Stage(self.from_stage).label if self.from_stage else ""

    @property
    def to_stage_label(self) -> str:
        return Stage(self.to_stage).label if self.to_stage else ""

    @property
    def subject(self) -> str:
        """What the event is about, in a few words (organisation, category, version)."""
        data = self.data or {}
        parts = []
        organisation = data.get("organisation_name") or data.get("organisation")
        if organisation:
            parts.append(str(organisation))
        if data.get("category") in BottleneckCategory.values:
            parts.append(str(BottleneckCategory(data["category"]).label))
        if data.get("version"):
            parts.append(_("versie %(number)s") % {"number": data["version"]})
        if data.get("decision") in Decision.values:
            parts.append(str(Decision(data["decision"]).label).lower())
        return ", ".join(parts)


class Breakthrough(models.Model):
    """A breakthrough (doorbraak): a dated fact of a location, the knot that was cut
    (a concluded agreement, a decision to intervene that became final). Recorded when
    it happens, in the transaction of the change (`casework.breakthroughs`); which
    ones count is the rule of the location's programme, once per location per year.
    """

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="breakthroughs"
    )
    kind = models.CharField(_("soort"), max_length=32, choices=BreakthroughKind.choices)
    occurred_on = models.DateField(_("datum"))
    # What recorded it, e.g. "version:12" or "designation:3": recorded once.
    source = models.CharField(_("bron"), max_length=64)
    # What was broken, as facts (the agreement's title and version, or the
    # instrument; the bottlenecks on the agenda): worded in the reader's language
    # by `casework.breakthroughs.describe`.
    data = models.JSONField(_("gegevens"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("doorbraak")
        verbose_name_plural = _("doorbraken")
        ordering = ["occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "kind", "source"], name="breakthrough_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=BreakthroughKind.values),
                name="breakthrough_kind_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["occurred_on", "location"], name="breakthrough_year_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.location}: {self.kind}"


class ConstructionStart(models.Model):
    """The start of construction on (part of) a location: on which day, how many
    homes. A location may start in phases; each start is a row, never changed."""

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="construction_starts"
    )
    started_on = models.DateField(_("start bouw"))
    homes_started = models.PositiveIntegerField(_("woningen in aanbouw"))
    note = models.TextField(_("toelichting"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("start bouw")
        verbose_name_plural = _("starts bouw")
        ordering = ["location", "started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(homes_started__gt=0), name="construction_homes_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location}: {self.homes_started} ({self.started_on:%Y-%m-%d})"


__all__ = [
    "Agreement",
    "AgreementVersion",
    "Approval",
    "AuditEvent",
    "Bottleneck",
    "Breakthrough",
    "Commitment",
    "CommitmentEvent",
    "ConstructionStart",
    "Designation",
    "DesignationView",
    "Escalation",
    "Location",
    "LocationPerm",
    "Party",
    "Programme",
]
