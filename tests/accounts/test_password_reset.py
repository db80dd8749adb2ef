"""Password reset by e-mail for local accounts: Django's views with Dutch pages, the
same answer for an address with and without an account, throttled per address and per
client address, and no reset for an account that signs in through single sign-on."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from ..factories import UserFactory

RESET = "/accounts/password_reset/"


@pytest.fixture
def local_user(db):
    user = UserFactory(username="lokaal", email="lokaal@gemeente-a.example")
    user.set_password("het-oude-wachtwoord-42")
    user.save()
    return user


def ask(client: Client, email: str, committed):
    with committed(execute=True):
        return client.post(RESET, {"email": email})


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
    local_user, django_capture_on_commit_callbacks
):
    page = Client().get(RESET)
    assert page.status_code == 200
    assert "Wachtwoord vergeten" in page.content.decode()
    known = ask(
        Client(), "LOKAAL@gemeente-a.example", django_capture_on_commit_callbacks
    )
    unknown = ask(
        Client(), "niemand@gemeente-a.example", django_capture_on_commit_callbacks
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password_reset/done/"
    done = Client().get(known["Location"]).content.decode()
    assert "Als er een account" in done
    # Only the account's owner gets a mail, in Dutch.
    [message] = mail.outbox
    assert message.to == ["lokaal@gemeente-a.example"]
    assert message.subject == "Nieuw wachtwoord voor Doorbraak"


def test_the_link_sets_a_new_password_once(
    local_user, django_capture_on_commit_callbacks
):
    ask(Client(), local_user.email, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)[1]
    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    set_password_url = form.redirect_chain[-1][0]
    response = browser.post(
        set_password_url,
        {
            "new_password1": "een-nieuw-en-sterk-wachtwoord-7",
            "new_password2": "een-nieuw-en-sterk-wachtwoord-7",
        },
    )
    assert response.status_code == 302
    local_user.refresh_from_db()
    assert local_user.check_password("een-nieuw-en-sterk-wachtwoord-7")
    login = Client()
    login.post(
        "/accounts/login/",
        {"username": "lokaal", "password": "een-nieuw-en-sterk-wachtwoord-7"},
    )
    assert login.session.get(SESSION_KEY) == str(local_user.pk)
    # The link is spent.
    again = Client().get(link, follow=True)
    assert "werkt niet (meer)" in again.content.decode()


def test_requests_are_throttled_per_address_whether_it_has_an_account_or_not(
    local_user, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_PER_ADDRESS = 2
    for email in (local_user.email, "niemand@gemeente-a.example"):
        answers = [
            ask(Client(), email, django_capture_on_commit_callbacks).status_code
            for _ in range(3)
        ]
        assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2  # the third request for the account sent nothing


def test_requests_are_throttled_per_client_address(
    local_user, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_PER_CLIENT = 3
    answers = [
        ask(Client(), f"iemand-{n}@example.org", django_capture_on_commit_callbacks)
        for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    assert answers[-1]["Retry-After"]


def test_an_account_without_a_password_gets_no_reset_mail(
    db, django_capture_on_commit_callbacks
):
    sso_user = UserFactory(username="sso", email="sso@gemeente-a.example")
    sso_user.set_unusable_password()
    sso_user.save()
    answer = ask(Client(), sso_user.email, django_capture_on_commit_callbacks)
    assert answer.status_code == 302
    assert mail.outbox == []
