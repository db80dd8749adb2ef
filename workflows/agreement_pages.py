"""The agreement form of the case manager: draft an agreement with its reciprocal
commitments, say which commitment waits for which, keep it as a draft or submit it
(the approval round starts: one task per party), and submit a draft made earlier
(here or through the API).

One rule for the rows: a row without a description is left out, whatever else it
holds; a row with a description needs its party and due date. "Afspraak toevoegen"
adds an empty row and keeps what was typed. The writes are the API's:
`casework.services.agreement_draft`, then `workflows.services.approval_round_submit`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import RedirectView
from viewflow.urls import Application

from casework import services as casework
from casework.access import access_location, locations_visible_to
from casework.constants import LocationPerm
from casework.limits import COMMITMENTS_PER_AGREEMENT_MAX, TEXT_MAX
from casework.models import AgreementKind, AgreementVersion, Location, VersionStatus
from casework.pages.locations import location_agreement_versions
from casework.panels import LocationPanel
from casework.validation import DATE_INPUT_ATTRS, validate_date_in_window
from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

from . import services
from .location_work import agreement_to_draft
from .views import ReviseForm

PREFIX = "commitments"


class CommitmentRowForm(forms.Form):
    """One row of the agreement form: a commitment, or nothing when left empty."""

    party = forms.TypedChoiceField(
        label=gettext_lazy("Partij"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label=gettext_lazy("Afspraak"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Uiterste datum"),
        required=False,
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )
    waits_for = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Wacht op"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Kies de afspraken die eerst klaar moeten zijn voordat deze kan."
        ),
    )

    def __init__(self, *args, parties=(), rows=(), index=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.index = index
        self.number = index + 1
        self.fields["party"].choices = [("", _("Kies een partij")), *parties]
        self.fields["waits_for"].choices = [
            (other, label) for other, label in rows if other != index
        ]

    @property
    def is_empty(self) -> bool:
        return not (self.cleaned_data.get("description") or "").strip()

    def clean(self):
        data = super().clean()
        if (data.get("description") or "").strip():
            if data.get("party") is None and "party" not in self.errors:
                self.add_error("party", _("Kies de partij die dit belooft."))
            if data.get("due_date") is None and "due_date" not in self.errors:
                self.add_error("due_date", _("Geef een uiterste datum."))
        return data


class CommitmentRows(forms.BaseFormSet):
    """The rows, each knowing its number and the other rows it may wait for."""

    def __init__(self, *args, parties=(), **kwargs):
        self.parties = list(parties)
        super().__init__(*args, **kwargs)

    def row_labels(self) -> list[tuple[int, str]]:
        names = dict(self.parties)
        labels = []
        for index in range(self.total_form_count()):
            party = self._row_value(index, "party")
            try:
                name = names.get(int(party)) if party else None
            except (TypeError, ValueError):
                name = None
            label = _("Afspraak %(number)s") % {"number": index + 1}
            labels.append((index, f"{label} ({name})" if name else label))
        return labels

    def _row_value(self, index: int, name: str):
        if self.is_bound:
            return self.data.get(f"{self.prefix}-{index}-{name}")
        if index < len(self.initial or []):
            return (self.initial[index] or {}).get(name)
        return None

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs.update(
            parties=self.parties,
            rows=self.row_labels() if index is not None else [],
            index=index or 0,
        )
        return kwargs

    def commitments(self) -> list[dict]:
        """The non-empty rows as the service takes them, with `depends_on` as indexes
        among those rows. A row that waits for an empty row gets an error."""
        kept = {}
        for form in self.forms:
            if not form.is_empty:
                kept[form.index] = len(kept)
        result = []
        for form in self.forms:
            if form.is_empty:
                continue
            depends_on = []
            for other in form.cleaned_data.get("waits_for") or []:
                if other not in kept:
                    form.add_error(
                        "waits_for",
                        _(
                            "Afspraak %(other)s is leeg: een afspraak kan daar niet op "
                            "wachten."
                        )
                        % {"other": other + 1},
                    )
                    continue
                depends_on.append(kept[other])
            result.append(
                {
                    "party": form.cleaned_data["party"],
                    "description": form.cleaned_data["description"],
                    "due_date": form.cleaned_data["due_date"],
                    "depends_on": depends_on,
                }
            )
        return result


CommitmentFormSet = forms.formset_factory(
    CommitmentRowForm,
    formset=CommitmentRows,
    extra=0,
    max_num=COMMITMENTS_PER_AGREEMENT_MAX,
    validate_max=True,
    absolute_max=COMMITMENTS_PER_AGREEMENT_MAX,
)


def _parties(location: Location) -> list[tuple[int, str]]:
    return [
        (party.organisation_id, party.organisation.name)
        for party in location.parties.select_related("organisation").order_by(
            "organisation__name"
        )
    ]


def current_draft(location: Location, kind: str) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(
            agreement__location=location,
            agreement__kind=kind,
            status=VersionStatus.DRAFT,
        )
        .select_related("agreement")
        .order_by("-number")
        .first()
    )


def _initial_from_draft(draft: AgreementVersion) -> list[dict]:
    commitments = list(
        draft.commitments.select_related("owner").prefetch_related("depends_on")
    )
    commitments.sort(key=lambda commitment: commitment.pk)
    index = {commitment.pk: number for number, commitment in enumerate(commitments)}
    return [
        {
            "party": commitment.owner.organisation_id,
            "description": commitment.description,
            "due_date": commitment.due_date,
            "waits_for": sorted(index[c.pk] for c in commitment.depends_on.all()),
        }
        for commitment in commitments
    ]


def _initial_from_data(data, prefix: str = PREFIX) -> list[dict]:
    """What was typed, as the initial rows of a new, unbound form."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    total = max(0, min(total, COMMITMENTS_PER_AGREEMENT_MAX))
    rows = []
    for index in range(total):
        key = f"{prefix}-{index}-"
        waits = []
        for value in data.getlist(key + "waits_for"):
            try:
                waits.append(int(value))
            except ValueError:
                continue
        rows.append(
            {
                "party": data.get(key + "party") or None,
                "description": data.get(key + "description", ""),
                "due_date": data.get(key + "due_date") or None,
                "waits_for": waits,
            }
        )
    return rows


class AgreementFormView(LoginRequiredMixin, View):
    """Draft, keep as draft, or submit the agreement the location works towards."""

    template_name = "workflows/agreement_create.html"

    def setup_location(self, request, location_pk: int):
        try:
            location = access_location(request.user, location_pk)
        except NotVisible as exc:
            raise Http404 from exc
        if not has_object_perm(request.user, LocationPerm.MANAGE, location):
            raise PermissionDenied(
                _("Alleen de procesregisseur stelt overeenkomsten op.")
            )
        kind = agreement_to_draft(request.user, location)
        if kind is None:
            messages.error(
                request,
                _(
                    "In de fase ‘%(stage)s’ wordt geen overeenkomst opgesteld: een "
                    "hoofdlijnenakkoord in de fase ‘Onderhandeling’, een bestuurlijke "
                    "overeenkomst in de fase ‘Hoofdlijnenakkoord’."
                )
                % {"stage": location.get_stage_display()},
            )
        elif AgreementVersion.objects.filter(
            agreement__location=location,
            agreement__kind=kind,
            status__in=(VersionStatus.IN_APPROVAL, VersionStatus.CONCLUDED),
        ).exists():
            messages.error(
                request,
                _(
                    "Er loopt al een goedkeuringsronde over deze overeenkomst, of zij "
                    "is vastgesteld: er komt pas een nieuwe versie als een partij de "
                    "lopende versie afwijst."
                ),
            )
            kind = None
        return location, kind

    def render(self, request, location, kind, form, formset, draft=None):
        return render(
            request,
            self.template_name,
            {
                "location": location,
                "kind_label": AgreementKind(kind).label,
                "form": form,
                "formset": formset,
                "draft": draft,
                "max_rows": COMMITMENTS_PER_AGREEMENT_MAX,
            },
        )

    def get(self, request, location_pk: int):
        location, kind = self.setup_location(request, location_pk)
        if kind is None:
            return HttpResponseRedirect(reverse("locations:detail", args=[location.pk]))
        parties = _parties(location)
        draft = current_draft(location, kind)
        if draft is not None:
            form = ReviseForm(
                initial={"title": draft.agreement.title, "text": draft.text}
            )
            initial = _initial_from_draft(draft) or [{}]
        else:
            form = ReviseForm()
            initial = [{"party": organisation_id} for organisation_id, _n in parties]
        formset = CommitmentFormSet(
            initial=initial or [{}], prefix=PREFIX, form_kwargs={}, parties=parties
        )
        return self.render(request, location, kind, form, formset, draft)

    def post(self, request, location_pk: int):
        location, kind = self.setup_location(request, location_pk)
        if kind is None:
            return HttpResponseRedirect(reverse("locations:detail", args=[location.pk]))
        parties = _parties(location)
        action = request.POST.get("action", "submit")
        if action == "add":
            rows = _initial_from_data(request.POST)
            if len(rows) < COMMITMENTS_PER_AGREEMENT_MAX:
                rows.append({})
            form = ReviseForm(
                initial={
                    "title": request.POST.get("title", ""),
                    "text": request.POST.get("text", ""),
                }
            )
            formset = CommitmentFormSet(initial=rows, prefix=PREFIX, parties=parties)
            return self.render(request, location, kind, form, formset)
        form = ReviseForm(request.POST)
        formset = CommitmentFormSet(request.POST, prefix=PREFIX, parties=parties)
        if form.is_valid() and formset.is_valid():
            commitments = formset.commitments()
            if formset.is_valid():
                return self.save(request, location, kind, form, formset, commitments)
        return self.render(request, location, kind, form, formset)

    def save(self, request, location, kind, form, formset, commitments):
        try:
            draft = casework.agreement_draft(
                location=location,
                actor=request.user,
                kind=kind,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                commitments=commitments,
            )
        except (InvalidInput, Conflict, NotPermitted) as exc:
            form.add_error(None, exc.message)
            return self.render(request, location, kind, form, formset)
        if request.POST.get("action") == "draft":
            messages.success(
                request,
                _(
                    "Het concept is opgeslagen (versie %(number)s). Het is nog niet "
                    "ter goedkeuring aangeboden."
                )
                % {"number": draft.number},
            )
            return HttpResponseRedirect(
                reverse("locations:detail", args=[location.pk]) + "#concepten"
            )
        return submit_and_return(request, draft)


def submit_and_return(request, draft: AgreementVersion):
    location = draft.agreement.location
    try:
        services.approval_round_submit(version=draft, actor=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except (InvalidInput, Conflict) as exc:
        messages.error(
            request,
            _("Het concept is opgeslagen, maar niet aangeboden: %(reason)s")
            % {"reason": exc.message},
        )
        return HttpResponseRedirect(
            reverse("locations:detail", args=[location.pk]) + "#concepten"
        )
    messages.success(
        request,
        _(
            "De overeenkomst is ter goedkeuring aangeboden; de partijen vinden "
            "hun besluit in hun inbox."
        ),
    )
    return HttpResponseRedirect(
        reverse("locations:detail", args=[location.pk]) + "#aan-zet"
    )


class DraftSubmitView(LoginRequiredMixin, View):
    """Submit a draft that was kept (made here or through the API)."""

    http_method_names = ["post"]

    def post(self, request, version_pk: int):
        draft = (
            AgreementVersion.objects.filter(
                pk=version_pk,
                agreement__location__in=locations_visible_to(request.user),
            )
            .select_related("agreement__location")
            .first()
        )
        if draft is None:
            raise Http404
        return submit_and_return(request, draft)


def drafts_panel_context(request, location: Location) -> dict | None:
    """The location's drafts, made here or through the API, on the location page:
    everyone who sees the location reads them; the case manager edits and submits the
    one of the agreement the location works towards."""
    drafts = [
        version
        for version in location_agreement_versions(location)
        if version.status == VersionStatus.DRAFT
    ]
    if not drafts:
        return None
    kind_now = agreement_to_draft(request.user, location)
    return {
        "drafts": [
            {"version": draft, "actionable": draft.agreement.kind == kind_now}
            for draft in drafts
        ],
        "location": location,
    }


DRAFTS_PANEL = LocationPanel(
    name="drafts",
    template_name="workflows/agreement_drafts.html",
    context=drafts_panel_context,
    order=11,
)


class AgreementsApplication(Application):
    """`/agreements/`: the submission of a kept draft. (The form itself is
    `workflow:agreement_create`, on the location's work.)"""

    title = gettext_lazy("Overeenkomsten")
    icon = "handshake"
    app_name = "agreements"
    menu_template_name = "doorbraak/menu.html"

    def has_view_permission(self, user, obj=None):
        # Every page asks to log in itself (LoginRequiredMixin) and checks the object.
        return True

    index_path = path(
        "", RedirectView.as_view(pattern_name="locations:index"), name="index"
    )
    submit_path = path(
        "versie/<int:version_pk>/aanbieden/", DraftSubmitView.as_view(), name="submit"
    )
