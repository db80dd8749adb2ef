"""Search over what a person may see: locations, their tasks, agreements and
documents (issue 19, item 11).

Every group is read through the same rules as its own list: the visible locations
(`casework.selectors.locations_visible_to`), the person's own tasks (inbox, queue and
archive of `workflows.selectors`), the versions of visible locations' agreements,
and the documents of `documents.api.documents_visible_to` (no internal document for
a party). A search term matches names, municipalities, titles and texts, case
insensitive; each group shows at most `PER_GROUP` hits.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import Application

from casework.access import locations_visible_to
from casework.limits import SHORT_TEXT_MAX
from casework.models import AgreementVersion
from documents.api import documents_visible_to
from documents.models import Document

from . import presenters, selectors

PER_GROUP = 20


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Zoekterm"),
        max_length=SHORT_TEXT_MAX,
        required=False,
        help_text=_("Een naam van een locatie, gemeente, overeenkomst of document."),
    )


def search(user, term: str) -> dict:
    """The hits for `term` that `user` may see, per group."""
    locations = locations_visible_to(user)
    matching_locations = locations.filter(
        Q(name__icontains=term) | Q(municipality__icontains=term)
    )
    location_ids = list(matching_locations.values_list("pk", flat=True)[:500])
    versions = (
        AgreementVersion.objects.filter(agreement__location__in=locations.values("pk"))
        .filter(Q(agreement__title__icontains=term) | Q(text__icontains=term))
        .select_related("agreement__location")
        .defer("text")
        .order_by("agreement__location__name", "agreement__kind", "-number")
    )
    version_ids = list(versions.values_list("pk", flat=True)[:500])
    about = Q(process__data__location__in=location_ids) | Q(
        process__artifact_object_id__in=version_ids
    )
    open_tasks = list(selectors.open_tasks(user).filter(about)[:PER_GROUP])
    done_tasks = list(selectors.archive(user).filter(about)[:PER_GROUP])
    documents = (
        documents_visible_to(user, Document.objects.all())
        .filter(
            Q(title__icontains=term)
            | Q(location__name__icontains=term)
            | Q(location__municipality__icontains=term)
        )
        .select_related("location")
        .order_by("-created_at", "-pk")
    )
    return {
        "locations": list(
            matching_locations.select_related("programme").order_by("name", "pk")[
                :PER_GROUP
            ]
        ),
        "tasks": presenters.describe_tasks(open_tasks),
        "done_tasks": presenters.describe_tasks(done_tasks),
        "agreements": list(versions[:PER_GROUP]),
        "documents": list(documents[:PER_GROUP]),
    }


class SearchView(LoginRequiredMixin, TemplateView):
    template_name = "workflows/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        term = ""
        if form.is_valid():
            term = form.cleaned_data["q"].strip()
        context.update(form=form, term=term, per_group=PER_GROUP)
        if term:
            results = search(self.request.user, term)
            context["results"] = results
            context["total"] = sum(len(hits) for hits in results.values())
            context["task_count"] = len(results["tasks"]) + len(results["done_tasks"])
        return context


class SearchApplication(Application):
    """`/search/`: one search box over everything the person may see."""

    title = _("Zoeken")
    icon = "search"
    app_name = "search"
    menu_template_name = "doorbraak/menu.html"

    def has_view_permission(self, user, obj=None):
        # The page asks to log in itself (LoginRequiredMixin).
        return True

    index_path = path("", SearchView.as_view(), name="index")
