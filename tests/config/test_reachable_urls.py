"""URLs that answered 500 before the hostile-input sweep (tests/security/
test_hostile_input_sweep.py) found them, each pinned here on both databases:
viewflow's index of the flow pages (`/workflow/flows/`) for a person who may open no
flow dashboard, and the API's documentation and schema asked for anything but GET."""

from __future__ import annotations

import pytest

from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client
from ..workflows.pages import load_urls

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["a_member", "a_signatory", "outsider"])
def test_the_flows_index_is_closed_to_parties(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get("/workflow/flows/")
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["case_manager", "ministry", "viewer"])
def test_the_flows_index_leads_the_programme_roles_to_the_first_dashboard(
    client, world, who
):
    load_urls()
    client.force_login(getattr(world, who))
    response = client.get("/workflow/flows/")
    assert response.status_code == 302
    assert response["Location"] == ApprovalRoundFlow.instance.reverse("index")


def test_the_flows_index_turns_anonymous_people_away(client):
    # As every page of the workflow app does for them (viewflow's site permission
    # answers before the view), or by sending them to the login.
    response = client.get("/workflow/flows/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/schema/"])
def test_the_documentation_answers_every_method(world, url):
    api = token_client(world.a_member)
    assert api.get(url).status_code == 200
    options = api.options(url)
    assert options.status_code == 200
    assert options["Content-Type"] == "application/json"
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)(url)
        assert response.status_code == 405, (method, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
