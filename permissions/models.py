from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import MembershipRole, OrganisationKind


class Organisation(models.Model):
    """An organisation that takes part in a programme: ministry, province, municipality,
    developer, housing corporation, investor or umbrella organisation.

    Each organisation owns two groups: its members and its signatories. Object permissions
    are granted to these groups, never to single users, so a person's rights follow from
    their membership.
    """

    name = models.CharField(_("naam"), max_length=200, unique=True)
    slug = models.SlugField(_("korte naam"), max_length=100, unique=True)
    kind = models.CharField(_("soort"), max_length=32, choices=OrganisationKind.choices)
    is_demo = models.BooleanField(
        _("demo-organisatie"),
        default=False,
        help_text=_("Een fictieve partij die alleen voor demonstratie bestaat."),
    )
    members_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="organisation_as_members",
        editable=False,
    )
    signatories_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="organisation_as_signatories",
        editable=False,
    )

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        permissions = [
            # Object permissions on the organisation itself, granted to its groups:
            # workflow tasks "for this organisation" are claimable with them.
            ("sign_for_organisation", _("Tekenen namens de organisatie")),
            ("act_for_organisation", _("Handelen namens de organisatie")),
            # Granted per person (accounts.members): invite, change and remove the
            # organisation's people.
            ("manage_members", _("Mensen van de organisatie beheren")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person working for an organisation, as member or as signatory."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("rol"),
        max_length=16,
        choices=MembershipRole.choices,
        default=MembershipRole.MEMBER,
    )

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class CalendarToken(models.Model):
    """The private address of a person's deadlines feed (iCalendar), so that the
    calendar they already use can read their deadlines without a session.

    The address carries a token derived from a random nonce and the server's secret
    key. The database keeps the nonce and the SHA-256 of the token, never the token
    itself: a copy of the database alone does not open anyone's feed. One token per
    person; making a new one replaces the row, and the old address stops working.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("gebruiker"),
    )
    nonce = models.CharField(_("willekeurige waarde"), max_length=64, editable=False)
    token_sha256 = models.CharField(
        _("SHA-256 van het token"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("gemaakt op"), default=timezone.now)

    class Meta:
        verbose_name = _("agenda-koppeling")
        verbose_name_plural = _("agenda-koppelingen")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class UserPreference(models.Model):
    """A person's own choices that outlive a browser: the language of the interface
    and of the e-mail they are sent (Dutch unless they chose otherwise)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("gebruiker"),
    )
    language = models.CharField(
        _("taal"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("voorkeur")
        verbose_name_plural = _("voorkeuren")

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"
