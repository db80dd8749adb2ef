"""'Who holds the ball' on the location page, and opening an action from there.

The section is a panel (`casework.panels`) that this app registers when it starts:
casework renders it without importing anything from workflows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views import View

from casework import services as casework
from casework.access import access_location
from casework.audience import reads_internal
from casework.constants import (
    AGREEMENT_KIND_FOR_STAGE,
    BottleneckStatus,
    LocationPerm,
    Stage,
)
from casework.models import Location
from casework.panels import LocationPanel
from casework.selectors import location_agenda
from casework.validation import (
    limit_error_message,
)
from documents.constants import INTERNAL_KINDS, DocumentKind
from documents.dossier_sections import DossierSection
from documents.models import Document
from evidence.forms import add_evidence_field, evidence_error_message
from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

from . import presenters, services
from .forms import ActionStartForm, DesignationNoticeForm, DesignationViewForm

CLOSED_STAGES = (Stage.DESIGNATED, Stage.WITHDRAWN)


def _open_bottlenecks(location: Location):
    return location.bottlenecks.exclude(status=BottleneckStatus.RESOLVED).order_by(
        "created_at", "pk"
    )


def may_start_action(user, location: Location) -> bool:
    return location.stage not in CLOSED_STAGES and has_object_perm(
        user, LocationPerm.MANAGE, location
    )


def panel_context(request, location: Location) -> dict:
    context = {
        "work": presenters.location_work(location),
        "action_form": None,
        "agreement_kind": agreement_to_draft(request.user, location),
    }
    if may_start_action(request.user, location):
        bottlenecks = [
            bottleneck
            for bottleneck in location_agenda(location)
            if bottleneck.status != BottleneckStatus.RESOLVED
        ]
        if bottlenecks:
            context["action_form"] = ActionStartForm(
                location=location, bottlenecks=bottlenecks
            )
        context["may_start_action"] = True
    return context


PANEL = LocationPanel(
    name="work",
    template_name="workflows/location_work.html",
    context=panel_context,
    order=10,
)


# --- The same section in the location dossier (PDF) ------------------------------------


def dossier_work_context(location: Location) -> dict:
    """'Who holds the ball' for the dossier: the page panel's selector, without the
    forms and links of the page."""
    return {"work": presenters.location_work(location)}


def dossier_work_data(context: dict) -> dict:
    work = context["work"]
    return {
        "rounds": [
            {
                "version": round_.version.pk,
                "parties": [
                    [
                        party.organisation_id,
                        party.decision,
                        party.claimed_by,
                        party.due.isoformat() if party.due else None,
                        party.overdue,
                    ]
                    for party in round_.parties
                ],
            }
            for round_ in work.rounds
        ],
        "revisions": [row.task.pk for row in work.revisions],
        "actions": [
            [
                item.action.pk,
                item.action.status,
                item.ball_with,
                item.due.isoformat(),
                item.overdue,
            ]
            for item in work.actions
        ],
        # The ledger's commitments that wait on someone (reported: the parties they
        # were made to; disputed or late: the owner), as the page's table.
        "ledger": [
            [
                ball.commitment.pk,
                ball.commitment.status,
                ball.ball_with,
                ball.due.isoformat(),
                ball.overdue,
            ]
            for ball in work.ledger
        ],
    }


DOSSIER_SECTION = DossierSection(
    name="work",
    template_name="workflows/location_work_dossier.html",
    context=dossier_work_context,
    data=dossier_work_data,
    order=10,
)


class ActionStartView(LoginRequiredMixin, View):
    """The case manager puts an action on the breakthrough agenda (a flow starts)."""

    http_method_names = ["post"]

    def post(self, request, location_pk: int):
        back = reverse("locations:detail", args=[location_pk]) + "#aan-zet"
        try:
            location = access_location(request.user, location_pk)
            if not may_start_action(request.user, location):
                raise NotPermitted(_("Alleen de procesregisseur zet acties uit."))
            bottlenecks = list(_open_bottlenecks(location))
            form = ActionStartForm(
                request.POST, location=location, bottlenecks=bottlenecks
            )
            if not form.is_valid():
                raise InvalidInput(
                    limit_error_message(form)
                    or str(
                        _(
                            "Kies een knelpunt en een partij, omschrijf de actie en "
                            "geef een uiterste datum."
                        )
                    )
                )
            data = form.cleaned_data
            bottleneck = next(b for b in bottlenecks if b.pk == data["bottleneck"])
            party = location.parties.select_related("organisation").get(
                organisation_id=data["party"]
            )
            services.action_start(
                bottleneck=bottleneck,
                actor=request.user,
                assignee=party,
                description=data["description"],
                due_on=data["due_on"],
            )
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("De actie is uitgezet bij %(organisation)s.")
                % {"organisation": party.organisation.name},
            )
        return HttpResponseRedirect(back)


def agreement_to_draft(user, location: Location) -> str | None:
    """The kind of agreement the case manager can draft and submit now, if any."""
    kind = AGREEMENT_KIND_FOR_STAGE.get(location.stage)
    if kind is None or not has_object_perm(user, LocationPerm.MANAGE, location):
        return None
    return kind


def _view_form(user, location: Location, data=None) -> DesignationViewForm:
    """The form for a view, offering the evidence `user` added at the location."""
    form = DesignationViewForm(data)
    add_evidence_field(form, user=user, location=location)
    return form


def escalation_panel_context(request, location: Location) -> dict | None:
    """What everyone who sees the location learns of its escalation (the stage, the
    consultation, the designation procedure, the views, the documents meant for
    them) and what only the ministry and case managers see (the evidence dossier,
    the impasse signals, the open tasks, the internal deliberation)."""
    facts = presenters.escalation_facts(location)
    if facts.escalation is None:
        return None
    user = request.user
    internal = reads_internal(user, location)
    documents = Document.objects.filter(
        location=location,
        kind__in=[
            DocumentKind.EVIDENCE_DOSSIER,
            DocumentKind.DRAFT_DESIGNATION,
            DocumentKind.FINAL_DESIGNATION,
        ],
        created_at__gte=facts.escalation.opened_at,
    )
    if not internal:
        documents = documents.exclude(kind__in=INTERNAL_KINDS)
    documents = list(documents.order_by("created_at", "id"))
    may_record_view = (
        internal
        and facts.accepts_views
        and location.stage == Stage.DESIGNATION_PROCEDURE
    )
    may_record_notice = (
        facts.awaiting_notice
        and location.stage == Stage.DESIGNATION_PROCEDURE
        and facts.designation is not None
        and bool(facts.designation.draft_sha256)
        and has_object_perm(user, LocationPerm.DIRECT, location)
    )
    # The branch's documents are background jobs: until one is frozen, the page says
    # it is being made.
    being_made: list[dict] = []
    escalation = facts.escalation
    if internal and escalation.closed_at is None and not escalation.dossier_sha256:
        being_made.append({"title": _("Bewijsdossier")})
    designation = facts.designation
    if (
        designation is not None
        and designation.closed_at is None
        and not designation.draft_sha256
    ):
        being_made.append({"title": _("Ontwerp-aanwijzingsbesluit")})
    if designation is not None and designation.decision_pending:
        # Its download says "wordt gemaakt…" (202) until the job has frozen it.
        being_made.append(
            {
                "title": _("Aanwijzingsbesluit"),
                "url": reverse("designation-decision", args=[location.pk]),
            }
        )
    return {
        "facts": facts,
        "internal": internal,
        "documents": documents,
        "being_made": being_made,
        "open_tasks": presenters.describe_tasks(facts.open_tasks) if internal else [],
        "view_form": _view_form(user, location) if may_record_view else None,
        "notice_form": DesignationNoticeForm() if may_record_notice else None,
        "location": location,
    }


ESCALATION_PANEL = LocationPanel(
    name="escalation",
    template_name="workflows/escalation_panel.html",
    context=escalation_panel_context,
    order=5,
)


class DesignationViewCreateView(LoginRequiredMixin, View):
    """A case manager or the ministry records a view on the draft designation."""

    http_method_names = ["post"]

    def post(self, request, location_pk: int):
        back = reverse("locations:detail", args=[location_pk]) + "#escalatie"
        try:
            location = access_location(request.user, location_pk)
            form = _view_form(request.user, location, request.POST)
            if not form.is_valid():
                raise InvalidInput(
                    limit_error_message(form)
                    or evidence_error_message(form)
                    or str(_("Geef de indiener, de datum en een samenvatting."))
                )
            services.designation_view_record(
                location=location, actor=request.user, **form.cleaned_data
            )
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De zienswijze is vastgelegd."))
        return HttpResponseRedirect(back)


class DesignationNoticeCreateView(LoginRequiredMixin, View):
    """The ministry records the notice of the draft designation decision: the
    consultation period starts and its end is computed (Algemene termijnenwet)."""

    http_method_names = ["post"]

    def post(self, request, location_pk: int):
        back = reverse("locations:detail", args=[location_pk]) + "#escalatie"
        try:
            location = access_location(request.user, location_pk)
            form = DesignationNoticeForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(
                    limit_error_message(form)
                    or str(
                        _(
                            "Geef waar en wanneer de kennisgeving is gepubliceerd, de "
                            "vindplaats en de dag van terinzagelegging."
                        )
                    )
                )
            designation = casework.designation_record_notice(
                location=location, actor=request.user, **form.cleaned_data
            )
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "De kennisgeving is vastgelegd. Zienswijzen kunnen worden "
                    "ingediend van %(start)s tot en met %(end)s."
                )
                % {
                    "start": date_format(designation.consultation_starts_on, "j F Y"),
                    "end": date_format(designation.consultation_ends_on, "j F Y"),
                },
            )
        return HttpResponseRedirect(back)
