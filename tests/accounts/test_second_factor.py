"""A second factor (TOTP) for local accounts of the ministry and the programme roles,
required by TWO_FACTOR_REQUIRED; throttled like the login (a doubling wait, 429)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import SSO_BACKEND

PASSWORD = "een-goed-wachtwoord-42"
FACTOR = "/accounts/tweede-factor/"


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def password_login(user) -> Client:
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    return client


def code_for(device, *, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + offset
    return f"{totp.token():06d}"


def test_without_the_setting_nobody_is_asked(world):
    client = password_login(world.ministry)
    assert client.get("/locations/").status_code == 200


def test_the_ministry_links_an_app_and_then_gives_its_code(world, required):
    client = password_login(world.ministry)
    response = client.get("/locations/")
    assert response.status_code == 302
    assert response["Location"] == f"{FACTOR}?next=%2Flocations%2F"
    # Nothing else opens meanwhile: pages, the API with the session.
    assert client.get("/api/v1/locations/").status_code == 403
    setup = client.get(response["Location"])
    assert setup.status_code == 200
    text = setup.content.decode()
    assert "<svg" in text  # the QR code
    device = TOTPDevice.objects.get(user=world.ministry, confirmed=False)

    wrong = client.post(FACTOR, {"code": "000000", "next": "/locations/"})
    assert "klopt niet" in wrong.content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        device.refresh_from_db()
        right = client.post(FACTOR, {"code": code_for(device), "next": "/locations/"})
        assert right.status_code == 302
        assert right["Location"] == "/locations/"
        assert client.get("/locations/").status_code == 200
        assert client.get("/api/v1/locations/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # The next login asks for a code only (no new QR code).
    again = password_login(world.ministry)
    page = again.get(FACTOR).content.decode()
    assert "<svg" not in page
    assert again.get("/locations/").status_code == 302


def test_wrong_codes_are_throttled(world, required):
    client = password_login(world.case_manager)
    client.get(FACTOR)
    device = TOTPDevice.objects.get(user=world.case_manager)
    assert client.post(FACTOR, {"code": "111111"}).status_code == 200
    # The wait doubles per failure; meanwhile even the right code is refused.
    refused = client.post(FACTOR, {"code": code_for(device)})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert client.get("/locations/").status_code == 302


def test_parties_and_single_sign_on_are_not_asked(world, required):
    party = password_login(world.a_signatory)  # a municipality's signatory
    assert party.get("/locations/").status_code == 200
    sso = Client()
    sso.force_login(world.ministry, backend=SSO_BACKEND)
    assert sso.get("/locations/").status_code == 200


def test_the_ministry_organisations_members_are_asked(world, required):
    from permissions.constants import MembershipRole, OrganisationKind

    from ..factories import OrganisationFactory, person_of

    ministry = OrganisationFactory(slug="min", kind=OrganisationKind.MINISTRY)
    official = person_of(ministry, MembershipRole.MEMBER, username="ambtenaar")
    client = password_login(official)
    assert client.get("/locations/").status_code == 302
