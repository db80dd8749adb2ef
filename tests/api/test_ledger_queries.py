"""The commitment ledger's list (`GET /api/v1/commitments/`) costs the same queries at
20 and at 2,000 locations, for the case manager (every location) and for a party
member (organisation A takes part everywhere, through its object permissions), and
answers every line."""

from __future__ import annotations

import pytest

from casework.models import Location

from ..casework.exports import conclude_agreements
from ..casework.portfolio import build_portfolio
from ..conftest import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

QUERIES = [
    "authtoken_token JOIN auth_user: the token and its user",
    "auth_permission (IN auth_user_user_permissions OR IN auth_group_permissions): "
    "the user's model-wide permissions (one query: accounts.backends)",
    "casework_commitment JOIN casework_party, permissions_organisation, "
    "casework_agreementversion, casework_agreement, casework_location (the visible "
    "locations as a subquery): the lines",
    "casework_commitment_depends_on: what each line waits on (prefetch)",
    "casework_commitmentevent: each line's reports, confirmations, disputes, "
    "waivers and extensions (prefetch)",
]


@pytest.mark.parametrize("size", [20, 2000])
@pytest.mark.parametrize("who", ["case_manager", "member"])
def test_the_ledger_list_costs_the_same_at_20_and_2000_locations(
    django_assert_num_queries, who, size
):
    portfolio = build_portfolio(size)
    conclude_agreements(list(Location.objects.order_by("pk")), portfolio.case_manager)
    api = token_client(getattr(portfolio, who))
    api.get("/api/v1/commitments/")  # warm the process-wide caches (ContentType)

    with django_assert_num_queries(len(QUERIES)):
        response = api.get("/api/v1/commitments/")

    assert response.status_code == 200
    # One commitment per location; organisation A takes part everywhere.
    assert len(response.json()) == size
