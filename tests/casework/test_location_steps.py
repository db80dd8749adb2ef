"""Issue 19, items 3 and 8: every step of a location that was only possible in the API
or not at all can be done on the pages, by the role that may do it; where a step is
not possible yet the page says what is missing; a step that cannot be undone asks to
be confirmed and looks dangerous.

Through the Django test client, against the real database and services: each write
is checked in the database and in the audit trail, and each refusal leaves nothing
changed.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.constants import AuditAction, PartyRole, Stage
from casework.models import AuditEvent, Location, Party
from casework.selectors import locations_visible_to
from permissions.checks import forget_cached_permissions
from permissions.constants import MembershipRole
from tests.factories import OrganisationFactory, person_of

from ..scenarios import add_bottleneck, bring_to

CRITERIA = {
    "land_positions": "Gemeente en ontwikkelaar bezitten samen 80% van de grond.",
    "planning_status": "Omgevingsplan in voorbereiding, vaststelling 2027.",
    "market_involvement": "Twee ontwikkelaars en een corporatie doen mee.",
    "financial_prospect": "Onrendabele top deels gedekt door de Woningbouwimpuls.",
}


def page(client, user, location) -> str:
    client.force_login(user)
    response = client.get(reverse("locations:detail", args=[location.pk]))
    assert response.status_code == 200
    return response.content.decode()


def events(location, action) -> int:
    return AuditEvent.objects.filter(location=location, action=action).count()


# --- Selection criteria, then select --------------------------------------------------


def test_the_page_says_why_select_is_not_possible_and_links_to_the_criteria(
    client, world
):
    location = world.own  # proposed, criteria empty
    html = page(client, world.ministry, location)
    assert "‘Selecteren’ kan nog niet." in html
    assert "selectiecriteria" in html
    assert reverse("locations:criteria", args=[location.pk]) in html
    # The case manager cannot select, but learns who does and what is missing.
    html = page(client, world.case_manager, location)
    assert "Dit doet het ministerie." in html
    assert reverse("locations:criteria", args=[location.pk]) in html


def test_the_case_manager_records_the_criteria_and_the_ministry_selects(client, world):
    location = world.own
    url = reverse("locations:criteria", args=[location.pk])
    client.force_login(world.case_manager)
    assert client.get(url).status_code == 200
    response = client.post(url, CRITERIA)
    assert response.status_code == 302
    location.refresh_from_db()
    assert location.selection_criteria_complete
    assert events(location, AuditAction.CRITERIA_RECORDED) == 1

    html = page(client, world.ministry, location)
    assert "‘Selecteren’ kan nog niet." not in html
    assert 'data-transition="select"' in html
    client.post(
        reverse("locations:transition", args=[location.pk]),
        {"transition": "select", "reason": "Voldoet aan de criteria."},
    )
    location.refresh_from_db()
    assert location.stage == Stage.SELECTED


@pytest.mark.parametrize("who", ["viewer", "a_signatory", "a_member"])
def test_others_may_not_record_criteria(client, world, who):
    client.force_login(getattr(world, who))
    url = reverse("locations:criteria", args=[world.own.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, CRITERIA).status_code == 403
    world.own.refresh_from_db()
    assert not world.own.land_positions


def test_criteria_of_an_invisible_location_are_not_found(client, world):
    client.force_login(world.c_member)
    url = reverse("locations:criteria", args=[world.own.pk])
    assert client.get(url).status_code == 404


def test_an_empty_criterion_is_refused_on_the_form(client, world):
    client.force_login(world.case_manager)
    url = reverse("locations:criteria", args=[world.own.pk])
    response = client.post(url, {**CRITERIA, "planning_status": ""})
    assert response.status_code == 200
    assert "Controleer het formulier" in response.content.decode()
    world.own.refresh_from_db()
    assert not world.own.land_positions


def test_the_negotiation_waits_for_a_bottleneck_and_the_page_says_so(client, world):
    location = bring_to(
        world.own,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    html = page(client, world.case_manager, location)
    assert "Registreer eerst een knelpunt" in html
    assert 'data-transition="start_negotiation"' not in html
    add_bottleneck(location, world.case_manager)
    html = page(client, world.case_manager, location)
    assert "Registreer eerst een knelpunt" not in html
    assert 'data-transition="start_negotiation"' in html


# --- Facts ------------------------------------------------------------------------------


def test_the_ministry_corrects_the_facts_and_the_change_is_audited(client, world):
    location = world.own
    url = reverse("locations:facts", args=[location.pk])
    client.force_login(world.ministry)
    assert "Gegevens aanpassen" in page(client, world.ministry, location)
    response = client.post(
        url,
        {
            "municipality": "Gemeente A; Gemeente B",
            "province": "Utrecht",
            "planned_homes": "1200",
            "planned_homes_note": "circa",
            "share_social_rent": "30",
            "share_mid_rent": "",
        },
    )
    assert response.status_code == 302
    location.refresh_from_db()
    assert (location.municipality, location.province, location.planned_homes) == (
        "Gemeente A; Gemeente B",
        "Utrecht",
        1200,
    )
    assert location.share_social_rent == 30 and location.share_mid_rent is None
    event = AuditEvent.objects.get(location=location, action=AuditAction.FACTS_UPDATED)
    assert event.data["changed"]["planned_homes"]["to"] == 1200


def test_a_share_above_100_percent_is_refused(client, world):
    client.force_login(world.case_manager)
    response = client.post(
        reverse("locations:facts", args=[world.own.pk]),
        {"municipality": "A", "province": "Utrecht", "share_social_rent": "130"},
    )
    assert response.status_code == 200
    world.own.refresh_from_db()
    assert world.own.share_social_rent is None
    assert not AuditEvent.objects.filter(action=AuditAction.FACTS_UPDATED).exists()


def test_a_party_may_not_edit_the_facts(client, world):
    client.force_login(world.a_signatory)
    url = reverse("locations:facts", args=[world.own.pk])
    assert client.get(url).status_code == 403
    html = page(client, world.a_signatory, world.own)
    assert url not in html


# --- Creating a location --------------------------------------------------------------


def test_the_case_manager_proposes_a_location(client, world):
    client.force_login(world.case_manager)
    listing = client.get(reverse("locations:index")).content.decode()
    assert reverse("locations:create") in listing
    response = client.post(
        reverse("locations:create"),
        {
            "programme": world.programme.pk,
            "name": "Nieuwe Locatie",
            "municipality": "Gemeente A",
            "province": "Utrecht",
            "planned_homes": "",
        },
    )
    assert response.status_code == 302
    location = Location.objects.get(name="Nieuwe Locatie")
    assert location.stage == Stage.PROPOSED and location.planned_homes is None
    assert events(location, AuditAction.LOCATION_CREATED) == 1
    assert response.url.startswith(reverse("locations:detail", args=[location.pk]))


def test_a_location_name_is_unique_in_its_programme(client, world):
    client.force_login(world.ministry)
    response = client.post(
        reverse("locations:create"),
        {
            "programme": world.programme.pk,
            "name": "eigen locatie",
            "municipality": "Gemeente A",
            "province": "Utrecht",
        },
    )
    assert response.status_code == 200
    assert "al een locatie" in response.content.decode()
    assert Location.objects.filter(name__iexact="eigen locatie").count() == 1


@pytest.mark.parametrize("who", ["viewer", "a_signatory"])
def test_only_case_manager_and_ministry_propose(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("locations:create")).status_code == 403
    listing = client.get(reverse("locations:index")).content.decode()
    assert reverse("locations:create") not in listing


# --- Parties ----------------------------------------------------------------------------


def test_the_case_manager_adds_a_party_whose_people_then_see_the_location(
    client, world
):
    outsider = world.outsider
    assert not locations_visible_to(outsider).filter(pk=world.own.pk).exists()
    added_before = events(world.own, AuditAction.PARTY_ADDED)
    client.force_login(world.case_manager)
    url = reverse("locations:party_add", args=[world.own.pk])
    form = client.get(url).content.decode()
    assert world.org_outside.name in form
    assert world.org_a.name not in form  # already a party
    response = client.post(
        url,
        {
            "organisation": world.org_outside.pk,
            "role": PartyRole.HOUSING_CORPORATION,
        },
    )
    assert response.status_code == 302
    forget_cached_permissions(outsider)
    assert locations_visible_to(outsider).filter(pk=world.own.pk).exists()
    assert events(world.own, AuditAction.PARTY_ADDED) == added_before + 1


def test_the_case_manager_removes_a_party_and_its_people_lose_sight(client, world):
    organisation = OrganisationFactory(slug="adviseur-e", name="Adviseur E")
    person = person_of(organisation, MembershipRole.MEMBER, username="e-lid")
    Party.objects.create(
        location=world.own, organisation=organisation, role=PartyRole.ADVISOR
    )
    from casework.roles import PARTY_PERMISSIONS
    from permissions.checks import grant_to_group

    for perm in PARTY_PERMISSIONS:
        grant_to_group(perm, organisation.members_group, world.own)
    assert locations_visible_to(person).filter(pk=world.own.pk).exists()

    html = page(client, world.case_manager, world.own)
    assert "Adviseur E verwijderen" in html
    response = client.post(
        reverse("locations:party_remove", args=[world.own.pk]),
        {"organisation": organisation.pk, "reason": "Doet niet meer mee."},
    )
    assert response.status_code == 302
    assert not Party.objects.filter(organisation=organisation).exists()
    forget_cached_permissions(person)
    assert not locations_visible_to(person).filter(pk=world.own.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.PARTY_REMOVED)
    assert event.reason == "Doet niet meer mee."


def test_a_party_that_owns_a_bottleneck_stays_and_the_page_says_why(client, world):
    add_bottleneck(world.own, world.case_manager)
    world.own.bottlenecks.update(owner=world.party_b)
    html = page(client, world.case_manager, world.own)
    assert "Ontwikkelaar B is eigenaar van een knelpunt" in html
    response = client.post(
        reverse("locations:party_remove", args=[world.own.pk]),
        {"organisation": world.org_b.pk, "reason": "Weg."},
        follow=True,
    )
    assert "eigenaar van een knelpunt" in response.content.decode()
    assert Party.objects.filter(pk=world.party_b.pk).exists()


@pytest.mark.parametrize("who", ["ministry", "viewer", "a_signatory"])
def test_only_the_case_manager_changes_parties(client, world, who):
    client.force_login(getattr(world, who))
    add = reverse("locations:party_add", args=[world.own.pk])
    remove = reverse("locations:party_remove", args=[world.own.pk])
    assert client.get(add).status_code == 403
    assert (
        client.post(add, {"organisation": world.org_outside.pk, "role": "advisor"})
    ).status_code == 403
    assert (
        client.post(remove, {"organisation": world.org_b.pk, "reason": "x"})
    ).status_code == 403
    assert world.own.parties.count() == 2


# --- Irreversible steps (item 8) ------------------------------------------------------


def test_withdrawing_asks_for_confirmation_and_looks_dangerous(client, world):
    location = world.own
    html = page(client, world.ministry, location)
    start = html.index('data-transition="withdraw"')
    form = html[html.rindex("<form", 0, start) : start + 40]
    assert "dk-transition--danger" in form and "dk-button--danger" in form
    assert 'name="confirm"' in form and "niet ongedaan" in form
    # Escalating can be undone: no confirmation, not red.
    escalate = bring_to(
        world.foreign,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    html = page(client, world.ministry, escalate)
    start = html.index('data-transition="escalate"')
    form = html[html.rindex("<form", 0, start) : start + 40]
    assert "dk-button--danger" not in form and 'name="confirm"' not in form


def test_withdraw_without_confirmation_changes_nothing(client, world):
    location = world.own
    client.force_login(world.ministry)
    url = reverse("locations:transition", args=[location.pk])
    response = client.post(
        url, {"transition": "withdraw", "reason": "Geen perspectief."}, follow=True
    )
    assert "niet ongedaan worden gemaakt" in response.content.decode()
    location.refresh_from_db()
    assert location.stage == Stage.PROPOSED
    client.post(
        url, {"transition": "withdraw", "reason": "Geen perspectief.", "confirm": "on"}
    )
    location.refresh_from_db()
    assert location.stage == Stage.WITHDRAWN


def test_a_party_posting_a_withdrawal_is_refused_as_before(client, world):
    client.force_login(world.a_signatory)
    response = client.post(
        reverse("locations:transition", args=[world.own.pk]),
        {"transition": "withdraw", "reason": "x"},
    )
    assert response.status_code == 403


def test_designating_says_from_when_it_can_and_asks_to_confirm(client, world):
    from django.utils.formats import date_format

    from casework.models import Designation

    location = bring_to(
        world.own,
        Stage.DESIGNATION_PROCEDURE,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    from ..scenarios import open_consultation

    html = page(client, world.ministry, location)
    assert "Aanwijzen kan pas na de zienswijzetermijn, en die is nog niet" in html
    open_consultation(location, world.ministry)
    designation = Designation.objects.get(location=location)
    possible = date_format(designation.decision_possible_on, "j F Y")
    html = page(client, world.ministry, location)
    assert f"Aanwijzen kan vanaf {possible}" in html
    assert date_format(designation.consultation_ends_on, "j F Y") in html
    assert 'data-transition="designate"' not in html
    # The case manager reads it too, and who designates.
    html = page(client, world.case_manager, location)
    assert "Aanwijzen kan vanaf" in html and "Dit doet het ministerie." in html


def test_designating_cannot_be_done_without_confirming(client, world):
    from ..scenarios import make_designation_decidable

    location = bring_to(
        world.own,
        Stage.DESIGNATION_PROCEDURE,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    make_designation_decidable(location)
    html = page(client, world.ministry, location)
    start = html.index('data-transition="designate"')
    form = html[html.rindex("<form", 0, start) : start + 40]
    assert "dk-button--danger" in form and 'name="confirm"' in form
    url = reverse("locations:transition", args=[location.pk])
    client.post(url, {"transition": "designate", "reason": "Besluit genomen."})
    location.refresh_from_db()
    assert location.stage == Stage.DESIGNATION_PROCEDURE
