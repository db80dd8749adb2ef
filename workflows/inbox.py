"""The person's work, over every flow: inbox (assigned to me), queue (mine to claim),
archive (done by me), and the in-app notifications.

The three lists are viewflow's own list views with the querysets of
`workflows.selectors` and a table of our own: what the task is, where, about which
agreement version or action, for which organisation, by when, and what deciding means.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView
from viewflow.utils import viewprop
from viewflow.workflow.flow.views import (
    WorkflowArchiveListView,
    WorkflowInboxListView,
    WorkflowQueueListView,
)
from viewflow.workflow.flow.views.mixins import StoreRequestPathMixin

from . import presenters, selectors
from .models import Notification


class TaskListMixin:
    """Our table instead of viewflow's generic one: one query for the page of tasks,
    then `describe_tasks` loads what they are about for the whole page."""

    template_name = "workflows/task_list.html"
    paginate_by = 25
    columns = ()
    bulk_actions = ()
    filterset_class = None
    list_kind = ""
    empty_text = ""
    intro = ""

    def get_bulk_actions(self, *actions):
        return ()

    def dispatch(self, request, *args, **kwargs):
        # viewflow's lists store their path in the session on every visit (a write
        # per page view) so that its own pages can return there; our task pages
        # return to the inbox, and the queue claims with "continue": skip it.
        return super(StoreRequestPathMixin, self).dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        tasks = page.object_list if page is not None else context["object_list"]
        context.update(
            rows=presenters.describe_tasks(tasks),
            list_kind=self.list_kind,
            list_title=self.title,
            empty_text=self.empty_text,
            intro=self.intro,
        )
        return context


class InboxView(TaskListMixin, WorkflowInboxListView):
    title = _("Inbox")
    list_kind = "inbox"
    intro = _("Taken die aan u zijn toegewezen, de eerste termijn bovenaan.")
    empty_text = _("Er staan geen taken voor u klaar.")

    @viewprop
    def queryset(self):
        return selectors.inbox(self.request.user, self.flow_classes)


class QueueView(TaskListMixin, WorkflowQueueListView):
    title = _("Wachtrij")
    list_kind = "queue"
    intro = _(
        "Taken van uw organisatie die nog niemand heeft opgepakt. Pak een taak op om "
        "hem te doen; uw collega's zien hem dan niet meer in hun wachtrij."
    )
    empty_text = _("Er wachten geen taken op uw organisatie.")

    @viewprop
    def queryset(self):
        return selectors.queue(self.request.user, self.flow_classes)


class ArchiveView(TaskListMixin, WorkflowArchiveListView):
    title = _("Archief")
    list_kind = "archive"
    intro = _("Taken die u heeft gedaan, de laatste bovenaan.")
    empty_text = _("U heeft nog geen taken afgerond.")

    @viewprop
    def queryset(self):
        return selectors.archive(self.request.user, self.flow_classes)


class NotificationListView(LoginRequiredMixin, ListView):
    """The user's notifications, newest first; the unread ones marked."""

    template_name = "workflows/notifications.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self):
        return selectors.notifications(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread"] = selectors.unread_notifications_count(self.request.user)
        return context


class NotificationsReadView(LoginRequiredMixin, View):
    """Mark every unread notification of the user read."""

    http_method_names = ["post"]

    def post(self, request):
        count = Notification.objects.filter(
            user=request.user, read_at__isnull=True
        ).update(read_at=timezone.now())
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d melding gemarkeerd als gelezen.",
                    "%(count)d meldingen gemarkeerd als gelezen.",
                    count,
                )
                % {"count": count},
            )
        return HttpResponseRedirect(reverse("workflow:notifications"))


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a notification's link: it is read from then on, and the link leads to
    our page of what it is about (`presenters.notification_target`), also for a
    notification stored before the pages existed."""

    def get(self, request, pk: int):
        notification = get_object_or_404(Notification, pk=pk, user=request.user)
        if notification.read_at is None:
            Notification.objects.filter(pk=pk, read_at__isnull=True).update(
                read_at=timezone.now()
            )
        target = presenters.notification_target(notification.url)
        return HttpResponseRedirect(target or reverse("workflow:notifications"))
