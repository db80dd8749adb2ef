from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from permissions.constants import MembershipRole

from .constants import ALWAYS_MAILED, Delivery, NotificationKind


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form; the mail leaves through the outbox job (as every mail of
    the application does), so the answer takes about as long for an address without
    an account as for one with."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.core.mail import EmailMultiAlternatives
        from django.template import loader

        from casework import jobs
        from workflows.tasks import mail_row, send_notification_mails

        subject = "".join(
            loader.render_to_string(subject_template_name, context).splitlines()
        )
        body = loader.render_to_string(email_template_name, context)
        mail = EmailMultiAlternatives(subject, body, from_email, [to_email])
        jobs.enqueue_with_transaction(send_notification_mails, [mail_row(mail)])


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Inlogcode uit uw app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"))
    role = forms.ChoiceField(label=_("Rol"), choices=MembershipRole.choices)
    make_administrator = forms.BooleanField(
        label=_("Ook beheerder van de organisatie"), required=False
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=MembershipRole.choices)


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reden"), max_length=500, required=False)


class NewAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("Gebruikersnaam"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={
            "invalid": _("Alleen letters, cijfers en de tekens @ . + - _.")
        },
    )
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Wachtwoord (nogmaals)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("De wachtwoorden zijn niet gelijk."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class NotificationPreferencesForm(forms.Form):
    """One choice per kind; the overdue notice is shown but cannot be changed."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            fixed = kind in ALWAYS_MAILED
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current[kind.value],
                widget=forms.RadioSelect,
                disabled=fixed,
                help_text=_("Een verstreken termijn krijgt u altijd direct per e-mail.")
                if fixed
                else "",
            )
