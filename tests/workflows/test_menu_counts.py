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


def test_the_menu_counts_agree_with_the_lists_for_everyone(world):
    """Every person of a world with claimable tasks, including a superuser, a person
    granted one task's permission directly (guardian's user table) and one holding
    the permission model-wide (a role): the one statement says what the lists say."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from guardian.shortcuts import assign_perm

    from permissions.constants import OrganisationPerm
    from workflows import selectors

    from .task_world import build_task_world

    build_task_world(world, 6)
    User = get_user_model()
    User.objects.create_superuser("beheer", "beheer@example.org", "x")
    assign_perm(OrganisationPerm.SIGN, world.outsider, world.org_a)
    app_label, codename = OrganisationPerm.ACT.split(".")
    world.c_member.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    nonzero = set()
    # The branches of the queue's rule each let someone claim something here.
    assert selectors.queue(world.outsider).exists()  # granted to the person
    assert selectors.queue(world.c_member).exists()  # a role (model-wide)
    assert selectors.queue(world.a_signatory).exists()  # through the group
    for person in User.objects.order_by("pk"):
        expected = {
            "inbox": selectors.inbox(person).count(),
            "queue": selectors.queue(person).count(),
            "unread": person.notifications.filter(read_at__isnull=True).count(),
        }
        assert selectors.work_counts(person) == expected, person.username
        nonzero.update(kind for kind, n in expected.items() if n)
    assert nonzero == {"inbox", "queue", "unread"}
