"""Issue 19, items 5, 10 and 11 through the Django test client: one message area,
a party lands on 'Mijn werk', search over what one may see, a sortable location list
whose filters stay, the footer's public pages, and the demo logins of `make run`.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import constants as message_level
from django.core.management import call_command
from django.urls import reverse

from casework.constants import Stage
from casework.models import Location

from ..factories import LocationFactory, PartyFactory
from ..scenarios import bring_to
from .pages import negotiating, submit

# --- Item 10: landing ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["a_signatory", "b_member"])
def test_a_party_lands_on_its_work(client, world, who):
    location = negotiating(world)
    submit(location, world.case_manager)
    client.force_login(getattr(world, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("mywork:index")
    page = client.get(response.url).content.decode()
    assert "<h1>Mijn werk</h1>" in page
    assert "Open taken" in page and "Afspraken van uw organisatie" in page
    assert location.name in page


def test_the_parties_work_shows_its_task_and_not_a_foreign_location(client, world):
    location = negotiating(world)
    submit(location, world.case_manager)
    client.force_login(world.a_signatory)
    page = client.get(reverse("mywork:index")).content.decode()
    assert "Besluit over de overeenkomst" in page
    assert world.foreign.name not in page


@pytest.mark.parametrize("who", ["case_manager", "ministry", "viewer"])
def test_programme_roles_land_on_the_dashboard(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get("/").url == reverse("dashboard:index")


def test_logging_in_as_a_party_goes_to_its_work(client, world):
    from ..browser.pages import PASSWORD, with_password

    user = with_password(world.a_signatory)
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mywork:index")


# --- Item 5: one message area -------------------------------------------------------


def test_a_message_is_shown_once_above_the_heading(client, world):
    client.force_login(world.case_manager)
    # A message from a step that is not possible: the form for an agreement in a
    # stage without one.
    response = client.get(
        reverse("workflow:agreement_create", args=[world.own.pk]), follow=True
    )
    page = response.content.decode()
    message = "wordt geen overeenkomst opgesteld"
    assert page.count(message) == 1, "the message once, not again as a toast"
    area = page.index('class="page-messages"')
    assert area < page.index(message) < page.index("<h1>")
    assert [m.level for m in response.context["messages"]] == [message_level.ERROR]


# --- Item 11: search ------------------------------------------------------------------


def test_search_finds_locations_agreements_and_tasks_one_may_see(client, world):
    location = negotiating(world)
    submit(location, world.case_manager)
    client.force_login(world.a_signatory)
    page = client.get(reverse("search:index"), {"q": "eigen"}).content.decode()
    assert location.name in page
    assert "Hoofdlijnenakkoord Eigen Locatie" in page  # the agreement
    assert "Besluit over de overeenkomst" in page  # the task
    assert "Geen locaties gevonden" not in page


def test_search_shows_nothing_of_a_location_one_may_not_see(client, world):
    location = negotiating(world)
    submit(location, world.case_manager)
    client.force_login(world.c_member)
    page = client.get(reverse("search:index"), {"q": "eigen"}).content.decode()
    assert location.name not in page
    assert "Hoofdlijnenakkoord Eigen Locatie" not in page
    assert "Geen locaties gevonden" in page and "Geen overeenkomsten gevonden" in page
    # Its own location it finds.
    page = client.get(reverse("search:index"), {"q": "vreemde"}).content.decode()
    assert world.foreign.name in page


def test_search_finds_documents_but_not_internal_ones_for_a_party(client, world):
    from documents.constants import INTERNAL_KINDS, DocumentKind
    from documents.models import Document

    public = Document.objects.create(
        kind=DocumentKind.LOCATION_DOSSIER,
        title="Locatiedossier Eigen Locatie",
        location=world.own,
        file="x.pdf",
        size=1,
        sha256="0" * 64,
        content_sha256="0" * 64,
    )
    internal = Document.objects.create(
        kind=sorted(INTERNAL_KINDS)[0],
        title="Intern stuk Eigen Locatie",
        location=world.own,
        file="y.pdf",
        size=1,
        sha256="1" * 64,
        content_sha256="1" * 64,
    )
    client.force_login(world.a_member)
    page = client.get(reverse("search:index"), {"q": "eigen"}).content.decode()
    assert public.title in page and internal.title not in page
    client.force_login(world.case_manager)
    page = client.get(reverse("search:index"), {"q": "eigen"}).content.decode()
    assert public.title in page and internal.title in page


def test_a_too_long_search_term_is_refused_on_the_page(client, world):
    client.force_login(world.viewer)
    response = client.get(reverse("search:index"), {"q": "x" * 400})
    assert response.status_code == 200
    assert "resultaten voor" not in response.content.decode()


# --- Item 11: sortable, filters that stay --------------------------------------------


def names_in(page: str) -> list[str]:
    import re

    return re.findall(r'<th scope="row"><a href="/locations/\d+/">([^<]+)</a>', page)


def test_the_location_list_sorts_by_a_column_and_back(client, world):
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    client.force_login(world.viewer)
    page = client.get(reverse("locations:index"), {"sort": "stage"}).content.decode()
    # Lifecycle order: proposed (Vreemde Locatie) before negotiation (Eigen Locatie).
    assert names_in(page) == ["Vreemde Locatie", "Eigen Locatie"]
    assert 'aria-sort="ascending"' in page and "?sort=-stage" in page
    page = client.get(reverse("locations:index"), {"sort": "-stage"}).content.decode()
    assert names_in(page) == ["Eigen Locatie", "Vreemde Locatie"]
    assert 'aria-sort="descending"' in page


def test_filters_and_order_stay_when_one_comes_back(client, world):
    LocationFactory(programme=world.programme, name="Derde Locatie", province="Zeeland")
    client.force_login(world.viewer)
    client.get(reverse("locations:index"), {"province": "Zeeland", "sort": "-name"})
    client.get(reverse("locations:detail", args=[world.own.pk]))
    response = client.get(reverse("locations:index"))
    assert response.status_code == 302
    assert "province=Zeeland" in response.url and "sort=-name" in response.url
    page = client.get(response.url).content.decode()
    assert names_in(page) == ["Derde Locatie"]
    # Clearing them shows everything again, and stays cleared.
    assert client.get(reverse("locations:index"), {"wissen": "1"}).status_code == 302
    page = client.get(reverse("locations:index")).content.decode()
    assert len(names_in(page)) == Location.objects.count()


# --- Item 11: footer pages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("about:accessibility", "WCAG 2.1"),
        ("about:privacy", "Uw rechten"),
        ("about:contact", "Mail naar"),
        ("about:glossary", "Uiterste datum"),
    ],
)
def test_the_footer_pages_are_public_and_linked_from_every_page(
    client, world, name, text
):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 200, "without logging in"
    assert text in response.content.decode()
    client.force_login(world.a_member)
    for page in (reverse("mywork:index"), reverse("locations:index"), url):
        assert f'href="{url}"' in client.get(page).content.decode()


# --- Item 11: the demo logins -----------------------------------------------------------


def test_demo_logins_prints_every_demo_user_with_role_and_organisation(db):
    from django.contrib.auth import get_user_model

    from casework.demo import DEMO_EMAIL_DOMAIN

    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    users = get_user_model().objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    assert users.count() > 40
    lines = text.splitlines()
    for user in users:
        assert any(line.split()[0] == user.username for line in lines[3:]), user
    line = next(line for line in lines if line.startswith("gemeente-breda "))
    assert "ondertekenaar" in line and "Gemeente Breda" in line and "1 locatie" in line
    vng = next(line for line in lines if line.startswith("vng "))
    assert "programmalezer" in vng and "alle locaties" in vng
    assert (
        "Ondertekenaar" not in get_user_model().objects.get(username="vng").first_name
    )


def test_make_run_prints_the_demo_logins():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py load_demo" in run and "manage.py demo_logins" in run
    assert run.index("load_demo") < run.index("demo_logins")


def test_a_party_of_a_new_location_finds_it(client, world):
    location = LocationFactory(programme=world.programme, name="Zoekbare Plek")
    PartyFactory(location=location, organisation=world.org_a)
    from casework.roles import PARTY_PERMISSIONS
    from permissions.checks import forget_cached_permissions, grant_to_group

    for perm in PARTY_PERMISSIONS:
        grant_to_group(perm, world.org_a.members_group, location)
    forget_cached_permissions(world.a_member)
    client.force_login(world.a_member)
    page = client.get(reverse("search:index"), {"q": "zoekbare"}).content.decode()
    assert "Zoekbare Plek" in page
