"""Helpers of the deadline, race and freeze tests: locations whose parties each have
exactly one signatory, approval rounds and actions driven through `workflows.services`
(the code path of the API and the demo), and a deadline sweep that fails loudly.

`fire_due_timers()` swallows every exception (it logs it and marks the task ERROR, so one
broken flow cannot stop the sweep). A test that only counted what it fired would pass
over a crashing reminder; `sweep()` asserts that nothing was logged and no task erred.
"""

from __future__ import annotations

import datetime
import logging
import threading
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import connections
from django.db.models import Q
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from casework import services as casework
from casework.constants import PartyRole, Stage
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Deadline,
    DeadlineEvent,
    Location,
)
from casework.selectors import deadline_events_with_resolution
from permissions.constants import MembershipRole, OrganisationKind
from permissions.models import Organisation
from workflows import clock
from workflows import services as workflows
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow
from workflows.models import Notification

from ..factories import LocationFactory, OrganisationFactory, PartyFactory, person_of
from ..scenarios import bring_to, signatory_for

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# One organisation of each kind that signs agreements, with the role it plays.
FIVE_PARTIES = [
    (OrganisationKind.MINISTRY, PartyRole.COMMISSIONER, "Ministerie"),
    (OrganisationKind.PROVINCE, PartyRole.PROVINCE, "Provincie"),
    (OrganisationKind.MUNICIPALITY, PartyRole.MUNICIPALITY, "Gemeente"),
    (OrganisationKind.DEVELOPER, PartyRole.DEVELOPER, "Ontwikkelaar"),
    (
        OrganisationKind.HOUSING_CORPORATION,
        PartyRole.HOUSING_CORPORATION,
        "Corporatie",
    ),
]


def at(day: datetime.date | str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Amsterdam (where the deadlines are counted)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMSTERDAM)


def five_organisations(suffix: str = "") -> list[tuple[Organisation, str]]:
    """Five organisations (ministry, province, municipality, developer, corporation),
    each with exactly one signatory (with an e-mail address) and one member."""
    organisations = []
    for kind, role, label in FIVE_PARTIES:
        organisation = OrganisationFactory(
            slug=f"{kind.replace('_', '-')}{suffix}",
            name=f"{label}{suffix}",
            kind=kind,
        )
        person_of(
            organisation,
            MembershipRole.SIGNATORY,
            username=f"teken-{organisation.slug}",
        )
        person_of(
            organisation, MembershipRole.MEMBER, username=f"lid-{organisation.slug}"
        )
        organisations.append((organisation, role))
    return organisations


def location_with(
    organisations,
    *,
    programme,
    case_manager,
    ministry,
    name: str,
    stage: str = Stage.NEGOTIATION,
) -> Location:
    """A location with `organisations` as parties, brought to `stage`."""
    location = LocationFactory(programme=programme, name=name)
    for organisation, role in organisations:
        PartyFactory(location=location, organisation=organisation, role=role)
    return bring_to(location, stage, case_manager=case_manager, ministry=ministry)


def draft(
    location: Location, case_manager, kind: str = AgreementKind.HEADS_OF_AGREEMENT
) -> AgreementVersion:
    """A draft with one commitment per party; the last one waits for the first."""
    parties = list(location.parties.order_by("organisation__name"))
    return casework.agreement_draft(
        location=location,
        actor=case_manager,
        kind=kind,
        title=f"{AgreementKind(kind).label} {location.name}",
        text="Partijen versnellen samen de woningbouw.",
        commitments=[
            {
                "party": party.organisation_id,
                "description": f"{party.organisation.name} levert haar bijdrage.",
                "due_date": datetime.date(2027, 6, 1) + datetime.timedelta(days=i),
                "depends_on": [0] if i == len(parties) - 1 and i else [],
            }
            for i, party in enumerate(parties)
        ],
    )


def submit_round(
    location: Location, case_manager, kind: str = AgreementKind.HEADS_OF_AGREEMENT
):
    """Draft a version and start its approval round; returns the process."""
    version = draft(location, case_manager, kind)
    return workflows.approval_round_submit(version=version, actor=case_manager)


def approval_tasks(process):
    return Task.objects.filter(
        process=process, flow_task=ApprovalRoundFlow.instance.approve
    ).order_by("pk")


def approval_task_of(process, organisation) -> Task:
    return approval_tasks(process).get(data__organisation=organisation.pk)


def revise_tasks(process):
    return Task.objects.filter(
        process=process, flow_task=ApprovalRoundFlow.instance.revise
    )


def perform_tasks(process):
    return Task.objects.filter(
        process=process, flow_task=BottleneckActionFlow.instance.perform
    ).order_by("pk")


def deadline_of(subject) -> Deadline:
    """The deadline of a human task (or of the subject named by a reference)."""
    reference = subject if isinstance(subject, str) else f"task:{subject.pk}"
    return Deadline.objects.get(reference=reference)


def deadline_notifications():
    """In-app notifications about a deadline (not those announcing a new task)."""
    return Notification.objects.filter(
        Q(message__startswith="Herinnering")
        | Q(message__startswith="Termijn verstreken")
    )


def deadline_mails() -> list:
    return [
        message
        for message in mail.outbox
        if message.subject.startswith(("Herinnering", "Termijn verstreken"))
    ]


def decide(task: Task, decision: str = "approve", comment: str = "", user=None):
    """The organisation's signatory decides through `task_complete` (as the API)."""
    organisation = Organisation.objects.get(pk=task.data["organisation"])
    payload = {"decision": decision}
    if comment:
        payload["comment"] = comment
    return workflows.task_complete(
        task_id=task.pk, user=user or signatory_for(organisation), payload=payload
    )


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextmanager
def no_flow_errors():
    """Fail when viewflow logs a swallowed exception or leaves a task in ERROR."""
    handler = _Collect()
    logger = logging.getLogger("viewflow")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not handler.records, [r.getMessage() for r in handler.records]
    erred = Task.objects.filter(status=STATUS.ERROR)
    assert not erred.exists(), list(erred.values("pk", "flow_task", "data"))


def sweep() -> int:
    """Run the deadline clock once, as `manage.py deadlines` does, and viewflow's
    timer dispatcher (the consultation period's end), as `workflow_timers` does:
    the number of reminders, overdue marks and timers fired."""
    with no_flow_errors():
        return clock.sweep().fired + fire_due_timers()


RACE_TIMEOUT = 30


def race(*calls) -> list:
    """Run each call in its own thread (its own database connection), released
    together by a barrier. Returns, per call, what it returned or the exception it
    raised: the test decides which exceptions are a legitimate outcome."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=RACE_TIMEOUT)
            results[index] = call()
        except BaseException as exc:  # returned to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT * 2)
        assert not thread.is_alive(), "a racing thread hung"
    return results


def open_events(**filters):
    """Logged reminders and overdue marks whose subject is still not dealt with."""
    return deadline_events_with_resolution(
        DeadlineEvent.objects.filter(**filters)
    ).filter(done_at__isnull=True)
