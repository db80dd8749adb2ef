"""Task pages: what the task is about, what the decision means, and a form.

Each view validates the form, calls the same function the API calls
(`workflows.services`), and lets viewflow move on. A domain error becomes a message on
the form; nothing is half done. After the task the person goes back to the inbox.
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from viewflow.workflow.flow.views.mixins import TaskSuccessUrlMixin

from casework.constants import ActionStatus
from casework.limits import (
    AGREEMENT_TEXT_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
)
from casework.models import (
    AgreementKind,
    ConsultationOutcome,
    Decision,
    Instrument,
    Location,
)
from casework.validation import DATE_INPUT_ATTRS, validate_date_in_window
from evidence.forms import add_evidence_field
from permissions.errors import DomainError

from . import selectors, services
from .nodes import task_organisation


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


class TaskView(TaskSuccessUrlMixin, FormView):
    """Base of our task pages: runs `perform(form)` and maps domain errors onto the form."""

    success_message = ""

    def perform(self, form) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return self.done()

    def done(self):
        message = self.get_success_message()
        if message:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_message(self) -> str:
        return str(self.success_message)

    def get_success_url(self):
        return reverse("workflow:inbox")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activation = self.request.activation
        task = activation.task
        context["task"] = task
        context["process"] = activation.process
        context["due"] = selectors.task_due(task)
        context["overdue"] = selectors.task_overdue(task)
        return context


class ApprovalTaskView(TaskView):
    """A signatory decides for the organisation on one agreement version."""

    template_name = "workflows/approval_task.html"
    form_class = DecisionForm

    def get_success_message(self) -> str:
        version = self.request.activation.process.version
        decision = self.request.activation.task.data.get("decision")
        label = selectors.version_label(version)
        if decision == Decision.APPROVE:
            return str(_("Uw goedkeuring van %(label)s is vastgelegd.")) % {
                "label": label
            }
        return str(_("Uw afwijzing van %(label)s is vastgelegd.")) % {"label": label}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.request.activation.process.version
        location = version.agreement.location
        organisation = task_organisation(self.request.activation.task)
        commitments = list(
            version.commitments.select_related("owner__organisation")
            .prefetch_related("depends_on__owner__organisation")
            .order_by("owner__organisation__name", "due_date", "id")
        )
        approvals = {
            approval.organisation_id: approval
            for approval in version.approvals.select_related("decided_by")
        }
        parties = list(
            location.parties.select_related("organisation").order_by(
                "organisation__name"
            )
        )
        context.update(
            version=version,
            agreement=version.agreement,
            location=location,
            organisation=organisation,
            commitments_by_party=[
                (name, list(items))
                for name, items in groupby(
                    commitments, key=lambda c: c.owner.organisation.name
                )
            ],
            decisions=[
                (
                    party.organisation,
                    approvals.get(party.organisation_id),
                    selectors.decision_label(
                        getattr(approvals.get(party.organisation_id), "decision", "")
                    ),
                )
                for party in parties
            ],
            is_heads_of_agreement=version.agreement.kind
            == AgreementKind.HEADS_OF_AGREEMENT,
        )
        return context

    def perform(self, form):
        services.decide_approval(
            self.request.activation,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )


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


class ReviseTaskView(TaskView):
    """The case manager revises a rejected version; submitting it opens a new round."""

    template_name = "workflows/revise_task.html"
    form_class = ReviseForm

    def rejected_version(self):
        if not hasattr(self, "_rejected_version"):
            self._rejected_version = self.request.activation.process.version
        return self._rejected_version

    def get_initial(self):
        version = self.rejected_version()
        return {"title": version.agreement.title, "text": version.text}

    def get_formset(self):
        version = self.rejected_version()
        location = version.agreement.location
        parties = [
            (party.organisation_id, party.organisation.name)
            for party in location.parties.select_related("organisation").order_by(
                "organisation__name"
            )
        ]
        initial = [
            {
                "party": commitment.owner.organisation_id,
                "description": commitment.description,
                "due_date": commitment.due_date,
            }
            for commitment in version.commitments.select_related("owner").order_by("id")
        ]
        return CommitmentFormSet(
            self.request.POST or None,
            initial=initial,
            prefix="commitments",
            form_kwargs={"parties": parties},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.rejected_version()
        context.update(
            version=version,
            agreement=version.agreement,
            location=version.agreement.location,
            rejections=version.approvals.filter(
                decision=Decision.REJECT
            ).select_related("organisation", "decided_by"),
            approvals=version.approvals.filter(
                decision=Decision.APPROVE
            ).select_related("organisation"),
            formset=kwargs.get("formset") or self.get_formset(),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formset = self.get_formset()
        if form.is_valid() and formset.is_valid():
            return self.form_valid(form, formset)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset)
        )

    def form_valid(self, form, formset=None):
        commitments = [
            {
                "party": item["party"],
                "description": item["description"],
                "due_date": item["due_date"],
            }
            for item in formset.cleaned_data
            if item and not item.get("DELETE")
        ]
        try:
            draft = services.revise_agreement(
                self.request.activation,
                user=self.request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                commitments=commitments,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset)
            )
        self.success_message = str(
            _(
                "Versie %(number)s is ter goedkeuring aangeboden; de partijen vinden "
                "hun besluit in hun inbox."
            )
        ) % {"number": draft.number}
        return self.done()


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


class ActionPerformTaskView(TaskView):
    """The assigned party reports the action done (with evidence) or asks for help."""

    template_name = "workflows/action_task.html"
    form_class = ActionReportForm
    is_review = False

    def action(self):
        if not hasattr(self, "_action"):
            self._action = self.request.activation.process.action
        return self._action

    def get_success_message(self) -> str:
        if self.request.activation.task.data.get("outcome") == "help":
            return str(_("Uw hulpvraag is doorgegeven aan de procesregisseur."))
        return str(_("De actie is gereed gemeld; de procesregisseur beoordeelt haar."))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = self.action()
        context.update(
            action=action,
            location=action.bottleneck.location,
            organisation=action.assignee.organisation,
            is_review=self.is_review,
            help_requested=action.status == ActionStatus.HELP_REQUESTED,
        )
        if self.is_review:
            # A review task has no deadline of its own: show the action's.
            context["due"] = action.due_on
            context["overdue"] = False
        return context

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.is_review:
            add_evidence_field(
                form, user=self.request.user, location=self.action().bottleneck.location
            )
        return form

    def perform(self, form):
        services.report_action(
            self.request.activation,
            user=self.request.user,
            outcome=form.cleaned_data["outcome"],
            report=form.cleaned_data["report"],
            evidence=form.cleaned_data.get("evidence", []),
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


class ActionReviewTaskView(ActionPerformTaskView):
    """The case manager accepts the reported action or returns it with a note."""

    form_class = ActionReviewForm
    is_review = True

    def get_success_message(self) -> str:
        if self.request.activation.task.data.get("decision") == "accept":
            return str(_("De actie is geaccepteerd en afgerond."))
        return str(_("De actie is teruggestuurd naar de partij."))

    def perform(self, form):
        services.review_action(
            self.request.activation,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )


# --- The escalation branch (workflows.escalation) -----------------------------------


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


class InterventionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            ("start_designation", _("Aanwijzingsprocedure starten")),
            ("resume_negotiation", _("Onderhandeling hervatten")),
            ("withdraw", _("Locatie afvoeren")),
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

    def clean(self):
        data = super().clean()
        if data.get("decision") == "start_designation":
            for name in ("instrument", "legal_basis", "national_interest"):
                if not (data.get(name) or "").strip():
                    self.add_error(
                        name,
                        _("Verplicht bij het starten van de aanwijzingsprocedure."),
                    )
        return data


class FinalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            ("designate", _("Aanwijzen (definitief besluit nemen)")),
            (
                "resume_negotiation",
                _("Afzien van aanwijzing: onderhandeling hervatten"),
            ),
            ("withdraw", _("Afzien van aanwijzing: locatie afvoeren")),
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

    def clean(self):
        data = super().clean()
        if (
            data.get("decision") == "designate"
            and not (data.get("response") or "").strip()
        ):
            self.add_error("response", _("Geef de reactie op de zienswijzen."))
        return data


class EscalationTaskView(TaskView):
    """Base of the task pages of the escalation branch: the escalation and (when
    there is one) the designation procedure, the documents, and what the step
    means."""

    template_name = "workflows/escalation_task.html"
    step = ""

    def get_context_data(self, **kwargs):
        from documents.constants import DocumentKind
        from documents.models import Document

        from .escalation import escalation_facts

        context = super().get_context_data(**kwargs)
        process = self.request.activation.process
        location = Location.objects.get(pk=process.data["location"])
        facts = escalation_facts(location)
        context.update(
            step=self.step,
            location=location,
            facts=facts,
            kinds=DocumentKind,
            documents=list(
                Document.objects.filter(
                    location=location,
                    kind__in=[
                        DocumentKind.EVIDENCE_DOSSIER,
                        DocumentKind.DRAFT_DESIGNATION,
                        DocumentKind.FINAL_DESIGNATION,
                    ],
                ).order_by("-created_at", "-id")
            ),
        )
        return context


class ConsultationTaskView(EscalationTaskView):
    """The case manager records the administrative consultation."""

    form_class = ConsultationForm
    step = "consult"
    success_message = _("Het bestuurlijk overleg is vastgelegd.")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        add_evidence_field(
            form,
            user=self.request.user,
            location=Location.objects.get(
                pk=self.request.activation.process.data["location"]
            ),
        )
        return form

    def perform(self, form):
        from .escalation import record_consultation

        record_consultation(
            self.request.activation, user=self.request.user, **form.cleaned_data
        )


class ResumeTaskView(EscalationTaskView):
    """After a breakthrough in the consultation the ministry resumes the negotiation."""

    form_class = ReasonForm
    step = "resume"
    success_message = _("De onderhandeling is hervat.")

    def perform(self, form):
        from .escalation import resume_negotiation

        resume_negotiation(
            self.request.activation,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class InterventionTaskView(EscalationTaskView):
    """The deadlock remains: the ministry decides on intervention."""

    form_class = InterventionForm
    step = "intervene"
    success_message = _("Uw besluit over ingrijpen is vastgelegd.")

    def perform(self, form):
        from .escalation import decide_intervention

        decide_intervention(
            self.request.activation, user=self.request.user, **form.cleaned_data
        )


class FinalDecisionTaskView(EscalationTaskView):
    """After the consultation period the ministry takes the final decision."""

    form_class = FinalDecisionForm
    step = "decide"
    success_message = _("Het besluit is genomen en vastgelegd.")

    def perform(self, form):
        from .escalation import take_final_decision

        take_final_decision(
            self.request.activation, user=self.request.user, **form.cleaned_data
        )
