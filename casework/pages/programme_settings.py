"""A programme's settings page (`/programmas/<slug>/instellingen/`): the terms,
escalation, breakthrough rule and targets of one programme, edited by its programme
administrator (a grant on the programme) or a superuser. Every change goes through
`casework.programmes.programme_update` (checked, validated, audited with the reason).

A programme the person reads nothing of is a 404; one they read but do not
administer is a 403.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from permissions.constants import OrganisationKind
from permissions.errors import InvalidInput, NotPermitted
from permissions.models import Organisation

from .. import access
from ..limits import TEXT_MAX
from ..models import Programme
from ..programmes import SETTINGS_FIELDS, programme_update

TEMPLATE = "casework/programme_settings.html"


class RungsField(forms.CharField):
    """The escalation ladder: one rung a line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(rung) for rung in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ProgrammeSettingsForm(forms.ModelForm):
    escalation_rungs = RungsField(
        label=gettext_lazy("Escalatieladder"),
        required=False,
        help_text=gettext_lazy("Eén trede per regel, van eerste tot laatste."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reden van de wijziging"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Programme
        fields = list(SETTINGS_FIELDS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_programma_%s")
        super().__init__(*args, **kwargs)
        authority = self.fields["escalating_authority"]
        authority.queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=OrganisationKind.PROVINCE
        ).order_by("name")
        authority.empty_label = _("Het Rijk (het ministerie)")  # type: ignore[attr-defined]

    def _post_clean(self):
        # The model is validated and saved by `programme_update`, not by the form.
        pass


def _programme(request, slug: str) -> Programme:
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None or not (
        access.administers_programme(request.user, programme)
        or access.reads_programme(request.user, programme)
    ):
        raise Http404(_("Dit programma bestaat niet."))
    if not access.administers_programme(request.user, programme):
        raise PermissionDenied(_("U beheert de instellingen van dit programma niet."))
    return programme


class ProgrammeSettingsView(LoginRequiredMixin, View):
    def _render(self, request, programme, form, status=200):
        return render(
            request,
            TEMPLATE,
            {"programme": programme, "form": form},
            status=status,
        )

    def get(self, request, slug: str):
        programme = _programme(request, slug)
        return self._render(
            request, programme, ProgrammeSettingsForm(instance=programme)
        )

    def post(self, request, slug: str):
        programme = _programme(request, slug)
        form = ProgrammeSettingsForm(
            request.POST, instance=Programme.objects.get(pk=programme.pk)
        )
        if not form.is_valid():
            return self._render(request, programme, form, status=400)
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            programme_update(
                programme=programme, actor=request.user, reason=reason, **data
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except InvalidInput as exc:
            form.add_error(None, exc.message)
            return self._render(request, programme, form, status=400)
        messages.success(
            request, _("De instellingen van het programma zijn opgeslagen.")
        )
        return HttpResponseRedirect(
            reverse("programme-settings", args=[programme.slug])
        )
