"""Pages of the accounts app: login (password and single sign-on), logout, the second
factor, password reset, invitations, an organisation's people, and notification
preferences with the unsubscribe link."""

from __future__ import annotations

import logging

from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc.errors import JoseError
from requests import RequestException
from viewflow.contrib.auth import AuthenticationForm

from config.client_address import client_address
from permissions.errors import DomainError, NotPermitted, NotVisible
from permissions.models import Membership, Organisation

from . import members, notification_preferences, second_factor, sso, throttle
from .backends import local_login_enabled
from .constants import InvitationStatus, NotificationKind
from .forms import (
    InvitationForm,
    NewAccountForm,
    NotificationPreferencesForm,
    OutboxPasswordResetForm,
    RemoveForm,
    RoleForm,
    SecondFactorForm,
)

logger = logging.getLogger(__name__)

SSO_SESSION_KEY = "accounts_sso"
SSO_NEXT_KEY = "accounts_sso_next"


# --- Login and logout --------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The login page: the providers' buttons, and the password form unless the
    deployment switched local login off (LOCAL_LOGIN)."""

    template_name = "registration/login.html"
    form_class = AuthenticationForm

    def post(self, request, *args, **kwargs):
        if not local_login_enabled():
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_url = self.get_redirect_url()
        context["local_login"] = local_login_enabled()
        context["sso_providers"] = [
            {
                "label": provider.label,
                "url": reverse("accounts:sso-login", args=[provider.name])
                + (f"?{urlencode({'next': next_url})}" if next_url else ""),
            }
            for provider in sso.providers()
        ]
        return context


@require_POST
def logout_view(request):
    """Sign out here; after single sign-on also at the provider (RP-initiated
    logout), which sends the browser back to the login page."""
    signed_on = request.session.get(SSO_SESSION_KEY)
    logout(request)
    login_url = request.build_absolute_uri(reverse("login"))
    if signed_on:
        provider = sso.provider_named(signed_on.get("provider", ""))
        if provider is not None:
            try:
                return sso.client_for(provider).logout_redirect(
                    request,
                    post_logout_redirect_uri=login_url,
                    id_token_hint=signed_on.get("id_token"),
                    client_id=provider.client_id,
                )
            except (AuthlibBaseError, RequestException, RuntimeError):
                logger.warning("Logout at provider %s failed", provider.name)
    return HttpResponseRedirect(reverse("login"))


def sso_login(request, name: str):
    provider = sso.provider_named(name)
    if provider is None:
        raise Http404
    next_url = second_factor.safe_next(request, default="")
    if next_url:
        request.session[SSO_NEXT_KEY] = next_url
    redirect_uri = request.build_absolute_uri(
        reverse("accounts:sso-callback", args=[name])
    )
    try:
        return sso.client_for(provider).authorize_redirect(request, redirect_uri)
    except (AuthlibBaseError, RequestException, RuntimeError):
        logger.exception("Provider %s unreachable", name)
        return _sso_refused(request, _("De identiteitsprovider is niet bereikbaar."))


def sso_callback(request, name: str):
    """Where the provider sends the browser back: the code is exchanged, the ID token
    checked (Authlib: state, nonce, signature, issuer, audience), and the person
    signed in if Doorbraak lets them in."""
    provider = sso.provider_named(name)
    if provider is None:
        raise Http404
    try:
        token = sso.client_for(provider).authorize_access_token(request)
        claims = sso.claims_of(provider, token)
        user = sso.sign_on(provider=provider, claims=claims)
    except sso.SignOnRefused as refused:
        return _sso_refused(request, refused.message, status=403)
    except (
        AuthlibBaseError,
        JoseError,
        RequestException,
        KeyError,
        ValueError,
    ) as error:
        logger.warning("Single sign-on with %s failed: %r", name, error)
        return _sso_refused(
            request,
            _("Inloggen via de identiteitsprovider is mislukt. Probeer het opnieuw."),
        )
    next_url = request.session.pop(SSO_NEXT_KEY, "")
    login(request, user, backend=second_factor.SSO_BACKEND)
    request.session[SSO_SESSION_KEY] = {
        "provider": provider.name,
        "id_token": token.get("id_token", ""),
    }
    if not next_url or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        next_url = settings.LOGIN_REDIRECT_URL
    return HttpResponseRedirect(next_url)


def _sso_refused(request, message: str, status: int = 400):
    response = render(
        request, "accounts/sso_refused.html", {"message": message}, status=status
    )
    # Not turned into the login page (config.middleware): it is the login's answer.
    response.answers_a_login = True
    return response


# --- Second factor -----------------------------------------------------------------------


@login_required
def second_factor_view(request):
    """Link an authenticator app (the first time) or give its code."""
    if request.session.get(second_factor.SESSION_KEY) != second_factor.PENDING:
        return HttpResponseRedirect(second_factor.safe_next(request))
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name="Doorbraak", confirmed=False
            )
    form = SecondFactorForm(request.POST or None)
    status = 200
    retry_after = second_factor.retry_after_seconds(device)
    checked = request.method == "POST" and retry_after is None
    if checked and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            second_factor.mark_verified(request)
            return HttpResponseRedirect(second_factor.safe_next(request))
        form.add_error("code", _("Deze code klopt niet. Probeer het opnieuw."))
        retry_after = second_factor.retry_after_seconds(device)
    if request.method == "POST" and not checked:
        # Refused unchecked: the wait after the last wrong code is not over.
        status = 429
    context = {
        "form": form,
        "setting_up": setting_up,
        "retry_after": retry_after,
        "next": second_factor.safe_next(request, default=""),
    }
    if setting_up:
        context["qr_code"] = second_factor.qr_code_svg(device.config_url)
        context["secret"] = second_factor.device_secret(device)
    response = render(request, "accounts/second_factor.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


# --- Password reset ----------------------------------------------------------------------


class _LocalOnly:
    def dispatch(self, request, *args, **kwargs):
        if not local_login_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PasswordResetView(_LocalOnly, auth_views.PasswordResetView):
    """Django's reset request, throttled per address and per client address; the
    answer is the same whether an account has the address or not (Django sends mail
    only to an active local account, and says nothing about it)."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        address = client_address(self.request) or ""
        scope = "password_reset"
        if throttle.too_many(
            scope,
            {
                f"email:{email}": settings.PASSWORD_RESET_PER_ADDRESS,
                f"client:{address}": settings.PASSWORD_RESET_PER_CLIENT,
            },
            settings.PASSWORD_RESET_WINDOW_SECONDS,
        ):
            response = render(
                self.request,
                "accounts/password_reset_form.html",
                {"form": form, "throttled": True},
                status=429,
            )
            response["Retry-After"] = str(settings.PASSWORD_RESET_WINDOW_SECONDS)
            return response
        throttle.count(scope, f"email:{email}", f"client:{address}")
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["site_url"] = settings.SITE_URL
        return context


class PasswordResetDoneView(_LocalOnly, auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(_LocalOnly, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(_LocalOnly, auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Invitations -------------------------------------------------------------------------


def invitation_view(request, token: str):
    """The link from an invitation: accept with the account signed in, or make a
    local account for the invited address."""
    try:
        invitation = members.invitation_from_token(token)
    except DomainError as error:
        return render(
            request, "accounts/invitation.html", {"error": error.message}, status=400
        )
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                members.invitation_accept(token=token, user=request.user)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("U hoort nu bij %(organisation)s.")
                    % {"organisation": invitation.organisation.name},
                )
                return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL)
    elif local_login_enabled():
        form = NewAccountForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user = members.invitation_accept_new_account(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                login(request, user, backend="accounts.backends.LocalPasswordBackend")
                return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL)
    context = {
        "invitation": invitation,
        "form": form,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        "email_matches": request.user.is_authenticated
        and (request.user.email or "").lower() == invitation.email.lower(),
    }
    return render(request, "accounts/invitation.html", context)


# --- An organisation's people ------------------------------------------------------------


def _managed_organisation(request, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if members.may_manage(request.user, organisation):
        return organisation
    if Membership.objects.filter(user=request.user, organisation=organisation).exists():
        raise NotPermitted(
            _("Alleen een beheerder van de organisatie kan haar mensen beheren.")
        )
    raise Http404


def _domain_error_page(request, error: DomainError):
    status = 404 if isinstance(error, NotVisible) else 403
    return render(request, "403.html", {"exception": error.message}, status=status)


@login_required
def organisations_view(request):
    managed = list(members.organisations_managed_by(request.user))
    if len(managed) == 1:
        return HttpResponseRedirect(
            reverse("accounts:organisation-people", args=[managed[0].pk])
        )
    return render(request, "accounts/organisations.html", {"organisations": managed})


@login_required
def organisation_people_view(request, pk: int):
    try:
        organisation = _managed_organisation(request, pk)
    except NotPermitted as error:
        return _domain_error_page(request, error)
    memberships = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    admins = members.administrator_ids(organisation)
    pending = list(
        organisation.invitations.filter(status=InvitationStatus.PENDING).order_by(
            "email"
        )
    )
    return render(
        request,
        "accounts/organisation_people.html",
        {
            "organisation": organisation,
            "people": [
                {
                    "membership": membership,
                    "user": membership.user,
                    "is_administrator": membership.user_id in admins,
                    "is_me": membership.user_id == request.user.pk,
                }
                for membership in memberships
            ],
            "invitations": pending,
            "invitation_form": InvitationForm(),
        },
    )


def _people_action(request, pk: int, action):
    try:
        organisation = _managed_organisation(request, pk)
        message = action(organisation)
    except DomainError as error:
        if isinstance(error, NotPermitted | NotVisible) and not members.may_manage(
            request.user, get_object_or_404(Organisation, pk=pk)
        ):
            return _domain_error_page(request, error)
        messages.error(request, error.message)
    else:
        if message:
            messages.success(request, message)
    return HttpResponseRedirect(reverse("accounts:organisation-people", args=[pk]))


def _member_user(organisation: Organisation, user_id: int):
    membership = (
        Membership.objects.select_related("user")
        .filter(organisation=organisation, user_id=user_id)
        .first()
    )
    if membership is None:
        raise NotVisible("membership")
    return membership.user


@login_required
@require_POST
def invite_view(request, pk: int):
    def invite(organisation):
        form = InvitationForm(request.POST)
        if not form.is_valid():
            errors = " ".join(
                str(error) for field in form.errors.values() for error in field
            )
            messages.error(request, errors)
            return ""
        members.invitation_create(
            organisation=organisation,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            make_administrator=form.cleaned_data["make_administrator"],
            actor=request.user,
        )
        return _("Uitnodiging verstuurd naar %(email)s.") % {
            "email": form.cleaned_data["email"]
        }

    return _people_action(request, pk, invite)


@login_required
@require_POST
def withdraw_invitation_view(request, pk: int, invitation_id: int):
    def withdraw(organisation):
        invitation = get_object_or_404(organisation.invitations, pk=invitation_id)
        members.invitation_withdraw(invitation=invitation, actor=request.user)
        return _("Uitnodiging ingetrokken.")

    return _people_action(request, pk, withdraw)


@login_required
@require_POST
def set_role_view(request, pk: int, user_id: int):
    def set_role(organisation):
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Kies een rol: ondertekenaar of medewerker."))
            return ""
        user = _member_user(organisation, user_id)
        released = members.member_set_role(
            organisation=organisation,
            user=user,
            role=form.cleaned_data["role"],
            actor=request.user,
        )
        message = _("Rol van %(name)s gewijzigd.") % {
            "name": user.get_full_name() or user.get_username()
        }
        if released:
            message += " " + _(
                "%(count)s taak of taken terug in de wachtrij van de organisatie."
            ) % {"count": len(released)}
        return message

    return _people_action(request, pk, set_role)


@login_required
@require_POST
def set_administrator_view(request, pk: int, user_id: int):
    def set_administrator(organisation):
        user = _member_user(organisation, user_id)
        members.administrator_set(
            organisation=organisation,
            user=user,
            is_administrator=request.POST.get("administrator") == "1",
            actor=request.user,
        )
        return _("Beheerrecht van %(name)s gewijzigd.") % {
            "name": user.get_full_name() or user.get_username()
        }

    return _people_action(request, pk, set_administrator)


@login_required
@require_POST
def remove_view(request, pk: int, user_id: int):
    def remove(organisation):
        form = RemoveForm(request.POST)
        form.is_valid()
        user = _member_user(organisation, user_id)
        released = members.member_remove(
            organisation=organisation,
            user=user,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        message = _("%(name)s hoort niet meer bij de organisatie.") % {
            "name": user.get_full_name() or user.get_username()
        }
        if released:
            message += " " + _(
                "%(count)s taak of taken terug in de wachtrij van de organisatie."
            ) % {"count": len(released)}
        return message

    return _people_action(request, pk, remove)


# --- Notification preferences ------------------------------------------------------------


@login_required
def notification_preferences_view(request):
    current = notification_preferences.preferences_of(request.user)
    form = NotificationPreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        for kind in NotificationKind.values:
            if kind in form.changed_data:
                notification_preferences.preference_set(
                    user=request.user, kind=kind, delivery=form.cleaned_data[kind]
                )
        messages.success(request, _("Uw meldingsvoorkeuren zijn bewaard."))
        return HttpResponseRedirect(reverse("accounts:notification-preferences"))
    return render(request, "accounts/notification_preferences.html", {"form": form})


@csrf_exempt
def unsubscribe_view(request, token: str):
    """The link in a mail: no login; the signed token names the person and the kind.
    GET asks (mail scanners open links), POST applies; a mail client's one-click
    unsubscribe (RFC 8058) posts without a session, hence no CSRF token here."""
    found = notification_preferences.unsubscribe_read(token)
    if found is None:
        return render(
            request,
            "accounts/unsubscribe.html",
            {"invalid": True},
            status=404,
        )
    user, kind = found
    done = False
    if request.method == "POST":
        notification_preferences.preference_set(user=user, kind=kind, delivery="in_app")
        done = True
    return render(
        request,
        "accounts/unsubscribe.html",
        {"kind_label": NotificationKind(kind).label, "done": done},
    )
