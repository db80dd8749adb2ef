"""The start of construction on the location page: a panel with the starts and the
form to record one (casework.construction)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

from . import construction
from .limits import TEXT_MAX
from .models import Location
from .panels import LocationPanel
from .selectors import access_location
from .validation import DATE_INPUT_ATTRS, limit_error_message, validate_date_in_window


class ConstructionStartForm(forms.Form):
    started_on = forms.DateField(
        label=gettext_lazy("Start bouw"),
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )
    homes_started = forms.IntegerField(
        label=gettext_lazy("Woningen in aanbouw"),
        min_value=1,
        max_value=construction.HOMES_PER_START_MAX,
    )
    note = forms.CharField(
        label=gettext_lazy("Toelichting"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_bouw_%s")
        super().__init__(*args, **kwargs)


def construction_context(request, location: Location) -> dict | None:
    """Shown from the administrative agreement on (before it there is nothing to
    build): the starts, the homes under construction, and the form."""
    if location.stage not in construction.CONSTRUCTION_STAGES:
        return None
    starts = list(construction.construction_starts(location))
    may_record = construction.may_record_construction(request.user, location)
    return {
        "starts": starts,
        "homes_under_construction": sum(start.homes_started for start in starts),
        "construction_start_year": location.programme.construction_start_year,
        "form": ConstructionStartForm() if may_record else None,
        "location": location,
    }


# Registered by `CaseworkConfig.ready()`; right after the open commitments (15).
PANEL = LocationPanel(
    name="construction",
    template_name="casework/_construction_panel.html",
    context=construction_context,
    order=20,
)


class ConstructionStartView(LoginRequiredMixin, View):
    """Record a start of construction from the location page."""

    http_method_names = ["post"]

    def post(self, request, location_pk: int):
        back = reverse("locations:detail", args=[location_pk]) + "#bouw"
        try:
            location = access_location(request.user, location_pk)
            form = ConstructionStartForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(
                    limit_error_message(form)
                    or _("Geef de startdatum en het aantal woningen in aanbouw.")
                )
            construction.construction_start_record(
                location=location, actor=request.user, **form.cleaned_data
            )
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De start van de bouw is vastgelegd."))
        return HttpResponseRedirect(back)
