"""'Who holds the ball' on the location page: the open approval round with the
organisations that still have to decide (and who already decided), the open actions
per party with their due dates, overdue ones marked, a revision the case manager
owes; and for the case manager a form to open an action on a bottleneck.

The section comes from the workflows app through `casework.panels`: casework imports
nothing of workflows."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from casework.constants import ActionStatus
from workflows import services as workflows
from workflows.forms import ActionStartForm

from ..scenarios import add_bottleneck
from .pages import approval_task, negotiating, open_task, revise_task, submit

pytestmark = pytest.mark.django_db


def page(client, user, location):
    client.force_login(user)
    response = client.get(reverse("locations:detail", args=[location.pk]))
    assert response.status_code == 200
    return response


def panel(response):
    [work] = [p for p in response.context["panels"] if p["name"] == "work"]
    return work


def test_an_open_round_shows_who_still_has_to_decide(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    workflows.task_complete(
        task_id=approval_task(process, world.org_a).pk,
        user=world.a_signatory,
        payload={"decision": "approve"},
    )
    b_task = approval_task(process, world.org_b)
    b_task.data["overdue"] = True
    b_task.save(update_fields=["data"])

    response = page(client, world.case_manager, location)

    work = panel(response)["work"]
    [round_] = work.rounds
    assert [p.organisation for p in round_.waiting_on] == ["Ontwikkelaar B"]
    assert [(p.organisation, p.decision) for p in round_.decided] == [
        ("Gemeente A", "approve")
    ]
    [waiting] = round_.waiting_on
    assert waiting.overdue
    assert waiting.claimed_by == world.b_signatory.get_full_name()
    assert work.waiting_organisations == ["Ontwikkelaar B"]
    content = response.content.decode()
    assert '<h2 id="aan-zet-titel">Wie is aan zet</h2>' in content
    assert "Nog 1 van de 2 partijen moet besluiten." in content
    assert "Nog te besluiten" in content
    assert "termijn verstreken" in content
    assert "<caption" in content


def test_open_actions_per_party_with_due_dates(client, world):
    location = negotiating(world)
    bottleneck = add_bottleneck(location, world.case_manager)
    today = datetime.date.today()
    for party, due, text in (
        (world.party_a, today - datetime.timedelta(days=3), "Stikstof doorrekenen."),
        (world.party_b, today + datetime.timedelta(days=20), "Grondbod uitbrengen."),
    ):
        workflows.action_start(
            bottleneck=bottleneck,
            actor=world.case_manager,
            assignee=party,
            description=text,
            due_on=due,
        )

    response = page(client, world.a_member, location)

    actions = panel(response)["work"].actions
    assert [(a.organisation, a.action.description, a.overdue) for a in actions] == [
        ("Gemeente A", "Stikstof doorrekenen.", True),
        ("Ontwikkelaar B", "Grondbod uitbrengen.", False),
    ]
    assert [a.ball_with for a in actions] == ["Gemeente A", "Ontwikkelaar B"]
    content = response.content.decode()
    assert "Open acties op de doorbraak-agenda" in content
    assert content.count("termijn verstreken") == 1
    # A party member sees who holds the ball, but cannot open actions.
    assert "Actie uitzetten op een knelpunt" not in content
    assert panel(response)["action_form"] is None


def test_a_reported_action_is_with_the_case_manager(client, world):
    location = negotiating(world)
    bottleneck = add_bottleneck(location, world.case_manager)
    process = workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=world.party_b,
        description="Grondbod uitbrengen.",
        due_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    perform = process.task_set.get(flow_task_type="HUMAN")
    workflows.task_complete(
        task_id=perform.pk,
        user=world.b_member,
        payload={"outcome": "done", "report": "Bod verstuurd."},
    )

    [item] = panel(page(client, world.viewer, location))["work"].actions

    assert item.action.status == ActionStatus.DONE_REPORTED
    assert item.ball_with == "Procesregisseur"
    assert not item.overdue  # the party did its part


def test_a_revision_owed_by_the_case_manager(client, world):
    location = negotiating(world)
    process = submit(location, world.case_manager)
    workflows.task_complete(
        task_id=approval_task(process, world.org_b).pk,
        user=world.b_signatory,
        payload={"decision": "reject", "comment": "Te vaag."},
    )

    response = page(client, world.ministry, location)

    work = panel(response)["work"]
    assert work.rounds == []
    [revision] = work.revisions
    assert revision.task == revise_task(location)
    assert "de procesregisseur stelt een nieuwe versie op" in response.content.decode()


def test_the_case_manager_opens_an_action_from_the_location_page(client, world):
    location = negotiating(world)
    bottleneck = add_bottleneck(location, world.case_manager)

    response = page(client, world.case_manager, location)

    form = panel(response)["action_form"]
    assert isinstance(form, ActionStartForm)
    assert [value for value, _label in form.fields["bottleneck"].choices] == list(
        location.bottlenecks.order_by("created_at", "pk").values_list("pk", flat=True)
    )
    assert bottleneck.pk in dict(form.fields["bottleneck"].choices)
    assert {value for value, _label in form.fields["party"].choices} == {
        world.org_a.pk,
        world.org_b.pk,
    }
    content = response.content.decode()
    assert f'action="{reverse("workflow:action_start", args=[location.pk])}"' in (
        content
    )
    assert 'for="id_actie_description"' in content

    response = client.post(
        reverse("workflow:action_start", args=[location.pk]),
        {
            "bottleneck": bottleneck.pk,
            "party": world.org_b.pk,
            "description": "Grondbod uitbrengen.",
            "due_on": "2027-02-01",
        },
        follow=True,
    )

    assert "De actie is uitgezet bij Ontwikkelaar B." in response.content.decode()
    [item] = panel(response)["work"].actions
    assert (item.organisation, item.due) == (
        "Ontwikkelaar B",
        datetime.date(2027, 2, 1),
    )
    # The party finds it in its queue.
    client.force_login(world.b_member)
    assert open_task(client, item_task(item))


def item_task(item):
    from viewflow.workflow.models import Task

    return Task.objects.get(
        process__artifact_object_id=item.action.pk,
        flow_task_type="HUMAN",
        status="NEW",
    )


def test_without_a_bottleneck_the_case_manager_is_told_to_register_one(client, world):
    location = negotiating(world)
    location.bottlenecks.all().delete()

    content = page(client, world.case_manager, location).content.decode()

    assert "Registreer eerst een knelpunt" in content


# --- Layering -----------------------------------------------------------------------------


def test_casework_never_imports_workflows():
    """casework ← workflows: the section reaches the location page through
    `casework.panels`, which workflows fills from its AppConfig.ready()."""
    casework = Path(settings.BASE_DIR) / "casework"
    offenders = []
    for path in casework.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if name == "workflows" or name.startswith("workflows.")
            ]
    assert offenders == []
    templates = Path(settings.BASE_DIR) / "templates" / "casework"
    for template in templates.glob("*.html"):
        text = template.read_text()
        assert "workflows/" not in text and "workflow:" not in text, template.name
