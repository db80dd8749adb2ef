"""Login through the real form: Dutch page, success, and throttling of failures."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return get_user_model().objects.create_user(
        "lid", password="een-goed-wachtwoord-42"
    )


def test_login_page_is_dutch(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="nl"' in response.content.decode()
    assert "Inloggen" in response.content.decode()


def test_login_then_locations(client, person):
    response = client.post(
        reverse("login"), {"username": "lid", "password": "een-goed-wachtwoord-42"}
    )
    assert response.status_code == 302
    assert client.get(reverse("locations:index")).status_code == 200


def test_repeated_failures_lock_the_account_out(client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "lid", "password": "fout"})
    # Even the right password is refused while locked out.
    response = client.post(
        reverse("login"), {"username": "lid", "password": "een-goed-wachtwoord-42"}
    )
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- Behind a proxy, and guessing from many addresses (issue 20 item 6) --------------

PROXY = "10.0.0.7"


def attempt(client, *, password: str, remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        reverse("login"), {"username": "lid", "password": password}, **headers
    )


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # No proxy in between: the header is whatever the client wrote.
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),
        # Through the trusted proxy: the address the proxy got the request from.
        (PROXY, "203.0.113.5", "203.0.113.5"),
        # A client's own header, extended by the proxy: only the proxy's part counts.
        (PROXY, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # Two trusted hops (CDN network and balancer).
        (PROXY, "203.0.113.5, 10.0.0.8", "203.0.113.5"),
        # Naming the proxy in one's own header does not make it the hop.
        ("198.51.100.9", f"1.2.3.4, {PROXY}", "198.51.100.9"),
        # Rubbish from the proxy: nothing beyond it is known.
        (PROXY, "nonsense", PROXY),
        (PROXY, "[2001:db8::5]:443", "2001:db8::5"),
    ],
)
def test_the_client_address_is_believed_only_from_trusted_proxies(
    settings, remote, forwarded, expected
):
    from django.test import RequestFactory

    from config.client_address import client_address

    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_address(request) == expected


def test_behind_the_proxy_clients_are_counted_apart_and_forged_headers_ignored(
    client, person, settings
):
    settings.TRUSTED_PROXIES = [PROXY]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, password="fout", remote=PROXY, forwarded="203.0.113.5")
    locked = attempt(
        client, password="een-goed-wachtwoord-42", remote=PROXY, forwarded="203.0.113.5"
    )
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    # Another client behind the same proxy is someone else.
    other = attempt(
        client,
        password="een-goed-wachtwoord-42",
        remote=PROXY,
        forwarded="198.51.100.20",
    )
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    client.logout()

    # A client that talks to the server directly (not through the proxy) counts on
    # its own address, whatever address it claims to forward for.
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(
            client,
            password="fout",
            remote="198.51.100.9",
            forwarded=f"203.0.113.{number}, {PROXY}",
        )
    forged = attempt(
        client,
        password="een-goed-wachtwoord-42",
        remote="198.51.100.9",
        forwarded=f"203.0.113.99, {PROXY}",
    )
    assert forged.status_code == 429
    assert "_auth_user_id" not in client.session


def test_guessing_from_many_addresses_slows_down_but_never_locks_out_the_user(
    client, person, settings
):
    import time_machine
    from django.utils import timezone

    settings.TRUSTED_PROXIES = [PROXY]
    home = "203.0.113.10"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # The user has logged in from home before.
        ok = attempt(
            client, password="een-goed-wachtwoord-42", remote=PROXY, forwarded=home
        )
        assert ok.status_code == 302
        client.logout()

        # Twenty addresses try the username two times each: none of them reaches the
        # lock-out of its own (username, address) pair.
        checked = refused = 0
        for number in range(20):
            for _ in range(2):
                answer = attempt(
                    client,
                    password="fout",
                    remote=PROXY,
                    forwarded=f"198.51.100.{number}",
                )
                if answer.status_code == 429:
                    refused += 1
                    assert "seconde" in answer.content.decode()
                    assert int(answer["Retry-After"]) >= 1
                else:
                    assert answer.status_code == 200  # the form, with its error
                    checked += 1
                clock.shift(1)
        # After LOGIN_SLOWDOWN_AFTER failures each further guess waited twice as long
        # as the one before: of the last 30 attempts (one a second) only a handful
        # had their password checked.
        assert checked <= settings.LOGIN_SLOWDOWN_AFTER + 6
        assert refused == 40 - checked

        # The user at home is not slowed down.
        home_login = attempt(
            client, password="een-goed-wachtwoord-42", remote=PROXY, forwarded=home
        )
        assert home_login.status_code == 302
        assert client.session["_auth_user_id"] == str(person.pk)
        client.logout()

        # The guessing goes on: one more guess, once its turn has come.
        while (
            attempt(
                client, password="fout", remote=PROXY, forwarded="198.51.100.99"
            ).status_code
            == 429
        ):
            clock.shift(1)
        # Straight after it, from a new address even the right password waits…
        new_address = "192.0.2.44"
        waiting = attempt(
            client,
            password="een-goed-wachtwoord-42",
            remote=PROXY,
            forwarded=new_address,
        )
        assert waiting.status_code == 429
        wait = int(waiting["Retry-After"])
        assert 1 <= wait <= settings.LOGIN_SLOWDOWN_MAX_SECONDS
        # …and then gets in: a delay, not a lock-out.
        clock.shift(wait)
        later = attempt(
            client,
            password="een-goed-wachtwoord-42",
            remote=PROXY,
            forwarded=new_address,
        )
        assert later.status_code == 302
        assert client.session["_auth_user_id"] == str(person.pk)
