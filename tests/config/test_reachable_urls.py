"""URLs that answered 500 before the hostile-input sweep (tests/security/
test_hostile_input_sweep.py) found them, each pinned here on both databases:
viewflow's index of the flow pages (`/workflow/flows/`) for a person who may open no
flow dashboard, and the API's documentation and schema asked for anything but GET."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflows.flows import ApprovalRoundFlow

from ..conftest import token_client
from ..workflows.pages import load_urls

pytestmark = pytest.mark.django_db


def test_the_flows_index_answers_every_kind_of_person(client, world):
    load_urls()
    # Parties may open no flow dashboard: they go to their own work (issue 19).
    for who in ("a_member", "a_signatory", "outsider"):
        client.force_login(getattr(world, who))
        response = client.get("/workflow/flows/")
        assert response.status_code == 302, who
        assert response["Location"] == reverse("mywork:index")
    # The programme-wide roles go on to the first dashboard.
    for who in ("case_manager", "ministry", "viewer"):
        client.force_login(getattr(world, who))
        response = client.get("/workflow/flows/")
        assert response.status_code == 302, who
        assert response["Location"] == ApprovalRoundFlow.instance.reverse("index")
    # Anonymous people are turned away as on every page of the workflow app
    # (viewflow's site permission answers before the view), or sent to the login.
    client.logout()
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
