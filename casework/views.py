"""The interface for locations: list, page, transitions, bottlenecks.

Reads go through the selectors (object permissions); writes through the services. A
domain error becomes a message on the page (bad input, conflict), a 403 page (not
permitted) or a 404 (not visible).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from viewflow.urls import Application

from permissions.checks import has_object_perm, prefetch_object_perms
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

from . import access, diagram, selectors, services, timeline
from .access import is_programme_staff, reads_portfolio
from .audience import audience_of
from .constants import (
    BottleneckCategory,
    Instrument,
    LocationPerm,
    Province,
    Stage,
    TransitionName,
)
from .dashboard import (
    PAGE_HEATMAP_LOCATIONS,
    dashboard_figures,
    dashboard_page_context,
)
from .limits import SHORT_TEXT_MAX, TEXT_MAX
from .models import Location, Programme
from .panels import location_panels
from .validation import (
    DATE_INPUT_ATTRS,
    limit_error_message,
    validate_date_in_window,
)


class LocationFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=SHORT_TEXT_MAX)
    stage = forms.ChoiceField(
        label=_("Fase"), required=False, choices=[("", _("Alle fasen")), *Stage.choices]
    )
    province = forms.ChoiceField(
        label=_("Provincie"),
        required=False,
        choices=[("", _("Alle provincies")), *Province.choices],
    )
    programme = forms.ChoiceField(label=_("Programma"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [
            ("", _("Alle programma's")),
            *Programme.objects.values_list("slug", "name"),
        ]


class TransitionForm(forms.Form):
    transition = forms.ChoiceField(
        choices=TransitionName.choices, widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Only for start_designation (design §4); the service says what is missing.
    instrument = forms.ChoiceField(
        label=_("Instrument"),
        required=False,
        choices=[("", _("Kies een instrument")), *Instrument.choices],
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

    DESIGNATION_FIELDS = ("instrument", "legal_basis", "national_interest")

    def extra(self) -> dict[str, str]:
        if self.cleaned_data["transition"] != TransitionName.START_DESIGNATION:
            return {}
        return {name: self.cleaned_data[name] for name in self.DESIGNATION_FIELDS}


class BottleneckForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Categorie"), choices=BottleneckCategory.choices
    )
    description = forms.CharField(
        label=_("Omschrijving"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = forms.TypedChoiceField(
        label=_("Eigenaar"), coerce=int, required=False, empty_value=None
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        validators=[validate_date_in_window],
        widget=forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%Y-%m-%d"),
    )

    def __init__(self, *args, location: Location, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Geen eigenaar")),
            *(
                (party.organisation_id, party.organisation.name)
                for party in location.parties.all()
            ),
        ]


def _domain_error_to_http(exc: Exception) -> None:
    if isinstance(exc, NotVisible):
        raise Http404(exc.message) from exc
    if isinstance(exc, NotPermitted):
        raise PermissionDenied(exc.message) from exc


class LocationListView(LoginRequiredMixin, ListView):
    template_name = "casework/location_list.html"
    paginate_by = 50
    context_object_name = "locations"

    def get_queryset(self):
        self.filter_form = LocationFilterForm(self.request.GET or None)
        filters = {}
        if self.filter_form.is_bound:
            # A wrong value in one filter must not drop the others: keep the valid ones.
            self.filter_form.is_valid()
            filters = self.filter_form.cleaned_data
        return selectors.location_list(
            self.request.user,
            stage=filters.get("stage"),
            province=filters.get("province"),
            programme=filters.get("programme"),
            search=filters.get("q"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        return context


class LocationDetailView(LoginRequiredMixin, DetailView):
    template_name = "casework/location_detail.html"
    context_object_name = "location"

    def get_object(self, queryset=None):
        try:
            location = access.access_location(
                self.request.user,
                self.kwargs["pk"],
                queryset=Location.objects.select_related("programme").prefetch_related(
                    selectors.parties_with_signatories()
                ),
            )
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        prefetch_object_perms(self.request.user, [location])
        return location

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        location = self.object
        user = self.request.user
        context["transitions"] = [
            (name, TransitionName(name).label)
            for name in selectors.available_transitions(user, location)
        ]
        context["bottlenecks"] = selectors.location_agenda(location)
        # The state machine with the path taken, and everything that happened.
        path = diagram.stage_path(location.stage, timeline.stage_steps(location))
        context["stage_diagram"] = diagram.state_diagram(path)
        context["stage_marks"] = diagram.stage_marks(path)
        context["stage_path"] = path
        context["timeline"] = timeline.location_timeline(
            location, audience=audience_of(user, location)
        )
        context["can_add_bottleneck"] = location.stage not in (
            Stage.DESIGNATED,
            Stage.WITHDRAWN,
        ) and (
            has_object_perm(user, LocationPerm.MANAGE, location)
            or has_object_perm(user, LocationPerm.CONTRIBUTE, location)
        )
        if context["can_add_bottleneck"]:
            context["bottleneck_form"] = kwargs.get(
                "bottleneck_form"
            ) or BottleneckForm(location=location)
        # Sections of apps built on casework (e.g. who holds the ball, from workflows).
        context["panels"] = location_panels(self.request, location)
        context["designation_form"] = TransitionForm(
            initial={"transition": TransitionName.START_DESIGNATION}
        )
        return context


class LocationTransitionView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        form = TransitionForm(request.POST)
        try:
            location = access.access_location(request.user, pk)
            if not form.is_valid():
                raise InvalidInput(
                    str(_("Geef een reden op."))
                    if form.has_error("reason", "required")
                    else str(_("Onbekende overgang."))
                    if "transition" in form.errors
                    else limit_error_message(form)
                    or str(_("Controleer de velden van de overgang."))
                )
            services.location_transition(
                location=location,
                transition=form.cleaned_data["transition"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                **form.extra(),
            )
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        except (NotVisible, NotPermitted) as exc:
            _domain_error_to_http(exc)
        else:
            messages.success(
                request,
                _("De locatie is nu in de fase ‘%(stage)s’.")
                % {"stage": location.get_stage_display()},
            )
        return HttpResponseRedirect(reverse("locations:detail", args=[pk]))


class BottleneckCreateView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            location = access.access_location(request.user, pk)
            form = BottleneckForm(request.POST, location=location)
            if not form.is_valid():
                raise InvalidInput(
                    limit_error_message(form)
                    or str(_("Controleer de velden van het knelpunt."))
                )
            data = form.cleaned_data
            owner = next(
                (
                    p
                    for p in location.parties.all()
                    if p.organisation_id == data["owner"]
                ),
                None,
            )
            services.bottleneck_create(
                location=location,
                actor=request.user,
                category=data["category"],
                description=data["description"],
                owner=owner,
                deadline=data["deadline"],
            )
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        except (NotVisible, NotPermitted) as exc:
            _domain_error_to_http(exc)
        else:
            messages.success(request, _("Het knelpunt is geregistreerd."))
        return HttpResponseRedirect(
            reverse("locations:detail", args=[pk]) + "#knelpunten"
        )


class ImpasseListView(LoginRequiredMixin, ListView):
    """Open impasse signals, for the ministry and case managers."""

    template_name = "casework/impasse_list.html"
    context_object_name = "signals"
    paginate_by = 100

    def get_queryset(self):
        try:
            return selectors.impasse_signals_for(self.request.user)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc


class LocationsApplication(Application):
    """The locations of every programme the user may see."""

    title = _("Locaties")
    icon = "location_city"
    app_name = "locations"
    menu_template_name = "doorbraak/menu.html"

    list_path = path("", LocationListView.as_view(), name="index")
    impasses_path = path("impasses/", ImpasseListView.as_view(), name="impasses")
    detail_path = path("<int:pk>/", LocationDetailView.as_view(), name="detail")
    transition_path = path(
        "<int:pk>/overgang/", LocationTransitionView.as_view(), name="transition"
    )
    bottleneck_path = path(
        "<int:pk>/knelpunten/", BottleneckCreateView.as_view(), name="bottleneck_create"
    )


class DashboardView(LoginRequiredMixin, TemplateView):
    """The portfolio at a glance (design §7), over the locations the user may see."""

    template_name = "casework/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        figures = dashboard_figures(user, heatmap_limit=PAGE_HEATMAP_LOCATIONS)
        context.update(dashboard_page_context(figures))
        context["figures"] = figures
        context["portfolio_wide"] = reads_portfolio(user)
        context["may_see_impasses"] = is_programme_staff(user)
        return context


class DashboardApplication(Application):
    """The dashboard, at `/dashboard/`, inside the site's frame and menu."""

    title = _("Dashboard")
    icon = "dashboard"
    app_name = "dashboard"
    menu_template_name = "doorbraak/menu.html"

    index_path = path("", DashboardView.as_view(), name="index")
