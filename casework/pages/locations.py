"""The steps of a location that were only possible outside the interface: proposing a
location, recording its selection criteria, correcting its facts, a party joining or
leaving, and reading any version of its agreements (drafts included).

Reads go through `casework.selectors` (a location you may not see is a 404), writes
through the services (`casework.services`). A domain error
is a clear Dutch message on the form (bad input, conflict), a 403 page (not
permitted) or a 404 (not visible); nothing is half done.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from permissions.checks import has_object_perm
from permissions.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotPermitted,
    NotVisible,
)

from .. import access, selectors, services
from ..constants import LocationPerm, Stage
from ..forms import (
    CRITERIA_FIELDS,
    CriteriaForm,
    FactsForm,
    LocationCreateForm,
    PartyAddForm,
    PartyRemoveForm,
)
from ..models import (
    AgreementKind,
    AgreementVersion,
    Approval,
    Bottleneck,
    BottleneckAction,
    Commitment,
    Location,
    VersionStatus,
)
from ..validation import limit_error_message

FORM_TEMPLATE = "casework/location_form.html"


def _location(request, pk: int) -> Location:
    try:
        return access.access_location(request.user, pk)
    except NotVisible as exc:
        raise Http404 from exc


def may_steer(user, location: Location) -> bool:
    """The case manager or the ministry: criteria and facts."""
    return has_object_perm(user, LocationPerm.MANAGE, location) or has_object_perm(
        user, LocationPerm.DIRECT, location
    )


def may_propose(user) -> bool:
    """The ministry or a case manager, of every programme or of one (who then
    proposes in theirs: `LocationCreateForm`'s choices)."""
    return access.staffs_a_programme(user)


def _detail(location: Location, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("locations:detail", args=[location.pk]) + anchor
    )


class _LocationFormView(LoginRequiredMixin, View):
    """A form page about one location: GET shows it, POST calls `save` and goes back
    to the location page; a domain error stays on the form."""

    title = ""
    intro = ""
    submit_label = ""
    success_message = ""
    anchor = "#gegevens"

    def allowed(self, user, location) -> bool:
        return may_steer(user, location)

    def denied_message(self) -> str:
        return _("Alleen de procesregisseur of het ministerie doet deze stap.")

    def form(self, location, data=None):  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def save(self, location, form) -> None:  # pragma: no cover
        raise NotImplementedError

    def setup_location(self, request, pk):
        location = _location(request, pk)
        if not self.allowed(request.user, location):
            raise PermissionDenied(self.denied_message())
        if location.stage in (Stage.DESIGNATED, Stage.WITHDRAWN):
            messages.error(
                request,
                _("In de fase ‘%(stage)s’ verandert de locatie niet meer.")
                % {"stage": location.get_stage_display()},
            )
            return location, False
        return location, True

    def render_form(self, request, location, form):
        return render(
            request,
            FORM_TEMPLATE,
            {
                "location": location,
                "form": form,
                "title": self.title,
                "intro": self.intro,
                "submit_label": self.submit_label,
            },
        )

    def get(self, request, pk: int):
        location, open_ = self.setup_location(request, pk)
        if not open_:
            return _detail(location)
        return self.render_form(request, location, self.form(location))

    def post(self, request, pk: int):
        location, open_ = self.setup_location(request, pk)
        if not open_:
            return _detail(location)
        form = self.form(location, request.POST)
        if form.is_valid():
            try:
                self.save(location, form)
            except NotPermitted as exc:
                raise PermissionDenied(exc.message) from exc
            except (InvalidInput, Conflict) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, self.success_message)
                return _detail(location, self.anchor)
        return self.render_form(request, location, form)


class CriteriaView(_LocationFormView):
    title = _("Selectiecriteria vastleggen")
    intro = _(
        "Het ministerie selecteert een locatie pas als deze vier criteria zijn "
        "vastgelegd (aankondiging doorbraakaanpak, juni 2025). Schrijf op wat nu "
        "bekend is; u kunt het later aanvullen."
    )
    submit_label = _("Selectiecriteria vastleggen")
    success_message = _("De selectiecriteria zijn vastgelegd.")

    def form(self, location, data=None):
        return CriteriaForm(
            data, initial={name: getattr(location, name) for name in CRITERIA_FIELDS}
        )

    def save(self, location, form):
        services.location_record_criteria(
            location=location, actor=self.request.user, **form.cleaned_data
        )


class FactsView(_LocationFormView):
    title = _("Gegevens aanpassen")
    intro = _(
        "De gegevens van de locatie. Laat een getal leeg als het niet bekend is: "
        "Doorbraak vult nooit zelf een getal in."
    )
    submit_label = _("Gegevens opslaan")
    success_message = _("De gegevens zijn opgeslagen.")

    def form(self, location, data=None):
        return FactsForm(data, initial=FactsForm.initial_for(location))

    def save(self, location, form):
        services.location_update_facts(
            location=location, actor=self.request.user, **form.cleaned_data
        )


class LocationCreateView(LoginRequiredMixin, View):
    """The case manager or the ministry proposes a new location."""

    def check(self, request):
        if not may_propose(request.user):
            raise PermissionDenied(
                _(
                    "Alleen de procesregisseur of het ministerie draagt een locatie voor."
                )
            )

    def render_form(self, request, form):
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": _("Locatie voordragen"),
                "intro": _(
                    "Een nieuwe locatie begint in de fase ‘Voorgedragen’. Daarna "
                    "voegt u de partijen toe en legt u de selectiecriteria vast; dan "
                    "kan het ministerie de locatie selecteren."
                ),
                "submit_label": _("Locatie voordragen"),
            },
        )

    def get(self, request):
        self.check(request)
        return self.render_form(
            request,
            LocationCreateForm(programmes=access.programmes_staffed_by(request.user)),
        )

    def post(self, request):
        self.check(request)
        form = LocationCreateForm(
            request.POST, programmes=access.programmes_staffed_by(request.user)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                location = services.location_propose(
                    actor=request.user,
                    programme=data.pop("programme"),
                    name=data.pop("name"),
                    municipality=data.pop("municipality"),
                    province=data.pop("province"),
                    **data,
                )
            except NotPermitted as exc:
                raise PermissionDenied(exc.message) from exc
            except (InvalidInput, Conflict) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Locatie ‘%(name)s’ is voorgedragen. Voeg nu de partijen toe "
                        "en leg de selectiecriteria vast."
                    )
                    % {"name": location.name},
                )
                return _detail(location, "#partijen")
        return self.render_form(request, form)


def may_change_parties(user, location: Location) -> bool:
    return location.stage not in (
        Stage.DESIGNATED,
        Stage.WITHDRAWN,
    ) and has_object_perm(user, LocationPerm.MANAGE, location)


class PartyRemoveView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        location = _location(request, pk)
        form = PartyRemoveForm(request.POST)
        try:
            if not has_object_perm(request.user, LocationPerm.MANAGE, location):
                raise NotPermitted(_("Alleen de procesregisseur verwijdert partijen."))
            if not form.is_valid():
                raise InvalidInput(
                    _("Geef een reden op.")
                    if form.has_error("reason", "required")
                    else limit_error_message(form) or _("Kies een partij.")
                )
            organisation = form.cleaned_data["organisation"]
            services.party_remove(
                location=location,
                actor=request.user,
                organisation=organisation,
                reason=form.cleaned_data["reason"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(organisation)s is geen partij meer bij deze locatie.")
                % {"organisation": organisation.name},
            )
        return _detail(location, "#partijen")


def parties_with_removal_blockers() -> Prefetch:
    """The location page's parties (`selectors.parties_with_signatories`), each with
    what keeps it on the location (`removal_blocker`), in the same query: whether it
    owns commitments, bottlenecks or actions (`services.party_removal_blocker`
    says it in words)."""
    prefetch = selectors.parties_with_signatories()
    prefetch.queryset = prefetch.queryset.annotate(
        owns_commitments=Exists(Commitment.objects.filter(owner=OuterRef("pk"))),
        owns_bottlenecks=Exists(Bottleneck.objects.filter(owner=OuterRef("pk"))),
        owns_actions=Exists(BottleneckAction.objects.filter(assignee=OuterRef("pk"))),
    )
    return prefetch


def removal_blocker(party) -> str:
    """Why `party` (from `parties_with_removal_blockers`) must stay, or ""."""
    return (
        services.removal_blocker_message(
            party,
            commitments=party.owns_commitments,
            bottlenecks=party.owns_bottlenecks,
            actions=party.owns_actions,
        )
        or ""
    )


class PartyAddPage(_LocationFormView):
    """The case manager adds an organisation as a party."""

    title = _("Partij toevoegen")
    intro = _(
        "De mensen van een partij zien de locatie en dragen bij aan de "
        "doorbraak-agenda. De ondertekenaars van de partij besluiten over de "
        "overeenkomsten."
    )
    submit_label = _("Partij toevoegen")
    success_message = _("De partij is toegevoegd.")
    anchor = "#partijen"

    def allowed(self, user, location) -> bool:
        return has_object_perm(user, LocationPerm.MANAGE, location)

    def denied_message(self) -> str:
        return _("Alleen de procesregisseur voegt partijen toe.")

    def form(self, location, data=None):
        return PartyAddForm(data, location=location)

    def save(self, location, form):
        services.party_join(
            location=location,
            actor=self.request.user,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
        )


# --- Agreement versions ---------------------------------------------------------------


def location_agreement_versions(location: Location) -> list[AgreementVersion]:
    """Every version of the location's agreements, drafts included (the API shows
    them too), newest first per kind: one query, read once per page (the section of
    versions, and the panels that offer a draft's next step)."""
    if not hasattr(location, "_all_versions"):
        location._all_versions = list(
            AgreementVersion.objects.filter(agreement__location=location)
            .select_related("agreement")
            .defer("text")
            .order_by("agreement__kind", "-number")
        )
    return location._all_versions


class VersionDetailView(LoginRequiredMixin, View):
    """One version of an agreement, to read again: its text, its commitments with
    what each waits for, and the decisions of the parties. A draft says what can be
    done with it (edit, submit) by whom."""

    def get(self, request, pk: int, version_pk: int):
        location = _location(request, pk)
        version = (
            AgreementVersion.objects.filter(pk=version_pk, agreement__location=location)
            .select_related("agreement")
            .prefetch_related(
                Prefetch(
                    "commitments",
                    queryset=Commitment.objects.select_related("owner__organisation")
                    .prefetch_related("depends_on")
                    .order_by("id"),
                ),
                Prefetch(
                    "approvals",
                    queryset=Approval.objects.select_related(
                        "organisation", "decided_by"
                    ).order_by("decided_at", "id"),
                ),
            )
            .first()
        )
        if version is None:
            raise Http404
        commitments = list(version.commitments.all())
        number = {
            commitment.pk: index for index, commitment in enumerate(commitments, 1)
        }
        rows = [
            {
                "number": number[commitment.pk],
                "commitment": commitment,
                "waits_for": [
                    {"number": number.get(other.pk), "commitment": other}
                    for other in commitment.depends_on.all()
                ],
            }
            for commitment in commitments
        ]
        approvals = {a.organisation_id: a for a in version.approvals.all()}
        parties = list(
            location.parties.select_related("organisation").order_by(
                "organisation__name"
            )
        )
        is_draft = version.status == VersionStatus.DRAFT
        return render(
            request,
            "casework/agreement_version.html",
            {
                "location": location,
                "version": version,
                "agreement": version.agreement,
                "rows": rows,
                "decisions": [
                    (party.organisation, approvals.get(party.organisation_id))
                    for party in parties
                ],
                "is_draft": is_draft,
                "kind_label": AgreementKind(version.agreement.kind).label,
            },
        )
