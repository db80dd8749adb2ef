"""E-mail people can read (issue 12 item 11): in the recipient's own language (their
saved preference, Dutch by default), whoever caused it; a plain-text and an HTML part;
an absolute link that, followed by someone signed out, leads through the login page to
the task."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from casework import services as casework
from casework.constants import Stage
from casework.models import AgreementKind
from permissions.models import UserPreference
from permissions.services import preference_set_language
from workflows import services as workflows
from workflows.models import Notification

from ..scenarios import bring_to

pytestmark = pytest.mark.django_db

PASSWORD = "een-goed-wachtwoord-42"


def submit_round(world, django_capture_on_commit_callbacks) -> None:
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = casework.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Akkoord op hoofdlijnen",
        text="Tekst.",
        commitments=[],
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflows.approval_round_submit(version=version, actor=world.case_manager)


def mail_to(user):
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    return message


def test_each_recipient_reads_the_mail_in_their_own_language(
    world, django_capture_on_commit_callbacks
):
    preference_set_language(user=world.a_signatory, language="en")
    # The case manager works in English; that is no reason to write to others in it.
    with translation.override("en"):
        submit_round(world, django_capture_on_commit_callbacks)

    english, dutch = mail_to(world.a_signatory), mail_to(world.b_signatory)
    assert english.subject.startswith("New task in Doorbraak")
    assert "Decision on the agreement" in english.body
    assert "Nieuwe taak" not in english.body
    assert dutch.subject.startswith("Nieuwe taak in Doorbraak")
    assert "Besluit over de overeenkomst" in dutch.body
    assert "New task" not in dutch.body
    # The month of the due date is written in the reader's language too.
    assert re.search(
        r"\(due \d+ (January|February|March|April|May|June|July|August|September|"
        r"October|November|December) \d{4}\)",
        english.body,
    ), english.body
    # So is their in-app notification.
    assert Notification.objects.get(user=world.a_signatory).message.startswith(
        "New task:"
    )
    assert Notification.objects.get(user=world.b_signatory).message.startswith(
        "Nieuwe taak:"
    )


def test_a_mail_has_a_text_and_an_html_part_with_an_absolute_link(
    world, django_capture_on_commit_callbacks
):
    submit_round(world, django_capture_on_commit_callbacks)
    message = mail_to(world.a_signatory)
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith(settings.SITE_URL) for link in links)
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{links[0]}"' in html
    assert '<html lang="nl">' in html
    assert "Besluit over de overeenkomst" in html


def test_the_link_leads_a_signed_out_person_through_the_login_to_the_task(
    world, django_capture_on_commit_callbacks
):
    world.a_signatory.set_password(PASSWORD)
    world.a_signatory.save()
    submit_round(world, django_capture_on_commit_callbacks)
    link = re.search(r"https?://\S+", mail_to(world.a_signatory).body).group(0)
    path = link.removeprefix(settings.SITE_URL.rstrip("/"))

    browser = Client()
    first = browser.get(path)
    assert first.status_code == 302
    login_url = first["Location"]
    assert login_url.startswith(reverse("login") + "?next=")
    login_page = browser.get(login_url)
    assert login_page.status_code == 200
    assert "Django Material" not in login_page.content.decode()

    signed_in = browser.post(
        login_url, {"username": world.a_signatory.username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == path
    task = browser.get(path, follow=True)
    assert task.status_code == 200
    assert "Besluit over de overeenkomst" in task.content.decode()


@pytest.mark.parametrize("path", ["/workflow/inbox/", "/workflow/meldingen/"])
def test_a_signed_out_person_gets_the_login_page_not_a_403(client, world, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('login')}?next={path}"


def test_a_refusal_for_someone_signed_in_is_a_doorbraak_page(client, world):
    client.force_login(world.a_member)
    answer = client.get(reverse("progress-report"))
    assert answer.status_code == 403
    html = answer.content.decode()
    assert "Django Material" not in html
    assert re.search(r"<title>\s*403 Geen toegang – Doorbraak\s*</title>", html)


def test_choosing_a_language_saves_it_for_the_signed_in_person(client, world):
    world.a_member.set_password(PASSWORD)
    world.a_member.save()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert not UserPreference.objects.exists()  # nobody signed in: only the cookie

    client.force_login(world.a_member)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert UserPreference.objects.get(user=world.a_member).language == "en"

    # Another browser, no language cookie: English again once signed in.
    other = Client()
    other.post(
        reverse("login"), {"username": world.a_member.username, "password": PASSWORD}
    )
    page = other.get(reverse("locations:index"))
    assert page.status_code == 200
    assert 'lang="en"' in page.content.decode()


def mail_path(user) -> str:
    link = re.search(r"https?://\S+", mail_to(user).body).group(0)
    return link.removeprefix(settings.SITE_URL.rstrip("/"))


def test_following_the_mail_link_marks_the_notification_read(
    client, world, django_capture_on_commit_callbacks
):
    submit_round(world, django_capture_on_commit_callbacks)
    notification = Notification.objects.get(user=world.a_signatory)
    assert notification.read_at is None
    path = mail_path(world.a_signatory)
    assert path == reverse("workflow:notification_open", args=[notification.pk])

    client.force_login(world.a_signatory)
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/")
    assert not answer["Location"].startswith("//")
    notification.refresh_from_db()
    assert notification.read_at is not None
    task = client.get(answer["Location"], follow=True)
    assert task.status_code == 200
    assert "Besluit over de overeenkomst" in task.content.decode()


def test_someone_elses_mail_link_is_a_404_and_marks_nothing(
    client, world, django_capture_on_commit_callbacks
):
    submit_round(world, django_capture_on_commit_callbacks)
    path = mail_path(world.a_signatory)
    for other in (world.b_signatory, world.case_manager):
        client.force_login(other)
        assert client.get(path).status_code == 404
    assert not Notification.objects.filter(read_at__isnull=False).exists()
