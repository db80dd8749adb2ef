"""Custom viewflow nodes.

- `FanOut`: a parallel split that creates one task per item of a data source. The open
  source `Split.Next` documents `data_source=` but refuses it; an approval round needs one
  task per participating organisation, and that number varies per location.
- `OrganisationTask`: a human task that belongs to one organisation (named in the task's
  data). Only people holding an object permission on that organisation may claim and do
  it; the permission is stored on the task so viewflow's queue shows it to them and to
  nobody else.
- `RoundDecision`: an organisation's decision in an approval round, which goes on to
  the round's join only when it ends the round.
- `RoleTask`: a human task for a programme-wide role (the case manager, the ministry)
  at one location.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from viewflow import this
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow.nodes import Split, View
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS

from casework.access import programme_role_condition
from casework.constants import VersionStatus
from casework.models import AgreementVersion, Location
from casework.transactions import callers_transaction
from permissions.checks import has_object_perm, holds_perm_on
from permissions.models import Organisation


class _TaskToRead:
    """A task the next process lock reads again while it locks (`task_activation`)."""

    def __init__(self, task_class, pk: int) -> None:
        self.task_class = task_class
        self.pk = pk
        self.task = None


_read_while_locking: ContextVar[_TaskToRead | None] = ContextVar(
    "doorbraak_task_read_while_locking", default=None
)


class ProcessLock:
    """The process row is locked while a task of it changes (`SELECT … FOR UPDATE`);
    waiting (not failing) on the lock lets twenty signatories decide at the same
    moment without errors. viewflow's `SelectForUpdateLock(nowait=False,
    attempts=1)`, without its savepoint where the caller's transaction is enough
    (`casework.transactions.in_callers_transaction`). For `task_activation` the
    statement that locks the process reads the task and the process as well."""

    @contextmanager
    def __call__(self, flow_class, process_pk):
        with transaction.atomic(savepoint=not callers_transaction()):
            wanted = _read_while_locking.get()
            if wanted is not None and wanted.task is None:
                wanted.task = _locked_with_process(wanted.task_class, wanted.pk)
            else:
                flow_class.process_class._default_manager.filter(
                    pk=process_pk
                ).select_for_update().exists()
            yield


def _locked_with_process(task_class, pk: int):
    tasks = task_class._default_manager.select_related("process").filter(pk=pk)
    if connection.features.has_select_for_update_of:
        # The process row is the lock; the task row is only read.
        return tasks.select_for_update(of=("process",)).get()
    return tasks.select_for_update().get()


@contextmanager
def task_activation(task) -> Iterator[Activation]:
    """viewflow's `Task.activation()` (the process locked, the task read again under
    the lock) in one statement instead of three: the lock, the task and its process
    are one `SELECT … FOR UPDATE OF` the process. Inside it, further locks (of the
    nodes that follow) lock as usual."""
    wanted = _TaskToRead(type(task), task.pk)
    token = _read_while_locking.set(wanted)
    try:
        with task.flow_task.flow_class.lock(task.process_id):
            _read_while_locking.reset(token)
            token = None
            if wanted.task is None:
                # Another lock implementation (none in this project): read it as
                # viewflow does.
                task.refresh_from_db()
                wanted.task = task
            yield task.flow_task.activation_class(wanted.task)
    finally:
        if token is not None:
            _read_while_locking.reset(token)


def round_version_status(process) -> str:
    """The status of the version an approval round is about. The decision that ended
    the round locked and changed the version, and says so on the process object it
    passes on (`remember_version_status`); the nodes after it ask without a query."""
    status = getattr(process, "_doorbraak_version_status", None)
    if status is None:
        status = (
            AgreementVersion.objects.filter(pk=process.data["version"])
            .values_list("status", flat=True)
            .get()
        )
        remember_version_status(process, status)
    return status


def remember_version_status(process, status: str) -> None:
    process._doorbraak_version_status = status


def active_user(pk):
    """The active user with this primary key, or None."""
    return get_user_model()._default_manager.filter(pk=pk, is_active=True).first()


def location_of(process) -> Location:
    """The location a process is about (the object of its case-manager tasks)."""
    return Location.objects.get(pk=process.data["location"])


class FanOutActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        for node, condition, data_source in self.flow_task._branches:
            if condition and not condition(self):
                continue
            if data_source is None:
                self.next_tasks.append((node, None))
            else:
                self.next_tasks.extend((node, item) for item in data_source(self))
        if not self.next_tasks:
            raise FlowRuntimeError(f"Nothing to fan out to from {self.flow_task.name}")


class FanOut(Split):
    """Parallel split with one outgoing task per item of `data_source(activation)`;
    each task's `data` is its item."""

    activation_class = FanOutActivation

    def Next(self, node, case=None, data_source=None):
        self._activate_next.append((node, case, data_source))
        return self


def task_organisation(task) -> Organisation:
    return Organisation.objects.get(pk=task.data["organisation"])


class OrganisationTask(View):
    """A task for one organisation, done by someone holding `permission` on it.

    The task's data names the organisation (`{"organisation": id, ...}`): given per
    item by a `FanOut`, or by the `task_data=` of the edge leading here. When exactly
    one person holds the permission, the task is assigned to them at once (it lands in
    their inbox); otherwise it waits in the queue of everyone who holds it.
    """

    def __init__(self, view, permission: str, **kwargs):
        super().__init__(view, **kwargs)
        self._organisation_permission = permission

    def calc_owner_permission(self, activation):
        return self._organisation_permission

    def calc_owner_permission_obj(self, activation):
        return task_organisation(activation.task)

    def calc_owner(self, activation):
        organisation = task_organisation(activation.task)
        group = (
            organisation.signatories_group
            if self._organisation_permission.endswith("sign_for_organisation")
            else organisation.members_group
        )
        holders = list(
            get_user_model()
            ._default_manager.filter(groups=group, is_active=True)
            .order_by("pk")[:2]
        )
        return holders[0] if len(holders) == 1 else None

    def may_act(self, user, task) -> bool:
        """Holds the permission on the task's organisation: one query, without
        reading the organisation itself."""
        if not (user and user.is_authenticated):
            return False
        return holds_perm_on(
            user, self._organisation_permission, Organisation, task.data["organisation"]
        )

    def can_assign(self, user, task):
        return not task.owner_id and self.may_act(user, task)

    def can_execute(self, user, task):
        return task.owner_id == getattr(user, "pk", None) and self.may_act(user, task)


class RoundDecisionActivation(ViewActivation):
    """An organisation's decision in an approval round. One that leaves the round
    open (an approval, others still to come) goes no further. The decision that ends
    it (the last approval, or a rejection: the handler that records it says so in
    `ends_round`) closes the round itself — a rejection cancels the decisions still
    open, then the node's round-end function runs (the round's deadlines, the PDF) —
    and goes on to the node that follows its outcome: `Next` when the version was
    concluded, `Rejected` when it was rejected. No join, gateway or function node
    between them: each would cost its own task row, link and savepoint on the
    busiest write of the application."""

    ends_round = True

    @Activation.status.transition(source=STATUS.DONE)
    def create_next(self):
        if not self.ends_round:
            return
        node = self.flow_task
        rejected = round_version_status(self.process) == VersionStatus.REJECTED
        if rejected:
            self._cancel_open_decisions()
        if node._on_round_end is not None:
            node._on_round_end(self)
        following = node._rejected if rejected else node._next
        token = self.task.token
        if token.is_split_token():
            token = token.get_base_split_token()
        yield following._create(self, token, data={})

    def _cancel_open_decisions(self) -> None:
        still_open = (
            self.flow_class.task_class._default_manager.filter(
                process=self.process, flow_task=self.flow_task
            )
            .exclude(pk=self.task.pk)
            .exclude(status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED])
            .order_by("pk")
        )
        for task in still_open:
            activation = task.flow_task.activation_class(task)
            if not activation.cancel.can_proceed():
                raise FlowRuntimeError(f"Can't cancel {task}")
            activation.cancel()


class RoundDecision(OrganisationTask):
    """See `RoundDecisionActivation`: `.Next(concluded).Rejected(rejected)
    .OnRoundEnd(function)`."""

    activation_class = RoundDecisionActivation

    def __init__(self, view, permission: str, **kwargs):
        super().__init__(view, permission, **kwargs)
        self._rejected = None
        self._on_round_end = None

    def Rejected(self, node):
        self._rejected = node
        return self

    def OnRoundEnd(self, function):
        self._on_round_end = function
        return self

    def _resolve(self, instance):
        super()._resolve(instance)
        self._rejected = this.resolve(instance, self._rejected)
        self._on_round_end = this.resolve(instance, self._on_round_end)

    def _outgoing(self):
        yield from super()._outgoing()
        if self._rejected:
            yield Edge(src=self, dst=self._rejected, edge_class="next")


def role_holders(perm: str, programme_id: int | None = None):
    """Active users holding `perm` model-wide (a programme-wide role), and with
    `programme_id` those holding it through a role in that programme."""
    app_label, codename = perm.split(".", 1)
    granted = (
        Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
        | Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        | programme_role_condition(perm, programme_id)
    )
    return (
        get_user_model()
        ._default_manager.filter(granted, is_active=True)
        .distinct()
        .order_by("pk")
    )


class RoleTask(View):
    """A task for a programme-wide role at one location: the case manager
    (`manage_location`) or the ministry (`direct_location`).

    The task asks for that permission on the location, so viewflow's queue shows it
    to every holder of the role and to nobody else (not to the parties). With exactly
    one holder it is assigned to them at once; whoever does it must still hold the
    permission then.
    """

    def __init__(self, view, permission: str, **kwargs):
        super().__init__(view, **kwargs)
        self._role_permission = permission
        self.Permission(permission, obj=location_of)

    @property
    def role_permission(self) -> str:
        return self._role_permission

    def calc_owner(self, activation):
        location = location_of(activation.process)
        holders = list(role_holders(self._role_permission, location.programme_id)[:2])
        return holders[0] if len(holders) == 1 else None

    def may_act(self, user, task) -> bool:
        return bool(user and user.is_authenticated) and has_object_perm(
            user, self._role_permission, location_of(task.process)
        )

    def can_assign(self, user, task):
        return not task.owner_id and self.may_act(user, task)

    def can_execute(self, user, task):
        return task.owner_id == getattr(user, "pk", None) and self.may_act(user, task)
