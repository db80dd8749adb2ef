"""The inbox and the queue answer in a constant number of queries: the same at 10 and
at 1,000 open tasks. What each task is about (agreement version, action, location,
organisation) is loaded for the whole page at once, never per row.

The tasks belong to organisation A, which has two signatories: in the queue they wait
for both; for the inbox they are all assigned to one of them. Each request is made
once before it is measured, so that process-wide caches (content types) are warm.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .task_world import OVERDUE_EVERY, assign_all_to, build_task_world

PAGE_SIZE = 25

SESSION = [
    "django_session: the session",
    "auth_user: the logged-in user",
]
PERMISSIONS = [
    "auth_permission (IN auth_user_user_permissions OR IN auth_group_permissions): "
    "the user's model-wide permissions, their own and their groups' in one query "
    "(accounts.backends; the queue's rule: a role may claim a task by its permission)",
]
DESCRIBE_PAGE = [
    "casework_agreementversion JOIN casework_agreement: the versions the page's "
    "approval tasks are about",
    "casework_bottleneckaction JOIN casework_bottleneck, casework_party, "
    "permissions_organisation: the actions the page's action tasks are about",
    "casework_location: the locations of the page's tasks",
    "permissions_organisation: the names of the organisations the page's approval "
    "tasks are for",
]
MENU_COUNTS = [
    "COUNT viewflow_task JOIN viewflow_process UNION ALL COUNT viewflow_task (EXISTS "
    "guardian object permissions) UNION ALL COUNT workflows_notification: the menu's "
    "inbox, queue and unread counts in one statement",
]

QUERIES = {
    "inbox": [
        *SESSION,
        "COUNT viewflow_task JOIN viewflow_process: the paginator's count of the "
        "user's assigned open tasks",
        "viewflow_task JOIN viewflow_process: the page of 25 tasks, earliest due first",
        *DESCRIBE_PAGE,
        MENU_COUNTS[0],
        *PERMISSIONS,
        *MENU_COUNTS[1:],
    ],
    "queue": [
        *SESSION,
        *PERMISSIONS,
        "COUNT viewflow_task JOIN viewflow_process (EXISTS guardian_groupobjectpermission "
        "/ guardian_userobjectpermission for the task's permission on its object): the "
        "paginator's count of the tasks the user may claim",
        "viewflow_task JOIN viewflow_process (the same EXISTS): the page of 25 tasks",
        *DESCRIBE_PAGE,
        *MENU_COUNTS,
    ],
}
EXPECTED = {page: len(queries) for page, queries in QUERIES.items()}


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize("page", list(QUERIES))
def test_inbox_and_queue_query_count_does_not_depend_on_the_number_of_tasks(
    client, world, django_assert_num_queries, page, size
):
    build_task_world(world, size)
    if page == "inbox":
        assign_all_to(world.a_signatory, world.org_a)
    client.force_login(world.a_signatory)
    url = reverse(f"workflow:{page}")
    client.get(url)  # warm the process-wide caches

    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)

    # The page shows what it should, so a constant count is not a page that lost
    # its content.
    assert response.status_code == 200
    content = response.content.decode()
    rows = min(size, PAGE_SIZE)
    assert content.count('<th scope="row">') == rows
    assert content.count('href="/locations/') >= rows
    assert "Hoofdlijnenakkoord" in content
    assert "Aansluiting aanvragen" in content or "Stikstofberekening" in content
    assert "Gemeente A" in content
    assert "termijn verstreken" in content
    assert response.context["paginator"].count == size
    overdue_rows = sum(1 for row in response.context["rows"] if row.overdue)
    assert 0 < overdue_rows <= rows // OVERDUE_EVERY + 1
