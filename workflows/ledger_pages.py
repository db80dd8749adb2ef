"""The bottleneck lifecycle and the commitment ledger on the location page: the
ledger panel ("Afsprakenregister"), and a small form page for each step (Melden als
opgelost, Bevestigen, Teruggeven, Heropenen; Melden als nagekomen, Bevestigen,
Betwisten, Laten vervallen, Termijn verlengen). Each page calls the same step as the
API (`workflows.ledger`); the services decide who may and what is possible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from casework import services as casework
from casework.access import access_bottleneck, access_commitment
from casework.constants import LocationPerm, VersionStatus
from casework.limits import TEXT_MAX
from casework.models import Commitment, Location
from casework.panels import LocationPanel
from casework.validation import (
    DATE_INPUT_ATTRS,
    limit_error_message,
    validate_date_in_window,
)
from evidence.forms import add_evidence_field, evidence_error_message
from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

from . import ledger

FORM_TEMPLATE = "casework/location_form.html"


@dataclass(frozen=True)
class Step:
    """One step of a page: its title, button, the text field it asks for (and
    whether it is required), and what it does."""

    name: str
    title: Any
    intro: Any
    text_label: Any
    text_required: bool
    done: Any
    run: Callable[..., Any]
    evidence: bool = False
    due_date: bool = False
    # The button on the location page, if shorter than the title.
    button: Any = None

    @property
    def label(self) -> str:
        return str(self.button or self.title)


def _text(data: dict) -> str:
    return data.get("text", "")


BOTTLENECK_STEPS = {
    "resolve": Step(
        "resolve",
        _("Melden als opgelost"),
        _(
            "Beschrijf hoe het knelpunt is opgelost en voeg bewijs toe. De "
            "procesregisseur bevestigt de oplossing of geeft haar terug."
        ),
        _("Hoe is het knelpunt opgelost?"),
        True,
        _("Het knelpunt is opgelost gemeld."),
        lambda bottleneck, user, data: ledger.bottleneck_resolve(
            bottleneck=bottleneck,
            actor=user,
            resolution=_text(data),
            evidence=data.get("evidence", []),
        ),
        evidence=True,
    ),
    "confirm": Step(
        "confirm",
        _("Oplossing bevestigen"),
        _("Het knelpunt is daarmee opgelost."),
        _("Toelichting"),
        False,
        _("Het knelpunt is opgelost."),
        lambda bottleneck, user, data: casework.bottleneck_confirm(
            bottleneck=bottleneck, actor=user, note=_text(data)
        ),
        button=_("Bevestigen"),
    ),
    "return": Step(
        "return",
        _("Oplossing teruggeven"),
        _("De eigenaar gaat weer aan de slag; de termijn loopt weer."),
        _("Wat ontbreekt er nog?"),
        True,
        _("De oplossing is teruggegeven aan de eigenaar."),
        lambda bottleneck, user, data: ledger.bottleneck_send_back(
            bottleneck=bottleneck, actor=user, note=_text(data)
        ),
        button=_("Teruggeven"),
    ),
    "reopen": Step(
        "reopen",
        _("Knelpunt heropenen"),
        _("Het knelpunt staat weer open; de termijn loopt weer."),
        _("Waarom is het knelpunt terug?"),
        True,
        _("Het knelpunt is heropend."),
        lambda bottleneck, user, data: ledger.bottleneck_send_back(
            bottleneck=bottleneck, actor=user, note=_text(data)
        ),
        button=_("Heropenen"),
    ),
}

COMMITMENT_STEPS = {
    "report": Step(
        "report",
        _("Melden als nagekomen"),
        _(
            "Beschrijf hoe uw organisatie de afspraak is nagekomen en voeg bewijs "
            "toe. De partijen die op de afspraak wachten bevestigen of betwisten het."
        ),
        _("Hoe is de afspraak nagekomen?"),
        True,
        _("De afspraak is nagekomen gemeld."),
        lambda commitment, user, data: ledger.commitment_report(
            commitment=commitment,
            actor=user,
            report=_text(data),
            evidence=data.get("evidence", []),
        ),
        evidence=True,
    ),
    "confirm": Step(
        "confirm",
        _("Nakoming bevestigen"),
        _("De afspraak is daarmee nagekomen."),
        _("Toelichting"),
        False,
        _("De nakoming is bevestigd."),
        lambda commitment, user, data: ledger.commitment_confirm(
            commitment=commitment, actor=user, note=_text(data)
        ),
        button=_("Bevestigen"),
    ),
    "dispute": Step(
        "dispute",
        _("Nakoming betwisten"),
        _(
            "De eigenaar gaat weer aan de slag; tot de nakoming is bevestigd staat "
            "er een impassesignaal."
        ),
        _("Waarom is de afspraak niet nagekomen?"),
        True,
        _("De nakoming is betwist."),
        lambda commitment, user, data: ledger.commitment_dispute(
            commitment=commitment, actor=user, reason=_text(data)
        ),
        button=_("Betwisten"),
    ),
    "waive": Step(
        "waive",
        _("Laten vervallen"),
        _("Niemand wacht dan nog op deze afspraak."),
        _("Reden"),
        True,
        _("De afspraak is vervallen."),
        lambda commitment, user, data: ledger.commitment_waive(
            commitment=commitment, actor=user, reason=_text(data)
        ),
    ),
    "extend": Step(
        "extend",
        _("Termijn verlengen"),
        _(
            "De verlenging wordt naast de vastgestelde overeenkomst vastgelegd; de "
            "tekst en de hash van de overeenkomst blijven gelijk."
        ),
        _("Reden"),
        True,
        _("De termijn is verlengd."),
        lambda commitment, user, data: ledger.commitment_extend(
            commitment=commitment,
            actor=user,
            due_date=data.get("due_date"),
            reason=_text(data),
        ),
        due_date=True,
    ),
}

# The steps' addresses: (kind, step) → (path segment, url name).
SLUGS = {
    "resolve": "oplossen",
    "confirm": "bevestigen",
    "return": "teruggeven",
    "reopen": "heropenen",
    "report": "melden",
    "dispute": "betwisten",
    "waive": "laten-vervallen",
    "extend": "verlengen",
}


def step_form(step: Step, *, user, location: Location, data=None) -> forms.Form:
    form = forms.Form(data)
    if step.due_date:
        form.fields["due_date"] = forms.DateField(
            label=_("Nieuwe uiterste datum"),
            validators=[validate_date_in_window],
            widget=forms.DateInput(attrs=DATE_INPUT_ATTRS),
        )
    form.fields["text"] = forms.CharField(
        label=step.text_label,
        required=step.text_required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    if step.evidence:
        add_evidence_field(form, user=user, location=location)
    return form


class _StepView(LoginRequiredMixin, View):
    steps: dict[str, Step]
    step_name = ""
    anchor = ""

    def subject(self, request, pk: int):  # pragma: no cover - subclasses
        raise NotImplementedError

    def location_of(self, subject) -> Location:  # pragma: no cover - subclasses
        raise NotImplementedError

    def allowed(self, request, subject) -> bool:  # pragma: no cover - subclasses
        raise NotImplementedError

    def setup_step(self, request, pk: int):
        try:
            subject = self.subject(request, pk)
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        if not self.allowed(request, subject):
            raise PermissionDenied(_("U kunt deze stap hier niet zetten."))
        return subject, self.steps[self.step_name]

    def render_form(self, request, subject, step: Step, form):
        return render(
            request,
            FORM_TEMPLATE,
            {
                "location": self.location_of(subject),
                "form": form,
                "title": step.title,
                "intro": step.intro,
                "subject": subject,
                "submit_label": step.title,
            },
        )

    def get(self, request, pk: int):
        subject, step = self.setup_step(request, pk)
        form = step_form(step, user=request.user, location=self.location_of(subject))
        return self.render_form(request, subject, step, form)

    def post(self, request, pk: int):
        subject, step = self.setup_step(request, pk)
        location = self.location_of(subject)
        form = step_form(step, user=request.user, location=location, data=request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    step.run(subject, request.user, form.cleaned_data)
            except NotPermitted as exc:
                raise PermissionDenied(exc.message) from exc
            except (InvalidInput, Conflict) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, step.done)
                return HttpResponseRedirect(
                    reverse("locations:detail", args=[location.pk]) + self.anchor
                )
        else:
            message = limit_error_message(form) or evidence_error_message(form)
            if message:
                form.add_error(None, message)
        return self.render_form(request, subject, step, form)


class BottleneckStepView(_StepView):
    steps = BOTTLENECK_STEPS
    anchor = "#knelpunten"

    def subject(self, request, pk: int):
        return access_bottleneck(request.user, pk)

    def location_of(self, subject) -> Location:
        return subject.location

    def allowed(self, request, subject) -> bool:
        return self.step_name in casework.bottleneck_steps(
            subject,
            manages=has_object_perm(
                request.user, LocationPerm.MANAGE, subject.location
            ),
            organisation_ids=casework.member_organisation_ids(request.user),
        )


class CommitmentStepView(_StepView):
    steps = COMMITMENT_STEPS
    anchor = "#afsprakenregister"

    def subject(self, request, pk: int):
        return access_commitment(request.user, pk)

    def location_of(self, subject) -> Location:
        return subject.version.agreement.location

    def allowed(self, request, subject) -> bool:
        if subject.version.status != VersionStatus.CONCLUDED:
            return False
        return self.step_name in casework.commitment_steps(
            subject,
            manages=has_object_perm(
                request.user, LocationPerm.MANAGE, self.location_of(subject)
            ),
            organisation_ids=casework.member_organisation_ids(request.user),
            dependant_organisation_ids=casework.dependent_organisation_ids(subject),
        )


def step_path(kind: str, name: str) -> URLPattern:
    """The page of step `name` of a `kind` (bottleneck, commitment):
    `workflow:bottleneck_resolve` at `knelpunten/<pk>/oplossen/`."""
    view, prefix = (
        (BottleneckStepView, "knelpunten")
        if kind == "bottleneck"
        else (CommitmentStepView, "afspraken")
    )
    return path(
        f"{prefix}/<int:pk>/{SLUGS[name]}/",
        view.as_view(step_name=name),
        name=f"{kind}_{name}",
    )


# --- The ledger panel ---------------------------------------------------------------


@dataclass
class LedgerRow:
    commitment: Commitment
    steps: list[dict[str, str]]
    waits_on: list[Commitment]


def ledger_context(request, location: Location) -> dict | None:
    """The commitments of the location's concluded agreements, per agreement, with
    the steps the reader may take. A fixed number of queries (the commitments, their
    dependencies both ways, the reader's organisations)."""
    commitments = list(
        Commitment.objects.filter(
            version__agreement__location=location,
            version__status=VersionStatus.CONCLUDED,
        )
        .select_related("owner__organisation", "version__agreement")
        .prefetch_related(
            Prefetch(
                "dependants",
                queryset=Commitment.objects.select_related("owner").only(
                    "id", "owner__organisation_id"
                ),
                to_attr="waiting",
            ),
            Prefetch(
                "depends_on", queryset=Commitment.objects.only("id", "description")
            ),
        )
        .order_by("version__agreement__kind", "version__number", "pk")
    )
    if not commitments:
        return None
    user = request.user
    manages = has_object_perm(user, LocationPerm.MANAGE, location)
    organisation_ids = casework.member_organisation_ids(user)
    rows = []
    for commitment in commitments:
        steps = casework.commitment_steps(
            commitment,
            manages=manages,
            organisation_ids=organisation_ids,
            dependant_organisation_ids={
                c.owner.organisation_id for c in commitment.waiting
            },
        )
        rows.append(
            LedgerRow(
                commitment=commitment,
                steps=[
                    {
                        "label": COMMITMENT_STEPS[name].label,
                        "url": reverse(
                            f"workflow:commitment_{name}", args=[commitment.pk]
                        ),
                    }
                    for name in steps
                ],
                waits_on=list(commitment.depends_on.all()),
            )
        )
    return {"rows": rows}


def bottleneck_links(request, location: Location, bottlenecks: list) -> None:
    """The lifecycle's buttons next to each bottleneck of the agenda (casework's
    hook, `casework.panels.register_bottleneck_links`): one query, the reader's
    organisations."""
    manages = has_object_perm(request.user, LocationPerm.MANAGE, location)
    organisation_ids = casework.member_organisation_ids(request.user)
    for bottleneck in bottlenecks:
        bottleneck.links += [
            {
                "label": BOTTLENECK_STEPS[name].label,
                "url": reverse(f"workflow:bottleneck_{name}", args=[bottleneck.pk]),
            }
            for name in casework.bottleneck_steps(
                bottleneck, manages=manages, organisation_ids=organisation_ids
            )
        ]


LEDGER_PANEL = LocationPanel(
    name="ledger",
    template_name="workflows/ledger_panel.html",
    context=ledger_context,
    order=16,
)
