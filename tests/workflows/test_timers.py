"""Deadlines of approval tasks and breakthrough-agenda actions (design §3, issue 3 item 3;
issue 14: one deadline clock).

Each human task with a due date has one deadline on the clock (`casework.Deadline`): a
reminder two Dutch working days before its due date (the programme's number), and an
overdue mark at 08:00 the morning after it. No human task carries a viewflow timer.
Time is moved with time-machine and the deadlines are swept by the clock, as
`manage.py deadlines` does from the scheduler or cron.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import services as casework
from casework.constants import (
    AuditAction,
    BottleneckCategory,
    DeadlineEventKind,
    DeadlineKind,
    Stage,
)
from casework.models import AuditEvent, Deadline, DeadlineEvent, VersionStatus
from permissions.constants import MembershipRole
from workflows import services as workflows
from workflows.flows import BottleneckActionFlow
from workflows.models import Notification

from ..factories import LocationFactory, PartyFactory, ProgrammeFactory, person_of
from ..scenarios import bring_to
from .rounds import (
    approval_task_of,
    approval_tasks,
    at,
    deadline_mails,
    deadline_notifications,
    deadline_of,
    decide,
    no_flow_errors,
    open_events,
    perform_tasks,
    revise_tasks,
    submit_round,
    sweep,
)

pytestmark = pytest.mark.django_db

# (submitted on, due on, reminder on, overdue on) with the default 10 working days.
CALENDAR = {
    # Due on a Monday: the reminder is counted back over the weekend to Thursday.
    "weekend": ("2026-03-02", "2026-03-16", "2026-03-12", "2026-03-17"),
    # Christmas (Fri 25th, Sat 26th) and a weekend in the term: due on the Tuesday
    # after, reminded on Christmas Eve (a working day), overdue the next morning.
    "christmas": ("2026-12-14", "2026-12-29", "2026-12-24", "2026-12-30"),
    # Good Friday and Easter Monday: due on the Tuesday after Easter, reminded on
    # the Wednesday before it.
    "easter": ("2026-03-20", "2026-04-07", "2026-04-01", "2026-04-08"),
}


class Rollback(Exception):
    pass


@pytest.fixture
def negotiating(world):
    return bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )


@pytest.fixture
def christmas_round(world, negotiating, time_machine):
    """A round on the world's own location (A and B decide), submitted 14 December
    2026: due 29 December, reminder 24 December 08:00, overdue 30 December 08:00."""
    time_machine.move_to(at("2026-12-14"), tick=False)
    return submit_round(negotiating, world.case_manager)


def deadline_events(**filters):
    return DeadlineEvent.objects.filter(**filters).order_by("reference", "event")


def mails_to(address: str) -> list:
    return [message for message in deadline_mails() if address in message.to]


@pytest.mark.parametrize("case", CALENDAR.values(), ids=CALENDAR.keys())
def test_due_date_reminder_and_overdue_are_counted_in_working_days(
    world, negotiating, time_machine, case
):
    submitted, due, reminder, overdue = case
    time_machine.move_to(at(submitted), tick=False)

    process = submit_round(negotiating, world.case_manager)

    tasks = list(approval_tasks(process))
    assert len(tasks) == 2
    for task in tasks:
        assert task.data["due"] == due
        assert task.status == STATUS.ASSIGNED  # the organisation's only signatory
        deadline = deadline_of(task)
        assert deadline.due_on == datetime.date.fromisoformat(due)
        assert (deadline.remind_at, deadline.overdue_at) == (
            at(reminder, 8),
            at(overdue, 8),
        )
        assert deadline.calendar == "NL"
        assert deadline.reminder_sent_at is None
        assert deadline.overdue_marked_at is None
        assert deadline.resolved_at is None
    # No human task carries a viewflow timer.
    assert not Task.objects.filter(flow_task_type="TIMER").exists()


def test_reminder_fires_two_working_days_before_the_due_date(
    world, christmas_round, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at("2026-12-24", 7, 59), tick=False)
    assert sweep() == 0
    assert not DeadlineEvent.objects.exists()

    time_machine.move_to(at("2026-12-24", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2

    task_a = approval_task_of(christmas_round, world.org_a)
    task_b = approval_task_of(christmas_round, world.org_b)
    reminders = deadline_events(event=DeadlineEventKind.REMINDER)
    due = datetime.date(2026, 12, 29)
    assert {(e.reference, e.organisation, e.kind, e.due_on) for e in reminders} == {
        (f"task:{task_a.pk}", world.org_a, DeadlineKind.APPROVAL, due),
        (f"task:{task_b.pk}", world.org_b, DeadlineKind.APPROVAL, due),
    }
    assert all(
        e.location == world.own and open_events(pk=e.pk).exists() for e in reminders
    )
    assert not deadline_events(event=DeadlineEventKind.OVERDUE).exists()
    # A reminder is no audit event and no overdue mark; the tasks stay open.
    assert not AuditEvent.objects.filter(action=AuditAction.DEADLINE_PASSED).exists()
    for task in (task_a, task_b):
        task.refresh_from_db()
        assert task.status == STATUS.ASSIGNED
        deadline = deadline_of(task)
        assert deadline.reminder_sent_at == at("2026-12-24", 8)
        assert deadline.overdue_marked_at is None
    # The owner of each task hears about it, in the app and by e-mail.
    for signatory in (world.a_signatory, world.b_signatory):
        notification = deadline_notifications().get(user=signatory)
        assert notification.message.startswith("Herinnering: besluit gevraagd over")
        assert "29-12-2026" in notification.message
        assert notification.url == f"/locations/{world.own.pk}/"
        (message,) = mails_to(signatory.email)
        assert message.subject.startswith("Herinnering: besluit gevraagd over")
        # The link opens the notification (marked read), which leads to the location.
        opening = reverse("workflow:notification_open", args=[notification.pk])
        assert opening in message.body
    assert len(mail.outbox) == 2  # nothing but the reminders


def test_overdue_fires_the_morning_after_the_due_date(
    world, christmas_round, time_machine, django_capture_on_commit_callbacks
):
    # The whole due day is still in time: only the reminders are due.
    time_machine.move_to(at("2026-12-29", 23, 59), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2
    assert not deadline_events(event=DeadlineEventKind.OVERDUE).exists()
    time_machine.move_to(at("2026-12-30", 7, 59), tick=False)
    assert sweep() == 0

    time_machine.move_to(at("2026-12-30", 8), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2

    for organisation, signatory in (
        (world.org_a, world.a_signatory),
        (world.org_b, world.b_signatory),
    ):
        task = approval_task_of(christmas_round, organisation)
        assert task.status == STATUS.ASSIGNED  # still theirs to do
        assert deadline_of(task).overdue_marked_at == at("2026-12-30", 8)
        event = DeadlineEvent.objects.get(
            reference=f"task:{task.pk}", event=DeadlineEventKind.OVERDUE
        )
        assert event.organisation == organisation
        assert event.due_on == datetime.date(2026, 12, 29)
        assert open_events(pk=event.pk).exists()
        audit = AuditEvent.objects.get(
            action=AuditAction.DEADLINE_PASSED, data__reference=f"task:{task.pk}"
        )
        assert audit.actor is None
        assert audit.location == world.own
        assert audit.at == at("2026-12-30", 8)
        assert audit.data["organisation"] == organisation.slug
        assert audit.data["due_on"] == "2026-12-29"
        assert organisation.name in audit.reason
        (message,) = mails_to(signatory.email)
        assert message.subject.startswith("Termijn verstreken: besluit over")
        assert (
            deadline_notifications()
            .filter(user=signatory, message__startswith="Termijn verstreken")
            .count()
            == 1
        )

    # Deciding late resolves the deadline: impasse detection no longer counts it.
    time_machine.move_to(at("2026-12-31"), tick=False)
    task_a = approval_task_of(christmas_round, world.org_a)
    decide(task_a)
    assert not open_events(reference=f"task:{task_a.pk}").exists()
    task_b = approval_task_of(christmas_round, world.org_b)
    assert open_events(reference=f"task:{task_b.pk}").count() == 2


def test_a_task_nobody_claimed_reminds_every_signatory(
    world, negotiating, time_machine
):
    second = person_of(world.org_a, MembershipRole.SIGNATORY, username="a-teken-2")
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = submit_round(negotiating, world.case_manager)
    task_a = approval_task_of(process, world.org_a)
    assert task_a.status == STATUS.NEW and task_a.owner is None  # in the queue

    time_machine.move_to(at("2026-12-24", 8), tick=False)
    assert sweep() == 2

    reminded = deadline_notifications().values_list("user__username", flat=True)
    assert sorted(reminded) == ["a-teken", "a-teken-2", "b-teken"]
    # Members who do not sign are not asked to decide.
    assert not Notification.objects.filter(user=world.a_member).exists()
    assert deadline_notifications().filter(user=second).count() == 1


def test_notifications_and_mail_wait_for_the_commit(
    world, christmas_round, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    mail.outbox.clear()

    # A sweep whose transaction rolls back leaves nothing and sends nothing.
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        assert sweep() == 4
        assert deadline_notifications().count() == 4
        raise Rollback
    assert callbacks == []
    assert mail.outbox == []
    assert not deadline_notifications().exists()
    assert not DeadlineEvent.objects.exists()
    assert (
        Deadline.objects.filter(
            reminder_sent_at__isnull=True, overdue_marked_at__isnull=True
        ).count()
        == 2
    )

    # Committed: the mail leaves only when the transaction commits.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep() == 4
        assert deadline_notifications().count() == 4
        assert mail.outbox == []
    # The sweep's batch tells everyone at once: one outbox job for its four mails.
    assert len(callbacks) == 1
    assert len(mail.outbox) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.a_signatory.email] * 2 + [world.b_signatory.email] * 2
    )


def test_a_finished_task_closes_its_deadline_and_it_never_fires(
    world, christmas_round, time_machine
):
    time_machine.move_to(at("2026-12-22"), tick=False)
    task_a = approval_task_of(christmas_round, world.org_a)
    decide(task_a)
    assert deadline_of(task_a).resolved_at == at("2026-12-22")

    time_machine.move_to(at("2027-02-01"), tick=False)
    assert sweep() == 2  # B's reminder and overdue mark only

    assert not DeadlineEvent.objects.filter(reference=f"task:{task_a.pk}").exists()
    task_b = approval_task_of(christmas_round, world.org_b)
    assert set(DeadlineEvent.objects.values_list("reference", "event")) == {
        (f"task:{task_b.pk}", DeadlineEventKind.REMINDER),
        (f"task:{task_b.pk}", DeadlineEventKind.OVERDUE),
    }
    assert not deadline_notifications().filter(user=world.a_signatory).exists()

    decide(task_b)
    christmas_round.version.refresh_from_db()
    assert christmas_round.version.status == VersionStatus.CONCLUDED
    christmas_round.refresh_from_db()
    assert christmas_round.status == STATUS.DONE
    # Nothing of the round is left to fire.
    assert not Task.objects.filter(
        process=christmas_round, status__in=[STATUS.SCHEDULED, STATUS.NEW]
    ).exists()
    assert sweep() == 0


def test_a_rejected_round_closes_the_deadlines_of_the_decisions_still_open(
    world, christmas_round, time_machine
):
    time_machine.move_to(at("2026-12-22"), tick=False)
    decide(
        approval_task_of(christmas_round, world.org_a),
        "reject",
        "De fasering ontbreekt.",
    )

    task_b = approval_task_of(christmas_round, world.org_b)
    assert task_b.status == STATUS.CANCELED
    assert not Deadline.objects.filter(resolved_at__isnull=True).exists()
    assert revise_tasks(christmas_round).get().status == STATUS.ASSIGNED

    time_machine.move_to(at("2027-02-01"), tick=False)
    assert sweep() == 0
    assert not DeadlineEvent.objects.exists()
    assert not deadline_notifications().exists()


def test_firing_twice_creates_nothing_new(
    world, christmas_round, time_machine, django_capture_on_commit_callbacks
):
    def state():
        return {
            "deadline_events": list(
                DeadlineEvent.objects.values_list("reference", "event", "created_at")
            ),
            "audit": AuditEvent.objects.count(),
            "notifications": Notification.objects.count(),
            "mails": len(mail.outbox),
            "tasks": list(
                Task.objects.order_by("pk").values_list("pk", "status", "data")
            ),
        }

    time_machine.move_to(at("2026-12-30", 9), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 4
    first = state()
    assert len(first["deadline_events"]) == 4
    assert first["mails"] == 4

    time_machine.move_to(at("2026-12-30", 9, 1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 0
    assert state() == first


def test_each_programme_sets_its_own_approval_term(world, time_machine):
    quick = ProgrammeFactory(
        name="Versnellingstafel Zuid", slug="versnellingstafel-zuid"
    )
    quick.approval_working_days = 3
    quick.save(update_fields=["approval_working_days"])
    locations = {}
    for programme in (quick, world.programme):
        location = LocationFactory(
            programme=programme, name=f"Locatie {programme.slug}"
        )
        PartyFactory(location=location, organisation=world.org_a)
        locations[programme.slug] = bring_to(
            location,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
    time_machine.move_to(at("2026-03-02"), tick=False)  # a Monday

    quick_task = approval_tasks(
        submit_round(locations[quick.slug], world.case_manager)
    ).get()
    default_task = approval_tasks(
        submit_round(locations[world.programme.slug], world.case_manager)
    ).get()

    assert quick_task.data["due"] == "2026-03-05"  # Thursday: 3 working days
    quick_deadline = deadline_of(quick_task)
    assert (quick_deadline.remind_at, quick_deadline.overdue_at) == (
        at("2026-03-03", 8),
        at("2026-03-06", 8),
    )
    assert default_task.data["due"] == "2026-03-16"

    time_machine.move_to(at("2026-03-06", 8), tick=False)
    assert sweep() == 2  # the quick round's reminder and overdue mark only
    assert set(DeadlineEvent.objects.values_list("reference", flat=True)) == {
        f"task:{quick_task.pk}"
    }


def test_an_action_has_the_same_deadline_mechanics(
    world, negotiating, time_machine, django_capture_on_commit_callbacks
):
    bottleneck = casework.bottleneck_create(
        location=negotiating,
        actor=world.case_manager,
        category=BottleneckCategory.LAND_POSITION,
        description="Grondverwerving loopt vast.",
        owner=world.party_a,
    )
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=world.party_a,
        description="Grondaankoopstrategie uitwerken.",
        due_on=datetime.date(2026, 12, 29),
    )
    action = process.action
    task = perform_tasks(process).get()
    # Organisation A has a member and a signatory: the task waits in their queue.
    assert task.status == STATUS.NEW
    assert task.data["due"] == "2026-12-29"
    deadline = deadline_of(f"action:{action.pk}")
    assert (deadline.remind_at, deadline.overdue_at) == (
        at("2026-12-24", 8),
        at("2026-12-30", 8),
    )
    assert deadline.task_id == task.pk

    time_machine.move_to(at("2026-12-30", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2

    assert deadline_of(f"action:{action.pk}").overdue_marked_at == at("2026-12-30", 8)
    assert set(
        DeadlineEvent.objects.filter(reference=f"action:{action.pk}").values_list(
            "event", "kind", "due_on"
        )
    ) == {
        (DeadlineEventKind.REMINDER, DeadlineKind.ACTION, datetime.date(2026, 12, 29)),
        (DeadlineEventKind.OVERDUE, DeadlineKind.ACTION, datetime.date(2026, 12, 29)),
    }
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DEADLINE_PASSED, data__reference=f"action:{action.pk}"
        ).count()
        == 1
    )
    # Nobody has claimed it: everyone who acts for the organisation is told.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.a_member.email, world.a_signatory.email] * 2
    )

    # Reporting it done finishes the task: its deadline is resolved.
    workflows.task_complete(
        task_id=task.pk,
        user=world.a_member,
        payload={"outcome": "done", "report": "Strategie vastgesteld."},
    )
    assert not open_events().exists()


def test_an_action_done_in_time_never_fires(world, negotiating, time_machine):
    bottleneck = casework.bottleneck_create(
        location=negotiating,
        actor=world.case_manager,
        category=BottleneckCategory.CAPACITY,
        description="Te weinig capaciteit bij de gemeente.",
    )
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=world.party_b,
        description="Twee planologen inzetten.",
        due_on=datetime.date(2026, 12, 29),
    )
    task = perform_tasks(process).get()
    workflows.task_complete(
        task_id=task.pk,
        user=world.b_member,
        payload={"outcome": "done", "report": "Twee planologen gestart."},
    )
    assert deadline_of(f"action:{process.action.pk}").resolved_at is not None

    time_machine.move_to(at("2027-01-15"), tick=False)
    assert sweep() == 0
    assert not DeadlineEvent.objects.exists()


def test_the_deadlines_command_runs_clean(world, christmas_round, time_machine):
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    out = io.StringIO()

    with no_flow_errors():
        call_command("deadlines", stdout=out)

    assert out.getvalue().strip() == ("2 reminder(s), 2 overdue mark(s) in 1 batch(es)")
    assert DeadlineEvent.objects.count() == 4

    out = io.StringIO()
    with no_flow_errors():
        call_command("deadlines", stdout=out)
    assert out.getvalue().startswith("0 reminder(s), 0 overdue mark(s)")
    # viewflow's own dispatcher has nothing of these rounds to fire.
    out = io.StringIO()
    call_command("workflow_timers", stdout=out)
    assert out.getvalue().startswith("0 timer(s) fired")


def test_an_action_returned_after_its_deadline_is_overdue_again(
    world, negotiating, time_machine, django_capture_on_commit_callbacks
):
    """The deadline of an action stays the action's: when the case manager returns a
    late action to the party, it is late again, and impasse detection must see it."""
    bottleneck = casework.bottleneck_create(
        location=negotiating,
        actor=world.case_manager,
        category=BottleneckCategory.LAND_POSITION,
        description="Grondverwerving loopt vast.",
    )
    time_machine.move_to(at("2026-12-14"), tick=False)
    process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=world.party_b,
        description="Grondaankoopstrategie uitwerken.",
        due_on=datetime.date(2026, 12, 29),
    )
    action = process.action
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    assert sweep() == 2
    overdue = DeadlineEvent.objects.get(
        reference=f"action:{action.pk}", event=DeadlineEventKind.OVERDUE
    )

    # Reported done on 31 December, returned by the case manager on 4 January.
    time_machine.move_to(at("2026-12-31"), tick=False)
    workflows.task_complete(
        task_id=perform_tasks(process).get().pk,
        user=world.b_member,
        payload={"outcome": "done", "report": "Concept-strategie bijgevoegd."},
    )
    assert not open_events(pk=overdue.pk).exists()
    time_machine.move_to(at("2027-01-04"), tick=False)
    review = Task.objects.get(
        process=process,
        flow_task=BottleneckActionFlow.instance.review,
        status=STATUS.ASSIGNED,
    )
    workflows.task_complete(
        task_id=review.pk,
        user=world.case_manager,
        payload={"decision": "return", "note": "De financiering ontbreekt nog."},
    )
    again = perform_tasks(process).last()
    assert again.status in (STATUS.NEW, STATUS.ASSIGNED)
    assert again.data["due"] == "2026-12-29"
    mail.outbox.clear()
    told_before = deadline_notifications().count()

    time_machine.move_to(at("2027-01-04", 8, 1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2  # both moments of the returned action were already due

    assert deadline_of(f"action:{action.pk}").task_id == again.pk
    assert deadline_of(f"action:{action.pk}").overdue_marked_at == at(
        "2027-01-04", 8, 1
    )
    assert open_events(pk=overdue.pk).exists()  # open again: impasse detection sees it
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DEADLINE_PASSED, data__reference=f"action:{action.pk}"
        ).count()
        == 2
    )
    assert deadline_notifications().count() > told_before
    assert any(m.subject.startswith("Termijn verstreken") for m in mail.outbox)
    # Still one row per subject and event.
    assert DeadlineEvent.objects.filter(reference=f"action:{action.pk}").count() == 2
