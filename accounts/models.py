"""Identities and people's own choices: single sign-on identities and the mapping of a
provider's organisation claim, invitations to an organisation, and how each kind of
notification reaches a person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from permissions.constants import MembershipRole
from permissions.models import Organisation

from .constants import Delivery, InvitationStatus, NotificationKind


class ExternalIdentity(models.Model):
    """A person as an identity provider knows them: the provider's name (from the
    settings) and its stable subject identifier. Single sign-on finds the account by
    this pair, never by a name or an e-mail address alone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("gebruiker"),
    )
    provider = models.CharField(_("identiteitsprovider"), max_length=64)
    subject = models.CharField(_("kenmerk bij de provider"), max_length=255)
    created_at = models.DateTimeField(_("eerste keer ingelogd"), default=timezone.now)
    last_login_at = models.DateTimeField(_("laatst ingelogd"), null=True, blank=True)

    class Meta:
        verbose_name = _("externe identiteit")
        verbose_name_plural = _("externe identiteiten")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="external_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject} → {self.user}"


class OrganisationClaim(models.Model):
    """An administrator's decision that a value of a provider's organisation claim
    means this organisation. Without such a row a claim value ties nobody to anything:
    the login is refused."""

    provider = models.CharField(_("identiteitsprovider"), max_length=64)
    claim_value = models.CharField(_("waarde van de claim"), max_length=255)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="identity_claims",
        verbose_name=_("organisatie"),
    )

    class Meta:
        verbose_name = _("organisatiekoppeling (single sign-on)")
        verbose_name_plural = _("organisatiekoppelingen (single sign-on)")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "claim_value"], name="organisation_claim_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.claim_value} → {self.organisation}"


class Invitation(models.Model):
    """An organisation's administrator asks someone, by e-mail, to join it as member or
    signatory. The link in the mail is signed and expires (INVITATION_MAX_AGE_DAYS);
    it works once."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisatie"),
    )
    email = models.EmailField(_("e-mailadres"))
    role = models.CharField(
        _("rol"),
        max_length=16,
        choices=MembershipRole.choices,
        default=MembershipRole.MEMBER,
    )
    make_administrator = models.BooleanField(_("ook beheerder"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uitgenodigd door"),
    )
    # Part of the signed link: a new invitation to the same address gets a new one.
    nonce = models.CharField(max_length=32, editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    created_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)
    accepted_at = models.DateTimeField(_("aangenomen op"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangenomen door"),
    )

    class Meta:
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values),
                name="invitation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class NotificationPreference(models.Model):
    """How one kind of notification reaches one person. No row: e-mail at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("gebruiker"),
    )
    kind = models.CharField(
        _("soort melding"), max_length=32, choices=NotificationKind.choices
    )
    delivery = models.CharField(_("bezorging"), max_length=16, choices=Delivery.choices)

    class Meta:
        verbose_name = _("meldingsvoorkeur")
        verbose_name_plural = _("meldingsvoorkeuren")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_preference_unique"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values),
                name="notification_preference_delivery_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.delivery}"


class DigestEntry(models.Model):
    """A notification waiting for its recipient's daily digest, in the words (and the
    language) it had when it was made. `manage.py send_digests` sends and marks them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_entries",
        verbose_name=_("gebruiker"),
    )
    kind = models.CharField(
        _("soort melding"), max_length=32, choices=NotificationKind.choices
    )
    subject = models.CharField(_("onderwerp"), max_length=300)
    message = models.CharField(_("bericht"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tijdstip"), default=timezone.now)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding voor het dagoverzicht")
        verbose_name_plural = _("meldingen voor het dagoverzicht")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["sent_at", "user"], name="digest_entry_pending_idx")
        ]

    def __str__(self) -> str:
        return self.message


class ThrottledRequest(models.Model):
    """One request of a throttled kind (a password reset, a second-factor code), by the
    hash of what it was for and of the client's address: counted over a window, in the
    database so that every web process sees the same count."""

    scope = models.CharField(max_length=32)
    key_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("beperkt verzoek")
        verbose_name_plural = _("beperkte verzoeken")
        indexes = [
            models.Index(
                fields=["scope", "key_hash", "at"], name="throttled_lookup_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M}"
