"""Notifications people control: per person and per kind e-mail at once (the default),
a daily digest (`manage.py send_digests`) or in-app only; the overdue notice always
mailed; mail in the recipient's language; an unsubscribe link per kind that needs no
login and cannot be guessed or turned into another person's."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.constants import Delivery, NotificationKind
from accounts.models import DigestEntry, NotificationPreference
from accounts.notification_preferences import (
    preference_set,
    unsubscribe_token,
    unsubscribe_url,
)
from casework.constants import Stage
from permissions.services import preference_set_language
from workflows.models import Notification

from ..scenarios import bring_to
from ..workflows.rounds import at, submit_round, sweep

NEW_TASK = "Nieuwe taak in Doorbraak"


def mails_to(user, start: str = "") -> list:
    return [
        message
        for message in mail.outbox
        if message.to == [user.email] and message.subject.startswith(start)
    ]


@pytest.fixture
def start_round(world, django_capture_on_commit_callbacks):
    """Submit a round on `own`: A's and B's signatories each get a new task."""
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )

    def start():
        with django_capture_on_commit_callbacks(execute=True):
            return submit_round(world.own, world.case_manager)

    return start


def test_by_default_a_new_task_is_mailed_at_once_with_an_unsubscribe_link(
    world, start_round
):
    start_round()
    [message] = mails_to(world.a_signatory, NEW_TASK)
    link = re.search(r"http://\S+/accounts/afmelden/\S+/", message.body)[0]
    html = message.alternatives[0][0]
    assert link in html
    assert Notification.objects.filter(user=world.a_signatory).count() == 1


def test_in_app_only_sends_no_mail_but_keeps_the_notification(world, start_round):
    preference_set(
        user=world.a_signatory, kind=NotificationKind.NEW_TASK, delivery="in_app"
    )
    start_round()
    assert mails_to(world.a_signatory, NEW_TASK) == []
    assert len(mails_to(world.b_signatory, NEW_TASK)) == 1  # B did not choose
    assert Notification.objects.filter(user=world.a_signatory).count() == 1
    assert not DigestEntry.objects.exists()


def test_the_daily_digest_collects_and_sends_once_in_the_readers_language(
    world, start_round, django_capture_on_commit_callbacks
):
    preference_set(
        user=world.a_signatory, kind=NotificationKind.NEW_TASK, delivery="digest"
    )
    preference_set_language(user=world.a_signatory, language="en")
    start_round()
    assert mails_to(world.a_signatory) == []
    [entry] = DigestEntry.objects.filter(user=world.a_signatory)
    assert entry.message.startswith("New task")  # made in her language
    assert Notification.objects.filter(user=world.a_signatory).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=io.StringIO())
    [digest] = mails_to(world.a_signatory)
    assert "daily digest" in digest.subject
    assert entry.message in digest.body
    assert "/accounts/afmelden/" in digest.body
    assert "/accounts/afmelden/" in digest.alternatives[0][0]
    entry.refresh_from_db()
    assert entry.sent_at is not None

    # A second run sends nothing again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=io.StringIO())
    assert mail.outbox == []


def test_a_digest_link_marks_its_notification_read_for_its_reader_only(
    world, start_round, django_capture_on_commit_callbacks
):
    preference_set(
        user=world.a_signatory, kind=NotificationKind.NEW_TASK, delivery="digest"
    )
    start_round()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=io.StringIO())
    [digest] = mails_to(world.a_signatory)
    [notification] = Notification.objects.filter(user=world.a_signatory)
    opening = reverse("workflow:notification_open", args=[notification.pk])
    path = next(
        link.removeprefix(settings.SITE_URL.rstrip("/"))
        for link in re.findall(r"https?://\S+", digest.body)
        if link.endswith(opening)
    )
    assert f'href="{settings.SITE_URL.rstrip("/")}{path}"' in digest.alternatives[0][0]

    other = Client()
    other.force_login(world.b_signatory)
    assert other.get(path).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None

    reader = Client()
    reader.force_login(world.a_signatory)
    task = reader.get(path, follow=True)
    assert task.status_code == 200
    assert task.redirect_chain[0][0].startswith("/")
    assert "Besluit over de overeenkomst" in task.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_overdue_notice_is_always_mailed(
    world, time_machine, django_capture_on_commit_callbacks
):
    for kind in (NotificationKind.REMINDER, NotificationKind.OVERDUE):
        NotificationPreference.objects.create(
            user=world.a_signatory, kind=kind, delivery="in_app"
        )
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    time_machine.move_to(at("2026-12-14"), tick=False)
    submit_round(world.own, world.case_manager)
    time_machine.move_to(at("2026-12-24", 8), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    assert mails_to(world.a_signatory, "Herinnering") == []  # her choice
    assert len(mails_to(world.b_signatory, "Herinnering")) == 1
    time_machine.move_to(at("2026-12-30", 8), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    [overdue] = mails_to(world.a_signatory, "Termijn verstreken")
    assert "/accounts/afmelden/" not in overdue.body  # cannot be turned off
    # Nor through the service or the form.
    preference_set(user=world.a_signatory, kind="overdue", delivery="in_app")
    assert unsubscribe_url(world.a_signatory, "overdue") == ""


def test_the_unsubscribe_link_works_without_login_and_only_on_post(world):
    token = unsubscribe_token(world.a_signatory, NotificationKind.REMINDER)
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/accounts/afmelden/{token}/")
    assert page.status_code == 200
    assert "Herinnering aan een termijn" in page.content.decode()
    assert not NotificationPreference.objects.exists()  # a GET changes nothing
    response = client.post(f"/accounts/afmelden/{token}/")
    assert response.status_code == 200
    [choice] = NotificationPreference.objects.all()
    assert (choice.user, choice.kind, choice.delivery) == (
        world.a_signatory,
        NotificationKind.REMINDER,
        Delivery.IN_APP,
    )


def test_an_unsubscribe_link_cannot_be_guessed_or_changed(world):
    token = unsubscribe_token(world.a_signatory, NotificationKind.REMINDER)
    client = Client()
    # Another person's id or another kind under the same signature: refused.
    for forged in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "eyJ1IjoxLCJrIjoicmVtaW5kZXIifQ:abc",
        unsubscribe_token(world.a_signatory, "overdue"),
    ):
        assert client.post(f"/accounts/afmelden/{forged}/").status_code == 404
    assert not NotificationPreference.objects.exists()


def test_the_preferences_page_saves_a_choice_per_kind(world):
    client = Client()
    client.force_login(world.b_member)
    page = client.get("/accounts/meldingen/")
    assert page.status_code == 200
    text = page.content.decode()
    for kind in NotificationKind:
        assert str(kind.label) in text
    response = client.post(
        "/accounts/meldingen/",
        {
            "new_task": "digest",
            "reminder": "in_app",
            "decision": "immediate",
            "commitment_kept": "immediate",
            "procedure_step": "digest",
            "overdue": "in_app",  # disabled in the form: ignored
        },
    )
    assert response.status_code == 302
    chosen = dict(
        NotificationPreference.objects.filter(user=world.b_member).values_list(
            "kind", "delivery"
        )
    )
    assert chosen == {
        "new_task": "digest",
        "reminder": "in_app",
        "procedure_step": "digest",
    }
