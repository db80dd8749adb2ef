"""The forms of the task pages and of the workflow's sections on the location page.

Their choices and limits are the services' (`casework.limits`); the API's bodies take
their choices from here (`workflows.api`), so a page and the API accept the same.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.constants import (
    IRREVERSIBLE_TRANSITIONS,
    ConsultationOutcome,
    Decision,
    Instrument,
    NoticeJournal,
    TransitionName,
    ViewChannel,
)
from casework.limits import (
    AGREEMENT_TEXT_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
)
from casework.models import Location
from casework.validation import DATE_INPUT_ATTRS, validate_date_in_window


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Verplicht bij afwijzen: waarom, en wat er anders moet."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("decision") == Decision.REJECT
            and not data.get("comment", "").strip()
        ):
            self.add_error("comment", _("Geef bij afwijzing een toelichting."))
        return data


class CommitmentForm(forms.Form):
    party = forms.TypedChoiceField(label=_("Partij"), coerce=int)
    description = forms.CharField(
        label=_("Afspraak"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = forms.DateField(
        label=_("Uiterste datum"),
        validators=[validate_date_in_window],
        # An HTML date input only takes ISO dates, whatever the interface language.
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        # An empty first choice: an untouched extra row is left out, not refused.
        self.fields["party"].choices = [("", _("Kies een partij")), *parties]


class ReviseForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=SHORT_TEXT_MAX)
    text = forms.CharField(
        label=_("Tekst"),
        max_length=AGREEMENT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


CommitmentFormSet = forms.formset_factory(
    CommitmentForm,
    extra=1,
    can_delete=True,
    # No more rows than an agreement may have commitments; rows beyond that are not
    # even built (absolute_max), and the formset says what the maximum is.
    max_num=COMMITMENTS_PER_AGREEMENT_MAX,
    validate_max=True,
    absolute_max=COMMITMENTS_PER_AGREEMENT_MAX,
)


class ActionReportForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Melding"),
        choices=[("done", _("Gereed (met bewijs)")), ("help", _("Hulp nodig"))],
        widget=forms.RadioSelect,
    )
    report = forms.CharField(
        label=_("Bewijs of hulpvraag"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Bij gereed: wat is er gedaan en waar staat het bewijs. Bij hulp: waarmee "
            "en van wie."
        ),
    )


class ActionReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            ("accept", _("Accepteren (actie afgerond)")),
            ("return", _("Terug naar de partij")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Verplicht bij terugsturen: wat moet de partij nog doen?"),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("note", "").strip():
            self.add_error("note", _("Geef aan wat de partij nog moet doen."))
        return data


class ConsultationForm(forms.Form):
    held_on = forms.DateField(
        label=_("Datum van het overleg"),
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )
    participants = forms.CharField(
        label=_("Deelnemers"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wie namens welke organisatie aan tafel zat."),
    )
    outcome = forms.ChoiceField(
        label=_("Uitkomst"),
        choices=ConsultationOutcome.choices,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label=_("Wat is besproken"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Komt in de audittrail van de locatie; de partijen kunnen dit lezen."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Komt in de audittrail van de locatie; de partijen kunnen dit lezen."
        ),
    )


# The id of the text that says what cannot be undone (the checkbox points to it).
IRREVERSIBLE_NOTE_ID = "onomkeerbaar-gevolg"


def _confirm_field(label) -> forms.BooleanField:
    return forms.BooleanField(
        label=label,
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": IRREVERSIBLE_NOTE_ID}),
    )


class ConfirmIrreversibleMixin:
    """A decision that cannot be undone (`IRREVERSIBLE_TRANSITIONS`: withdraw,
    designate) asks for a second look, as the location page does: the person ticks
    `confirm`, or the form answers with an error on it and nothing happens. Works
    without JavaScript. `irreversible_note` says what cannot be undone."""

    irreversible_note = ""

    def check_confirmed(self, data: dict) -> None:
        decision = data.get("decision")
        if decision in IRREVERSIBLE_TRANSITIONS and not data.get("confirm"):
            self.add_error(  # type: ignore[attr-defined]
                "confirm",
                _(
                    "‘%(label)s’ kan niet ongedaan worden gemaakt. Vink aan dat u dat "
                    "begrijpt, of kies een ander besluit."
                )
                % {"label": TransitionName(decision).label},
            )


class InterventionForm(ConfirmIrreversibleMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            ("start_designation", _("Aanwijzingsprocedure starten")),
            ("resume_negotiation", _("Onderhandeling hervatten")),
            ("withdraw", _("Locatie afvoeren (kan niet worden teruggedraaid)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Komt in de audittrail van de locatie; de partijen kunnen dit lezen."
        ),
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"),
        required=False,
        choices=[("", _("Kies een instrument")), *Instrument.choices],
        help_text=_("Alleen bij het starten van de aanwijzingsprocedure."),
    )
    legal_basis = forms.CharField(
        label=_("Wettelijke grondslag"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    national_interest = forms.CharField(
        label=_("Nationaal belang"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Interne afweging"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Alleen zichtbaar voor het ministerie en de procesregisseurs, niet voor de "
            "partijen."
        ),
    )

    confirm = _confirm_field(
        _("Ik begrijp dat ‘Afvoeren’ niet ongedaan kan worden gemaakt.")
    )
    irreversible_note = _(
        "Afvoeren haalt de locatie uit het programma. Dat kan niet worden "
        "teruggedraaid: lopende taken vervallen."
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "start_designation":
            for name in ("instrument", "legal_basis", "national_interest"):
                if not (data.get(name) or "").strip():
                    self.add_error(
                        name,
                        _("Verplicht bij het starten van de aanwijzingsprocedure."),
                    )
        self.check_confirmed(data)
        return data


class FinalDecisionForm(ConfirmIrreversibleMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            (
                "designate",
                _(
                    "Aanwijzen: definitief besluit nemen (kan niet worden teruggedraaid)"
                ),
            ),
            (
                "resume_negotiation",
                _("Afzien van aanwijzing: onderhandeling hervatten"),
            ),
            (
                "withdraw",
                _(
                    "Afzien van aanwijzing: locatie afvoeren (kan niet worden "
                    "teruggedraaid)"
                ),
            ),
        ],
        widget=forms.RadioSelect,
    )
    response = forms.CharField(
        label=_("Reactie op de zienswijzen"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Verplicht bij aanwijzen: komt in het besluit, bij de zienswijzen."
        ),
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Komt in de audittrail van de locatie; de partijen kunnen dit lezen."
        ),
    )
    confirm = _confirm_field(
        _(
            "Ik begrijp dat ‘Aanwijzen’ en ‘Afvoeren’ niet ongedaan kunnen worden gemaakt."
        )
    )
    irreversible_note = _(
        "Aanwijzen is het definitieve besluit en afvoeren haalt de locatie uit het "
        "programma. Geen van beide kan worden teruggedraaid."
    )

    def __init__(self, *args, views=(), **kwargs):
        super().__init__(*args, **kwargs)
        # One answer per view: the final decision answers every view (a late one
        # too, saying why it is not taken into account).
        self.views = list(views)
        for view in self.views:
            self.fields[self.answer_field(view.pk)] = forms.CharField(
                label=_("Antwoord op de zienswijze van %(who)s")
                % {"who": view.submitted_by},
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=(
                    _("Te laat ontvangen; zeg waarom zij niet meeweegt. ")
                    if view.late
                    else ""
                )
                + view.summary[:300],
            )

    @staticmethod
    def answer_field(pk: int) -> str:
        return f"answer_{pk}"

    def answers(self) -> dict[int, str]:
        return {
            view.pk: self.cleaned_data.get(self.answer_field(view.pk), "")
            for view in self.views
        }

    def decision_fields(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "confirm" and not name.startswith("answer_")
        }

    def clean(self):
        data = super().clean()
        if data.get("decision") == "designate":
            if not (data.get("response") or "").strip():
                self.add_error("response", _("Geef de reactie op de zienswijzen."))
            for view in self.views:
                name = self.answer_field(view.pk)
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Beantwoord deze zienswijze."))
        self.check_confirmed(data)
        return data


class ActionStartForm(forms.Form):
    bottleneck = forms.TypedChoiceField(label=_("Knelpunt"), coerce=int)
    party = forms.TypedChoiceField(label=_("Partij die de actie uitvoert"), coerce=int)
    description = forms.CharField(
        label=_("Actie"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wat moet de partij doen, en wat levert zij op als bewijs?"),
    )
    due_on = forms.DateField(
        label=_("Uiterste datum"),
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )

    def __init__(self, *args, location: Location, bottlenecks, **kwargs):
        # Unique ids on a page that has other forms too.
        kwargs.setdefault("auto_id", "id_actie_%s")
        super().__init__(*args, **kwargs)
        self.fields["bottleneck"].choices = [
            (
                bottleneck.pk,
                f"{bottleneck.get_category_display()}: {bottleneck.description[:80]}",
            )
            for bottleneck in bottlenecks
        ]
        self.fields["party"].choices = [
            (party.organisation_id, party.organisation.name)
            for party in sorted(
                location.parties.all(), key=lambda party: party.organisation.name
            )
        ]


class DesignationViewForm(forms.Form):
    submitted_by = forms.CharField(
        label=_("Indiener"),
        max_length=SHORT_TEXT_MAX,
        help_text=_("Wie de zienswijze indiende (organisatie of persoon)."),
    )
    sender_address = forms.CharField(
        label=_("Adres van de indiener"),
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Het besluit wordt naar dit adres gestuurd (post- of e-mailadres)."
        ),
    )
    channel = forms.ChoiceField(
        label=_("Wijze van indienen"),
        choices=ViewChannel.choices,
        initial=ViewChannel.WRITTEN,
    )
    sent_on = forms.DateField(
        label=_("Verzonden op"),
        required=False,
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
        help_text=_(
            "Alleen bij een schriftelijke zienswijze: de datum van verzending "
            "(poststempel). Binnen de termijn verzonden en binnen een week daarna "
            "ontvangen is op tijd."
        ),
    )
    received_on = forms.DateField(
        label=_("Ontvangen op"),
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )
    summary = forms.CharField(
        label=_("Samenvatting"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_zienswijze_%s")
        super().__init__(*args, **kwargs)


class DesignationNoticeForm(forms.Form):
    """The ministry records the notice of the draft designation decision."""

    journal = forms.ChoiceField(
        label=_("Gepubliceerd in"), choices=NoticeJournal.choices
    )
    reference = forms.CharField(
        label=_("Vindplaats"),
        max_length=SHORT_TEXT_MAX,
        help_text=_("Bijvoorbeeld: Stcrt. 2026, 12345."),
    )
    published_on = forms.DateField(
        label=_("Gepubliceerd op"),
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )
    open_on = forms.DateField(
        label=_("Ter inzage gelegd op"),
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
        help_text=_(
            "De zes weken beginnen op de latere van deze dag en de dag van "
            "publicatie; het einde volgt de Algemene termijnenwet."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_kennisgeving_%s")
        super().__init__(*args, **kwargs)
