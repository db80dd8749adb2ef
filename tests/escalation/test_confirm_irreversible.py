"""Irreversible choices on the escalation task pages ask for a second look (issue 19,
item 8), as the location page's "Afvoeren" does: withdrawing (on the intervention
and the final decision page) and designating are marked as not undoable, sit with a
red confirmation box, and without its checkbox ticked the page answers with an error
on it and nothing happens. Works without JavaScript (a plain form post)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from casework.constants import Stage
from casework.models import Location
from workflows import services as workflows
from workflows.escalation import EscalationFlow

from ..jobs.test_final_designation import answers_of, decidable, decide_task
from ..scenarios import bring_to
from ..workflows.pages import open_task
from .helpers import escalation_process, human_task

pytestmark = pytest.mark.django_db

__all__ = ["decidable"]  # the fixture, shared with the jobs tests


@pytest.fixture
def deadlocked(world, django_capture_on_commit_callbacks) -> Location:
    """Escalated, the consultation recorded with a deadlock: the ministry's
    intervention task is open."""
    with django_capture_on_commit_callbacks(execute=True):
        location = bring_to(
            world.own,
            Stage.ESCALATED,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
        consult = human_task(
            escalation_process(location), EscalationFlow.instance.consult
        )
        workflows.task_complete(
            task_id=consult.pk,
            user=world.case_manager,
            payload={
                "held_on": timezone.localdate().isoformat(),
                "participants": "Minister, wethouder.",
                "outcome": "deadlock_remains",
            },
        )
    return location


def intervene_task(location: Location):
    return human_task(escalation_process(location), EscalationFlow.instance.intervene)


def assert_asks_for_a_second_look(page: str, checkbox_label: str) -> None:
    assert "(kan niet worden teruggedraaid)" in page
    assert 'class="dk-transition--danger' in page
    assert 'class="dk-confirm"' in page
    assert checkbox_label in page
    assert 'aria-describedby="onomkeerbaar-gevolg"' in page
    assert 'id="onomkeerbaar-gevolg"' in page


def test_withdrawing_from_the_intervention_page_needs_confirmation(
    world, client, deadlocked, django_capture_on_commit_callbacks
):
    client.force_login(world.ministry)
    url = open_task(client, intervene_task(deadlocked))
    page = client.get(url).content.decode()
    assert_asks_for_a_second_look(
        page, "Ik begrijp dat ‘Afvoeren’ niet ongedaan kan worden gemaakt."
    )

    body = {"decision": "withdraw", "reason": "Het plan is niet meer haalbaar."}
    refused = client.post(url, body)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "kan niet ongedaan worden gemaakt. Vink aan dat u dat begrijpt" in text
    assert 'aria-invalid="true"' in text or "dk-field--error" in text
    deadlocked.refresh_from_db()
    assert deadlocked.stage == Stage.ESCALATED
    assert intervene_task(deadlocked).status != STATUS.DONE

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**body, "confirm": "on"})
    assert done.status_code == 302, done.content
    deadlocked.refresh_from_db()
    assert deadlocked.stage == Stage.WITHDRAWN


def test_a_reversible_choice_needs_no_confirmation(
    world, client, deadlocked, django_capture_on_commit_callbacks
):
    client.force_login(world.ministry)
    url = open_task(client, intervene_task(deadlocked))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {
                "decision": "start_designation",
                "reason": "De impasse blijft.",
                "instrument": "instruction",
                "legal_basis": "Omgevingswet.",
                "national_interest": "Woningbouw.",
            },
        )
    assert done.status_code == 302, done.content
    deadlocked.refresh_from_db()
    assert deadlocked.stage == Stage.DESIGNATION_PROCEDURE


@pytest.mark.parametrize("decision", ["designate", "withdraw"])
def test_the_final_decision_page_confirms_designating_and_withdrawing(
    world, client, decidable, decision, django_capture_on_commit_callbacks
):
    client.force_login(world.ministry)
    url = open_task(client, decide_task(decidable))
    page = client.get(url).content.decode()
    assert_asks_for_a_second_look(
        page,
        "Ik begrijp dat ‘Aanwijzen’ en ‘Afvoeren’ niet ongedaan kunnen worden gemaakt.",
    )
    body = {
        "decision": decision,
        "reason": "Na afloop van de zienswijzetermijn.",
        "response": "De zienswijzen zijn meegewogen.",
        **{f"answer_{pk}": text for pk, text in answers_of(decidable).items()},
    }
    refused = client.post(url, body)
    assert refused.status_code == 200
    assert "Vink aan dat u dat begrijpt" in refused.content.decode()
    decidable.refresh_from_db()
    assert decidable.stage == Stage.DESIGNATION_PROCEDURE
    assert decide_task(decidable).status != STATUS.DONE

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**body, "confirm": "on"})
    assert done.status_code == 302, done.content
    decidable.refresh_from_db()
    assert (
        decidable.stage
        == {
            "designate": Stage.DESIGNATED,
            "withdraw": Stage.WITHDRAWN,
        }[decision]
    )


def test_resuming_from_the_final_decision_page_needs_no_confirmation(
    world, client, decidable, django_capture_on_commit_callbacks
):
    client.force_login(world.ministry)
    url = open_task(client, decide_task(decidable))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {"decision": "resume_negotiation", "reason": "De partijen zijn eruit."},
        )
    assert done.status_code == 302, done.content
    decidable.refresh_from_db()
    assert decidable.stage == Stage.NEGOTIATION
