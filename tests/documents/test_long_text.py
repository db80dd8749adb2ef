"""The longest text a person may enter renders, whole, in pages that grow with it.

One party could once make everyone's documents take minutes with a 2,500-character
word: WeasyPrint's cost for an unbroken string grew with the square of its length.
Here every free text of an agreement and a location dossier is at its maximum length
(`casework.limits`), the table cells and reasons as one unbroken word, the agreement's
body as prose with a 2,500-character word in it. The documents must come out with all
of that text and a page count in line with the same amount of ordinary prose. No time
is asserted (a shared machine's timings are not a test); `bench.documents` measures
the render time at these limits and at 1x, 2x and 4x the text.

Rendering does not depend on the database: this runs once, in the PostgreSQL pass.
"""

from __future__ import annotations

import datetime
import random
import re
import string

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casework import services as casework
from casework.audience import Audience
from casework.constants import Stage
from casework.limits import AGREEMENT_TEXT_MAX, SHORT_TEXT_MAX, TEXT_MAX
from casework.models import AgreementKind
from documents import builders
from documents.rendering import html_to_pdf, render_html

from ..scenarios import approve_by_every_party, bring_to, open_consultation
from .pdf import body_texts_of, compact, reader, reads_whole

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="rendering does not depend on the database: run once, on PostgreSQL",
    ),
]

LONG_WORD = 2_500


def unbroken(length: int, seed: int) -> str:
    """A word of `length` letters without a single break opportunity."""
    return "".join(random.Random(seed).choices(string.ascii_lowercase, k=length))


def prose(length: int) -> str:
    """Ordinary Dutch text of exactly `length` characters."""
    sentence = "Partijen spreken af de woningbouw op deze locatie te versnellen. "
    return (sentence * (length // len(sentence) + 1))[:length]


def _pdf(
    template: str, context: dict, words: list[str], *, ordinary: bool
) -> tuple[bytes, str]:
    """The document through the pipeline, and its template's HTML; with `ordinary`,
    every long word replaced by prose of the same length (the page count to compare
    with)."""
    with translation.override("nl"):
        html = render_to_string(template, context)
    if not ordinary:
        return html_to_pdf(render_html(template, context)).content, html
    for word in words:
        html = html.replace(word, prose(len(word)))
    return html_to_pdf(html).content, html


def _assert_renders(template: str, context: dict, words: list[str]) -> int:
    pdf, html = _pdf(template, context, words, ordinary=False)
    pages_text = body_texts_of(pdf)
    # A table's header row is repeated on every page a table spans.
    for head in re.findall(r"<thead>(.*?)</thead>", html, flags=re.S):
        head = compact(re.sub(r"<[^>]+>", "", head))
        pages_text = [text.replace(head, "") for text in pages_text]
    for word in words:
        assert reads_whole(word, pages_text), f"a {len(word)}-character word broke"
    pages = len(reader(pdf).pages)
    expected = len(reader(_pdf(template, context, words, ordinary=True)[0]).pages)
    # An unbroken word fills its lines a little less well than prose (it breaks every
    # 40 characters or where the line ends), never to the point of doubling.
    assert expected <= pages <= 2 * expected, (pages, expected)
    return pages


def test_every_free_text_at_its_maximum_renders_whole(world):
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    title = unbroken(SHORT_TEXT_MAX, 1)
    word_in_text = unbroken(LONG_WORD, 2)
    half = (AGREEMENT_TEXT_MAX - LONG_WORD) // 2
    text = prose(half - 1) + " " + word_in_text + " " + prose(half - 1)
    assert len(text) == AGREEMENT_TEXT_MAX
    descriptions = [unbroken(TEXT_MAX, 3), unbroken(TEXT_MAX, 4)]
    version = casework.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title=title,
        text=text,
        commitments=[
            {
                "party": organisation.pk,
                "description": description,
                "due_date": timezone.localdate() + datetime.timedelta(days=90),
            }
            for organisation, description in zip(
                (world.org_a, world.org_b), descriptions, strict=True
            )
        ],
    )
    version = casework.agreement_submit(version=version, actor=world.case_manager)
    approve_by_every_party(version, world.own)
    version.refresh_from_db()
    context, _data = builders.agreement_context(version)
    pages = _assert_renders(
        "documents/agreement.html", context, [title, word_in_text, *descriptions]
    )
    assert pages >= 25  # 100,000 characters of text: tens of pages, not one

    # The dossier: a bottleneck's description and a transition's reason at their
    # maximum, in its tables (the agenda and the history).
    bring_to(
        world.foreign,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    description = unbroken(TEXT_MAX, 5)
    reason = unbroken(TEXT_MAX, 6)
    casework.bottleneck_create(
        location=world.foreign,
        actor=world.case_manager,
        category="grid_congestion",
        description=description,
    )
    casework.location_transition(
        location=world.foreign,
        transition="withdraw",
        actor=world.ministry,
        reason=reason,
    )
    context, _data = builders.dossier_context(world.foreign, Audience.INTERNAL)
    _assert_renders("documents/location_dossier.html", context, [description, reason])


def test_the_designation_decision_with_every_text_at_its_maximum(world):
    """The facts of a designation decision (its reasons, legal basis and national
    interest) and the views and response at their maximum, as one unbroken word each:
    the facts table and the views table wrap them on the page."""
    from casework.models import ConsultationOutcome, Designation, Escalation

    reason, legal_basis, national_interest, summary, response = (
        unbroken(TEXT_MAX, seed) for seed in range(10, 15)
    )
    bring_to(
        world.own,
        Stage.BOTTLENECK_ANALYSIS,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    casework.location_transition(
        location=world.own, transition="escalate", actor=world.ministry, reason=reason
    )
    casework.escalation_record_consultation(
        location=world.own,
        actor=world.case_manager,
        held_on=timezone.localdate(),
        participants="Minister, gedeputeerde, wethouder.",
        outcome=ConsultationOutcome.DEADLOCK_REMAINS,
    )
    casework.location_transition(
        location=world.own,
        transition="start_designation",
        actor=world.ministry,
        reason="Impasse blijft.",
        instrument="instruction",
        legal_basis=legal_basis,
        national_interest=national_interest,
    )
    open_consultation(world.own, world.ministry)
    casework.designation_record_view(
        location=world.own,
        actor=world.case_manager,
        submitted_by="Provincie Utrecht",
        sender_address="Postbus 1, 1000 AA Plaats",
        received_on=timezone.localdate(),
        summary=summary,
    )
    designation = Designation.objects.get(location=world.own)
    context, _data = builders.designation_decision_context(
        designation, final=True, response=response
    )
    _assert_renders(
        "documents/designation_decision.html",
        context,
        [reason, legal_basis, national_interest, summary, response],
    )
    context, _data = builders.evidence_dossier_context(
        Escalation.objects.get(location=world.own)
    )
    _assert_renders("documents/evidence_dossier.html", context, [reason])
