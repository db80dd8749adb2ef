"""A second factor (TOTP, django-otp) for local accounts that can do the most.

With TWO_FACTOR_REQUIRED on, a person who signs in with a password and holds a
programme-wide role or a role in a programme, works for a ministry or has staff rights owes a code from their
authenticator app: until they give it, the session reaches only the second-factor
pages (and logging out). The first time, they link an app (QR code) and confirm it
with a code. A person signed in through single sign-on gave their provider's factors
instead. Wrong codes are throttled per device by django-otp (the wait doubles with
every failure, as for the login) and the throttled answer is a 429 with Retry-After.

The session remembers the outcome (`SESSION_KEY`): the middleware asks no query on
a session that is verified or needs no second factor.
"""

from __future__ import annotations

import base64
import math

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from casework.constants import ProgrammePerm
from permissions.checks import has_global_perm
from permissions.constants import OrganisationKind, Role

SESSION_KEY = "accounts_second_factor"
NOT_NEEDED, PENDING, VERIFIED = "not_needed", "pending", "verified"
SSO_BACKEND = "accounts.backends.SingleSignOnBackend"


def second_factor_needed(user, backend: str | None) -> bool:
    """Whether this sign-in (by `backend`) owes a second factor."""
    if not settings.TWO_FACTOR_REQUIRED or backend == SSO_BACKEND:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.groups.filter(name__in=[role.value for role in Role]).exists():
        return True
    if has_global_perm(user, ProgrammePerm.HOLDS_ROLE):
        # A role in one programme (case manager, director, administrator) counts too.
        return True
    return user.memberships.filter(
        organisation__kind=OrganisationKind.MINISTRY
    ).exists()


def note_second_factor_at_login(sender, request, user, **kwargs):
    """`user_logged_in`: what this session owes."""
    if request is None or not hasattr(request, "session"):
        return
    backend = getattr(user, "backend", None)
    request.session[SESSION_KEY] = (
        PENDING if second_factor_needed(user, backend) else NOT_NEEDED
    )


def mark_verified(request) -> None:
    request.session[SESSION_KEY] = VERIFIED
    request.session.cycle_key()


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:second-factor"),
        reverse("logout"),
        reverse("set_language"),
        "/" + settings.STATIC_URL.lstrip("/"),
    )


class SecondFactorMiddleware:
    """Keeps a session that owes its second factor on the second-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.TWO_FACTOR_REQUIRED
            and self._owes(request)
            and not request.path.startswith(_open_paths())
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Geef eerst uw tweede factor (inlogcode).")},
                    status=403,
                )
            target = reverse("accounts:second-factor")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(target)
        return self.get_response(request)

    def _owes(self, request) -> bool:
        session = request.session
        if USER_SESSION_KEY not in session:
            return False
        state = session.get(SESSION_KEY)
        if state is None:
            # A session from before the setting (or a login that did not pass the
            # signal): decide now, once.
            state = (
                PENDING
                if second_factor_needed(request.user, session.get(BACKEND_SESSION_KEY))
                else NOT_NEEDED
            )
            session[SESSION_KEY] = state
        return state == PENDING


def safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def qr_code_svg(url: str) -> str:
    """The provisioning address as an SVG QR code (inline in the page)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def device_secret(device) -> str:
    """The key in base32, for typing into an app that cannot scan."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def retry_after_seconds(device) -> int | None:
    """Seconds until `device` accepts a code again, or None when it does now."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return 1
    from django.utils import timezone

    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
