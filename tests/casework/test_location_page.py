"""The location page: the state machine drawn with the current stage and the path
taken, its text alternative, the timeline of everything that happened (with reasons,
in Dutch dates), and the commitments each party still owes."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from casework import services
from casework.constants import Stage, TransitionName
from casework.diagram import StageStep, stage_marks, stage_path, state_diagram
from casework.models import AgreementKind, ConsultationOutcome

from ..scenarios import (
    approve_by_every_party,
    bring_to,
    overdue_logged,
    record_consultation,
    submit_agreement,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def dutch():
    """Drawings made outside a request speak the default language, whatever an earlier
    request of the test process activated."""
    with translation.override("nl"):
        yield


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def page(client, user, location) -> str:
    client.force_login(user)
    response = client.get(reverse("locations:detail", args=[location.pk]))
    assert response.status_code == 200
    return response.content.decode()


def diagram_of(content: str) -> ET.Element:
    """The state diagram on the page, parsed as XML."""
    match = re.search(r'<svg[^>]*class="dk-chart dk-diagram".*?</svg>', content, re.S)
    assert match, "no state diagram on the page"
    return ET.fromstring(match.group(0))


def stage_states(svg: ET.Element) -> dict[str, str]:
    return {
        group.get("data-stage"): group.get("data-state")
        for group in svg.iter(f"{SVG}g")
        if group.get("data-stage")
    }


def edge_states(svg: ET.Element) -> dict[tuple[str, str], str]:
    return {
        (line.get("data-from"), line.get("data-to")): line.get("data-state")
        for line in svg.iter(f"{SVG}polyline")
    }


def escalate_and_resume(world) -> None:
    """Own location: proposed → selected → analysis → escalated → negotiation."""
    bring_to(
        world.own,
        Stage.ESCALATED,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    record_consultation(world.own, world.case_manager, ConsultationOutcome.BREAKTHROUGH)
    services.location_transition(
        location=world.own,
        transition=TransitionName.RESUME_NEGOTIATION,
        actor=world.ministry,
        reason="Het overleg bracht de doorbraak: partijen gaan verder.",
    )


def test_the_diagram_marks_the_current_stage_and_the_path_taken(world, client):
    escalate_and_resume(world)
    svg = diagram_of(page(client, world.a_member, world.own))

    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title.text == "Toestandsdiagram van de locatie"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Huidige fase: Onderhandeling." in desc.text
    assert (
        "Doorlopen pad: Voorgedragen → Geselecteerd → Knelpuntenanalyse → "
        "Geëscaleerd → Onderhandeling." in desc.text
    )

    assert stage_states(svg) == {
        "proposed": "visited",
        "selected": "visited",
        "bottleneck_analysis": "visited",
        "escalated": "visited",
        "negotiation": "current",
        "heads_of_agreement": "not_visited",
        "administrative_agreement": "not_visited",
        "designation_procedure": "not_visited",
        "designated": "not_visited",
        "withdrawn": "not_visited",
    }
    edges = edge_states(svg)
    taken = {edge for edge, state in edges.items() if state == "taken"}
    assert taken == {
        ("proposed", "selected"),
        ("selected", "bottleneck_analysis"),
        ("bottleneck_analysis", "escalated"),
        ("escalated", "negotiation"),
    }
    # Every transition of the machine but withdrawal (said in words) is an arrow.
    # 13 since escalation after the administrative agreement (issue 15, item 5).
    assert len(edges) == 13
    assert edges[("bottleneck_analysis", "negotiation")] == "open"
    assert edges[("designation_procedure", "negotiation")] == "open"


def test_the_current_stage_is_marked_by_more_than_colour(world, client):
    escalate_and_resume(world)
    svg = diagram_of(page(client, world.a_member, world.own))
    groups = {
        g.get("data-stage"): g for g in svg.iter(f"{SVG}g") if g.get("data-stage")
    }

    current = groups["negotiation"]
    rect = current.find(f"{SVG}rect")
    texts = [t.text for t in current.iter(f"{SVG}text")]
    assert rect.get("stroke-width") == "4"
    assert {t.get("font-weight") for t in current.iter(f"{SVG}text")} == {"bold"}
    assert texts == ["Onderhandeling", "huidige fase"]

    visited = [t.text for t in groups["escalated"].iter(f"{SVG}text")]
    assert visited == ["Geëscaleerd", "✓ doorlopen"]
    untouched = groups["designated"]
    assert [t.text for t in untouched.iter(f"{SVG}text")] == ["Aangewezen"]
    assert untouched.find(f"{SVG}rect").get("stroke-dasharray")


def test_the_text_alternative_lists_every_stage_with_its_mark(world, client):
    escalate_and_resume(world)
    content = page(client, world.a_member, world.own)

    marks = re.findall(
        r'<li class="dk-stage-mark[^"]*" data-stage="(\w+)"[^>]*>(.*?)</li>', content
    )
    text = {stage: re.sub(r"<[^>]+>", "", body) for stage, body in marks}
    assert list(text) == [
        "proposed",
        "selected",
        "bottleneck_analysis",
        "negotiation",
        "heads_of_agreement",
        "administrative_agreement",
        "escalated",
        "designation_procedure",
        "designated",
        "withdrawn",
    ]
    assert text["negotiation"] == "Onderhandeling — huidige fase"
    assert text["escalated"] == "Geëscaleerd — doorlopen"
    assert text["heads_of_agreement"] == "Hoofdlijnenakkoord — niet doorlopen"
    assert 'data-stage="negotiation" aria-current="step"' in content
    assert content.count('aria-current="step"') == 1
    walked = re.search(r'<p class="dk-walked">(.*?)</p>', content, re.S).group(1)
    walked = " ".join(re.sub(r"<[^>]+>", "", walked).split())
    assert walked.startswith(
        "Doorlopen pad (oudste eerst): Voorgedragen → Geselecteerd"
    )
    assert "→ Geëscaleerd" in walked and walked.count("→") == 4


def test_a_location_without_transitions_is_drawn_at_its_stage():
    """Bulk-loaded locations have a stage but no transitions in their trail yet."""
    path = stage_path(Stage.NEGOTIATION, [])
    svg = ET.fromstring(str(state_diagram(path)))
    assert stage_states(svg)["negotiation"] == "current"
    assert set(stage_states(svg).values()) == {"current", "not_visited"}
    assert "taken" not in edge_states(svg).values()
    assert [m.mark for m in stage_marks(path) if m.value == "negotiation"] == [
        "huidige fase"
    ]


def test_a_path_back_and_forth_marks_each_edge_it_took():
    path = stage_path(
        Stage.DESIGNATED,
        [
            StageStep("proposed", "selected"),
            StageStep("selected", "bottleneck_analysis"),
            StageStep("bottleneck_analysis", "negotiation"),
            StageStep("negotiation", "escalated"),
            StageStep("escalated", "designation_procedure"),
            StageStep("designation_procedure", "negotiation"),
            StageStep("negotiation", "heads_of_agreement"),
            StageStep("heads_of_agreement", "escalated"),
            StageStep("escalated", "designation_procedure"),
            StageStep("designation_procedure", "designated"),
            StageStep("negotiation", "no_such_stage"),  # not a stage: left out
        ],
    )
    svg = ET.fromstring(str(state_diagram(path)))
    edges = edge_states(svg)
    assert edges[("designation_procedure", "negotiation")] == "taken"
    assert edges[("heads_of_agreement", "escalated")] == "taken"
    assert edges[("escalated", "negotiation")] == "open"
    assert stage_states(svg)["administrative_agreement"] == "not_visited"
    assert stage_states(svg)["designated"] == "current"


def test_a_withdrawn_location_is_marked_and_its_path_said_in_words():
    path = stage_path(
        Stage.WITHDRAWN,
        [
            StageStep("proposed", "selected"),
            StageStep("selected", "withdrawn"),
        ],
    )
    svg = ET.fromstring(str(state_diagram(path)))
    assert stage_states(svg)["withdrawn"] == "current"
    assert stage_states(svg)["selected"] == "visited"
    # Withdrawal has no arrow of its own; the description says the path.
    assert svg.find(f"{SVG}desc").text.startswith(
        "Huidige fase: Afgevoerd. Doorlopen pad: Voorgedragen → Geselecteerd → "
        "Afgevoerd."
    )


def test_the_drawing_renders_in_a_pdf_as_well():
    """The PDF dossier can reuse the drawing: WeasyPrint draws it, text and all."""
    import io

    import pypdf
    import weasyprint

    path = stage_path(Stage.NEGOTIATION, [StageStep("proposed", "selected")])
    html = f"<html lang='nl'><body>{state_diagram(path)}</body></html>"
    pdf = weasyprint.HTML(string=html, base_url="about:blank").write_pdf()
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Onderhandeling\nhuidige fase" in text
    assert "Geselecteerd\n✓ doorlopen" in text
    assert "Aanwijzingsprocedure" in text


# --- The timeline -----------------------------------------------------------------------


def entry_at(fragment: str, items) -> str:
    (text,) = [text for _kind, text in items if fragment in text]
    return text


def timeline_items(content: str) -> list[tuple[str, str]]:
    """(kind, text) of each timeline entry, in page order."""
    section = re.search(r'<ol class="dk-timeline">(.*?)</ol>', content, re.S).group(1)
    items = re.findall(r'data-kind="(\w+)">(.*?)</li>', section, re.S)
    return [
        (kind, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for kind, body in items
    ]


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_timeline_tells_what_happened_newest_first_with_reasons(
    world, client, media_in_tmp
):
    from documents.services import agreement_document

    with time_machine.travel(datetime.datetime(2027, 3, 2, 10, 0, tzinfo=AMSTERDAM)):
        bring_to(
            world.own,
            Stage.NEGOTIATION,
            case_manager=world.case_manager,
            ministry=world.ministry,
        )
    with time_machine.travel(datetime.datetime(2027, 4, 7, 9, 30, tzinfo=AMSTERDAM)):
        rejected = submit_agreement(
            world.own, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
        )
        services.approval_record(
            version=rejected,
            organisation=world.org_a,
            actor=world.a_signatory,
            decision="approve",
        )
        services.approval_record(
            version=rejected,
            organisation=world.org_b,
            actor=world.b_signatory,
            decision="reject",
            comment="Te weinig sociale huur in het programma.",
        )
    with time_machine.travel(datetime.datetime(2027, 5, 12, 14, 5, tzinfo=AMSTERDAM)):
        overdue_logged(
            location=world.own,
            kind="action",
            reference="action:999",
            organisation=world.org_b,
            description="Grondbod uitbrengen",
            due_on=datetime.date(2027, 5, 11),
        )
    with time_machine.travel(datetime.datetime(2027, 6, 3, 11, 0, tzinfo=AMSTERDAM)):
        version = submit_agreement(
            world.own, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
        )
        approve_by_every_party(version, world.own)
        version.refresh_from_db()
        document = agreement_document(version=version)

    content = page(client, world.b_member, world.own)
    items = timeline_items(content)
    kinds = [kind for kind, _text in items]
    texts = [text for _kind, text in items]

    assert "Tijdlijn" in content and "(nieuwste bovenaan)" in content
    # Newest first: the frozen PDF and the conclusion, ..., the selection at the end.
    assert texts[0].startswith("3 juni 2027, 11:00 Document")
    assert f"SHA-256 van het bestand: {document.sha256}" in texts[0]
    # Oldest: the parties joined when the world was made, then the 2 March steps.
    assert kinds[-1] == "location" and "neemt deel als partij" in texts[-1]
    assert entry_at("Geselecteerd als doorbraaklocatie", items).startswith(
        "2 maart 2027, 10:00"
    )
    dates = [
        datetime.datetime.fromisoformat(re.search(r'datetime="([^"]+)"', body).group(1))
        for body in re.findall(
            r'data-kind="\w+">(.*?)</li>',
            re.search(r'<ol class="dk-timeline">(.*?)</ol>', content, re.S).group(1),
            re.S,
        )
    ]
    assert dates == sorted(dates, reverse=True)

    def entry(fragment: str) -> tuple[str, str]:
        found = [(kind, text) for kind, text in items if fragment in text]
        assert len(found) == 1, (fragment, found)
        return found[0]

    assert entry("Hoofdlijnenakkoord vastgesteld Van ‘Onderhandeling’")[0] == "stage"
    assert entry("Onderhandeling gestart")[0] == "stage"
    assert "Reden: Testpad naar negotiation." in entry("Onderhandeling gestart")[1]
    kind, text = entry("Ontwikkelaar B wees Hoofdlijnenakkoord, versie 1 af")
    assert kind == "rejection"
    assert "Reden: Te weinig sociale huur in het programma." in text
    assert f"Door {world.b_signatory.get_full_name()}" in text
    assert entry("Gemeente A keurde Hoofdlijnenakkoord, versie 1 goed")[0] == "approval"
    kind, text = entry("Hoofdlijnenakkoord, versie 1 afgewezen")
    assert (kind, "Door het systeem" in text) == ("rejection", True)
    kind, text = entry("Termijn van 11 mei 2027 verstreken")
    assert kind == "deadline"
    assert text.startswith("12 mei 2027, 14:05")
    assert "Wacht op Ontwikkelaar B." in text
    assert "Reden: Grondbod uitbrengen" in text
    kind, text = entry("Hoofdlijnenakkoord, versie 2 vastgesteld en bevroren")
    assert kind == "document" and version.sha256 in text
    assert entry("Geselecteerd als doorbraaklocatie")[0] == "stage"


def test_the_timeline_shows_escalation_and_consultation(world, client):
    escalate_and_resume(world)
    items = timeline_items(page(client, world.a_member, world.own))
    by_kind = {}
    for kind, text in items:
        by_kind.setdefault(kind, []).append(text)
    (escalation,) = by_kind["escalation"]
    assert "Geëscaleerd naar bestuurlijk overleg" in escalation
    assert "Van ‘Knelpuntenanalyse’ naar ‘Geëscaleerd’." in escalation
    assert "Reden: Testpad naar escalated." in escalation
    (consultation,) = by_kind["consultation"]
    assert "Bestuurlijk overleg van" in consultation and ": Doorbraak" in consultation
    assert "Deelnemers: Minister, gedeputeerde, wethouder." in consultation
    resumed = [text for text in by_kind["stage"] if "Onderhandeling hervat" in text]
    assert len(resumed) == 1
    assert "Reden: Het overleg bracht de doorbraak: partijen gaan verder." in resumed[0]


def test_the_timeline_is_limited_and_says_so(world, client, monkeypatch):
    from casework import timeline

    monkeypatch.setattr(timeline, "DEFAULT_LIMIT", 3)
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    content = page(client, world.a_member, world.own)
    assert len(timeline_items(content)) == 3
    assert "Alleen de laatste 3 gebeurtenissen staan hier" in content


# --- Who holds the ball: commitments per party --------------------------------------------


def test_open_commitments_are_shown_per_party_with_due_dates(world, client):
    bring_to(
        world.own,
        Stage.HEADS_OF_AGREEMENT,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = world.own.agreements.get().versions.get()
    done = version.commitments.get(owner=world.party_b)
    done.status = "done"
    done.save(update_fields=["status"])

    content = page(client, world.b_member, world.own)
    section = re.search(
        r'<section aria-labelledby="afspraken-titel".*?</section>', content, re.S
    ).group(0)
    assert "Openstaande afspraken per partij" in section
    assert "<caption>Gemeente A" in section
    assert "Gemeente A levert haar bijdrage." in section
    assert "30 juni 2026" in section
    assert f"Hoofdlijnenakkoord {world.own.name}, versie 1" in section
    # Met commitments are not open any more.
    assert "Ontwikkelaar B levert haar bijdrage." not in section


def test_overdue_commitments_say_so_in_words(world, client):
    bring_to(
        world.own,
        Stage.HEADS_OF_AGREEMENT,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    with time_machine.travel(datetime.datetime(2026, 7, 15, 12, 0, tzinfo=AMSTERDAM)):
        content = page(client, world.a_member, world.own)
    section = re.search(
        r'<section aria-labelledby="afspraken-titel".*?</section>', content, re.S
    ).group(0)
    assert section.count("termijn verstreken") == 2
    assert "1 afspraak te laat" in section


def test_the_page_of_an_invisible_location_is_a_404(world, client):
    client.force_login(world.c_member)
    response = client.get(reverse("locations:detail", args=[world.own.pk]))
    assert response.status_code == 404
