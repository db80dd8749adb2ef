"""The running portfolio's deadlines move from viewflow's timers to the one deadline
clock (`casework.Deadline`, swept by `manage.py deadlines`).

Every open human task with a due date gets its deadline row, with what its timers
already did carried over (a reminder or overdue mark logged as a `DeadlineEvent` is
not sent again; one still to come will come, once). An open action task's deadline is
the action's (`action:<pk>`). Then the timer rows themselves go: the boundary timers
(`approve__timeout…`) and the nodes they led to (`remind`, `mark_overdue`,
`deadline_end`), which the flows no longer have; the designation's consultation
timer (`consultation_period`) stays, it is a moment the flow waits for.

Read and written with plain SQL and the historical models: the flows of today are not
imported (the node names stored in viewflow's rows may be gone from them).
"""

import datetime
import json

import django.utils.timezone
from django.db import migrations

# The clock's own arithmetic, which has no model state.
from casework.calendar import overdue_moment, reminder_moment

FLOWS = {
    "workflows/flows.ApprovalRoundFlow": "approval",
    "workflows/flows.BottleneckActionFlow": "action",
    "workflows/escalation.EscalationFlow": "escalation",
    "workflows/escalation.DesignationFlow": "escalation",
}
GONE_NODES = (".remind", ".mark_overdue", ".deadline_end")
OPEN = ("NEW", "ASSIGNED", "STARTED")
TITLES = {
    "consult": "Bestuurlijk overleg vastleggen",
    "resume": "Onderhandeling hervatten",
    "intervene": "Besluiten over ingrijpen",
    "decide": "Definitief aanwijzingsbesluit nemen",
}


def _json(value):
    if isinstance(value, str):
        return json.loads(value or "{}")
    return value or {}


def _moments(due, reminder_days):
    return reminder_moment(due, reminder_days), overdue_moment(due)


def forwards(apps, schema_editor):
    Deadline = apps.get_model("casework", "Deadline")
    DeadlineEvent = apps.get_model("casework", "DeadlineEvent")
    Location = apps.get_model("casework", "Location")
    Organisation = apps.get_model("permissions", "Organisation")
    AgreementVersion = apps.get_model("casework", "AgreementVersion")
    BottleneckAction = apps.get_model("casework", "BottleneckAction")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.flow_task, t.data, p.data, p.flow_class "
            "FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id "
            "WHERE t.flow_task_type = 'HUMAN' AND t.status IN (%s, %s, %s)",
            list(OPEN),
        )
        rows = cursor.fetchall()
    events = {
        (reference, event): created_at
        for reference, event, created_at in DeadlineEvent.objects.values_list(
            "reference", "event", "created_at"
        )
    }
    organisations = {}
    programme_days = {}
    made = []
    for task_id, flow_task, task_data, process_data, flow_class in rows:
        kind = FLOWS.get(flow_class)
        task_data, process_data = _json(task_data), _json(process_data)
        due = task_data.get("due")
        if kind is None or not due or "location" not in process_data:
            continue
        try:
            due_on = datetime.date.fromisoformat(due)
        except ValueError:
            continue
        location = Location.objects.filter(pk=process_data["location"]).first()
        if location is None:
            continue
        organisation_id = task_data.get("organisation")
        organisation = None
        if organisation_id:
            if organisation_id not in organisations:
                organisations[organisation_id] = Organisation.objects.filter(
                    pk=organisation_id
                ).first()
            organisation = organisations[organisation_id]
        node = flow_task.rsplit(".", 1)[-1]
        reference = f"task:{task_id}"
        title = TITLES.get(node, node)
        description = f"{title} bij {location.name}, uiterlijk {due_on:%d-%m-%Y}."
        if kind == "approval":
            version = (
                AgreementVersion.objects.filter(pk=process_data.get("version"))
                .select_related("agreement")
                .first()
            )
            if version is not None:
                title = version.agreement.title
                description = (
                    f"{organisation.name if organisation else 'Een partij'} besluit "
                    f"over ‘{title}’ (versie {version.number}) uiterlijk "
                    f"{due_on:%d-%m-%Y}."
                )
        elif kind == "action":
            action = BottleneckAction.objects.filter(
                pk=process_data.get("action")
            ).first()
            if action is None:
                continue
            reference = f"action:{action.pk}"
            title = action.description[:200]
            description = (
                f"{organisation.name if organisation else 'Een partij'} voert "
                f"uiterlijk {due_on:%d-%m-%Y} uit: {action.description[:200]}"
            )
        if location.programme_id not in programme_days:
            programme_days[location.programme_id] = (
                location.programme.reminder_working_days
            )
        reminder_days = programme_days[location.programme_id]
        remind_at, overdue_at = _moments(due_on, reminder_days)
        made.append(
            Deadline(
                location=location,
                kind=kind,
                reference=reference,
                organisation=organisation,
                task_id=task_id,
                title=title[:200],
                description=description[:300],
                due_on=due_on,
                reminder_working_days=reminder_days,
                remind_at=remind_at,
                overdue_at=overdue_at,
                reminder_sent_at=events.get((reference, "reminder")),
                overdue_marked_at=events.get((reference, "overdue")),
            )
        )
    # The commitments of concluded agreements and the bottlenecks with a deadline,
    # which no timer watched: their moments that have passed count as done (the
    # impasse detector has signalled them all along; nobody needs a late reminder).
    now = django.utils.timezone.now()
    Commitment = apps.get_model("casework", "Commitment")
    for commitment in Commitment.objects.filter(
        version__status="concluded", status__in=["open", "overdue"]
    ).select_related(
        "owner__organisation", "version__agreement__location__programme"
    ):
        location = commitment.version.agreement.location
        reminder_days = location.programme.reminder_working_days
        remind_at, overdue_at = _moments(commitment.due_date, reminder_days)
        made.append(
            Deadline(
                location=location,
                kind="commitment",
                reference=f"commitment:{commitment.pk}",
                organisation=commitment.owner.organisation,
                commitment=commitment,
                title=commitment.version.agreement.title[:200],
                description=commitment.description[:300],
                due_on=commitment.due_date,
                reminder_working_days=reminder_days,
                remind_at=remind_at,
                overdue_at=overdue_at,
                reminder_sent_at=now if remind_at <= now else None,
                overdue_marked_at=now if overdue_at <= now else None,
            )
        )
    Bottleneck = apps.get_model("casework", "Bottleneck")
    for bottleneck in Bottleneck.objects.filter(
        deadline__isnull=False, status__in=["open", "in_progress"]
    ).select_related("owner__organisation", "location__programme"):
        reminder_days = bottleneck.location.programme.reminder_working_days
        remind_at, overdue_at = _moments(bottleneck.deadline, reminder_days)
        made.append(
            Deadline(
                location=bottleneck.location,
                kind="bottleneck",
                reference=f"bottleneck:{bottleneck.pk}",
                organisation=bottleneck.owner.organisation if bottleneck.owner else None,
                bottleneck=bottleneck,
                title="Knelpunt",
                description=bottleneck.description[:300],
                due_on=bottleneck.deadline,
                reminder_working_days=reminder_days,
                remind_at=remind_at,
                overdue_at=overdue_at,
                reminder_sent_at=now if remind_at <= now else None,
                overdue_marked_at=now if overdue_at <= now else None,
            )
        )
    Deadline.objects.bulk_create(made, ignore_conflicts=True, batch_size=1000)

    # The timer rows and the nodes they led to.
    with connection.cursor() as cursor:
        condition = " OR ".join(
            ["flow_task LIKE %s"] * (1 + len(GONE_NODES) * len(FLOWS))
        )
        params = ["%\\_\\_timeout%"] + [
            f"{flow}{node}" for flow in FLOWS for node in GONE_NODES
        ]
        condition = condition.replace("LIKE %s", "LIKE %s ESCAPE '\\'", 1)
        cursor.execute(f"SELECT id FROM viewflow_task WHERE {condition}", params)
        gone = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM viewflow_task_previous "
                f"WHERE from_task_id IN ({marks}) OR to_task_id IN ({marks})",
                chunk + chunk,
            )
            cursor.execute(f"DELETE FROM viewflow_task WHERE id IN ({marks})", chunk)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0015_deadline_clock"),
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0003_process_location_index"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
