"""The menu's three numbers (inbox, queue, unread notifications) come from one
statement; it must say what the lists themselves hold."""

from __future__ import annotations

from django.utils import timezone

from .test_tasks_api_query_counts import add_rounds, inbox  # noqa: F401


def test_the_menu_counts_in_one_statement_what_the_lists_hold(
    inbox,  # noqa: F811
    django_assert_num_queries,
):
    """`work_counts` (one UNION ALL) says what the inbox, the queue and the unread
    notifications hold, for a person with work in each and for one with none."""
    from workflows import selectors
    from workflows.models import Notification

    add_rounds(inbox, 3)
    Notification.objects.create(
        user=inbox.signatory, message="Gelezen", read_at=timezone.now()
    )
    Notification.objects.create(user=inbox.signatory, message="Nieuw")
    people = [inbox.signatory, inbox.colleague, inbox.case_manager]
    seen = []
    for person in people:
        expected = {
            "inbox": selectors.inbox(person).count(),
            "queue": selectors.queue(person).count(),
            "unread": Notification.objects.filter(
                user=person, read_at__isnull=True
            ).count(),
        }
        with django_assert_num_queries(1):
            counts = selectors.work_counts(person)
        assert counts == expected
        seen.append(counts)
    assert seen[0]["inbox"] and seen[0]["queue"] and seen[0]["unread"]
    assert seen[2]["queue"] == 0
