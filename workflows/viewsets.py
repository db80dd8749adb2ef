"""Where the flows appear in the interface: one workflow app with a shared inbox, queue
and archive for every flow, the notifications, and the per-flow dashboards only for
programme-wide roles.

Every page of a flow that names a process (its detail, its tasks) first checks that
the user may see the process's location: a process of a location you may not see does
not exist for you (404), before viewflow asks whether you may do the task (403).
A person's task that is no longer open answers on each of its pages with what
happened, by whom and when (`views.task_closed_page`), never with viewflow's
"no transition from DONE".
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from viewflow.urls import Application
from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset
from viewflow.workflow.flow.views import DashboardProcessListView
from viewflow.workflow.flow.viewset import NestedFlowsApp
from viewflow.workflow.models import Task

from . import agreement_pages, inbox, ledger_pages, location_work, selectors, views
from .calendar_feed import CalendarLinkView
from .escalation import DesignationFlow, EscalationFlow
from .flows import ApprovalRoundFlow, BottleneckActionFlow

BASE_TEMPLATE = "doorbraak/base.html"


# The pages of one human task; the others (undo, revive, cancel) are staff's.
TASK_PAGES = frozenset({"index", "detail", "execute", "assign", "unassign"})
# Where a person asks to do the task (the rest only shows it).
DOING_PAGES = frozenset({"execute", "assign", "unassign"})


def _held_by_colleague(task) -> PermissionDenied:
    owner = task.owner
    return PermissionDenied(
        gettext(
            "Deze taak is op %(date)s opgepakt door %(person)s; alleen die kan hem "
            "afronden. U hoeft niets te doen."
        )
        % {
            "date": date_format(localtime(task.assigned or task.created), "j F Y"),
            "person": owner.get_full_name() or owner.get_username(),
        }
    )


def _location_guard(view, name: str | None):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        task_pk = kwargs.get("task_pk")
        if process_pk is None:
            return view(request, *args, **kwargs)
        if task_pk is None or name not in TASK_PAGES:
            if not selectors.task_process_visible(
                request.user, process_pk=process_pk, task_pk=task_pk
            ):
                # The one 404 page (config.api.not_found): a hidden process is missing.
                raise Http404
            return view(request, *args, **kwargs)
        state = selectors.task_page_state(
            request.user, process_pk=process_pk, task_pk=task_pk
        )
        if state == selectors.TaskPageState.HIDDEN:
            raise Http404
        # Staff keep viewflow's detail of a closed task (its undo and revive).
        staff_detail = name not in DOING_PAGES and request.user.is_superuser
        if state == selectors.TaskPageState.CLOSED and not staff_detail:
            task = Task.objects.select_related("process", "owner").get(pk=task_pk)
            if not task.flow_task.flow_class.instance.shows_tasks_to(
                request.user, task
            ):
                raise Http404
            return views.task_closed_page(request, task)
        if state == selectors.TaskPageState.HELD and name in DOING_PAGES:
            task = Task.objects.select_related("process", "owner").get(pk=task_pk)
            may_act = getattr(task.flow_task, "may_act", None)
            if may_act is not None and may_act(request.user, task):
                # A colleague claimed it first: say so instead of a bare 403.
                raise _held_by_colleague(task)
        return view(request, *args, **kwargs)

    return guarded


def _guard_patterns(patterns) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _guard_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and "process_pk" in str(pattern.pattern):
            pattern.callback = _location_guard(pattern.callback, pattern.name)


class ProcessListView(DashboardProcessListView):
    # Newest first, and a stable order for the paginator.
    ordering = ("-created", "-pk")


class DoorbraakFlowViewset(FlowViewset):
    """A flow's pages (dashboard, processes, tasks), each process behind its
    location's visibility."""

    process_list_view_class = ProcessListView

    def _get_urls(self):
        patterns = super()._get_urls()
        _guard_patterns(patterns)
        return patterns


class FlowsIndexView(View):
    """`/workflow/flows/`: the first flow dashboard the person may open. viewflow's own
    index raises (a 500) when there is none, which is every party's case: the
    dashboards are for the programme-wide roles, so a party goes to its own work
    ("Mijn werk"), told why."""

    viewset = None

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        for flow_class in self.viewset.parent.flow_classes:
            if flow_class.instance.has_view_permission(request.user):
                return HttpResponseRedirect(flow_class.instance.reverse("index"))
        messages.info(
            request,
            _(
                "De procesoverzichten zijn er voor het ministerie, de procesregisseurs "
                "en de programmalezers. Hier staat uw eigen werk."
            ),
        )
        return HttpResponseRedirect(reverse("mywork:index"))


class FlowsApp(NestedFlowsApp):
    """viewflow's app of the per-flow pages, with an index that never fails."""

    @property
    def index_path(self):
        return path("", FlowsIndexView.as_view(viewset=self), name="index")


class DoorbraakWorkflowApp(WorkflowAppViewset):
    title = _("Taken")
    icon = "assignment"
    base_template_name = BASE_TEMPLATE

    inbox_view_class = inbox.InboxView
    queue_view_class = inbox.QueueView
    archive_view_class = inbox.ArchiveView

    # The bulk assign/unassign pages of viewflow are not offered: a task is claimed
    # on its own page, where it is explained.
    tasks_assign_path = None
    tasks_unassign_path = None

    notifications_path = path(
        "meldingen/", inbox.NotificationListView.as_view(), name="notifications"
    )
    notification_open_path = path(
        "meldingen/<int:pk>/",
        inbox.NotificationOpenView.as_view(),
        name="notification_open",
    )
    notifications_read_path = path(
        "meldingen/gelezen/",
        inbox.NotificationsReadView.as_view(),
        name="notifications_read",
    )
    agreement_create_path = path(
        "locaties/<int:location_pk>/overeenkomst/",
        agreement_pages.AgreementFormView.as_view(),
        name="agreement_create",
    )
    action_start_path = path(
        "locaties/<int:location_pk>/actie/",
        location_work.ActionStartView.as_view(),
        name="action_start",
    )
    designation_view_create_path = path(
        "locaties/<int:location_pk>/zienswijze/",
        location_work.DesignationViewCreateView.as_view(),
        name="designation_view_create",
    )
    designation_notice_path = path(
        "locaties/<int:location_pk>/kennisgeving/",
        location_work.DesignationNoticeCreateView.as_view(),
        name="designation_notice",
    )
    calendar_path = path(
        "agenda-koppeling/", CalendarLinkView.as_view(), name="calendar"
    )
    # The steps of the bottleneck lifecycle and the commitment ledger.
    bottleneck_resolve_path = ledger_pages.step_path("bottleneck", "resolve")
    bottleneck_confirm_path = ledger_pages.step_path("bottleneck", "confirm")
    bottleneck_return_path = ledger_pages.step_path("bottleneck", "return")
    bottleneck_reopen_path = ledger_pages.step_path("bottleneck", "reopen")
    commitment_report_path = ledger_pages.step_path("commitment", "report")
    commitment_confirm_path = ledger_pages.step_path("commitment", "confirm")
    commitment_dispute_path = ledger_pages.step_path("commitment", "dispute")
    commitment_waive_path = ledger_pages.step_path("commitment", "waive")
    commitment_extend_path = ledger_pages.step_path("commitment", "extend")

    def __init__(self, flow_viewsets, **kwargs):
        # WorkflowAppViewset.__init__, with our app of the per-flow pages in place of
        # viewflow's NestedFlowsApp (whose index fails for a person without any).
        self.flow_classes = [viewset._flow_class for viewset in flow_viewsets]
        flows_app = FlowsApp(viewsets=flow_viewsets)
        flows_app.base_template_name = BASE_TEMPLATE
        kwargs["viewsets"] = [*kwargs.get("viewsets", []), flows_app]
        Application.__init__(self, **kwargs)

    def has_view_permission(self, user, obj=None):
        # Everyone signed in has an inbox; what is in it is decided per task.
        return bool(user and user.is_authenticated)

    def get_context_data(self, request):
        # The menu (templates/doorbraak/menu.html) counts the inbox and queue itself,
        # on every page; nothing to add here.
        return {}


def workflow_app() -> DoorbraakWorkflowApp:
    return DoorbraakWorkflowApp(
        flow_viewsets=[
            DoorbraakFlowViewset(ApprovalRoundFlow, icon="how_to_vote"),
            DoorbraakFlowViewset(BottleneckActionFlow, icon="construction"),
            DoorbraakFlowViewset(EscalationFlow, icon="gavel"),
            DoorbraakFlowViewset(DesignationFlow, icon="account_balance"),
        ]
    )
