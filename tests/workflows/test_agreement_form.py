"""Issue 19, items 3 and 4: the agreement form says one rule and keeps it (a row
without a description is left out, whatever it holds), adds rows, takes the
commitments' dependencies ("Wacht op"), keeps a draft, and a draft — made here or
through the API — can be read again and submitted from its page. A submitted version
can be read again too.
"""

from __future__ import annotations

import re

from django.urls import reverse

from casework.models import AgreementVersion, Commitment, VersionStatus

from ..conftest import token_client
from .pages import negotiating

TITLE = "Hoofdlijnenakkoord Eigen Locatie"


def form_url(location) -> str:
    return reverse("workflow:agreement_create", args=[location.pk])


def rows(location, filled: dict[int, dict], total: int | None = None) -> dict:
    """The form's data: every party pre-filled as the page does, the rows in
    `filled` with a description and date."""
    parties = list(location.parties.order_by("organisation__name"))
    total = len(parties) if total is None else total
    data = {
        "title": TITLE,
        "text": "Partijen versnellen samen de woningbouw.",
        "commitments-TOTAL_FORMS": str(total),
        "commitments-INITIAL_FORMS": "0",
    }
    for index in range(total):
        if index < len(parties):
            data[f"commitments-{index}-party"] = str(parties[index].organisation_id)
    for index, fields in filled.items():
        for name, value in fields.items():
            data[f"commitments-{index}-{name}"] = value
    return data


def test_one_commitment_among_the_prefilled_rows_is_enough(client, world):
    """Before: one filled row of two pre-filled ones gave an error per empty field."""
    location = negotiating(world)
    client.force_login(world.case_manager)
    page = client.get(form_url(location)).content.decode()
    assert "telt niet mee" in page
    assert "Een regel zonder omschrijving wordt overgeslagen" not in page
    response = client.post(
        form_url(location),
        rows(
            location,
            {0: {"description": "Gemeente A levert.", "due_date": "2027-06-01"}},
        )
        | {"action": "submit"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    version = AgreementVersion.objects.get(agreement__location=location)
    assert version.status == VersionStatus.IN_APPROVAL
    assert list(version.commitments.values_list("description", flat=True)) == [
        "Gemeente A levert."
    ]


def test_a_described_row_needs_its_party_and_date(client, world):
    location = negotiating(world)
    client.force_login(world.case_manager)
    data = rows(location, {1: {"description": "Iets zonder datum."}})
    data["commitments-1-party"] = ""
    response = client.post(form_url(location), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kies de partij die dit belooft." in page
    assert "Geef een uiterste datum." in page
    assert page.count('class="dk-error"') == 2
    assert not AgreementVersion.objects.exists()


def test_afspraak_toevoegen_adds_a_row_and_keeps_what_was_typed(client, world):
    location = negotiating(world)
    client.force_login(world.case_manager)
    data = rows(location, {0: {"description": "Gemeente A levert."}})
    response = client.post(form_url(location), data | {"action": "add"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="commitments-TOTAL_FORMS" value="3"' in page
    assert "Gemeente A levert." in page
    assert "Afspraak 3" in page
    assert "Controleer het formulier" not in page
    assert not AgreementVersion.objects.exists()


def test_wacht_op_is_saved_as_the_dependency(client, world):
    location = negotiating(world)
    client.force_login(world.case_manager)
    page = client.get(form_url(location)).content.decode()
    assert "Wacht op" in page
    assert 'name="commitments-1-waits_for"' in page
    data = rows(
        location,
        {
            0: {
                "description": "Gemeente A wijzigt het omgevingsplan.",
                "due_date": "2027-06-01",
            },
            1: {
                "description": "Ontwikkelaar B start de bouw.",
                "due_date": "2028-01-01",
            },
        },
    )
    data["commitments-1-waits_for"] = ["0"]
    response = client.post(form_url(location), data | {"action": "draft"})
    assert response.status_code == 302
    later = Commitment.objects.get(description="Ontwikkelaar B start de bouw.")
    assert [c.description for c in later.depends_on.all()] == [
        "Gemeente A wijzigt het omgevingsplan."
    ]


def test_waiting_for_an_empty_row_is_refused(client, world):
    location = negotiating(world)
    client.force_login(world.case_manager)
    data = rows(
        location,
        {1: {"description": "Ontwikkelaar B bouwt.", "due_date": "2028-01-01"}},
    )
    data["commitments-1-waits_for"] = ["0"]
    response = client.post(form_url(location), data)
    assert response.status_code == 200
    assert "Afspraak 1 is leeg" in response.content.decode()
    assert not AgreementVersion.objects.exists()


def test_no_delete_box_on_new_rows(client, world):
    location = negotiating(world)
    client.force_login(world.case_manager)
    page = client.get(form_url(location)).content.decode()
    assert "DELETE" not in page and "Verwijderen" not in page


def test_save_as_draft_then_read_it_and_submit_it_from_its_page(client, world):
    location = negotiating(world)
    client.force_login(world.case_manager)
    response = client.post(
        form_url(location),
        rows(
            location,
            {0: {"description": "Gemeente A levert.", "due_date": "2027-06-01"}},
        )
        | {"action": "draft"},
    )
    draft = AgreementVersion.objects.get(agreement__location=location)
    assert draft.status == VersionStatus.DRAFT
    detail_url = reverse("locations:detail", args=[location.pk])
    assert response.url == detail_url + "#concepten"
    version_url = reverse("locations:version", args=[location.pk, draft.pk])
    submit_url = reverse("agreements:submit", args=[draft.pk])
    detail = client.get(detail_url).content.decode()
    assert version_url in detail and "Concepten" in detail
    assert submit_url in detail and "Versie 1 ter goedkeuring aanbieden" in detail
    page = client.get(version_url).content.decode()
    assert "Gemeente A levert." in page and "Dit is een concept" in page
    # The form opens with the draft in it.
    assert "Gemeente A levert." in client.get(form_url(location)).content.decode()

    response = client.post(submit_url)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_APPROVAL


def test_a_draft_made_through_the_api_is_on_the_page(client, world):
    location = negotiating(world)
    api = token_client(world.case_manager)
    response = api.post(
        f"/api/v1/locations/{location.pk}/agreements/",
        {
            "kind": "heads_of_agreement",
            "title": "Via de API",
            "text": "Tekst uit een ander systeem.",
            "commitments": [
                {
                    "party": world.org_a.pk,
                    "description": "A eerst.",
                    "due_date": "2027-01-01",
                },
                {
                    "party": world.org_b.pk,
                    "description": "B daarna.",
                    "due_date": "2027-06-01",
                    "depends_on": [0],
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 201
    version_id = response.json()["id"]
    client.force_login(world.case_manager)
    detail = client.get(
        reverse("locations:detail", args=[location.pk])
    ).content.decode()
    url = reverse("locations:version", args=[location.pk, version_id])
    assert url in detail
    assert reverse("agreements:submit", args=[version_id]) in detail
    page = client.get(url).content.decode()
    assert "Tekst uit een ander systeem." in page
    # "B daarna" waits for commitment 1, by number and party.
    assert re.search(r"afspraak 1 \(Gemeente A\)", page)
    # A party of the location reads it too (as the API lets it), but may not submit.
    client.force_login(world.a_signatory)
    page = client.get(url).content.decode()
    assert "Tekst uit een ander systeem." in page
    detail = client.get(reverse("locations:detail", args=[location.pk])).content
    assert reverse("agreements:submit", args=[version_id]) not in detail.decode()
    assert (
        client.post(reverse("agreements:submit", args=[version_id])).status_code == 403
    )
    # Someone who may not see the location does not find it.
    client.force_login(world.c_member)
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("agreements:submit", args=[version_id])).status_code == 404
    )


def test_a_submitted_version_can_be_read_again_with_the_decisions(client, world):
    from .pages import submit

    location = negotiating(world)
    process = submit(location, world.case_manager)
    version = process.version
    client.force_login(world.b_signatory)
    page = client.get(reverse("locations:version", args=[location.pk, version.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Besluiten van de partijen" in html and "Nog niet besloten" in html
    assert "Ter goedkeuring aanbieden" not in html


def test_the_form_says_so_while_a_round_runs(client, world):
    from .pages import submit

    location = negotiating(world)
    submit(location, world.case_manager)
    client.force_login(world.case_manager)
    response = client.get(form_url(location), follow=True)
    assert "Er loopt al een goedkeuringsronde" in response.content.decode()
