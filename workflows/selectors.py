"""Reads of the workflow side: whose tasks are where, who may see a task, and the
menu's numbers. What each task is about is `workflows.presenters`.

- `inbox`, `queue`, `archive`, `open_tasks`: a person's tasks over every flow of the
  workflow app. Unlike viewflow's managers they do not drop a flow whose dashboard the
  person may not open (the dashboards are for programme-wide roles; a party's
  signatory still has tasks), and the queue checks object permissions in SQL
  (`_may_claim`, on `permissions.checks.holds_grant`) instead of loading every object
  permission of the person's groups.
- `work_counts`: the menu's three numbers in one statement, by the same rules.
- `visible_task`, `task_process_visible`, `task_page_state`: a task or process exists
  for a person only if its location does (`casework.access`); a task page also needs
  to know whether the task is still open.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.access import (
    location_visible,
    programmes_granting,
    reads_portfolio,
    require_location_visible,
)
from casework.constants import LocationPerm
from casework.models import Location
from permissions.checks import guardian_tables, holds_grant
from permissions.errors import NotVisible

from .constants import FLOWS, HELD_TASK_STATUSES, OPEN_TASK_STATUSES
from .deadlines import task_due
from .models import Notification

# `task_due` is read with the lists (the due date a row shows).
__all__ = [
    "TaskPageState",
    "archive",
    "inbox",
    "may_see_flow_dashboards",
    "notifications",
    "open_tasks",
    "queue",
    "task_due",
    "task_location_id",
    "task_page_state",
    "task_process_visible",
    "unread_notifications_count",
    "visible_task",
    "work_counts",
]


# --- Whose tasks ------------------------------------------------------------------


def _tasks(flows: Iterable | None = None) -> QuerySet[Task]:
    return (
        Task.objects.filter(
            process__flow_class__in=list(flows or FLOWS),
            flow_task_type="HUMAN",
        )
        .select_related("process")
        .annotate(due_text=KeyTextTransform("due", "data"))
    )


def _by_due_date(queryset: QuerySet[Task]) -> QuerySet[Task]:
    """Earliest deadline first (tasks without one last), then the oldest first."""
    return queryset.order_by(F("due_text").asc(nulls_last=True), "created", "pk")


def inbox(user, flows: Iterable | None = None) -> QuerySet[Task]:
    """Open tasks assigned to `user`."""
    return _by_due_date(
        _tasks(flows).filter(owner_id=user.pk, status__in=HELD_TASK_STATUSES)
    )


def _may_claim(user) -> Q:
    """The rule of viewflow's queue (`TaskQuerySet.user_queue`), in SQL.

    A task may be claimed by `user` when it asks for no permission, or when the user
    holds its `owner_permission` model-wide (a role), or on the task's object
    (`owner_permission_obj`) through guardian's generic tables, granted to the user or
    to one of the user's groups (an organisation's signatories or members). Viewflow
    loads every object permission of the user into Python and compares strings
    (a query per row on top); here it is one EXISTS per task, which also checks the
    object's content type. The lists and the menu's counts share it.
    """
    claimable = (
        Q(owner_permission__isnull=True)
        | Q(owner_permission__in=user.get_all_permissions())
        | holds_grant(
            user,
            content_type_id=OuterRef("owner_permission_content_type_id"),
            object_pk=OuterRef("owner_permission_obj_pk"),
            perm_name=OuterRef("owner_permission"),
        )
    )
    for perm, programme_ids in _programme_roles(user):
        # A role in a programme: its locations' tasks of that role.
        claimable |= Q(
            owner_permission=perm,
            owner_permission_content_type=ContentType.objects.get_for_model(Location),
            owner_permission_obj_pk__in=Location.objects.filter(
                programme_id__in=programme_ids
            )
            .annotate(pk_text=Cast("pk", CharField()))
            .values("pk_text"),
        )
    return claimable


def _programme_roles(user) -> list[tuple[str, list[int]]]:
    """(location permission, programme ids) for the roles `user` holds in
    programmes (the cached grants: none, and no query, for most people)."""
    roles = []
    for perm in (LocationPerm.MANAGE, LocationPerm.DIRECT):
        programme_ids = programmes_granting(user, perm)
        if programme_ids:
            roles.append((perm, programme_ids))
    return roles


def queue(user, flows: Iterable | None = None) -> QuerySet[Task]:
    """Unassigned open tasks `user` may claim."""
    queryset = _tasks(flows).filter(status=STATUS.NEW)
    if not user.is_superuser:
        queryset = queryset.filter(_may_claim(user))
    return _by_due_date(queryset)


def open_tasks(user, flows: Iterable | None = None) -> QuerySet[Task]:
    """Inbox and queue in one query, earliest deadline first (the task API's list)."""
    claimable = Q(status=STATUS.NEW)
    if not user.is_superuser:
        claimable &= _may_claim(user)
    assigned = Q(owner_id=user.pk, status__in=HELD_TASK_STATUSES)
    return _by_due_date(_tasks(flows).filter(assigned | claimable))


def archive(user, flows: Iterable | None = None) -> QuerySet[Task]:
    """Tasks `user` held that are finished (done, or closed with their round)."""
    return (
        _tasks(flows)
        .filter(owner_id=user.pk, finished__isnull=False)
        .order_by("-finished", "-pk")
    )


def work_counts(user) -> dict[str, int]:
    """The menu's three numbers (inbox, queue, unread notifications) in one statement
    on every page: the counts `inbox`, `queue` and the unread notifications would give.

    Written out as SQL, the one hand-written copy of the queue's rule (`_may_claim`),
    for a measured saving on every page: the same statement through the ORM (three
    subqueries of the user's row, `_may_claim` inside) took 9–17 ms to build and run
    against 0.4 ms for this one on SQLite, 19–21 ms against 3 ms on PostgreSQL (20
    rounds, a signatory and a case manager, 3 December 2026). The same rule, the same
    tables; `tests/workflows/test_menu_counts.py` holds the two to each other for
    every kind of person.
    """
    quote = connection.ops.quote_name
    process = Task._meta.get_field("process").related_model
    tables = {
        "task": quote(Task._meta.db_table),
        "process": quote(process._meta.db_table),
        "notification": quote(Notification._meta.db_table),
        **guardian_tables(),
    }
    flow_field = process._meta.get_field("flow_class")
    flows = [flow_field.get_prep_value(flow) for flow in FLOWS]
    human = "t.flow_task_type = %s AND p.flow_class IN ({})".format(
        ", ".join(["%s"] * len(flows))
    )
    human_params = ["HUMAN", *flows]
    if user.is_superuser:
        claimable, claimable_params = "", []
    else:
        perms = sorted(user.get_all_permissions())
        granted = """
            {{table}} x JOIN {permission} ap ON ap.id = x.permission_id
            JOIN {content_type} ct ON ct.id = ap.content_type_id
            WHERE x.content_type_id = t.owner_permission_content_type_id
              AND x.object_pk = t.owner_permission_obj_pk
              AND ct.app_label || '.' || ap.codename = t.owner_permission
        """.format(**tables)
        by_role = (
            "OR t.owner_permission IN ({})".format(", ".join(["%s"] * len(perms)))
            if perms
            else ""
        )
        claimable = """
            AND (t.owner_permission IS NULL {by_role}
              OR EXISTS (SELECT 1 FROM {by_group} AND x.group_id IN (
                SELECT {group_col} FROM {user_groups} WHERE {user_col} = %s))
              OR EXISTS (SELECT 1 FROM {by_user} AND x.user_id = %s))
        """.format(
            by_role=by_role,
            by_group=granted.format(table=tables["group_perm"]),
            by_user=granted.format(table=tables["user_perm"]),
            **tables,
        )
        claimable_params = [*perms, user.pk, user.pk]
        location_type = ContentType.objects.get_for_model(Location).pk
        for perm, programme_ids in _programme_roles(user):
            # The queue's programme roles (`_may_claim`), in the same words.
            claimable = (
                claimable.rstrip()[:-1]
                + """
              OR (t.owner_permission = %s AND t.owner_permission_content_type_id = %s
                AND t.owner_permission_obj_pk IN (
                  SELECT CAST(l.id AS TEXT) FROM {location} l
                  WHERE l.programme_id IN ({ids}))))
            """.format(
                    location=quote(Location._meta.db_table),
                    ids=", ".join(["%s"] * len(programme_ids)),
                )
            )
            claimable_params += [perm, location_type, *programme_ids]
    sql = """
        SELECT
          (SELECT COUNT(*) FROM {task} t JOIN {process} p ON p.id = t.process_id
            WHERE {human} AND t.owner_id = %s AND t.status IN (%s, %s)),
          (SELECT COUNT(*) FROM {task} t JOIN {process} p ON p.id = t.process_id
            WHERE {human} AND t.status = %s {claimable}),
          (SELECT COUNT(*) FROM {notification} n
            WHERE n.user_id = %s AND n.read_at IS NULL)
    """.format(human=human, claimable=claimable, **tables)
    params = [
        *human_params,
        user.pk,
        *HELD_TASK_STATUSES,
        *human_params,
        STATUS.NEW,
        *claimable_params,
        user.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inbox_n, queue_n, unread_n = cursor.fetchone()
    return {"inbox": inbox_n, "queue": queue_n, "unread": unread_n}


def may_see_flow_dashboards(user) -> bool:
    """The per-flow dashboards and process lists list every location's processes:
    they are for the programme-wide roles (`DoorbraakFlow.has_view_permission`)."""
    return reads_portfolio(user)


def task_process_visible(user, *, process_pk: int, task_pk: int | None = None) -> bool:
    """Whether `user` may see the location of this process (and the task belongs to
    it). A process or task of a location the user may not see does not exist for
    them (404), before any question of who may do the task (403)."""
    if task_pk is not None:
        data = (
            Task.objects.filter(pk=task_pk, process_id=process_pk)
            .values_list("process__data", flat=True)
            .first()
        )
    else:
        data = (
            Process.objects.filter(pk=process_pk).values_list("data", flat=True).first()
        )
    return location_visible(user, (data or {}).get("location"))


class TaskPageState:
    """What a task page finds when it opens (`task_page_state`)."""

    HIDDEN = "hidden"  # no such task, or its location is not visible: a 404
    OPEN = "open"  # still to be done: viewflow's page decides who may do it
    CLOSED = "closed"  # a person's task that is done or has lapsed
    HELD = "held"  # open, but claimed by someone else


def task_page_state(user, *, process_pk: int, task_pk: int) -> str:
    """The state of the task behind a task page, as `TaskPageState`, in the one query
    that also checks the location's visibility (the same as `task_process_visible`)."""
    row = (
        Task.objects.filter(pk=task_pk, process_id=process_pk)
        .values_list("process__data", "status", "flow_task_type", "owner_id")
        .first()
    )
    if row is None:
        return TaskPageState.HIDDEN
    data, status, node_type, owner_id = row
    if not location_visible(user, (data or {}).get("location")):
        return TaskPageState.HIDDEN
    if node_type != "HUMAN":
        return TaskPageState.OPEN
    if status not in OPEN_TASK_STATUSES:
        return TaskPageState.CLOSED
    if owner_id is not None and owner_id != getattr(user, "pk", None):
        return TaskPageState.HELD
    return TaskPageState.OPEN


def task_location_id(task) -> int | None:
    return (task.process.data or {}).get("location")


def visible_task(user, task_id: int, *, flows=None) -> Task:
    """The human task (of one of `flows`, when given) with its process, if `user` may
    see its location and its flow shows the user its tasks (the escalation branch's
    only to the ministry and case managers); else `NotVisible` (a 404), the answer for
    a task that does not exist."""
    tasks = Task.objects.select_related("process").filter(
        pk=task_id, flow_task_type="HUMAN"
    )
    if flows is not None:
        tasks = tasks.filter(process__flow_class__in=flows)
    task = tasks.first()
    location_id = task_location_id(task) if task is not None else None
    if location_id is None:
        raise NotVisible(task=task_id)
    try:
        require_location_visible(user, location_id)
    except NotVisible:
        raise NotVisible(task=task_id) from None
    if not task.flow_task.flow_class.instance.shows_tasks_to(user, task):
        raise NotVisible(task=task_id)
    return task


# --- Notifications ------------------------------------------------------------------------


def notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_notifications_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
