from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about; each person chooses per kind how it reaches them."""

    NEW_TASK = "new_task", _("Nieuwe taak")
    REMINDER = "reminder", _("Herinnering aan een termijn")
    OVERDUE = "overdue", _("Termijn verstreken")
    DECISION = "decision", _("Besluit genomen")
    COMMITMENT_KEPT = "commitment_kept", _("Afspraak nagekomen")
    PROCEDURE_STEP = "procedure_step", _("Stap in een procedure")


# A deadline that passed is always e-mailed at once: nobody can turn it off.
ALWAYS_MAILED = frozenset({NotificationKind.OVERDUE})


class Delivery(models.TextChoices):
    """How a kind of notification reaches a person (the in-app list always has it)."""

    IMMEDIATE = "immediate", _("Direct per e-mail")
    DIGEST = "digest", _("In een dagelijks overzicht per e-mail")
    IN_APP = "in_app", _("Alleen in Doorbraak (geen e-mail)")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Verstuurd")
    ACCEPTED = "accepted", _("Aangenomen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
