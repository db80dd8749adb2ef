"""Reads of the workflow side: whose tasks are where, and what each task is about.

Every list answers in a constant number of queries: the tasks of a page come in one
query, and what they are about (agreement versions, actions, locations, organisations)
is loaded for the whole page at once, never per row.

- `inbox`, `queue`, `archive`: a person's tasks over every flow of the workflow app.
  Unlike viewflow's managers they do not drop a flow whose dashboard the person may
  not open (the dashboards are for programme-wide roles; a party's signatory still has
  tasks), and the queue checks object permissions in SQL instead of loading every
  object permission of the person's groups.
- `describe_tasks`: one `TaskRow` per task: the task, its location, the agreement
  version or action, the organisation it is for, the due date, and what deciding means.
- `location_work`: who holds the ball at one location (the location page's section).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.access import location_visible, reads_portfolio
from casework.constants import (
    ActionStatus,
    AgreementKind,
    ConsultationOutcome,
    Decision,
    TransitionName,
    VersionStatus,
)
from casework.models import AgreementVersion, Approval, BottleneckAction, Location
from casework.selectors import location_versions
from permissions.checks import holds_grant
from permissions.models import Organisation

from .models import Notification

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)

# What kind of work a human task is; the node names are those of `workflows.flows`.
APPROVE, REVISE, PERFORM, REVIEW = "approve", "revise", "perform", "review"
# The escalation branch (`workflows.escalation`).
CONSULT, RESUME, INTERVENE, FINAL_DECISION = "consult", "resume", "intervene", "decide"
ESCALATION_KINDS = (CONSULT, RESUME, INTERVENE, FINAL_DECISION)


def flow_classes() -> tuple:
    from .escalation import DesignationFlow, EscalationFlow
    from .flows import ApprovalRoundFlow, BottleneckActionFlow

    return (ApprovalRoundFlow, BottleneckActionFlow, EscalationFlow, DesignationFlow)


def task_kind(task: Task) -> str:
    """`approve`, `revise`, `perform` or `review` (the node's name)."""
    return task.flow_task.name if task.flow_task is not None else ""


# --- Whose tasks ------------------------------------------------------------------


def _tasks(flows: Iterable | None = None) -> QuerySet[Task]:
    return (
        Task.objects.filter(
            process__flow_class__in=list(flows or flow_classes()),
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
        _tasks(flows).filter(
            owner_id=user.pk, status__in=(STATUS.ASSIGNED, STATUS.STARTED)
        )
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
    return (
        Q(owner_permission__isnull=True)
        | Q(owner_permission__in=user.get_all_permissions())
        | holds_grant(
            user,
            content_type_id=OuterRef("owner_permission_content_type_id"),
            object_pk=OuterRef("owner_permission_obj_pk"),
            perm_name=OuterRef("owner_permission"),
        )
    )


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
    assigned = Q(owner_id=user.pk, status__in=(STATUS.ASSIGNED, STATUS.STARTED))
    return _by_due_date(_tasks(flows).filter(assigned | claimable))


def archive(user, flows: Iterable | None = None) -> QuerySet[Task]:
    """Tasks `user` held that are finished (done, or closed with their round)."""
    return (
        _tasks(flows)
        .filter(owner_id=user.pk, finished__isnull=False)
        .order_by("-finished", "-pk")
    )


def _count(queryset: QuerySet) -> Subquery:
    return Subquery(
        queryset.order_by().values(n=Func(F("pk"), function="COUNT")),
        output_field=IntegerField(),
    )


def work_counts(user) -> dict[str, int]:
    """The menu's three numbers (inbox, queue, unread notifications) in one statement
    on every page: the counts of `inbox`, `queue` and the unread notifications, by the
    same rules (`_may_claim`), as three subqueries of the user's own row."""
    tasks = Task.objects.filter(
        process__flow_class__in=list(flow_classes()), flow_task_type="HUMAN"
    )
    claimable = tasks.filter(status=STATUS.NEW)
    if not user.is_superuser:
        claimable = claimable.filter(_may_claim(user))
    counts = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .values_list(
            _count(
                tasks.filter(
                    owner_id=user.pk, status__in=(STATUS.ASSIGNED, STATUS.STARTED)
                )
            ),
            _count(claimable),
            _count(Notification.objects.filter(user_id=user.pk, read_at__isnull=True)),
        )
        .first()
    )
    inbox_n, queue_n, unread_n = counts or (0, 0, 0)
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


# --- What a task is about --------------------------------------------------------------


@dataclass
class TaskRow:
    """One task as the lists show it."""

    task: Task
    kind: str
    title: str
    url: str
    location: Location | None
    subject: str
    subject_detail: str
    organisation: str
    due: datetime.date | None
    overdue: bool
    meaning: str
    outcome: str = ""

    @property
    def assign_url(self) -> str:
        """Where one claims the task (viewflow's assign page of its node)."""
        return self.task.flow_task.reverse(
            "assign", args=[self.task.process_id, self.task.pk]
        )

    @property
    def location_url(self) -> str:
        if self.location is None:
            return ""
        return reverse("locations:detail", args=[self.location.pk])


def task_due(task: Task) -> datetime.date | None:
    value = (task.data or {}).get("due")
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def task_overdue(task: Task, today: datetime.date | None = None) -> bool:
    """Overdue: the deadline timer marked it (`data["overdue"]`), or it is still open
    and its due date has passed (the timer may not have run yet)."""
    if (task.data or {}).get("overdue"):
        return task.status in OPEN
    due = task_due(task)
    return (
        due is not None
        and task.status in OPEN
        and due < (today or timezone.localdate())
    )


def approval_meaning(kind: str) -> str:
    if kind == AgreementKind.HEADS_OF_AGREEMENT:
        return _(
            "Keurt elke partij goed, dan is het hoofdlijnenakkoord vastgesteld; één "
            "afwijzing stuurt het terug naar de procesregisseur."
        )
    return _(
        "Keurt elke partij goed, dan is de bestuurlijke overeenkomst gesloten: de "
        "doorbraak; één afwijzing stuurt haar terug naar de procesregisseur."
    )


def _meaning(kind: str, version: AgreementVersion | None) -> str:
    if kind == APPROVE and version is not None:
        return approval_meaning(version.agreement.kind)
    if kind == REVISE:
        return _(
            "Een partij heeft afgewezen: uw nieuwe versie opent een nieuwe "
            "goedkeuringsronde bij alle partijen."
        )
    if kind == PERFORM:
        return _(
            "Meld de actie gereed met bewijs, of vraag de procesregisseur om hulp."
        )
    if kind == REVIEW:
        return _(
            "Accepteren rondt de actie af; terugsturen geeft haar met uw toelichting "
            "terug aan de partij."
        )
    if kind == CONSULT:
        return _(
            "Leg datum, deelnemers en uitkomst van het bestuurlijk overleg vast; bij "
            "‘impasse blijft’ besluit het ministerie over ingrijpen."
        )
    if kind == RESUME:
        return _("Het overleg gaf een doorbraak: hervat de onderhandeling.")
    if kind == INTERVENE:
        return _(
            "De impasse blijft: start de aanwijzingsprocedure, hervat de "
            "onderhandeling of voer de locatie af."
        )
    if kind == FINAL_DECISION:
        return _(
            "De zienswijzetermijn is voorbij: neem het definitieve besluit, met een "
            "reactie op de zienswijzen."
        )
    return ""


def _outcome(task: Task) -> str:
    if task.status == STATUS.CANCELED:
        return _("Vervallen: de ronde is gesloten")
    if task.status != STATUS.DONE:
        return ""
    data = task.data or {}
    kind = task_kind(task)
    if kind == APPROVE:
        return decision_label(data.get("decision")) or _("Gedaan")
    if kind == REVISE:
        return _("Nieuwe versie ter goedkeuring aangeboden")
    if kind == PERFORM:
        return {"done": _("Gereed gemeld"), "help": _("Hulp gevraagd")}.get(
            data.get("outcome"), _("Gedaan")
        )
    if kind == REVIEW:
        return {"accept": _("Geaccepteerd"), "return": _("Teruggestuurd")}.get(
            data.get("decision"), _("Gedaan")
        )
    if kind == CONSULT and data.get("outcome") in ConsultationOutcome.values:
        return str(ConsultationOutcome(data["outcome"]).label)
    if kind in ESCALATION_KINDS and data.get("decision") in TransitionName.values:
        return str(TransitionName(data["decision"]).label)
    return _("Gedaan")


def decision_label(decision: str) -> str:
    """A decision taken, in the past tense ("Goedgekeurd", not "Goedkeuren")."""
    return {
        Decision.APPROVE: _("Goedgekeurd"),
        Decision.REJECT: _("Afgewezen"),
    }.get(decision, "")


def version_label(version: AgreementVersion) -> str:
    return _("%(title)s, versie %(number)s") % {
        "title": version.agreement.title,
        "number": version.number,
    }


def describe_tasks(tasks: Iterable[Task]) -> list[TaskRow]:
    """What each task is about, for a page of tasks, in at most four queries: the
    agreement versions, the actions, the locations and the organisations involved."""
    tasks = list(tasks)
    version_ids, action_ids, location_ids, organisation_ids = set(), set(), set(), set()
    for task in tasks:
        kind = task_kind(task)
        process = task.process
        if kind in (APPROVE, REVISE) and process.artifact_object_id:
            version_ids.add(process.artifact_object_id)
        if kind in (PERFORM, REVIEW) and process.artifact_object_id:
            action_ids.add(process.artifact_object_id)
        if (process.data or {}).get("location") is not None:
            location_ids.add(process.data["location"])
        if (task.data or {}).get("organisation") is not None:
            organisation_ids.add(task.data["organisation"])

    versions = (
        AgreementVersion.objects.select_related("agreement").in_bulk(version_ids)
        if version_ids
        else {}
    )
    actions = (
        BottleneckAction.objects.select_related(
            "bottleneck", "assignee__organisation"
        ).in_bulk(action_ids)
        if action_ids
        else {}
    )
    locations = Location.objects.in_bulk(location_ids) if location_ids else {}
    organisations = (
        dict(
            Organisation.objects.filter(pk__in=organisation_ids).values_list(
                "pk", "name"
            )
        )
        if organisation_ids
        else {}
    )

    today = timezone.localdate()
    rows = []
    for task in tasks:
        kind = task_kind(task)
        process = task.process
        version = (
            versions.get(process.artifact_object_id)
            if kind
            in (
                APPROVE,
                REVISE,
            )
            else None
        )
        action = (
            actions.get(process.artifact_object_id)
            if kind
            in (
                PERFORM,
                REVIEW,
            )
            else None
        )
        subject = subject_detail = organisation = ""
        if version is not None:
            subject = version_label(version)
            subject_detail = version.agreement.get_kind_display()
        elif action is not None:
            subject = action.description
            subject_detail = _("Actie op knelpunt: %(bottleneck)s") % {
                "bottleneck": action.bottleneck.get_category_display()
            }
        if kind == APPROVE:
            organisation = organisations.get((task.data or {}).get("organisation"), "")
        elif kind == PERFORM and action is not None:
            organisation = action.assignee.organisation.name
        elif kind == REVIEW and action is not None:
            organisation = _("Procesregisseur (actie van %(organisation)s)") % {
                "organisation": action.assignee.organisation.name
            }
        elif kind in (REVISE, CONSULT):
            organisation = _("Procesregisseur")
        elif kind in ESCALATION_KINDS:
            organisation = _("Ministerie")
        if kind in ESCALATION_KINDS:
            subject = (
                _("Aanwijzingsprocedure")
                if kind == FINAL_DECISION
                else _("Escalatie naar bestuurlijk overleg")
            )
        due = task_due(task)
        rows.append(
            TaskRow(
                task=task,
                kind=kind,
                title=str(task.title),
                url=task.flow_task.reverse("index", args=[task.process_id, task.pk]),
                location=locations.get((process.data or {}).get("location")),
                subject=subject,
                subject_detail=str(subject_detail),
                organisation=organisation,
                due=due,
                overdue=task_overdue(task, today),
                meaning=_meaning(kind, version),
                outcome=_outcome(task),
            )
        )
    return rows


# --- Who holds the ball at a location -----------------------------------------------------


@dataclass
class PartyDecision:
    organisation_id: int
    organisation: str
    decision: str = ""  # "", "approve" or "reject"
    decision_label: str = ""
    decided_by: str = ""
    decided_at: datetime.datetime | None = None
    comment: str = ""
    claimed_by: str = ""
    due: datetime.date | None = None
    overdue: bool = False

    @property
    def waiting(self) -> bool:
        return not self.decision


@dataclass
class OpenRound:
    version: AgreementVersion
    label: str
    kind_label: str
    meaning: str
    parties: list[PartyDecision] = field(default_factory=list)

    @property
    def waiting_on(self) -> list[PartyDecision]:
        return [party for party in self.parties if party.waiting]

    @property
    def decided(self) -> list[PartyDecision]:
        return [party for party in self.parties if not party.waiting]


@dataclass
class OpenAction:
    action: BottleneckAction
    organisation: str
    bottleneck: str
    status_label: str
    ball_with: str
    due: datetime.date
    overdue: bool


@dataclass
class LocationWork:
    rounds: list[OpenRound]
    revisions: list[TaskRow]
    actions: list[OpenAction]
    waiting_organisations: list[str]

    @property
    def empty(self) -> bool:
        return not (self.rounds or self.revisions or self.actions)


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def location_work(location: Location) -> LocationWork:
    """Who holds the ball at `location`: the open approval rounds with the parties that
    still have to decide (and those that did), a revision the case manager owes, and
    the open breakthrough-agenda actions per party. Reads casework's facts (versions
    in approval, approvals, actions) and viewflow's open tasks of the location.

    Uses the location's parties as loaded by the caller (the location page prefetches
    them); five queries otherwise, whatever the number of parties, tasks or actions.
    """
    parties = sorted(
        location.parties.all(), key=lambda party: party.organisation.name.lower()
    )

    open_tasks = list(
        Task.objects.filter(
            process__flow_class__in=list(flow_classes()),
            flow_task_type="HUMAN",
            status__in=OPEN,
            process__data__location=location.pk,
        )
        .select_related("process", "owner")
        .order_by("pk")
    )
    approval_tasks: dict[tuple[int, int], Task] = {}
    action_tasks: dict[int, Task] = {}
    revise_tasks = []
    for task in open_tasks:
        kind = task_kind(task)
        if kind == APPROVE:
            key = (task.process.artifact_object_id, task.data.get("organisation"))
            approval_tasks[key] = task
        elif kind in (PERFORM, REVIEW):
            action_tasks[task.process.artifact_object_id] = task
        elif kind == REVISE:
            revise_tasks.append(task)

    # The page reads the location's versions once (the documents section shows the
    # concluded ones); the open rounds' decisions come with them.
    versions = [
        version
        for version in location_versions(location)
        if version.status == VersionStatus.IN_APPROVAL
    ]
    prefetch_related_objects(
        versions,
        Prefetch("approvals", queryset=Approval.objects.select_related("decided_by")),
    )
    today = timezone.localdate()
    rounds = []
    for version in versions:
        approvals = {
            approval.organisation_id: approval for approval in version.approvals.all()
        }
        round_ = OpenRound(
            version=version,
            label=version_label(version),
            kind_label=str(version.agreement.get_kind_display()),
            meaning=approval_meaning(version.agreement.kind),
        )
        for party in parties:
            decision = PartyDecision(
                organisation_id=party.organisation_id,
                organisation=party.organisation.name,
                due=getattr(version, "approval_due_on", None),
            )
            approval = approvals.get(party.organisation_id)
            task = approval_tasks.get((version.pk, party.organisation_id))
            if approval is not None:
                decision.decision = approval.decision
                decision.decision_label = decision_label(approval.decision)
                decision.decided_by = _person(approval.decided_by)
                decision.decided_at = approval.decided_at
                decision.comment = approval.comment
            elif task is not None:
                decision.due = task_due(task) or decision.due
                decision.overdue = task_overdue(task, today)
                decision.claimed_by = _person(task.owner)
            elif decision.due is not None:
                decision.overdue = decision.due < today
            round_.parties.append(decision)
        round_.parties.sort(
            key=lambda party: (not party.waiting, party.organisation.lower())
        )
        rounds.append(round_)

    actions = []
    for action in (
        BottleneckAction.objects.filter(bottleneck__location=location)
        .exclude(status__in=(ActionStatus.ACCEPTED, ActionStatus.CANCELLED))
        .select_related("bottleneck", "assignee__organisation")
        .order_by("due_on", "pk")
    ):
        task = action_tasks.get(action.pk)
        with_case_manager = action.status in (
            ActionStatus.DONE_REPORTED,
            ActionStatus.HELP_REQUESTED,
        )
        overdue = (
            task_overdue(task, today)
            if task is not None and task_kind(task) == PERFORM
            else (not with_case_manager and action.due_on < today)
        )
        actions.append(
            OpenAction(
                action=action,
                organisation=action.assignee.organisation.name,
                bottleneck=str(action.bottleneck.get_category_display()),
                status_label=str(action.get_status_display()),
                ball_with=_("Procesregisseur")
                if with_case_manager
                else action.assignee.organisation.name,
                due=action.due_on,
                overdue=overdue,
            )
        )

    waiting = []
    for round_ in rounds:
        waiting.extend(party.organisation for party in round_.waiting_on)
    waiting.extend(
        item.organisation for item in actions if item.ball_with == item.organisation
    )
    return LocationWork(
        rounds=rounds,
        revisions=describe_tasks(revise_tasks) if revise_tasks else [],
        actions=actions,
        waiting_organisations=sorted(set(waiting), key=str.lower),
    )


# --- Notifications ------------------------------------------------------------------------


def notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_notifications_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
