"""Many open tasks, quickly, for the query-count tests of the inbox and the queue.

The first approval round and the first action are started through the real services
(`workflows.services`); every other task is a bulk-created copy of those two, each
with its own location, agreement version or action, and process, so that a page of
the inbox really is about many different things. `test_bulk_tasks_match_the_real_ones`
checks the copies against the real rows.

Organisation A has two signatories (`world.a_signatory` and a second one), so the
real flow leaves A's tasks unassigned (the queue); `assign_all_to` puts them in one
person's inbox instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.constants import BottleneckCategory, PartyRole, Stage
from casework.models import (
    Agreement,
    AgreementKind,
    AgreementVersion,
    Bottleneck,
    BottleneckAction,
    Location,
    Party,
    VersionStatus,
)
from permissions.constants import MembershipRole
from workflows import services as workflows
from workflows.flows import BottleneckActionFlow

from ..factories import person_of
from ..scenarios import add_bottleneck
from .pages import approval_task, negotiating, submit

# Every fourth task is an action to perform, the others approvals; every fifth is
# overdue.
ACTION_EVERY = 4
OVERDUE_EVERY = 5
DUE_SPREAD = 27  # days; coprime with ACTION_EVERY


@dataclass
class TaskWorld:
    approval: Task
    perform: Task
    second_signatory: object
    size: int


def _copy_process(process: Process, **changes) -> Process:
    return Process(
        flow_class=process.flow_class,
        status=process.status,
        created=process.created,
        data={**process.data, **changes.pop("data", {})},
        artifact_content_type_id=process.artifact_content_type_id,
        **changes,
    )


def _copy_task(task: Task, **changes) -> Task:
    return Task(
        flow_task=task.flow_task,
        flow_task_type=task.flow_task_type,
        status=task.status,
        created=task.created,
        token=task.token,
        owner_id=task.owner_id,
        owner_permission=task.owner_permission,
        owner_permission_content_type_id=task.owner_permission_content_type_id,
        owner_permission_obj_pk=task.owner_permission_obj_pk,
        **changes,
    )


def build_task_world(world, size: int) -> TaskWorld:
    """`size` open tasks of organisation A: approvals (at `size` different locations)
    and actions to perform."""
    second = person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    location = negotiating(world)
    process = submit(location, world.case_manager)
    approval = approval_task(process, world.org_a)
    bottleneck = add_bottleneck(location, world.case_manager)
    action_process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=world.party_a,
        description="Stikstofberekening laten uitvoeren.",
        due_on=datetime.date(2027, 1, 15),
    )
    perform = Task.objects.get(
        process=action_process, flow_task=BottleneckActionFlow.instance.perform
    )
    assert approval.status == perform.status == STATUS.NEW

    extra = size - 2
    locations = Location.objects.bulk_create(
        Location(
            programme=world.programme,
            name=f"Locatie {i:04d}",
            slug=f"locatie-{i:04d}",
            municipality="Amersfoort",
            province="Utrecht",
            stage=Stage.NEGOTIATION,
        )
        for i in range(extra)
    )
    Party.objects.bulk_create(
        Party(location=loc, organisation=world.org_a, role=PartyRole.MUNICIPALITY)
        for loc in locations
    )
    is_action = [i % ACTION_EVERY == ACTION_EVERY - 1 for i in range(extra)]
    approval_locations = [
        loc for loc, act in zip(locations, is_action, strict=True) if not act
    ]
    action_locations = [
        loc for loc, act in zip(locations, is_action, strict=True) if act
    ]

    agreements = Agreement.objects.bulk_create(
        Agreement(
            location=loc,
            kind=AgreementKind.HEADS_OF_AGREEMENT,
            title=f"Hoofdlijnenakkoord {loc.name}",
            created_by=world.case_manager,
        )
        for loc in approval_locations
    )
    versions = AgreementVersion.objects.bulk_create(
        AgreementVersion(
            agreement=agreement,
            number=1,
            text="Partijen versnellen samen de woningbouw.",
            status=VersionStatus.IN_APPROVAL,
        )
        for agreement in agreements
    )
    bottlenecks = Bottleneck.objects.bulk_create(
        Bottleneck(
            location=loc,
            category=BottleneckCategory.GRID_CONGESTION,
            description=f"Netcongestie bij {loc.name}",
            created_by=world.case_manager,
        )
        for loc in action_locations
    )
    parties = {
        party.location_id: party
        for party in Party.objects.filter(location__in=action_locations)
    }
    actions = BottleneckAction.objects.bulk_create(
        BottleneckAction(
            bottleneck=b,
            assignee=parties[b.location_id],
            description=f"Aansluiting aanvragen voor {b.location_id}",
            due_on=datetime.date(2027, 2, 1),
            created_by=world.case_manager,
        )
        for b in bottlenecks
    )

    approval_processes = Process.objects.bulk_create(
        _copy_process(
            approval.process,
            artifact_object_id=version.pk,
            data={"version": version.pk, "location": version.agreement.location_id},
        )
        for version in versions
    )
    action_processes = Process.objects.bulk_create(
        _copy_process(
            perform.process,
            artifact_object_id=action.pk,
            data={"action": action.pk, "location": action.bottleneck.location_id},
        )
        for action in actions
    )
    approval_tasks = iter(
        _copy_task(approval, process=p, data=dict(approval.data))
        for p in approval_processes
    )
    action_tasks = iter(
        _copy_task(perform, process=p, data={**perform.data, "action": a.pk})
        for p, a in zip(action_processes, actions, strict=True)
    )
    tasks = [next(action_tasks if act else approval_tasks) for act in is_action]
    for i, task in enumerate(tasks):
        # Due dates spread so that every page of the inbox (earliest first) holds
        # approvals and actions alike.
        due = datetime.date(2027, 1, 1) + datetime.timedelta(days=i % DUE_SPREAD)
        task.data["due"] = due.isoformat()
        task.created = perform.created + datetime.timedelta(seconds=i)
        if i % OVERDUE_EVERY == 0:
            task.data["overdue"] = True
    Task.objects.bulk_create(tasks)
    assert (
        Task.objects.filter(
            flow_task_type="HUMAN",
            status=STATUS.NEW,
            data__organisation=world.org_a.pk,
        ).count()
        == size
    )
    return TaskWorld(
        approval=approval, perform=perform, second_signatory=second, size=size
    )


def assign_all_to(user, organisation) -> None:
    """Put every open task of `organisation` in `user`'s inbox."""
    Task.objects.filter(
        flow_task_type="HUMAN", status=STATUS.NEW, data__organisation=organisation.pk
    ).update(owner=user, status=STATUS.ASSIGNED)
