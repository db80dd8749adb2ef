"""Task pages: what the task is about, what the decision means, and a form.

Each view validates the form, calls the same function the API calls
(`workflows.services`), and lets viewflow move on. A domain error becomes a message on
the form; nothing is half done.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from viewflow.workflow.flow.views.mixins import TaskSuccessUrlMixin

from casework import services as casework
from casework.models import Decision
from permissions.errors import DomainError

from . import services
from .deadlines import task_due
from .nodes import task_organisation


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Toelichting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
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

    def perform(self, form) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activation = self.request.activation
        context["task"] = activation.task
        context["process"] = activation.process
        if "due" in activation.task.data:
            context["due"] = task_due(activation.task)
        return context


class ApprovalTaskView(TaskView):
    template_name = "workflows/approval_task.html"
    form_class = DecisionForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.request.activation.process.version
        organisation = task_organisation(self.request.activation.task)
        commitments = version.commitments.select_related(
            "owner__organisation"
        ).order_by("owner__organisation__name", "due_date", "id")
        context.update(
            version=version,
            agreement=version.agreement,
            location=version.agreement.location,
            organisation=organisation,
            commitments=commitments,
            approvals=version.approvals.select_related("organisation", "decided_by"),
            concludes=version.agreement.kind,
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
        label=_("Afspraak"), widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(
        label=_("Uiterste datum"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = list(parties)


class ReviseForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=300)
    text = forms.CharField(label=_("Tekst"), widget=forms.Textarea(attrs={"rows": 8}))


CommitmentFormSet = forms.formset_factory(CommitmentForm, extra=1, can_delete=True)


class ReviseTaskView(TaskView):
    """The case manager revises a rejected version; submitting it opens a new round."""

    template_name = "workflows/revise_task.html"
    form_class = ReviseForm

    def rejected_version(self):
        return self.request.activation.process.version

    def get_initial(self):
        version = self.rejected_version()
        return {"title": version.agreement.title, "text": version.text}

    def get_formset(self):
        version = self.rejected_version()
        location = version.agreement.location
        parties = [
            (party.organisation_id, party.organisation.name)
            for party in location.parties.select_related("organisation")
        ]
        initial = [
            {
                "party": commitment.owner.organisation_id,
                "description": commitment.description,
                "due_date": commitment.due_date,
            }
            for commitment in version.commitments.select_related("owner")
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
        version = self.rejected_version()
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
            draft = casework.agreement_draft(
                location=version.agreement.location,
                actor=self.request.user,
                kind=version.agreement.kind,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                commitments=commitments,
            )
            services.approval_round_submit(version=draft, actor=self.request.user)
            activation = self.request.activation
            activation.task.data["revised_by_version"] = draft.pk
            activation.execute()
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset)
            )
        return HttpResponseRedirect(self.get_success_url())


class ActionReportForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Melding"),
        choices=[("done", _("Gereed (met bewijs)")), ("help", _("Hulp nodig"))],
        widget=forms.RadioSelect,
    )
    report = forms.CharField(
        label=_("Bewijs of hulpvraag"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ActionPerformTaskView(TaskView):
    template_name = "workflows/action_task.html"
    form_class = ActionReportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = self.request.activation.process.action
        context.update(action=action, location=action.bottleneck.location)
        return context

    def perform(self, form):
        services.report_action(
            self.request.activation,
            user=self.request.user,
            outcome=form.cleaned_data["outcome"],
            report=form.cleaned_data["report"],
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
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Verplicht bij terugsturen: wat moet de partij nog doen?"),
    )


class ActionReviewTaskView(ActionPerformTaskView):
    template_name = "workflows/action_task.html"
    form_class = ActionReviewForm

    def perform(self, form):
        services.review_action(
            self.request.activation,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
