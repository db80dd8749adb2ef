"""Task pages: what the task is about, what the decision means, and a form.

Each view validates its form (`workflows.forms`), calls the task's handler
(`workflows.handlers`, the same the API calls), which lets viewflow move on
(`activation.execute()`). A domain error becomes a message on the form; nothing is half
done. After the task the person goes back to the inbox.

Views stand below the flows: a flow names its views, a view never imports a flow (the
revise page starts the new round of its own flow, `activation.flow_class`).
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from viewflow.workflow.flow.views.mixins import TaskSuccessUrlMixin

from casework.constants import (
    ActionStatus,
    AgreementKind,
    Decision,
)
from casework.models import Location
from documents.constants import DocumentKind
from documents.models import Document
from evidence.forms import add_evidence_field
from permissions.errors import DomainError

from . import handlers, presenters
from .constants import CONSULT, FINAL_DECISION, INTERVENE, RESUME
from .deadlines import task_due
from .forms import (
    ActionReportForm,
    ActionReviewForm,
    CommitmentFormSet,
    ConsultationForm,
    DecisionForm,
    FinalDecisionForm,
    InterventionForm,
    ReasonForm,
    ReviseForm,
)
from .nodes import task_organisation


def task_closed_page(request, task) -> TemplateResponse:
    """A task page opened once the task is no longer open (a second tab, the back
    button, a colleague who did it first): what happened, by whom and when, and the
    way back to the work. A form sent to it changes nothing (409)."""
    return TemplateResponse(
        request,
        "workflows/task_closed.html",
        {
            "closed": presenters.closed_task(task, request.user),
            "posted": request.method == "POST",
        },
        status=409 if request.method == "POST" else 200,
    )


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
        context["due"] = task_due(task)
        context["overdue"] = presenters.task_overdue(task)
        return context


class ApprovalTaskView(TaskView):
    """A signatory decides for the organisation on one agreement version."""

    template_name = "workflows/approval_task.html"
    form_class = DecisionForm

    def get_success_message(self) -> str:
        version = self.request.activation.process.version
        decision = self.request.activation.task.data.get("decision")
        label = presenters.version_label(version)
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
                    presenters.decision_label(
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
        handlers.decide_approval(
            self.request.activation,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
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
            draft = handlers.revise_agreement(
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


class ActionPerformTaskView(TaskView):
    """The assigned party reports the action done (with evidence) or asks for help."""

    template_name = "workflows/action_task.html"
    form_class = ActionReportForm
    is_review = False

    def action(self):
        if not hasattr(self, "_action"):
            self._action = self.request.activation.process.action
        return self._action

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.is_review:
            add_evidence_field(
                form, user=self.request.user, location=self.action().bottleneck.location
            )
        return form

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

    def perform(self, form):
        handlers.report_action(
            self.request.activation,
            user=self.request.user,
            outcome=form.cleaned_data["outcome"],
            report=form.cleaned_data["report"],
            evidence=form.cleaned_data.get("evidence", []),
        )


class ActionReviewTaskView(ActionPerformTaskView):
    """The case manager accepts the reported action or returns it with a note."""

    form_class = ActionReviewForm
    is_review = True

    def get_success_message(self) -> str:
        if self.request.activation.task.data.get("decision") == "accept":
            return str(_("De actie is geaccepteerd en afgerond."))
        return str(_("De actie is teruggestuurd naar de partij."))

    def perform(self, form):
        handlers.review_action(
            self.request.activation,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )


def decision_fields(form) -> dict:
    """The decision's fields for its handler: without the page's second look
    (`confirm`, checked by the form)."""
    return {
        name: value for name, value in form.cleaned_data.items() if name != "confirm"
    }


class EscalationTaskView(TaskView):
    """Base of the task pages of the escalation branch: the escalation and (when
    there is one) the designation procedure, the documents, and what the step
    means."""

    template_name = "workflows/escalation_task.html"
    step = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        process = self.request.activation.process
        location = Location.objects.select_related("programme").get(
            pk=process.data["location"]
        )
        facts = presenters.escalation_facts(location)
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
    step = CONSULT
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
        handlers.record_consultation(
            self.request.activation, user=self.request.user, **form.cleaned_data
        )


class ResumeTaskView(EscalationTaskView):
    """After a breakthrough in the consultation the ministry resumes the negotiation."""

    form_class = ReasonForm
    step = RESUME
    success_message = _("De onderhandeling is hervat.")

    def perform(self, form):
        handlers.resume_negotiation(
            self.request.activation,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class InterventionTaskView(EscalationTaskView):
    """The deadlock remains: the ministry decides on intervention."""

    form_class = InterventionForm
    step = INTERVENE
    success_message = _("Uw besluit over ingrijpen is vastgelegd.")

    def perform(self, form):
        handlers.decide_intervention(
            self.request.activation, user=self.request.user, **decision_fields(form)
        )


class FinalDecisionTaskView(EscalationTaskView):
    """After the consultation period the ministry takes the final decision."""

    form_class = FinalDecisionForm
    step = FINAL_DECISION
    success_message = _("Het besluit is genomen en vastgelegd.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        designation = self.request.activation.process.designation
        kwargs["views"] = designation.views.order_by("received_on", "pk")
        return kwargs

    def perform(self, form):
        handlers.take_final_decision(
            self.request.activation,
            user=self.request.user,
            answers=form.answers(),
            **form.decision_fields(),
        )
