"""The evidence lists cost a constant number of queries: the location's evidence in
the API and on the location page, at 2 and at 20 files, each cited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.constants import EvidenceSubject
from evidence.services import evidence_cite, evidence_upload

from ..conftest import token_client
from . import files

pytestmark = pytest.mark.django_db

API_QUERIES = [
    "authtoken_token JOIN auth_user: the token's user",
    "auth_permission (IN auth_user_user_permissions OR IN "
    "auth_group_permissions): the user's model-wide permissions, their "
    "own and their groups' (one query: accounts.backends)",
    "casework_location (visible to a party: guardian object permissions): the location",
    "evidence_evidencefile JOIN auth_user: the files with their uploaders",
    "evidence_evidencecitation: what cites them (prefetch)",
]


def add_files(world, count: int) -> None:
    for number in range(count):
        evidence = evidence_upload(
            location=world.own,
            actor=world.a_member,
            upload=SimpleUploadedFile(f"bewijs-{number}.txt", files.text()),
        )
        evidence_cite(
            files=[evidence.pk],
            subject_kind=EvidenceSubject.CONSULTATION,
            subject_id=number + 1,
            location=world.own,
            actor=world.a_member,
        )


@pytest.mark.parametrize("count", [2, 20])
def test_the_api_list_is_constant(world, django_assert_num_queries, count):
    add_files(world, count)
    client = token_client(world.a_member)
    url = f"/api/v1/locations/{world.own.pk}/evidence/"
    client.get(url)
    with django_assert_num_queries(len(API_QUERIES)):
        response = client.get(url)
    assert len(response.json()) == count
    assert all(row["cited_by"] for row in response.json())


@pytest.fixture
def page_queries(world, client):
    """The number of queries of the location page for the case manager."""

    def measure() -> int:
        url = reverse("locations:detail", args=[world.own.pk])
        client.force_login(world.case_manager)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    return measure


def test_the_location_page_is_constant(world, page_queries):
    add_files(world, 2)
    few, html = page_queries()
    assert html.count("data-evidence=") == 2
    add_files(world, 18)
    many, html = page_queries()
    assert html.count("data-evidence=") == 20
    assert few == many
