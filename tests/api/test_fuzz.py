"""API fuzzing with schemathesis (issue 7): every operation of `/api/v1/schema/`, fed
generated requests in-process (WSGI), as a party's signatory and as the ministry, each
with its token. Whatever the input: never a 5xx, and every answer — 2xx or the
documented 400/403/404/409 — matches the schema.

Bounded: a fixed number of examples per operation, derandomized (the same examples on
every run), no deadline (a PDF takes its time on a shared machine).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casework.constants import Stage

from ..scenarios import bring_to
from ..workflows.rounds import submit_round

pytestmark = pytest.mark.slow

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def fuzz_world(world):
    """The shared world with real objects behind the ids the fuzzer may hit: a round
    running on the own location (tasks, an agreement version in approval)."""
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    submit_round(world.own, world.case_manager)
    return world


@pytest.fixture
def api_schema(fuzz_world):
    # Django's WSGI handler closes the connection after each request, which would end
    # the test's transaction; keep it open, as Django's own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        loaded = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/", get_wsgi_application()
        )
        # The coverage phase ignores `max_examples` (it enumerates every boundary of
        # the schema); examples and bounded fuzzing keep the run short.
        loaded.config.phases.update(phases=["examples", "fuzzing"])
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


def call(case, user) -> None:
    """Send the case with the user's token. A valid request must get a documented
    answer; an invalid one (negative mode: wrong types, missing fields, a path segment
    that is no id, which Django's URL resolver already refuses) must at least never be
    a server error."""
    token, _ = Token.objects.get_or_create(user=user)
    negative = case._meta is not None and (
        case._meta.generation.mode == GenerationMode.NEGATIVE
    )
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"},
        checks=[not_a_server_error] if negative else CHECKS,
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_party_signatory(case, fuzz_world):
    call(case, fuzz_world.a_signatory)


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_the_ministry(case, fuzz_world):
    call(case, fuzz_world.ministry)
