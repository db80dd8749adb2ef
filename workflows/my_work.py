"""'Mijn werk': where a party lands after logging in. Its open tasks (its own and its
organisation's to claim), its organisation's commitments and every deadline it has,
the earliest first; and the locations it takes part in.

The programme-wide roles (case manager, ministry, viewer) land on the dashboard; they
have this page too, from the menu.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import Application

from casework.access import locations_visible_to
from casework.constants import LocationPerm
from permissions.checks import has_global_perm

from . import presenters, selectors
from .calendar_feed import deadline_items

# The page shows this many of each; the inbox, queue and agenda list all.
SHOWN = 20


def home(request):
    """`/`: a party to its work, the programme-wide roles to the dashboard."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if has_global_perm(request.user, LocationPerm.VIEW):
        return HttpResponseRedirect(reverse("dashboard:index"))
    return HttpResponseRedirect(reverse("mywork:index"))


class MyWorkView(LoginRequiredMixin, TemplateView):
    template_name = "workflows/my_work.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tasks = list(selectors.open_tasks(user)[: SHOWN + 1])
        items = deadline_items(user)
        commitments = [item for item in items if item.kind == "commitment"]
        others = [item for item in items if item.kind == "consultation"]
        portfolio_wide = has_global_perm(user, LocationPerm.VIEW)
        context.update(
            rows=presenters.describe_tasks(tasks[:SHOWN]),
            more_tasks=len(tasks) > SHOWN,
            commitments=commitments[:SHOWN],
            more_commitments=len(commitments) > SHOWN,
            consultations=others[:SHOWN],
            today=timezone.localdate(),
            portfolio_wide=portfolio_wide,
            locations=[]
            if portfolio_wide
            else list(locations_visible_to(user).order_by("name", "pk")[:SHOWN]),
        )
        return context


class MyWorkApplication(Application):
    """`/mywork/`: the person's work at a glance."""

    title = _("Mijn werk")
    icon = "work"
    app_name = "mywork"
    menu_template_name = "doorbraak/menu.html"

    def has_view_permission(self, user, obj=None):
        # The page asks to log in itself (LoginRequiredMixin).
        return True

    index_path = path("", MyWorkView.as_view(), name="index")
