"""Many people on one approval round at the same moment, through the API (real
threads, each with its own connection and API client, released by a barrier).

- Twenty clients on one round of ten parties: both signatories of every party decide at
  once (in some iterations one of them rejects). Each party's decision lands once, every
  answer is 200 or 409 (never a 5xx), no approval answered 200 is lost, the round ends
  exactly once (one conclusion, or one rejection and one revision task), and no task is
  left open in a finished round.
- Two case managers drafting and submitting the same agreement at once: one round runs,
  for one version; the other manager gets a 404/409, never a 5xx; no orphan process.
"""

from __future__ import annotations

import pytest
from django.db import connection
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.constants import AuditAction, PartyRole, Stage, TransitionName
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Approval,
    AuditEvent,
    Location,
    VersionStatus,
)
from permissions.constants import MembershipRole, OrganisationKind, Role
from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client, transition_events
from ..factories import (
    LocationFactory,
    OrganisationFactory,
    PartyFactory,
    person_of,
    user_with_role,
)
from ..scenarios import bring_to
from ..workflows.rounds import (
    approval_tasks,
    no_flow_errors,
    race,
    revise_tasks,
    submit_round,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: real concurrent transactions",
    ),
]

PARTIES = 10
STILL_OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED)
# Per iteration: the parties whose second signatory rejects while the first approves.
REJECTING = [set(), {4}, {0, 7}, set()]


@pytest.fixture
def ten_parties(transactional_db):
    """Ten organisations, each with two signatories (so every task waits in a queue
    and either of them may take it)."""
    kinds = [OrganisationKind.MINISTRY, OrganisationKind.PROVINCE] + [
        OrganisationKind.MUNICIPALITY
    ] * (PARTIES - 2)
    parties = []
    for i, kind in enumerate(kinds):
        organisation = OrganisationFactory(
            slug=f"drukte-{i}", name=f"Drukte {i:02d}", kind=kind
        )
        first = person_of(organisation, MembershipRole.SIGNATORY, username=f"dr{i}-a")
        second = person_of(organisation, MembershipRole.SIGNATORY, username=f"dr{i}-b")
        parties.append((organisation, first, second))
    return parties


def complete(client, task_id: int, decision: str):
    body = {"decision": decision}
    if decision == "reject":
        body["comment"] = "Fasering ontbreekt."
    return lambda: client.post(
        f"/api/v1/tasks/{task_id}/complete/", body, format="json"
    )


def assert_no_orphans(process) -> None:
    """Every open task belongs to a running process; every decided approval task has
    its approval row and every approval row its decided task."""
    assert not Task.objects.filter(
        status__in=STILL_OPEN, process__status=STATUS.DONE
    ).exists()
    version = AgreementVersion.objects.get(pk=process.artifact_object_id)
    decided = {
        task.data["organisation"]: task.data["decision"]
        for task in approval_tasks(process).filter(status=STATUS.DONE)
    }
    assert decided == dict(
        Approval.objects.filter(version=version).values_list(
            "organisation_id", "decision"
        )
    )
    for task in approval_tasks(process).exclude(status=STATUS.DONE):
        assert "decision" not in task.data


def test_twenty_clients_deciding_one_round_at_once(
    transactional_db, world, ten_parties
):
    for iteration, rejecting in enumerate(REJECTING):
        location = LocationFactory(
            programme=world.programme, name=f"Drukte {iteration}"
        )
        for organisation, _first, _second in ten_parties:
            PartyFactory(
                location=location, organisation=organisation, role=PartyRole.ADVISOR
            )
        bring_to(
            location,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
        process = submit_round(location, world.case_manager)
        tasks = {t.data["organisation"]: t for t in approval_tasks(process)}
        assert len(tasks) == PARTIES
        assert {t.status for t in tasks.values()} == {STATUS.NEW}
        calls, who = [], []
        for index, (organisation, first, second) in enumerate(ten_parties):
            task = tasks[organisation.pk]
            second_decides = "reject" if index in rejecting else "approve"
            for user, decision in ((first, "approve"), (second, second_decides)):
                calls.append(complete(token_client(user), task.pk, decision))
                who.append((user, organisation, decision))
        transitions_before = transition_events(location).count()

        with no_flow_errors():
            responses = race(*calls)

        errors = [r for r in responses if isinstance(r, BaseException)]
        assert not errors, errors
        statuses = [r.status_code for r in responses]
        assert set(statuses) <= {200, 409}, [r.content for r in responses]
        version = AgreementVersion.objects.get(pk=process.artifact_object_id)
        approvals = {
            a.organisation_id: a
            for a in Approval.objects.filter(version=version).select_related(
                "decided_by"
            )
        }
        # No lost approval: every 200 is one approval row, by that person, with that
        # decision; and no approval row without its 200.
        won = [
            (user, organisation, decision)
            for (user, organisation, decision), status in zip(
                who, statuses, strict=True
            )
            if status == 200
        ]
        assert len(won) == len(approvals)
        for user, organisation, decision in won:
            approval = approvals[organisation.pk]
            assert (approval.decided_by, approval.decision) == (user, decision)
        # At most one decision per party (the unique constraint and the task lock).
        assert len({organisation.pk for _u, organisation, _d in won}) == len(won)
        assert AuditEvent.objects.filter(
            action=AuditAction.APPROVAL_RECORDED, data__version=version.number
        ).filter(location=location).count() == len(won)

        rejected = any(decision == "reject" for _u, _o, decision in won)
        process.refresh_from_db()
        concluded = transition_events(location).filter(
            transition=TransitionName.CONCLUDE_HEADS_OF_AGREEMENT
        )
        if rejected:
            assert version.status == VersionStatus.REJECTED
            assert not concluded.exists()
            assert Location.objects.get(pk=location.pk).stage == Stage.NEGOTIATION
            assert transition_events(location).count() == transitions_before
            assert (
                AuditEvent.objects.filter(
                    action=AuditAction.AGREEMENT_REJECTED, location=location
                ).count()
                == 1
            )
            revise = revise_tasks(process).get()
            assert revise.status == STATUS.ASSIGNED
            assert list(
                Task.objects.filter(process=process, status__in=STILL_OPEN)
            ) == [revise]
        else:
            # Every party decided exactly once; the second signatory of each got 409.
            assert len(won) == PARTIES
            assert statuses.count(409) == PARTIES
            assert version.status == VersionStatus.CONCLUDED
            assert concluded.count() == 1
            assert transition_events(location).count() == transitions_before + 1
            assert (
                Location.objects.get(pk=location.pk).stage == Stage.HEADS_OF_AGREEMENT
            )
            assert process.status == STATUS.DONE
            assert not Task.objects.filter(
                process=process, status__in=STILL_OPEN
            ).exists()
        assert_no_orphans(process)


def test_two_case_managers_submitting_the_same_agreement_at_once(
    transactional_db, world, ten_parties
):
    managers = [
        world.case_manager,
        user_with_role(Role.CASE_MANAGER, username="procesregisseur-2"),
    ]
    clients = [token_client(manager) for manager in managers]
    for iteration in range(6):
        location = LocationFactory(
            programme=world.programme, name=f"Indienen {iteration}"
        )
        for organisation, _first, _second in ten_parties[:4]:
            PartyFactory(
                location=location, organisation=organisation, role=PartyRole.ADVISOR
            )
        bring_to(
            location,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )

        def draft_and_submit(client, n, location=location):
            drafted = client.post(
                f"/api/v1/locations/{location.pk}/agreements/",
                {
                    "kind": AgreementKind.HEADS_OF_AGREEMENT,
                    "title": f"Hoofdlijnen {location.name}",
                    "text": f"Versie van procesregisseur {n}.",
                    "commitments": [],
                },
                format="json",
            )
            if drafted.status_code != 201:
                return drafted, None
            submitted = client.post(
                f"/api/v1/agreements/{drafted.json()['id']}/submit/", format="json"
            )
            return drafted, submitted

        with no_flow_errors():
            results = race(
                *(
                    lambda client=client, n=n: draft_and_submit(client, n)
                    for n, client in enumerate(clients)
                )
            )

        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, errors
        answers = [r for pair in results for r in pair if r is not None]
        assert all(r.status_code < 500 for r in answers), [
            (r.status_code, r.content) for r in answers
        ]
        submitted = [s for _d, s in results if s is not None and s.status_code == 200]
        assert len(submitted) == 1, [
            (d.status_code, s and s.status_code) for d, s in results
        ]
        for drafted, submit in results:
            if submit is None or submit.status_code != 200:
                assert drafted.status_code in (201, 409)
                assert submit is None or submit.status_code in (404, 409)
        # One round, for one version, with one task per party; nothing orphaned.
        running = AgreementVersion.objects.filter(
            agreement__location=location, status=VersionStatus.IN_APPROVAL
        )
        assert running.count() == 1
        processes = Process.objects.filter(
            flow_class=ApprovalRoundFlow, data__location=location.pk
        )
        assert processes.count() == 1
        process = processes.get()
        assert process.artifact_object_id == running.get().pk
        assert approval_tasks(process).filter(status__in=STILL_OPEN).count() == 4
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.AGREEMENT_SUBMITTED, location=location
            ).count()
            == 1
        )
