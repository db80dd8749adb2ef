"""The in-app notifications: the page "Meldingen" lists the user's own notifications,
newest first, the unread ones marked; "mark all read" is a POST; the menu counts the
unread ones."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from workflows.models import Notification
from workflows.notifications import notify

pytestmark = pytest.mark.django_db


def notifications_for(user, count=3):
    notify(
        [user],
        subject="Herinnering",
        message="Herinnering: besluit gevraagd over Hoofdlijnenakkoord Eigen Locatie",
        url="/locations/1/",
    )
    rows = list(Notification.objects.filter(user=user))
    now = timezone.now()
    extra = Notification.objects.bulk_create(
        Notification(
            user=user,
            message=f"Bericht {i}",
            url="",
            created_at=now - datetime.timedelta(days=i + 1),
        )
        for i in range(count - 1)
    )
    return rows + extra


def test_the_page_lists_the_users_notifications_newest_first(client, world):
    notifications_for(world.a_signatory)
    Notification.objects.create(user=world.b_signatory, message="Voor een ander")
    Notification.objects.filter(user=world.a_signatory, message="Bericht 1").update(
        read_at=timezone.now()
    )
    client.force_login(world.a_signatory)

    response = client.get(reverse("workflow:notifications"))

    assert response.status_code == 200
    shown = list(response.context["notifications"])
    assert [n.message for n in shown] == [
        "Herinnering: besluit gevraagd over Hoofdlijnenakkoord Eigen Locatie",
        "Bericht 0",
        "Bericht 1",
    ]
    content = response.content.decode()
    assert "Voor een ander" not in content
    assert content.count("dk-notification--unread") == 2
    assert content.count(">Nieuw<") == 2
    # The link goes through the notification (marked read when followed), which
    # leads on to /locations/1/ (tests/workflows/test_notification_links.py).
    reminder = Notification.objects.get(user=world.a_signatory, url="/locations/1/")
    opened = reverse("workflow:notification_open", args=[reminder.pk])
    assert f'<a href="{opened}">Herinnering: besluit gevraagd' in content
    assert 'data-count="unread">2<' in content
    assert "Alles als gelezen markeren" in content


def test_mark_all_read(client, world):
    notifications_for(world.a_signatory)
    Notification.objects.create(user=world.b_signatory, message="Voor een ander")
    client.force_login(world.a_signatory)

    response = client.post(reverse("workflow:notifications_read"), follow=True)

    assert response.redirect_chain == [(reverse("workflow:notifications"), 302)]
    assert not Notification.objects.filter(
        user=world.a_signatory, read_at__isnull=True
    ).exists()
    assert Notification.objects.get(user=world.b_signatory).read_at is None
    content = response.content.decode()
    assert "3 meldingen gemarkeerd als gelezen." in content
    assert "dk-notification--unread" not in content
    assert 'data-count="unread"' not in content
    assert "Alles als gelezen markeren" not in content


def test_marking_read_needs_a_post_with_a_csrf_token(world):
    notifications_for(world.a_signatory)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a_signatory)

    assert client.get(reverse("workflow:notifications_read")).status_code == 405
    assert client.post(reverse("workflow:notifications_read")).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 3


def test_the_menu_counts_unread_notifications_on_every_page(client, world):
    notifications_for(world.a_signatory, count=4)
    client.force_login(world.a_signatory)

    for url in (
        reverse("locations:index"),
        reverse("locations:detail", args=[world.own.pk]),
        reverse("workflow:inbox"),
    ):
        content = client.get(url).content.decode()
        assert 'data-count="unread">4<' in content, url
        assert "Meldingen" in content


def test_without_notifications(client, world):
    client.force_login(world.viewer)

    response = client.get(reverse("workflow:notifications"))

    assert "U heeft geen meldingen." in response.content.decode()
    assert client.post(reverse("workflow:notifications_read")).status_code == 302


def test_anonymous_people_see_no_notifications(client, world):
    notifications_for(world.a_signatory)

    response = client.get(reverse("workflow:notifications"))

    assert response.status_code in (302, 403)
    assert "Herinnering" not in response.content.decode()
