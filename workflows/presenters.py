"""What the pages and the API show of tasks: one row per task (what it is about, for
whom, by when, what deciding means), its labels, and the read models of the location
page (who holds the ball; the escalation branch as it stands).

Every list answers in a constant number of queries: what a page of tasks is about
(agreement versions, actions, locations, organisations) is loaded for the whole page
at once, never per row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.urls import NoReverseMatch, Resolver404, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.constants import (
    COMMITMENT_OWED,
    ActionStatus,
    AgreementKind,
    CommitmentStatus,
    ConsultationOutcome,
    Decision,
    Stage,
    TransitionName,
    VersionStatus,
)
from casework.models import (
    AgreementVersion,
    Approval,
    BottleneckAction,
    Commitment,
    Designation,
    DesignationView,
    Escalation,
    Location,
)
from casework.selectors import location_versions
from permissions.models import Organisation

from .constants import (
    APPROVE,
    BRANCH_FLOWS,
    CONSULT,
    ESCALATION_KINDS,
    FINAL_DECISION,
    FLOWS,
    INTERVENE,
    OPEN_TASK_STATUSES,
    PERFORM,
    RESUME,
    REVIEW,
    REVISE,
)
from .deadlines import task_due


def task_kind(task: Task) -> str:
    """The kind of a human task: its node's name (`constants.TASK_KINDS`)."""
    return task.flow_task.name if task.flow_task is not None else ""


def task_url(task) -> str:
    """The page of a task. The flows learn their URL namespace when the URLconf is
    built; outside a request (timers, load_demo) make sure it has been."""
    get_resolver().url_patterns  # noqa: B018 - imports config.urls once
    try:
        return task.flow_task.reverse("index", args=[task.process_id, task.pk])
    except NoReverseMatch:
        return ""


def notification_target(url: str) -> str:
    """Where a stored notification's link leads now: our own pages as they are; a
    human task to its task page (which says so if the task is done); anything else of
    viewflow's (a process page, a timer or a step of the system, as older
    notifications linked) to the location page. "" when there is nowhere to go.
    Worked out when the link is followed, so notifications stored long ago lead to
    the same pages as new ones."""
    if not url.startswith("/") or url.startswith("//"):
        return ""
    path = url.split("?", 1)[0].split("#", 1)[0]
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    process_pk = match.kwargs.get("process_pk")
    if process_pk is None:
        return url
    task_pk = match.kwargs.get("task_pk")
    if task_pk is not None:
        task = (
            Task.objects.filter(pk=task_pk, process_id=process_pk)
            .only("pk", "process_id", "flow_task", "flow_task_type")
            .first()
        )
        if task is not None and task.flow_task_type == "HUMAN":
            target = task_url(task)
            if target:
                return target
    data = Process.objects.filter(pk=process_pk).values_list("data", flat=True).first()
    location_id = (data or {}).get("location")
    if location_id is None:
        return ""
    return reverse("locations:detail", args=[location_id])


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


def task_overdue(task: Task, today: datetime.date | None = None) -> bool:
    """Overdue: the deadline timer marked it (`data["overdue"]`), or it is still open
    and its due date has passed (the timer may not have run yet)."""
    if (task.data or {}).get("overdue"):
        return task.status in OPEN_TASK_STATUSES
    due = task_due(task)
    return (
        due is not None
        and task.status in OPEN_TASK_STATUSES
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


@dataclass
class ClosedTask:
    """A person's task that can no longer be done, as its page tells whoever opens it
    again (a second tab, the back button, a colleague): who did it, or that it
    lapsed, and when."""

    row: TaskRow
    done: bool
    person: str
    by_you: bool
    at: datetime.datetime | None

    @property
    def organisation(self) -> str:
        return self.row.organisation


def closed_task(task: Task, user) -> ClosedTask:
    """`task` (done, cancelled, or failed) as `ClosedTask`, for `user` who opens it."""
    row = describe_tasks([task])[0]
    done = task.status == STATUS.DONE
    owner = task.owner if done else None
    return ClosedTask(
        row=row,
        done=done,
        person=_person(owner),
        by_you=owner is not None and owner.pk == getattr(user, "pk", None),
        at=task.finished,
    )


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
class LedgerBall:
    """A commitment of a concluded agreement that waits on someone now: reported
    (the parties it was made to confirm or dispute), disputed or past its due date
    (its owner)."""

    commitment: Commitment
    organisation: str
    status_label: str
    ball_with: list[str]
    due: datetime.date
    overdue: bool


@dataclass
class LocationWork:
    rounds: list[OpenRound]
    revisions: list[TaskRow]
    actions: list[OpenAction]
    waiting_organisations: list[str]
    ledger: list[LedgerBall] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.rounds or self.revisions or self.actions or self.ledger)


def ledger_balls(location: Location, today: datetime.date) -> list[LedgerBall]:
    """The ledger's part of 'who holds the ball': one query (and one for the
    dependants of what it finds)."""
    balls = []
    for commitment in (
        Commitment.objects.filter(
            version__agreement__location=location,
            version__status=VersionStatus.CONCLUDED,
            status__in=[*COMMITMENT_OWED, CommitmentStatus.REPORTED],
        )
        .select_related("owner__organisation")
        .prefetch_related(
            Prefetch(
                "dependants",
                queryset=Commitment.objects.select_related("owner__organisation"),
                to_attr="waiting",
            )
        )
        .order_by("pk")
    ):
        owner = commitment.owner.organisation.name
        due = commitment.current_due_date
        if commitment.status == CommitmentStatus.REPORTED:
            ball_with = sorted(
                {c.owner.organisation.name for c in commitment.waiting}, key=str.lower
            ) or [str(_("Procesregisseur"))]
        elif commitment.status == CommitmentStatus.DISPUTED or due < today:
            ball_with = [owner]
        else:
            continue
        balls.append(
            LedgerBall(
                commitment=commitment,
                organisation=owner,
                status_label=str(commitment.get_status_display()),
                ball_with=ball_with,
                due=due,
                overdue=commitment.status != CommitmentStatus.REPORTED and due < today,
            )
        )
    balls.sort(key=lambda ball: (ball.due, ball.commitment.pk))
    return balls


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
            process__flow_class__in=list(FLOWS),
            flow_task_type="HUMAN",
            status__in=OPEN_TASK_STATUSES,
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
    ledger = ledger_balls(location, today)
    for ball in ledger:
        waiting.extend(name for name in ball.ball_with if name != _("Procesregisseur"))
    return LocationWork(
        rounds=rounds,
        revisions=describe_tasks(revise_tasks) if revise_tasks else [],
        actions=actions,
        waiting_organisations=sorted(set(waiting), key=str.lower),
        ledger=ledger,
    )


# --- What the location page and the task pages show --------------------------------


@dataclass
class EscalationFacts:
    """The escalation branch of one location as it stands: the escalation (open, or
    the one that led to the designation), its designation procedure, the views
    received, the impasse signals it cites, and the open tasks of its flows."""

    escalation: Escalation | None
    designation: Designation | None = None
    views: list[DesignationView] = field(default_factory=list)
    signals: list = field(default_factory=list)
    open_tasks: list[Task] = field(default_factory=list)
    intervention: dict | None = None

    @property
    def period_running(self) -> bool:
        return (
            self.designation is not None
            and self.designation.closed_at is None
            and self.designation.period_started()
            and not self.designation.consultation_elapsed()
        )

    @property
    def awaiting_notice(self) -> bool:
        """The designation runs and its consultation period has not been set: the
        ministry still records the notice of the draft."""
        return (
            self.designation is not None
            and self.designation.closed_at is None
            and not self.designation.period_set
        )

    @property
    def accepts_views(self) -> bool:
        """Views can be recorded: the period has started and the final decision is
        not taken (a view received late is recorded, marked late)."""
        return (
            self.designation is not None
            and self.designation.closed_at is None
            and self.designation.decided_at is None
            and self.designation.period_started()
        )


BRANCH_STAGES = (Stage.ESCALATED, Stage.DESIGNATION_PROCEDURE, Stage.DESIGNATED)


def escalation_facts(location: Location) -> EscalationFacts:
    """At most six queries, whatever the number of views, signals or tasks; none for
    a location outside the escalation branch."""
    if location.stage not in BRANCH_STAGES:
        return EscalationFacts(escalation=None)
    escalation = (
        location.escalations.filter(closed_at__isnull=True)
        .select_related("opened_by")
        .first()
    )
    designation = (
        location.designations.filter(closed_at__isnull=True)
        .select_related("escalation")
        .first()
    )
    if designation is None and location.stage == Stage.DESIGNATED:
        designation = (
            location.designations.select_related("escalation")
            .order_by("-started_at", "-pk")
            .first()
        )
    if escalation is None and designation is not None:
        escalation = designation.escalation
    if escalation is None:
        return EscalationFacts(escalation=None)
    tasks = list(
        Task.objects.filter(
            process__flow_class__in=list(BRANCH_FLOWS),
            process__data__location=location.pk,
            flow_task_type="HUMAN",
        )
        .filter(
            Q(process__data__escalation=escalation.pk)
            | Q(process__data__designation=getattr(designation, "pk", None))
        )
        .select_related("owner", "process")
        .order_by("pk")
    )
    intervention = next(
        (
            {
                **task.data,
                "label": TransitionName(task.data["decision"]).label
                if task.data.get("decision") in TransitionName.values
                else "",
            }
            for task in reversed(tasks)
            if task.status == STATUS.DONE and task_kind(task) == INTERVENE
        ),
        None,
    )
    return EscalationFacts(
        escalation=escalation,
        designation=designation,
        views=list(designation.views.order_by("received_on", "pk"))
        if designation is not None
        else [],
        signals=list(escalation.signals.select_related("waiting_on").order_by("pk")),
        open_tasks=[task for task in tasks if task.status in OPEN_TASK_STATUSES],
        intervention=intervention,
    )
