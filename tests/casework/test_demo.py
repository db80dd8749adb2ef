"""`manage.py load_demo`: the public list, the demo users, stages reached through the
real services, agreement rounds and actions through the real flows, and idempotence."""

import csv
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from casework.access import locations_visible_to
from casework.constants import MAIN_PATH, ActionStatus, Stage
from casework.demo import CSV_PATH
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Approval,
    AuditEvent,
    BottleneckAction,
    Commitment,
    Deadline,
    DeadlineEvent,
    Location,
    Party,
    VersionStatus,
)
from permissions.models import Membership, Organisation
from workflows import clock
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow
from workflows.services import task_complete

User = get_user_model()

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def load():
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def snapshot():
    return {
        "locations": Location.objects.count(),
        "parties": Party.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "audit": AuditEvent.objects.count(),
        "versions": list(
            AgreementVersion.objects.order_by("pk").values_list(
                "pk", "status", "sha256"
            )
        ),
        "commitments": Commitment.objects.count(),
        "approvals": Approval.objects.count(),
        "actions": list(
            BottleneckAction.objects.order_by("pk").values_list("pk", "status")
        ),
        "deadline_events": DeadlineEvent.objects.count(),
        "stages": sorted(Location.objects.values_list("slug", "stage")),
        "processes": list(
            Process.objects.order_by("pk").values_list("pk", "status", "finished")
        ),
        "tasks": list(
            Task.objects.order_by("pk").values_list(
                "pk", "status", "owner_id", "scheduled", "finished"
            )
        ),
    }


def inbox(username: str):
    """What viewflow's inbox holds for a user: open tasks assigned to them."""
    return Task.objects.filter(
        owner__username=username, status=STATUS.ASSIGNED, flow_task_type="HUMAN"
    ).order_by("pk")


def organisation_slug(task) -> str:
    return Organisation.objects.get(pk=task.data["organisation"]).slug


def test_loads_every_row_of_the_public_list():
    load()
    with CSV_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert Location.objects.count() == len(rows) == 24
    stougjeswijk = Location.objects.get(name="Stougjeswijk")
    assert stougjeswijk.planned_homes == 2485
    assert stougjeswijk.province == "Zuid-Holland"
    # Unknown stays unknown, never invented.
    amersfoort = Location.objects.get(name="Doorbraaklocatie Amersfoort")
    assert amersfoort.planned_homes is None
    assert amersfoort.stage == Stage.PROPOSED


def test_second_run_changes_nothing():
    load()
    first = snapshot()
    assert first["tasks"] and first["processes"]
    load()
    assert snapshot() == first


def test_every_stage_of_the_main_path_is_reached_through_the_services():
    load()
    stages = set(Location.objects.values_list("stage", flat=True))
    assert set(MAIN_PATH) <= stages
    stougjeswijk = Location.objects.get(name="Stougjeswijk")
    assert stougjeswijk.stage == Stage.ADMINISTRATIVE_AGREEMENT
    # The audit trail is real: one transition event per step, the last ones by the system.
    transitions = list(
        stougjeswijk.audit_events.filter(action="transition")
        .order_by("at", "id")
        .values_list("transition", "actor__username")
    )
    assert transitions == [
        ("select", "ministerie"),
        ("start_analysis", "regisseur"),
        ("start_negotiation", "regisseur"),
        ("conclude_heads_of_agreement", None),
        ("conclude_administrative_agreement", None),
    ]
    # The breakthrough happened in 2025, as reported to parliament.
    last = stougjeswijk.audit_events.filter(
        transition="conclude_administrative_agreement"
    )
    assert last.get().at.year == 2025
    concluded = AgreementVersion.objects.filter(
        agreement__location=stougjeswijk, status=VersionStatus.CONCLUDED
    )
    assert concluded.count() == 2
    assert all(len(v.sha256) == 64 for v in concluded)


def test_demo_users_see_what_their_role_allows():
    load()
    total = Location.objects.count()
    for username in ("regisseur", "ministerie", "kijker", "vng"):
        user = User.objects.get(username=username)
        assert locations_visible_to(user).count() == total, username
    breda = User.objects.get(username="gemeente-breda")
    assert list(locations_visible_to(breda).values_list("name", flat=True)) == [
        "'t Zoet"
    ]
    brabant = User.objects.get(username="provincie-noord-brabant")
    assert set(
        locations_visible_to(brabant).values_list("municipality", flat=True)
    ) == {
        "Breda",
        "Eindhoven",
        "'s-Hertogenbosch",
        "Tilburg; Oisterwijk",
    }
    assert breda.check_password("doorbraak-demo")
    # Every demo user has an address (make run prints their mail on the console) at a
    # domain no server delivers to; replaying the history sent none.
    assert breda.email == "gemeente-breda@demo.doorbraak.invalid"
    assert not User.objects.exclude(email__endswith="@demo.doorbraak.invalid").exists()
    assert mail.outbox == []


def test_every_location_has_ministry_province_municipalities_and_demo_market_parties():
    load()
    for location in Location.objects.prefetch_related("parties__organisation"):
        kinds = [party.organisation.kind for party in location.parties.all()]
        municipalities = location.municipality.split("; ")
        assert kinds.count("ministry") == 1
        assert kinds.count("province") == 1
        assert kinds.count("municipality") == len(municipalities)
        market = [
            p.organisation for p in location.parties.all() if p.organisation.is_demo
        ]
        assert market and all(o.name.endswith("(demo)") for o in market)


def test_the_history_of_every_round_ran_through_the_flow():
    load()
    concluded = AgreementVersion.objects.filter(status=VersionStatus.CONCLUDED)
    assert concluded.count() == 4  # Stougjeswijk twice, Gnephoek, Barendrecht
    for version in concluded.select_related("agreement__location"):
        location = version.agreement.location
        process = Process.objects.get(
            flow_class=ApprovalRoundFlow, artifact_object_id=version.pk
        )
        assert process.status == STATUS.DONE
        tasks = Task.objects.filter(
            process=process, flow_task=ApprovalRoundFlow.instance.approve
        )
        # One task per party, done by the organisation's signatory, at the demo's date.
        assert sorted(
            (organisation_slug(task), task.status, task.owner.username)
            for task in tasks
        ) == sorted(
            (slug, STATUS.DONE, slug)
            for slug in location.parties.values_list("organisation__slug", flat=True)
        )
        assert {task.finished for task in tasks} == {version.concluded_at}
        assert version.concluded_at.year == 2025
        assert version.approvals.filter(decision="approve").count() == len(tasks)
        # The deadlines were met: every one of the round was closed, none fired.
        deadlines = Deadline.objects.filter(
            reference__in=[f"task:{task.pk}" for task in tasks]
        )
        assert deadlines.count() == len(tasks)
        assert not deadlines.filter(resolved_at__isnull=True).exists()
        assert not deadlines.filter(reminder_sent_at__isnull=False).exists()
    # No human task carries a viewflow timer; the open work's deadlines lie ahead.
    assert not Task.objects.filter(
        flow_task_type="TIMER", flow_task__contains="__timeout"
    ).exists()
    assert Deadline.objects.filter(
        resolved_at__isnull=True, kind="approval", remind_at__gt=timezone.now()
    ).exists()
    # The demo has run the clock, as the scheduler would have by now: what is in
    # its past was recorded once (in the app, no mail), and a sweep finds nothing new.
    assert fire_due_timers() == 0
    assert clock.sweep().fired == 0
    for event in DeadlineEvent.objects.all():
        assert Deadline.objects.get(
            reference=event.reference
        ).overdue_at <= timezone.now() or (event.event == "reminder")
    assert not [
        m for m in mail.outbox if m.subject.startswith(("Herinnering", "Termijn"))
    ]


def test_open_work_puts_real_tasks_in_the_inbox_of_the_parties():
    load()
    today = timezone.localdate()
    zoet = Location.objects.get(name="'t Zoet")
    assert zoet.stage == Stage.NEGOTIATION

    (task,) = inbox("gemeente-breda")
    assert task.flow_task == ApprovalRoundFlow.instance.approve
    assert task.process.data["location"] == zoet.pk
    assert datetime.date.fromisoformat(task.data["due"]) > today
    version = AgreementVersion.objects.get(pk=task.process.data["version"])
    assert version.status == VersionStatus.IN_APPROVAL
    assert version.agreement.kind == AgreementKind.HEADS_OF_AGREEMENT
    assert all(c.description.endswith("(demo).") for c in version.commitments.all())
    # Some parties have approved already; who still holds the ball has a task.
    assert set(version.approvals.values_list("organisation__slug", "decision")) == {
        ("ministerie-vro", "approve"),
        ("provincie-noord-brabant", "approve"),
        ("woningcorporatie-breda-demo", "approve"),
    }
    still_open = Task.objects.filter(
        process=task.process,
        flow_task=ApprovalRoundFlow.instance.approve,
        status=STATUS.ASSIGNED,
    )
    assert {organisation_slug(t) for t in still_open} == {
        "gemeente-breda",
        "ontwikkelaar-breda-demo",
    }
    # Fellenoord's round waits for four parties; the province has a task there.
    fellenoord = Location.objects.get(name="Fellenoord")
    (province_task,) = inbox("provincie-noord-brabant")
    assert province_task.process.data["location"] == fellenoord.pk

    # An action on Fellenoord's breakthrough agenda waits for the municipality.
    (action,) = BottleneckAction.objects.select_related("bottleneck__location")
    assert action.bottleneck.location == fellenoord
    assert action.status == ActionStatus.OPEN
    assert action.due_on > today
    assert action.description.endswith("(demo).")
    eindhoven = inbox("gemeente-eindhoven")
    assert sorted(t.flow_task.name for t in eindhoven) == ["approve", "perform"]
    perform = eindhoven.get(flow_task=BottleneckActionFlow.instance.perform)
    assert perform.data["due"] == action.due_on.isoformat()

    # The tasks are real: when the last two approve, the heads of agreement stands.
    for open_task in still_open:
        slug = organisation_slug(open_task)
        task_complete(
            task_id=open_task.pk,
            user=User.objects.get(username=slug),
            payload={"decision": "approve"},
        )
    zoet.refresh_from_db()
    assert zoet.stage == Stage.HEADS_OF_AGREEMENT
    version.refresh_from_db()
    assert version.status == VersionStatus.CONCLUDED


def test_the_escalation_branch_is_in_the_demo():
    """Pampus: escalated, the consultation recorded (deadlock), the ministry's
    decision on intervention waiting in its inbox. Katwijk: in the designation
    procedure, the draft decision frozen, a view recorded, the period running."""
    from documents.constants import DocumentKind
    from documents.models import Document
    from workflows.escalation import DesignationFlow, EscalationFlow

    load()
    today = timezone.localdate()

    pampus = Location.objects.get(name="Pampus")
    assert pampus.stage == Stage.ESCALATED
    escalation = pampus.escalations.get(closed_at=None)
    assert escalation.consultation_outcome == "deadlock_remains"
    assert escalation.consultation_held_on < today
    assert escalation.reason.endswith("(demo).")
    dossier = Document.objects.get(location=pampus, kind=DocumentKind.EVIDENCE_DOSSIER)
    assert escalation.dossier_sha256 == dossier.sha256
    (decision,) = inbox("ministerie")
    assert decision.flow_task == EscalationFlow.instance.intervene
    assert decision.process.data["location"] == pampus.pk
    assert datetime.date.fromisoformat(decision.data["due"]) > today
    assert list(
        pampus.audit_events.filter(action__in=["transition", "document_frozen"])
        .order_by("at", "id")
        .values_list("action", "transition")
    )[-2:] == [("transition", "escalate"), ("document_frozen", "")]

    katwijk = Location.objects.get(name="Doorbraaklocatie Katwijk")
    assert katwijk.stage == Stage.DESIGNATION_PROCEDURE
    designation = katwijk.designations.get(closed_at=None)
    assert designation.instrument == "project_decision"
    assert not designation.consultation_elapsed()
    assert designation.consultation_ends_on > today
    draft = Document.objects.get(location=katwijk, kind=DocumentKind.DRAFT_DESIGNATION)
    assert designation.draft_sha256 == draft.sha256
    assert not designation.decision_sha256
    (view,) = designation.views.all()
    assert view.submitted_by.endswith("(demo)")
    # The consultation period is a timer of the running procedure, still ahead.
    timer = Task.objects.get(
        process__flow_class=DesignationFlow,
        process__data__location=katwijk.pk,
        flow_task_type="TIMER",
        status=STATUS.SCHEDULED,
    )
    assert timer.scheduled.date() > designation.consultation_ends_on
    # The notice started the period; the timer waits out the postal week too.
    assert designation.notice_journal == "staatscourant"
    assert designation.consultation_starts_on < today
    assert timer.scheduled.date() == designation.decision_possible_on
    assert view.sender_address and view.late is False
    assert fire_due_timers() == 0
    # The escalation of Katwijk ran through its flow: dossier, consultation, decision.
    process = Process.objects.get(flow_class=EscalationFlow, data__location=katwijk.pk)
    assert process.status == STATUS.DONE
    assert Document.objects.filter(
        location=katwijk, kind=DocumentKind.EVIDENCE_DOSSIER
    ).exists()

    # The demo has run the impasse detection, as the cron job would have by now: a
    # new user's dashboard and impasse list are not empty, and a run finds nothing new.
    from casework.impasses import detect_impasses
    from casework.models import ImpasseSignal

    open_signals = ImpasseSignal.objects.filter(closed_at__isnull=True).count()
    assert open_signals > 0
    again = detect_impasses()
    assert (again.opened, again.closed, again.open_total) == (0, 0, open_signals)


def test_every_demo_organisation_has_an_administrator_for_its_people():
    from accounts.members import may_manage, organisations_managed_by

    load()
    breda = User.objects.get(username="gemeente-breda")
    assert [o.slug for o in organisations_managed_by(breda)] == ["gemeente-breda"]
    for organisation in Organisation.objects.all():
        signatory = User.objects.get(username=organisation.slug)
        assert may_manage(signatory, organisation), organisation.slug


def test_the_demo_has_a_second_programme_with_its_own_people_and_terms():
    """Issue 17: the versnellingstafel, with its own case manager, terms, targets and
    the province as escalating authority; every figure per programme."""
    from casework.dashboard import dashboard_figures
    from casework.management.commands.demo_logins import login_rows
    from casework.models import Programme

    load()
    table = Programme.objects.get(slug="versnellingstafel-zuid-holland")
    assert table.name.endswith("(demo)")
    assert table.escalating_authority.slug == "provincie-zuid-holland"
    assert (table.approval_working_days, table.consultation_weeks) == (5, 4)
    names = set(table.locations.values_list("name", flat=True))
    assert names == {
        "Doorbraaklocatie Schiedam",
        "Doorbraaklocatie Zuidplas",
        "Doorbraaklocatie Lansingerland en Zoetermeer",
    }
    regional = User.objects.get(username="regisseur-zh")
    assert set(locations_visible_to(regional).values_list("name", flat=True)) == names
    # Its case manager took Zuidplas into the analysis; its director selected it.
    zuidplas = table.locations.get(name="Doorbraaklocatie Zuidplas")
    assert zuidplas.stage == Stage.BOTTLENECK_ANALYSIS
    assert list(
        zuidplas.audit_events.filter(action="transition")
        .order_by("at", "id")
        .values_list("transition", "actor__username")
    ) == [("select", "provincie-zuid-holland"), ("start_analysis", "regisseur-zh")]
    figures = dashboard_figures(regional)
    assert figures.locations_total == 3
    assert figures.homes_target == 8_000
    # The global roles see both programmes, their targets side by side, never summed.
    everything = dashboard_figures(User.objects.get(username="kijker"))
    assert everything.homes_target is None
    assert {t["homes_target"] for t in everything.programme_targets} == {100_000, 8_000}
    rows = {row[0]: row for row in login_rows()}
    assert (
        "procesregisseur (Versnellingstafel Zuid-Holland (demo))"
        in rows["regisseur-zh"][1]
    )
    assert "programmabeheerder" in rows["beheerder-zh"][1]
