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
