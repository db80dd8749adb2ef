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
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from viewflow.urls import Application

from permissions.checks import has_object_perm, prefetch_object_perms
from permissions.errors import Conflict, InvalidInput, NotPermitted, NotVisible

from . import access, diagram, selectors, services, timeline
from .access import reads_portfolio
from .audience import audience_of
from .constants import (
    TRANSITION_PERMISSION,
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
    programme_of_request,
)
from .limits import SHORT_TEXT_MAX, TEXT_MAX
from .models import Location, Programme
from .pages import locations as location_pages
from .pages.steps import IRREVERSIBLE, location_steps
from .panels import bottleneck_links, location_panels
from .validation import (
    DATE_INPUT_ATTRS,
    limit_error_message,
    validate_date_in_window,
)


class LocationFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=SHORT_TEXT_MAX)
    sort = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
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

    # The second look at a step that cannot be undone (IRREVERSIBLE).
    confirm = forms.BooleanField(required=False)

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
        label=_("Uiterste datum"),
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


# The sortable columns of the location list: the key in `?sort=` and its ordering.
STAGE_ORDER = Case(
    *(When(stage=stage, then=Value(index)) for index, stage in enumerate(Stage)),
    output_field=IntegerField(),
)
# key: (first ordering ascending, first ordering descending, then).
SORTS = {
    "name": ("name", "-name", ("id",)),
    "municipality": ("municipality", "-municipality", ("name", "id")),
    "province": ("province", "-province", ("name", "id")),
    "stage": (STAGE_ORDER.asc(), STAGE_ORDER.desc(), ("name", "id")),
    "planned_homes": (
        F("planned_homes").asc(nulls_last=True),
        F("planned_homes").desc(nulls_last=True),
        ("name", "id"),
    ),
    "programme": ("programme__name", "-programme__name", ("name", "id")),
}
SORT_COLUMNS = [
    ("name", _("Naam")),
    ("municipality", _("Gemeente(n)")),
    ("province", _("Provincie")),
    ("stage", _("Fase")),
    ("planned_homes", _("Geplande woningen")),
    ("programme", _("Programma")),
]
# Where the list's last filters and order are kept, so that they stay when one comes
# back to the list (from a location, or the menu).
LIST_SESSION_KEY = "location_list_query"
LIST_KEYS = ("q", "stage", "province", "programme", "sort")


def _ordering(sort: str) -> tuple:
    ascending, descending, then = SORTS.get(sort.lstrip("-"), SORTS["name"])
    return (descending if sort.startswith("-") else ascending, *then)


def list_sort(query) -> str:
    """The list's order from `?sort=` (a column key, `-` for descending); an unknown
    one is the default, by name."""
    sort = query.get("sort") or "name"
    return sort if sort.lstrip("-") in SORTS else "name"


def filtered_location_list(user, filters: dict, sort: str):
    """The locations of the list page as `user` sees them, with the page's filters
    (the cleaned data of `LocationFilterForm`) and order: the page and its exports
    read the same rows."""
    return selectors.location_list(
        user,
        stage=filters.get("stage"),
        province=filters.get("province"),
        programme=filters.get("programme"),
        search=filters.get("q"),
    ).order_by(*_ordering(sort))


class LocationListView(LoginRequiredMixin, ListView):
    template_name = "casework/location_list.html"
    paginate_by = 50
    context_object_name = "locations"

    def get(self, request, *args, **kwargs):
        session = request.session
        if "wissen" in request.GET:
            session.pop(LIST_SESSION_KEY, None)
            return HttpResponseRedirect(reverse("locations:index"))
        wanted = {key: request.GET[key] for key in LIST_KEYS if request.GET.get(key)}
        if not request.GET and session.get(LIST_SESSION_KEY):
            # Back to the list: the filters and order of last time.
            return HttpResponseRedirect(
                reverse("locations:index") + "?" + session[LIST_SESSION_KEY]
            )
        saved = QueryDict(mutable=True)
        saved.update(wanted)
        if wanted and session.get(LIST_SESSION_KEY) != saved.urlencode():
            session[LIST_SESSION_KEY] = saved.urlencode()
        elif not wanted and LIST_SESSION_KEY in session:
            session.pop(LIST_SESSION_KEY)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.filter_form = LocationFilterForm(self.request.GET or None)
        filters = {}
        if self.filter_form.is_bound:
            # A wrong value in one filter must not drop the others: keep the valid ones.
            self.filter_form.is_valid()
            filters = self.filter_form.cleaned_data
        self.filters = filters
        self.sort = list_sort(self.request.GET)
        return filtered_location_list(self.request.user, filters, self.sort)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        query.pop("sort", None)
        base = query.urlencode()
        columns = []
        for key, label in SORT_COLUMNS:
            current = self.sort.lstrip("-") == key
            descending = current and self.sort.startswith("-")
            target = f"-{key}" if current and not descending else key
            columns.append(
                {
                    "key": key,
                    "label": label,
                    "url": "?" + (f"{base}&" if base else "") + f"sort={target}",
                    "aria_sort": ("descending" if descending else "ascending")
                    if current
                    else "",
                }
            )
        context["columns"] = columns
        context["sort"] = self.sort
        # The downloads take the filters the page applied (the valid ones) and its
        # order: the file holds the rows the list shows, every page of them.
        export = QueryDict(mutable=True)
        for key in LIST_KEYS:
            value = self.sort if key == "sort" else self.filters.get(key)
            if value and not (key == "sort" and value == "name"):
                export[key] = value
        context["export_query"] = export.urlencode()
        context["may_propose"] = location_pages.may_propose(self.request.user)
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
                    location_pages.parties_with_removal_blockers()
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
        context["steps"] = steps = location_steps(user, location)
        others: dict[str, list[str]] = {}
        for step in steps:
            if step.who and not step.blocker:
                others.setdefault(step.who, []).append(step.label)
        context["others_steps"] = list(others.items())
        context["irreversible"] = IRREVERSIBLE
        context["may_steer"] = location_pages.may_steer(user, location)
        context["may_change_parties"] = location_pages.may_change_parties(
            user, location
        )
        if context["may_change_parties"]:
            for party in location.parties.all():
                party.removal_blocker = location_pages.removal_blocker(party)
        context["versions"] = location_pages.location_agreement_versions(location)
        context["bottlenecks"] = bottlenecks = selectors.location_agenda(location)
        # The lifecycle's steps each reader may take (pages of an app built on us).
        context["bottleneck_steps_shown"] = bottleneck_links(
            self.request, location, bottlenecks
        )
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
            if (
                form.is_valid()
                and form.cleaned_data["transition"] in IRREVERSIBLE
                and not form.cleaned_data["confirm"]
            ):
                name = form.cleaned_data["transition"]
                if not has_object_perm(
                    request.user, TRANSITION_PERMISSION[name], location
                ):
                    raise NotPermitted(
                        str(_("U heeft geen recht om dit te doen bij deze locatie."))
                    )
                raise InvalidInput(
                    str(
                        _(
                            "‘%(label)s’ kan niet ongedaan worden gemaakt: vink aan dat "
                            "u dat begrijpt, en kies dan opnieuw ‘%(label)s’."
                        )
                    )
                    % {"label": TransitionName(name).label}
                )
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["checked_at"] = selectors.impasses_checked_at()
        return context


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
    create_path = path(
        "nieuw/", location_pages.LocationCreateView.as_view(), name="create"
    )
    criteria_path = path(
        "<int:pk>/selectiecriteria/",
        location_pages.CriteriaView.as_view(),
        name="criteria",
    )
    facts_path = path(
        "<int:pk>/gegevens/", location_pages.FactsView.as_view(), name="facts"
    )
    party_add_path = path(
        "<int:pk>/partijen/", location_pages.PartyAddPage.as_view(), name="party_add"
    )
    party_remove_path = path(
        "<int:pk>/partijen/verwijderen/",
        location_pages.PartyRemoveView.as_view(),
        name="party_remove",
    )
    version_path = path(
        "<int:pk>/overeenkomsten/<int:version_pk>/",
        location_pages.VersionDetailView.as_view(),
        name="version",
    )


class DashboardView(LoginRequiredMixin, TemplateView):
    """The portfolio at a glance (design §7), over the locations the user may see."""

    template_name = "casework/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            programme = programme_of_request(user, self.request.GET.get("programme"))
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        figures = dashboard_figures(
            user, programme=programme, heatmap_limit=PAGE_HEATMAP_LOCATIONS
        )
        context.update(dashboard_page_context(figures))
        context["figures"] = figures
        context["programme"] = programme
        # The programmes to choose from: those of the figures (no query), or for a
        # person with programme roles the programmes they read.
        read = [] if reads_portfolio(user) else list(access.programmes_read_by(user))
        context["programme_choices"] = read or figures.programmes
        context["may_administer_programme"] = (
            programme is not None and access.administers_programme(user, programme)
        )
        context["portfolio_wide"] = reads_portfolio(user)
        context["may_see_impasses"] = access.staffs_a_programme(user)
        # The programmes are loaded with the figures: no query of its own.
        context["impasses_checked_at"] = selectors.impasses_checked_at(
            figures.programmes
        )
        return context


class DashboardApplication(Application):
    """The dashboard, at `/dashboard/`, inside the site's frame and menu."""

    title = _("Dashboard")
    icon = "dashboard"
    app_name = "dashboard"
    menu_template_name = "doorbraak/menu.html"

    index_path = path("", DashboardView.as_view(), name="index")
