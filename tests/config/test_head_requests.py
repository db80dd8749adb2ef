"""HEAD in-process: a page built from a template is not rendered for HEAD (issue 12
item 4; that the answer carries no body under gunicorn is tested against a real one
in test_production_serving.py). Django's test client drops HEAD bodies itself, so
these tests look at what was rendered and at the headers."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_head_on_a_page_renders_no_template(client, world):
    client.force_login(world.ministry)
    for url in (
        reverse("login"),
        reverse("dashboard:index"),
        reverse("locations:index"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.templates, url
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.templates == [], url
        assert head["Content-Type"] == page["Content-Type"], url
        assert "Content-Length" not in head, url
