"""Forms of the location steps in the interface (casework/pages/locations.py).

Each form only shapes input: the limits and rules are the services' (a form's limits
are the same numbers, so that a person learns what is wrong before anything is sent).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from permissions.models import Organisation

from .constants import PartyRole, Province
from .limits import SHORT_TEXT_MAX, TEXT_MAX
from .models import Location, Programme

CRITERIA_FIELDS = (
    "land_positions",
    "planning_status",
    "market_involvement",
    "financial_prospect",
)

CRITERIA_HELP = {
    "land_positions": _("Wie heeft de grond in bezit, en is die beschikbaar?"),
    "planning_status": _("Hoe ver is het omgevingsplan of het projectbesluit?"),
    "market_involvement": _(
        "Welke ontwikkelaars, corporaties en beleggers doen mee, en hoe?"
    ),
    "financial_prospect": _("Is er uitzicht op dekking van de kosten, en waarmee?"),
}


class CriteriaForm(forms.Form):
    """The four selection criteria of the announcement: `select` needs all four."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CRITERIA_FIELDS:
            self.fields[name] = forms.CharField(
                label=str(Location._meta.get_field(name).verbose_name).capitalize(),
                max_length=TEXT_MAX,
                help_text=CRITERIA_HELP[name],
                widget=forms.Textarea(attrs={"rows": 3}),
            )


class FactsForm(forms.Form):
    """The facts of a location a case manager or the ministry may correct."""

    municipality = forms.CharField(
        label=_("Gemeente(n)"),
        max_length=SHORT_TEXT_MAX,
        help_text=_("Meerdere gemeenten gescheiden door ‘; ’."),
    )
    province = forms.ChoiceField(label=_("Provincie"), choices=Province.choices)
    planned_homes = forms.IntegerField(
        label=_("Geplande woningen"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        help_text=_("Leeg laten als het aantal niet bekend is."),
    )
    planned_homes_note = forms.CharField(
        label=_("Toelichting bij het aantal woningen"),
        required=False,
        max_length=SHORT_TEXT_MAX,
        help_text=_("Bijvoorbeeld ‘circa’, of waar het getal vandaan komt."),
    )
    share_social_rent = forms.IntegerField(
        label=_("Aandeel sociale huur (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Leeg laten als het niet bekend is. De norm is 30%."),
    )
    share_mid_rent = forms.IntegerField(
        label=_("Aandeel middenhuur / betaalbare koop (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Leeg laten als het niet bekend is. De norm is 40%."),
    )

    @classmethod
    def initial_for(cls, location: Location) -> dict:
        return {name: getattr(location, name) for name in cls.base_fields}


class LocationCreateForm(FactsForm):
    """A new location, proposed for a programme."""

    field_order = ["programme", "name", "municipality", "province"]

    programme = forms.ModelChoiceField(
        label=_("Programma"),
        queryset=Programme.objects.order_by("name"),
        empty_label=None,
    )
    name = forms.CharField(label=_("Naam"), max_length=SHORT_TEXT_MAX)

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is not None:
            # The programmes the person proposes in (a programme role: theirs only).
            self.fields["programme"].queryset = programmes.order_by("name")  # type: ignore[attr-defined]


class PartyAddForm(forms.Form):
    """An organisation joins a location as a party."""

    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.none(),
        empty_label=_("Kies een organisatie"),
    )
    role = forms.ChoiceField(label=_("Rol"), choices=PartyRole.choices)

    def __init__(self, *args, location: Location, **kwargs):
        kwargs.setdefault("auto_id", "id_partij_%s")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            pk__in=location.parties.values("organisation_id")
        ).order_by("name")


class PartyRemoveForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
