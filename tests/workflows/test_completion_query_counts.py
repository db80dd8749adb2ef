"""Completing an approval task (`POST /api/v1/tasks/{id}/complete/`) costs the same
number of queries whatever the size of the portfolio, mid-round and when it concludes
the round; and within a budget, so that a change that adds round trips to the busiest
write of the application shows here (figures in the README's performance section)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from casework.models import AgreementVersion, VersionStatus
from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client
from .test_tasks_api_query_counts import PARTIES, add_rounds, inbox  # noqa: F401

# Measured inside the test's transaction (every atomic block a savepoint), with the
# token, the user's permissions and the answer. Mid-round 14 on PostgreSQL, 15 on
# SQLite (which links each audit row to the chain's head with one query more):
#    1  the token and its user
#    2  the task and its process (may the user see it)
#    3  the user's model-wide permissions (one query: accounts.backends)
#    4  may see the location        5  may act for the organisation
#    6  the savepoint of the API's transaction (BEGIN outside a test)
#    7  the task and its process again, the process row locked (one statement:
#       workflows.nodes.task_activation)
#    8  the version locked, with the signatory check and the names for the audit row
#    9  the approval               10  the audit row (on SQLite: and the chain's head)
#   11  are all parties in (a statement of its own: after the lock, a fresh snapshot)
#   12  the deadline closed        13  the task done (and claimed, in the same UPDATE)
#   14  the savepoint released
# No savepoint inside (casework.transactions.in_callers_transaction), no read for the
# answer (the names were read with the version), no join row per approval
# (workflows.nodes.RoundDecision). The conclusion 52 (SQLite 55): the same, the
# version's commitments (read once: for the hash and for their deadlines), the
# transition with its audit row (no savepoint), the version concluded, the
# breakthrough, the commitments' deadlines, the conclusion's audit row; then
# viewflow's join, one node that closes the round (every decision's deadline in one
# UPDATE) and queues the PDF, the outcome and the end (the version's status known to
# them without a query: workflows.nodes.round_version_status). The budget leaves no
# room for a query per party or per row.
# (Issue 14 asks for 35 at the conclusion: not reached; see the README's performance
# section.)
MID_ROUND_BUDGET = 15
CONCLUSION_BUDGET = 55


def complete_round(api, round_tasks) -> list[int]:
    counts = []
    for task in round_tasks:
        with CaptureQueriesContext(connection) as queries:
            response = api.post(
                f"/api/v1/tasks/{task.pk}/complete/",
                {"decision": "approve"},
                format="json",
            )
        assert response.status_code == 200, response.content
        counts.append(len(queries))
    return counts


def newest_round(inbox):  # noqa: F811
    process_id = (
        Task.objects.filter(flow_task=ApprovalRoundFlow.instance.approve)
        .order_by("-process_id")
        .values_list("process_id", flat=True)
        .first()
    )
    return list(
        Task.objects.filter(
            process_id=process_id, flow_task=ApprovalRoundFlow.instance.approve
        ).order_by("pk")
    )


@pytest.mark.django_db(transaction=False)
def test_completing_an_approval_costs_the_same_at_any_size(inbox):  # noqa: F811
    api = token_client(inbox.signatory)
    add_rounds(inbox, 2)
    small = complete_round(api, newest_round(inbox))
    add_rounds(inbox, 40)
    large = complete_round(api, newest_round(inbox))

    assert len(small) == len(large) == PARTIES
    # Claiming a queued task (two of the five) adds no query: compare position by
    # position, then the budget.
    assert small == large
    *mid_round, conclusion = large
    assert max(mid_round) <= MID_ROUND_BUDGET, mid_round
    assert conclusion <= CONCLUSION_BUDGET, conclusion
    assert AgreementVersion.objects.filter(status=VersionStatus.CONCLUDED).count() == 2
