"""Every URL answers hostile input with 2xx, 3xx or 4xx, never 5xx (issue 12, item 1).

The URLs are read from the resolver: every pattern of `config.urls`, viewflow's flow
pages and the admin included, so a new page is swept the day it exists. Path
parameters are filled with real ids from a small world (organisation A's location
with a running round, an action, an escalation and a designation procedure, a
document, a calendar token), with ids that do not exist and with a number too large
for the database.

1. The boundary (`config.input_boundary`), on every URL: a NUL and an unpaired
   surrogate (both percent-encoded bytes that are not UTF-8 and the JSON escape) in
   the query, a cookie, a form body and a JSON body, in the path where a route takes
   text, and JSON nested thousands deep. Each is a 400 before any view runs:
   `{"detail"}` under /api/, the Dutch page elsewhere.
2. Through the views, as each kind of user (anonymous, party member, signatory, case
   manager, ministry, viewer, superuser): every method (GET, HEAD, OPTIONS, POST,
   PUT, PATCH, DELETE); where a page answers, the query again with dates at the ends
   of the calendar (0001-01-01, 9999-12-31) and at the edges of the window
   (2000-01-01, 2100-12-31) in every date-looking parameter, an over-long text and
   an over-long list; where a write is open to the user, form and JSON bodies with
   the same dates in every date field, every text field over its limit, and lists
   over theirs. No answer is a 5xx; under /api/ every 4xx is JSON with a `detail`.

Each request runs in a savepoint that is rolled back: whatever one request changes,
the next sees the same world. PostgreSQL only (its refusal of NUL, its integer
range and its dates are what this is about); runs in the PostgreSQL pass.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from viewflow.workflow.models import Task

from accounts.members import invitation_token
from accounts.models import Invitation
from accounts.notification_preferences import unsubscribe_token
from casework.limits import (
    AGREEMENT_TEXT_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    LIST_ITEMS_MAX,
    TEXT_MAX,
)
from casework.models import Location
from permissions.calendar_tokens import calendar_token_regenerate
from workflows.escalation import DesignationFlow, EscalationFlow
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

from .test_cross_organisation import Victim, shared  # noqa: F401 - the world

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL: its refusal of NUL, its integer range and its dates",
    ),
]

USERS = [
    "anonymous",
    "a_member",
    "a_signatory",
    "case_manager",
    "ministry",
    "viewer",
    "superuser",
]
METHODS = ["get", "head", "options", "post", "put", "patch", "delete"]
MISSING_ID = "999999999"
HUGE_ID = "9" * 25  # beyond PostgreSQL's bigint

# Calendar ends (what broke deadline, timer and feed arithmetic) and window edges.
DATES = ["0001-01-01", "9999-12-31", "2000-01-01", "2100-12-31"]
DATE_FIELDS = [
    "deadline",
    "due_date",
    "due_on",
    "held_on",
    "received_on",
    "sent_on",
    "published_on",
    "open_on",
]
DATE_QUERY = [
    *DATE_FIELDS,
    "date",
    "since",
    "until",
    "created",
    "finished",
    "as_of",
    *(f"{name}__gte" for name in ("due_date", "due_on", "deadline", "at", "created")),
    *(f"{name}__lte" for name in ("due_date", "due_on", "deadline", "at", "created")),
]
TEXT_FIELDS = [
    "reason",
    "description",
    "comment",
    "title",
    "text",
    "report",
    "note",
    "participants",
    "summary",
    "submitted_by",
    "legal_basis",
    "national_interest",
    "response",
]


@dataclass(frozen=True)
class Route:
    route: str
    pattern: URLPattern

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def all_routes() -> list[Route]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield Route(prefix + str(pattern.pattern), pattern)

    return list(walk(get_resolver().url_patterns))


# --- The world ------------------------------------------------------------------------


@dataclass
class Objects:
    victim: Victim
    users: dict
    calendar_token: str
    location_type: int
    unsubscribe_token: str = ""
    invitation_token: str = ""

    def first_pk(self, app_label: str, model_name: str) -> str:
        model = ContentType.objects.get(app_label=app_label, model=model_name)
        obj = model.model_class()._base_manager.order_by("pk").first()
        return str(obj.pk) if obj is not None else MISSING_ID


@pytest.fixture(scope="module")
def objects(shared):  # noqa: F811 - the module-scoped world of test_cross_organisation
    world, victim = shared
    superuser = get_user_model().objects.create_superuser(
        "beheerder", "beheer@example.org", "beheer-wachtwoord"
    )
    users = {name: getattr(world, name) for name in USERS[1:-1]}
    users["anonymous"] = None
    users["superuser"] = superuser
    invitation = Invitation.objects.create(
        organisation=world.org_a,
        email="uitgenodigd@example.org",
        role="member",
        nonce="sweep",
    )
    return Objects(
        victim=victim,
        users=users,
        calendar_token=calendar_token_regenerate(user=world.a_signatory),
        location_type=ContentType.objects.get_for_model(Location).pk,
        unsubscribe_token=unsubscribe_token(world.a_signatory, "reminder"),
        invitation_token=invitation_token(invitation),
    )


_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def real_value(route: str, name: str, objects: Objects) -> str:
    victim = objects.victim
    if name == "process_pk":
        flow = route.split("/")[2]
        return str(victim.processes[flow].pk)
    if name == "task_pk":
        flow, node = route.split("/")[2], route.split("/")[4]
        process = victim.processes[flow]
        node_task = getattr(process.flow_class.instance, node, None)
        tasks = Task.objects.filter(process=process).order_by("-pk")
        task = (tasks.filter(flow_task=node_task).first() if node_task else None) or (
            tasks.first()
        )
        return str(task.pk)
    if name == "location_pk":
        return str(victim.location.pk)
    if name == "version_pk":
        return str(victim.version.pk)
    if name == "token":
        if route.startswith("agenda/"):
            return objects.calendar_token
        if route.startswith("accounts/afmelden/"):
            return objects.unsubscribe_token
        if route.startswith("accounts/uitnodiging/"):
            return objects.invitation_token
        return "set-password"
    if name == "slug" and route.startswith("programmas/"):
        return victim.location.programme.slug
    if name == "name":  # a single sign-on provider (none is configured here)
        return "test"
    if name == "user_id":
        return str(objects.users["a_signatory"].pk)
    if name == "invitation_id":
        return objects.first_pk("accounts", "invitation")
    if name == "uidb64":
        return "MQ"
    if name == "content_type_id":
        return str(objects.location_type)
    if name in ("object_id", "id"):
        parts = route.split("/")
        if route.startswith("admin/r/"):
            return str(victim.location.pk)
        return objects.first_pk(parts[1], parts[2])
    if name == "pk":
        if route.startswith(("api/v1/agreements/", "documenten/overeenkomst/")):
            return str(victim.version.pk)
        if route.startswith("api/v1/tasks/"):
            return str(victim.approval_task.pk)
        if route.startswith(("api/v1/documents/", "documenten/")) and not (
            route.startswith("documenten/locatie/")
        ):
            return str(victim.document.pk)
        return str(victim.location.pk)
    raise AssertionError(f"no value for <{name}> in {route}")


def urls(route: Route, objects: Objects) -> list[str]:
    """The route with real ids, with ids that do not exist and with ids too large."""
    pattern = route.pattern.pattern
    if isinstance(pattern, RegexPattern):
        if "app_label" in route.route:
            return ["/admin/casework/"]
        if "(?P<url>" in route.route:
            return ["/admin/bestaat-niet/"]
        prefix = route.route.split("^")[0]
        return ["/" + prefix, "/" + prefix + "bestaat-niet/"]
    if not _PARAM.search(route.route):
        return ["/" + route.route]

    def fill(value) -> str:
        return "/" + _PARAM.sub(lambda m: value(m), route.route)

    real = fill(lambda m: quote(real_value(route.route, m["name"], objects)))
    missing = fill(
        lambda m: (
            MISSING_ID if m["converter"] in ("int", "path", None) else "bestaat-niet"
        )
    )
    huge = fill(lambda m: HUGE_ID)
    return list(dict.fromkeys([real, missing, huge]))


# --- Asserting -------------------------------------------------------------------------


@dataclass
class Sweep:
    failures: list
    requests: int = 0

    def check(self, response, url: str, what: str) -> None:
        self.requests += 1
        status = response.status_code
        if status >= 500:
            error = getattr(response, "exc_info", None)
            self.failures.append((url, what, status, repr(error[1]) if error else ""))
            return
        if url.startswith("/api/") and 400 <= status < 500 and what[:4] != "head":
            try:
                body = json.loads(response.content)
            except ValueError:
                body = None
            if not (isinstance(body, dict) and "detail" in body):
                self.failures.append(
                    (url, what, status, f"not JSON {{detail}}: {response.content[:80]}")
                )


def rolled_back(send, *args, **kwargs):
    """Send one request inside a savepoint that is undone afterwards."""
    with transaction.atomic():
        response = send(*args, **kwargs)
        transaction.set_rollback(True)
    return response


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# --- 1. The boundary, on every URL ------------------------------------------------------

BOUNDARY_CASES = [
    ("get", "?q=a%00b", None, None),
    ("get", "?a%00=1", None, None),
    ("get", "?q=%ED%A0%80", None, None),
    ("get", "?q=%FF", None, None),
    ("get", "", None, {"HTTP_COOKIE": "sessionid=abcdefgh\x00ijklmnop"}),
    ("get", "", None, {"HTTP_COOKIE": "sessionid=abcdefgh\xed\xa0\x80ijklmnop"}),
    ("post", "", ("form", b"reason=x%00y&description=z"), None),
    ("post", "", ("form", b"reason=x%ED%A0%80y"), None),
    ("post", "", ("form", b"reason=%FF"), None),
    ("post", "", ("json", '{"reason": "x\\ud800y"}'), None),
    ("post", "", ("json", '{"reason": "x\\u0000y"}'), None),
    ("post", "", ("json", '{"a\\u0000": 1}'), None),
    ("post", "", ("json", b'{"reason": "\xed\xa0\x80"}'), None),
    ("post", "", ("json", "[" * 5_000 + "]" * 5_000), None),
    ("put", "", ("json", '{"x": "\\udfff"}'), None),
]


def _body(kind: str, payload) -> tuple[bytes | str, str]:
    if kind == "form":
        return payload, "application/x-www-form-urlencoded"
    return payload, "application/json"


def test_the_boundary_refuses_hostile_text_on_every_url(objects):
    sweep = Sweep(failures=[])
    client = Client(raise_request_exception=False)
    routes = all_routes()
    for index, route in enumerate(routes):
        url = urls(route, objects)[0]
        # Every API operation gets every case; every other URL three of them, in
        # turn, so that each case meets a third of the pages (the boundary answers
        # before the URL is even resolved: what it shows per page is the answer's
        # shape, JSON under /api/ and the Dutch page elsewhere).
        cases = (
            BOUNDARY_CASES
            if route.is_api
            else [
                BOUNDARY_CASES[(index + k * 5) % len(BOUNDARY_CASES)] for k in range(3)
            ]
        )
        for method, query, body, extra in cases:
            kwargs = dict(extra or {})
            if body is not None:
                data, content_type = _body(*body)
                kwargs.update(data=data, content_type=content_type)
            response = getattr(client, method)(url + query, **kwargs)
            what = f"{method} {query} {body and body[1][:30]!r} {extra}"
            sweep.check(response, url, what)
            if response.status_code != 400:
                sweep.failures.append((url, what, response.status_code, "not a 400"))
    # Text in the path: every route whose parameter takes text.
    for route in routes:
        if not re.search(r"<(str|path|slug)?:?\w+>", route.route):
            continue
        if isinstance(route.pattern.pattern, RegexPattern):
            continue
        for bad in ("a%00b", "a%ED%A0%80b", "%FF"):
            url = "/" + _PARAM.sub(
                lambda m, bad=bad: bad if m["converter"] != "int" else MISSING_ID,
                route.route,
            )
            if url.count("%") == 0:
                continue
            response = client.get(url)
            sweep.check(response, url, "path")
            if response.status_code != 400:
                sweep.failures.append((url, "path", response.status_code, "not 400"))
    assert sweep.failures == [], "\n".join(map(str, sweep.failures[:40]))
    assert sweep.requests >= len(routes) * 3


# --- 2. Through the views, per kind of user ---------------------------------------------


# --- 2. Through the views, per kind of user ---------------------------------------------

# Who goes deep (every method, bad ids, hostile queries and bodies): the people whose
# writes reach the most logic. The others go through every page with its methods.
DEEP = {"a_signatory", "case_manager", "ministry", "superuser"}
# The admin pages swept in full (for the superuser): those of the project's models.
OWN_ADMIN_APPS = ("casework", "permissions")
NODE = re.compile(
    r"^workflow/flows/(?P<flow>\w+)/<int:process_pk>/(?P<node>\w+)/<int:task_pk>/"
    r"(?P<action>\w*)/?$"
)


def query_variants() -> list[str]:
    """The calendar's ends in every date-looking parameter, with ids too large or
    negative, an over-long text and an over-long list."""
    first = "&".join(f"{name}={DATES[0]}" for name in DATE_QUERY)
    last = "&".join(f"{name}={DATES[1]}" for name in DATE_QUERY)
    ids = f"location={HUGE_ID}&page={HUGE_ID}&task={HUGE_ID}"
    return [
        f"?{first}&{ids}&q=" + "x" * 10_000,
        f"?{last}&location=-1&page=-1&status=x&"
        + "&".join(["stage=negotiation"] * 2_000),
    ]


def form_body(*, day: str, long_texts=False, long_lists=False, objects) -> dict:
    victim = objects.victim
    organisation = victim.world.org_a.pk
    fields = {
        "transition": "escalate",
        "category": "nitrogen",
        "decision": "approve",
        "outcome": "done",
        "instrument": "instruction",
        "kind": "heads_of_agreement",
        "owner": organisation,
        "party": organisation,
        "bottleneck": victim.location.bottlenecks.values_list("pk", flat=True).first(),
        **{name: "Redelijke tekst." for name in TEXT_FIELDS},
        **{name: day for name in DATE_FIELDS},
    }
    if long_texts:
        # One over each field's limit (the body stays under the request size limit,
        # which is a 400 of its own).
        fields.update(
            {name: "Lange tekst " * (TEXT_MAX // 12 + 1) for name in TEXT_FIELDS}
        )
        fields["text"] = "Lange tekst " * (AGREEMENT_TEXT_MAX // 12 + 1)
    rows = COMMITMENTS_PER_AGREEMENT_MAX + 1 if long_lists else 1
    fields.update(
        {
            "commitments-TOTAL_FORMS": rows,
            "commitments-INITIAL_FORMS": 0,
            "commitments-MAX_NUM_FORMS": 1000,
        }
    )
    for index in range(rows):
        fields[f"commitments-{index}-party"] = organisation
        fields[f"commitments-{index}-description"] = "Afspraak."
        fields[f"commitments-{index}-due_date"] = day
    return fields


def json_body(*, day: str, long_texts=False, long_lists=False, objects) -> dict:
    form = form_body(day=day, long_texts=long_texts, objects=objects)
    body = {key: value for key, value in form.items() if "-" not in key}
    count = COMMITMENTS_PER_AGREEMENT_MAX + 1 if long_lists else 2
    body["commitments"] = [
        {
            "party": objects.victim.world.org_a.pk,
            "description": "Afspraak.",
            "due_date": day,
            "depends_on": list(range(LIST_ITEMS_MAX + 1)) if long_lists else [],
        }
        for _ in range(count)
    ]
    return body


BODY_VARIANTS = [
    ("first day of the calendar", {"day": DATES[0]}),
    ("last day of the calendar", {"day": DATES[1]}),
    ("long texts, last day of the window", {"day": DATES[3], "long_texts": True}),
    ("long lists, first day of the window", {"day": DATES[2], "long_lists": True}),
]

LOGIN_REDIRECT = re.compile(r"/(accounts|admin)/login/")


def may_write(response) -> bool:
    """Whether a bare POST reached the view's logic (so that its fields matter)."""
    if response.status_code in (401, 403, 404, 405):
        return False
    location = response.get("Location", "")
    return not (response.status_code in (301, 302) and LOGIN_REDIRECT.search(location))


def allowed_methods(route: Route) -> list[str]:
    """The methods the view has; a function view gets every method (it says which it
    takes only by answering). An API view also gets one it lacks (its 405 is JSON)."""
    callback = route.pattern.callback
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        if route.is_api:
            return [m for m in METHODS if m not in ("head", "options")]
        return ["get", "post"]
    # An HTML view's PUT and PATCH are Django's aliases of POST (or absent).
    candidates = ("get", "post", "put", "patch", "delete")
    if not route.is_api:
        candidates = ("get", "post", "delete")
    has = [
        m
        for m in candidates
        if m in view_class.http_method_names and hasattr(view_class, m)
    ]
    if route.is_api and len(has) < 5:
        has.append(next(m for m in ("delete", "patch", "put", "post") if m not in has))
    return has


def sweep_route(sweep: Sweep, client, route: Route, objects, depth: str) -> None:
    """`touch`: the first method on the real ids; `methods`: every method the view
    has, and ids that do not exist; `full`: also HEAD, OPTIONS, ids too large, hostile
    queries (if the page answers) and bodies (if the write reaches the view)."""
    methods = allowed_methods(route)
    real, *others = urls(route, objects)
    if depth == "touch":
        methods = methods[:1]
        others = []
    elif depth == "methods":
        others = others[:1]
    else:
        methods = [*methods, "head", "options"]
    answers = {}
    for method in methods:
        answers[method] = rolled_back(getattr(client, method), real)
        sweep.check(answers[method], real, method)
    for url in others:
        sweep.check(rolled_back(getattr(client, methods[0]), url), url, methods[0])
    if depth != "full":
        return
    if "get" in answers and answers["get"].status_code == 200:
        for query in query_variants():
            response = rolled_back(client.get, real + query)
            sweep.check(response, real, f"get {query[:40]}")
    if "post" not in answers or not may_write(answers["post"]):
        return
    for name, variant in BODY_VARIANTS:
        if route.is_api:
            body = json.dumps(json_body(objects=objects, **variant))
            response = rolled_back(
                client.post, real, body, content_type="application/json"
            )
        else:
            form = form_body(objects=objects, **variant)
            response = rolled_back(client.post, real, form)
        sweep.check(response, real, f"post {name}")


# The actions of a person's own task, where its form is: swept in full by whoever
# goes deep (the task's holder reaches the form; the superuser may not do it).
TASK_ACTIONS = ("", "execute", "assign", "unassign")


def plan(who: str, routes: list[Route]) -> Iterator[tuple[Route, str]]:
    """What `who` sweeps, and how deeply. Every route is swept by someone:

    - the project's own pages and API by everyone (in full by those who go deep);
    - viewflow's pages of a flow's nodes are one view per kind of node and action: the
      first of each kind by everyone (a task's own form in full by those who go deep,
      everything else in full by the superuser), the rest once by the superuser;
    - the admin (for staff only) by the superuser, in full for the changelists of the
      project's models (their filters read the query), and once per kind of page by
      the others (who are sent to its login).
    """
    deep = who in DEEP
    seen_nodes: set = set()
    seen_admin: set = set()
    for route in routes:
        if route.route == "accounts/logout/":
            continue  # would end the session the rest of the sweep uses
        node = NODE.match(route.route)
        if node:
            key = (_node_kind(node["flow"], node["node"]), node["action"])
            first = key not in seen_nodes
            seen_nodes.add(key)
            if not first:
                if who == "superuser":
                    yield route, "touch"
            elif who == "superuser" or (deep and node["action"] in TASK_ACTIONS):
                yield route, "full"
            else:
                yield route, "methods"
        elif route.route.startswith("admin/"):
            key = getattr(route.pattern.callback, "__name__", route.route)
            first = key not in seen_admin
            seen_admin.add(key)
            if who == "superuser":
                changelist = route.pattern.name and route.pattern.name.endswith(
                    "_changelist"
                )
                own = route.route.startswith(
                    tuple(f"admin/{app}/" for app in OWN_ADMIN_APPS)
                )
                yield route, "full" if own and changelist else "methods"
            elif first:
                yield route, "touch"
        else:
            yield route, "full" if deep else "methods"


FLOWS = {
    flow.__name__.removesuffix("Flow").lower(): flow
    for flow in (
        ApprovalRoundFlow,
        BottleneckActionFlow,
        EscalationFlow,
        DesignationFlow,
    )
}


def _node_kind(flow: str, node: str) -> str:
    return type(getattr(FLOWS[flow].instance, node, None)).__name__


@pytest.mark.parametrize("who", USERS)
def test_no_url_answers_hostile_input_with_a_server_error(objects, who):
    started = time.monotonic()
    sweep = Sweep(failures=[])
    client = client_for(objects.users[who])
    for route, depth in plan(who, all_routes()):
        sweep_route(sweep, client, route, objects, depth)
    elapsed = time.monotonic() - started
    print(f"\n{who}: {sweep.requests} requests in {elapsed:.1f} s")
    assert sweep.failures == [], "\n".join(map(str, sweep.failures[:40]))


def test_every_route_is_swept_by_someone():
    routes = all_routes()
    swept = {route.route for who in USERS for route, _depth in plan(who, routes)}
    missing = {route.route for route in routes} - swept - {"accounts/logout/"}
    assert missing == set()
