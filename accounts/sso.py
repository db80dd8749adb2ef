"""Single sign-on with OpenID Connect (Authlib's Django client).

Providers come from the settings (`OIDC_PROVIDERS`, read from the environment). A
login is the authorization-code flow with PKCE; Authlib keeps `state`, `nonce` and the
code verifier in the session and checks the ID token (signature from the provider's
keys, issuer, audience, expiry, nonce) before anything here sees a claim.

Who the person is: the pair (provider, `sub`), kept in `ExternalIdentity`. Which
organisation they belong to: the value of the provider's organisation claim, but only
through a mapping an administrator made (`OrganisationClaim`); a value without one
refuses the login, whatever it says. On the first login the account is created as a
member of that organisation; the organisation's administrator decides whether they
sign.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.constants import AuditAction
from casework.services import audit_record
from permissions.constants import MembershipRole
from permissions.models import Membership, Organisation
from permissions.services import membership_set

from .models import ExternalIdentity, OrganisationClaim

User = get_user_model()


class SignOnRefused(Exception):
    """The provider vouched for someone Doorbraak does not let in; the message says
    why, for the person (Dutch, translatable)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Provider:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    organisation_claim: str
    email_claim: str
    label: str


def providers() -> list[Provider]:
    return [Provider(**entry) for entry in settings.OIDC_PROVIDERS]


def provider_named(name: str) -> Provider | None:
    return next((entry for entry in providers() if entry.name == name), None)


_clients: dict[Provider, tuple[float, DjangoOAuth2App]] = {}
_clients_lock = threading.Lock()


def client_for(provider: Provider) -> DjangoOAuth2App:
    """Authlib's client of `provider`, with its discovery document and keys read
    once per OIDC_METADATA_MAX_AGE seconds (per process)."""
    now = time.monotonic()
    with _clients_lock:
        cached = _clients.get(provider)
        if cached is not None and now - cached[0] < settings.OIDC_METADATA_MAX_AGE:
            return cached[1]
        registry = OAuth()
        client = registry.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=(f"{provider.issuer}/.well-known/openid-configuration"),
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )
        _clients[provider] = (now, client)
        return client


def claims_of(provider: Provider, token: dict) -> dict:
    """The person's claims: the checked ID token's, completed from the userinfo
    endpoint when the ID token lacks the organisation or e-mail claim (providers
    differ in what they put where)."""
    claims = dict(token.get("userinfo") or {})
    # Authlib checked `iss` against the discovery document; that document must be the
    # configured issuer's (a provider cannot speak for another).
    issuer = str(claims.get("iss", "")).rstrip("/")
    if not claims.get("sub") or issuer != provider.issuer:
        raise SignOnRefused(_("De identiteitsprovider gaf geen geldig ID-token."))
    if not claims.get(provider.organisation_claim) or not claims.get(
        provider.email_claim
    ):
        extra = client_for(provider).userinfo(token=token)
        # The userinfo endpoint must speak of the same person as the ID token.
        if extra.get("sub") == claims["sub"]:
            claims = {**extra, **claims}
    return claims


def _claim_text(value) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if len(value) == 1 else ""
    return value.strip() if isinstance(value, str) else ""


def organisation_for(provider: Provider, claims: dict) -> Organisation:
    """The organisation an administrator mapped the claim value to; refused when the
    claim is missing or the value has no mapping."""
    value = _claim_text(claims.get(provider.organisation_claim))
    if not value:
        raise SignOnRefused(
            _("Uw identiteitsprovider noemt geen organisatie; inloggen kan niet.")
        )
    mapping = (
        OrganisationClaim.objects.select_related("organisation")
        .filter(provider=provider.name, claim_value=value)
        .first()
    )
    if mapping is None:
        raise SignOnRefused(
            _(
                "Uw organisatie is niet aan Doorbraak gekoppeld. Vraag de beheerder "
                "van Doorbraak om de koppeling te maken."
            )
        )
    return mapping.organisation


def _free_username(email: str) -> str:
    base = email.lower()[:140]
    candidate, number = base, 1
    while User._default_manager.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def sign_on(*, provider: Provider, claims: dict) -> User:
    """The account of the person the provider vouched for, found by (provider, sub),
    else an account of the mapped organisation with the same verified address, else a
    new one (a member of that organisation). Raises `SignOnRefused`."""
    organisation = organisation_for(provider, claims)
    subject = str(claims["sub"])
    email = _claim_text(claims.get(provider.email_claim)).lower()
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider=provider.name, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
    else:
        if not email:
            raise SignOnRefused(
                _("Uw identiteitsprovider noemt geen e-mailadres; inloggen kan niet.")
            )
        user = _existing_member(organisation, email, claims)
        created = user is None
        if created:
            user = User(
                username=_free_username(email),
                email=email,
                first_name=_claim_text(claims.get("given_name"))[:150]
                or _claim_text(claims.get("name"))[:150],
                last_name=_claim_text(claims.get("family_name"))[:150],
            )
            user.set_unusable_password()
            user.full_clean()
            user.save()
            membership_set(
                user=user, organisation=organisation, role=MembershipRole.MEMBER
            )
        identity = ExternalIdentity.objects.create(
            user=user, provider=provider.name, subject=subject
        )
        if created:
            audit_record(
                action=AuditAction.MEMBER_JOINED,
                actor=user,
                reason=_("Eerste keer ingelogd via %(provider)s")
                % {"provider": provider.label},
                data={
                    "organisation": organisation.pk,
                    "user": user.pk,
                    "role": MembershipRole.MEMBER,
                    "provider": provider.name,
                },
            )
    if not user.is_active:
        raise SignOnRefused(_("Uw account in Doorbraak is niet (meer) actief."))
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    return user


def _existing_member(organisation: Organisation, email: str, claims: dict):
    """A local account of the same organisation with this address, taken over by the
    provider's identity only when the provider says it verified the address (an
    account of another organisation is never taken over)."""
    if claims.get("email_verified") is not True:
        return None
    membership = (
        Membership.objects.select_related("user")
        .filter(organisation=organisation, user__email__iexact=email)
        .first()
    )
    return membership.user if membership is not None else None
