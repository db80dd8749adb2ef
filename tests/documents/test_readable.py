"""Documents people and screen readers can read (issue 12, items 7-9).

Every kind of document is rendered once for this module from one world with the names
and labels that broke before ("Over/eenk/omst", "Provinc/ie", "onbek/end",
"Beslui/t"), then read back as a PDF reader does: no word of the vocabulary broken
across lines in any table, a tagged PDF (structure tree with headings, tables with
header cells, figures with alternative text, the document language), the PDF/A level
the README names; the dossier shows what the location page shows, the report what the
dashboard shows.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import services as casework
from casework.audience import Audience
from casework.constants import (
    ActionStatus,
    BottleneckCategory,
    BottleneckStatus,
    PartyRole,
    Stage,
)
from casework.models import (
    AgreementKind,
    Commitment,
    CommitmentStatus,
    Decision,
    Designation,
    Escalation,
    Instrument,
    Location,
    VersionStatus,
)
from documents import builders
from documents.rendering import render_pdf
from permissions.constants import MembershipRole, OrganisationKind

from ..conftest import forget_world_caches, new_world
from ..factories import OrganisationFactory, PartyFactory, person_of
from ..scenarios import (
    approve_by_every_party,
    bring_to,
    open_consultation,
    signatory_for,
)
from .pdf import (
    body_lines,
    broken_words,
    compact,
    compact_text_of,
    json_attachment,
    pdfa_identification,
    reader,
    shown_text_of,
    structure_elements,
)

# Real names of the kind the demo has: long words in narrow columns.
EXTRA_PARTIES = [
    (
        "ministerie-vro",
        "Ministerie van Volkshuisvesting en Ruimtelijke Ordening",
        OrganisationKind.MINISTRY,
        PartyRole.COMMISSIONER,
    ),
    (
        "provincie-noord-holland",
        "Provincie Noord-Holland",
        OrganisationKind.PROVINCE,
        PartyRole.PROVINCE,
    ),
    (
        "woningcorporatie-haarlemmermeer-demo",
        "Woningcorporatie Haarlemmermeer (demo)",
        OrganisationKind.HOUSING_CORPORATION,
        PartyRole.HOUSING_CORPORATION,
    ),
]


def _add_parties(location: Location, organisations) -> None:
    for organisation, role in organisations:
        PartyFactory(location=location, organisation=organisation, role=role)


def _build(world):
    """The world's own location in heads of agreement with an administrative agreement
    in its approval round, bottlenecks of every category, an action, open, overdue
    and met commitments; the foreign location in its designation procedure."""
    from workflows import services as workflows

    organisations = [
        (
            OrganisationFactory(slug=slug, name=name, kind=kind),
            role,
        )
        for slug, name, kind, role in EXTRA_PARTIES
    ]
    for organisation, _role in organisations:
        person_of(organisation, MembershipRole.SIGNATORY, username=organisation.slug)
    Location.objects.filter(pk=world.own.pk).update(
        name="Doorbraaklocatie Haarlemmermeer",
        municipality="Haarlemmermeer",
        province="Noord-Holland",
        planned_homes=None,
    )
    world.own.refresh_from_db()
    _add_parties(world.own, organisations)
    _add_parties(world.foreign, organisations[:2])

    own = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    for category in BottleneckCategory:
        casework.bottleneck_create(
            location=own,
            actor=world.case_manager,
            category=category,
            description=f"Knelpunt {category.label}: onderzoek loopt.",
        )
    parties = list(own.parties.select_related("organisation"))
    heads = casework.agreement_draft(
        location=own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Hoofdlijnenakkoord Doorbraaklocatie Haarlemmermeer",
        text="Partijen spreken af de woningbouw te versnellen.",
        commitments=[
            {
                "party": party.organisation_id,
                "description": f"Afspraak {n} van {party.organisation.name}.",
                # The first ones are past their date: overdue.
                "due_date": timezone.localdate() + datetime.timedelta(days=60 * n - 90),
            }
            for n, party in enumerate(parties * 2)
        ],
    )
    heads = casework.agreement_submit(version=heads, actor=world.case_manager)
    approve_by_every_party(heads, own)
    own.refresh_from_db()
    assert own.stage == Stage.HEADS_OF_AGREEMENT
    # One commitment met, one waived: no longer open (the first two stay overdue).
    met = heads.commitments.order_by("pk")[4:6]
    Commitment.objects.filter(pk=met[0].pk).update(status=CommitmentStatus.DONE)
    Commitment.objects.filter(pk=met[1].pk).update(status=CommitmentStatus.WAIVED)

    administrative = casework.agreement_draft(
        location=own,
        actor=world.case_manager,
        kind=AgreementKind.ADMINISTRATIVE_AGREEMENT,
        title="Bestuurlijke overeenkomst Doorbraaklocatie Haarlemmermeer",
        text="Partijen sluiten de bestuurlijke overeenkomst.",
        commitments=[
            {
                "party": world.org_a.pk,
                "description": "Omgevingsplan aanpassen voor de eerste fase.",
                "due_date": timezone.localdate() + datetime.timedelta(days=200),
            }
        ],
    )
    administrative = casework.agreement_submit(
        version=administrative, actor=world.case_manager
    )
    casework.approval_record(
        version=administrative,
        organisation=world.org_a,
        actor=signatory_for(world.org_a),
        decision=Decision.APPROVE,
    )
    bottleneck = own.bottlenecks.get(category=BottleneckCategory.GRID_CONGESTION)
    workflows.action_start(
        bottleneck=bottleneck,
        actor=world.case_manager,
        assignee=own.parties.get(organisation=organisations[2][0]),
        description="Netbeheerder en corporatie maken een aansluitplan.",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )

    foreign = bring_to(
        world.foreign,
        Stage.DESIGNATION_PROCEDURE,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    open_consultation(foreign, world.ministry)
    casework.designation_record_view(
        location=foreign,
        actor=world.case_manager,
        submitted_by="Provincie Noord-Holland",
        sender_address="Postbus 1, 1000 AA Plaats",
        received_on=timezone.localdate(),
        summary="Instemming; de provincie vraagt aandacht voor de planologische procedure.",
    )
    return own, foreign, heads


def _render_all(world, own, foreign, heads) -> dict[str, bytes]:
    """Each kind of document through its builder, template and the pipeline."""
    escalation = Escalation.objects.get(location=foreign)
    designation = Designation.objects.get(location=foreign)
    contexts = {
        "agreement": ("agreement.html", builders.agreement_context(heads)),
        "dossier": (
            "location_dossier.html",
            builders.dossier_context(own, Audience.INTERNAL),
        ),
        "report": (
            "progress_report.html",
            builders.progress_context(Location.objects.all()),
        ),
        "evidence": (
            "evidence_dossier.html",
            builders.evidence_dossier_context(escalation),
        ),
        "draft_designation": (
            "designation_decision.html",
            builders.designation_decision_context(designation, final=False),
        ),
        "final_designation": (
            "designation_decision.html",
            builders.designation_decision_context(
                designation, final=True, response="De zienswijze is meegewogen."
            ),
        ),
    }
    rendered = {}
    for name, (template, (context, data)) in contexts.items():
        pdf = render_pdf(
            f"documents/{template}",
            context,
            attachments=[builders_attachment(data)],
        )
        rendered[name] = pdf.content
        rendered[f"{name}.html"] = pdf.html
    return rendered


def builders_attachment(data):
    from documents.rendering import JSONAttachment

    return JSONAttachment(name="gegevens.json", data=data)


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """Built and rendered once for this module, in a transaction rolled back at its
    end; each test runs in its own savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = new_world()
        own, foreign, heads = _build(world)
        documents = _render_all(world, own, foreign, heads)
        yield world, own, documents
        transaction.set_rollback(True)


@pytest.fixture
def world(shared, db):
    forget_world_caches(shared[0])
    return shared[0]


@pytest.fixture
def documents(shared, db):
    return shared[2]


PDF_KINDS = [
    "agreement",
    "dossier",
    "report",
    "evidence",
    "draft_designation",
    "final_designation",
]


def _vocabulary(html: str) -> set[str]:
    """The words a reader must see whole: every label of the product's choices (stages,
    roles, categories, statuses, decisions, instruments, kinds), every organisation,
    location, municipality and province name, and every header cell of the
    document's tables. Words of four letters or more."""
    from permissions.models import Organisation

    labels = [
        str(label)
        for choices in (
            Stage,
            PartyRole,
            BottleneckCategory,
            BottleneckStatus,
            ActionStatus,
            VersionStatus,
            CommitmentStatus,
            Decision,
            Instrument,
            AgreementKind,
        )
        for label in choices.labels
    ]
    labels += list(Organisation.objects.values_list("name", flat=True))
    for name, municipality, province in Location.objects.values_list(
        "name", "municipality", "province"
    ):
        labels += [name, municipality, province]
    labels += ["onbekend", "Besluit", "Overeenkomst", "Provincie", "Procesregisseur"]
    labels += [
        re.sub(r"<[^>]+>", " ", cell)
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", html)
    ]
    return {
        word
        for label in labels
        for word in re.findall(r"[^\W\d_]+", label)
        if len(word) >= 4
    }


@pytest.mark.parametrize("kind", PDF_KINDS)
def test_no_word_is_broken_across_lines(documents, kind):
    pdf, html = documents[kind], documents[f"{kind}.html"]
    vocabulary = _vocabulary(html)
    shown = shown_text_of(html)
    # The check is about something: the document shows many of these words.
    assert sum(compact(word) in shown for word in vocabulary) >= 15
    broken = broken_words(pdf, html, vocabulary)
    if broken:  # show where, for whoever has to fix a column width
        for page in body_lines(pdf):
            for line in page:
                if any(word[:5] in "".join(line) for word in broken):
                    print(" | ".join(line))
    assert broken == []


@pytest.mark.parametrize("kind", PDF_KINDS)
def test_every_document_is_a_tagged_pdf_a_3a_in_dutch(documents, kind):
    pdf = documents[kind]
    catalog = reader(pdf).trailer["/Root"]
    assert catalog["/Lang"] == "nl"
    assert catalog["/MarkInfo"]["/Marked"] is True or catalog["/MarkInfo"][
        "/Marked"
    ] in ("true", True)
    elements = structure_elements(pdf)
    tags = Counter(str(element["/S"]) for element in elements)
    assert tags["/Document"] == 1
    assert tags["/H1"] == 1 and tags["/H2"] >= 2, tags
    assert tags["/Table"] >= 1 and tags["/TH"] >= 2 and tags["/TD"] >= 2, tags
    # Every data cell names its header cells (the table's header row or row header).
    ids = {str(element["/ID"]) for element in elements if "/ID" in element}
    for cell in (element for element in elements if element["/S"] == "/TD"):
        headers = [str(header) for header in cell["/A"].get("/Headers", [])]
        assert headers and set(headers) <= ids, cell
    # Archival and accessible: the level the README names.
    assert pdfa_identification(pdf) == ("3", "A")


def test_the_report_charts_are_figures_with_alternative_text(documents):
    figures = [
        element
        for element in structure_elements(documents["report"])
        if element["/S"] == "/Figure"
    ]
    alternatives = [str(figure.get("/Alt", "")) for figure in figures]
    for title in (
        "Woningen in versnelde planvorming",
        "Doorbraken per jaar",
        "Locaties per fase",
        "Knelpunten per locatie en categorie",
    ):
        assert title in alternatives, alternatives


def _section(text: str, start: str, end: str) -> str:
    """The compact text between two headings."""
    text = compact(text)
    head = text.index(compact(start))
    return text[head : text.index(compact(end), head)]


def test_the_dossier_lists_the_open_commitments_of_the_location_page(world, documents):
    """Same world, both read: the commitments the page's panel lists are the ones the
    dossier lists, and the met and waived ones are in neither."""
    own = Location.objects.get(pk=world.own.pk)
    client = Client()
    client.force_login(world.a_member)
    page = client.get(reverse("locations:detail", args=[own.pk])).content.decode()
    panel = page[
        page.index('id="afspraken"') : page.index(
            "</section>", page.index('id="afspraken"')
        )
    ]
    on_page = re.findall(r"<tr[^>]*>\s*<td>(.*?)</td>", panel, flags=re.S)
    open_ones = list(
        Commitment.objects.filter(
            version__agreement__location=own,
            version__status=VersionStatus.CONCLUDED,
            status__in=[CommitmentStatus.OPEN, CommitmentStatus.OVERDUE],
        ).values_list("description", flat=True)
    )
    assert sorted(on_page) == sorted(open_ones) and len(open_ones) == 8

    dossier = compact_text_of(documents["dossier"])
    listed = _section(
        dossier, "Openstaande afspraken per partij", "Knelpunten (doorbraak-agenda)"
    )
    for description in on_page:
        assert compact(description) in listed, description
    assert len(re.findall(r"Afspraak\d+van", listed)) == len(on_page)
    for description in Commitment.objects.filter(
        status__in=[CommitmentStatus.DONE, CommitmentStatus.WAIVED]
    ).values_list("description", flat=True):
        assert compact(description) not in listed
    assert compact("Niets openstaand") not in dossier
    assert compact("termijn verstreken") in listed  # the overdue ones say so
    data = json_attachment_of(documents, "dossier")
    assert len(data["open_commitments"]) == 8


def json_attachment_of(documents, kind):
    return json_attachment(documents[kind], "gegevens.json")


def test_the_dossier_says_who_holds_the_ball_as_the_page_does(world, documents):
    own = Location.objects.get(pk=world.own.pk)
    client = Client()
    client.force_login(world.case_manager)
    page = client.get(reverse("locations:detail", args=[own.pk])).content.decode()
    waiting = re.search(r"Aan zet: <strong>(.*?)</strong>", page).group(1)
    dossier = compact_text_of(documents["dossier"])
    work = _section(dossier, "Wie is aan zet", "Openstaande afspraken per partij")
    assert compact(f"Aan zet: {waiting}".replace("&#x27;", "'")) in work
    # The open round (everyone but Gemeente A still to decide) and the open action.
    assert compact("Bestuurlijke overeenkomst Doorbraaklocatie Haarlemmermeer") in work
    assert work.count(compact("Nog te besluiten")) == 4
    assert compact("Netbeheerder en corporatie maken een aansluitplan.") in work
    # The breakthrough agenda: every bottleneck, as on the page.
    agenda = _section(dossier, "Knelpunten (doorbraak-agenda)", "Overeenkomsten")
    for bottleneck in own.bottlenecks.all():
        assert compact(bottleneck.description) in agenda


def test_the_report_shows_the_dashboards_heatmap_and_labelled_charts(world, documents):
    report = documents["report"]
    text = compact_text_of(report)
    heatmap = _section(text, "Knelpunten per locatie en categorie", "Alle locaties")
    # The own location's row: one open bottleneck of every category (the nitrogen
    # one of the negotiation step counts twice).
    own_row = "Doorbraaklocatie Haarlemmermeer"
    assert compact(own_row) in heatmap
    for category in BottleneckCategory:
        assert compact(f"{category.label}:") in heatmap, category
    assert compact("Stikstof: 2") in heatmap
    data = json_attachment_of(documents, "report")
    cells = {
        (cell["location"], cell["category"]): cell["count"]
        for cell in data["bottleneck_heatmap"]
    }
    assert cells[(world.own.pk, "nitrogen")] == 2
    assert sum(cells.values()) == sum(data["bottlenecks_by_category"].values())
    # The same figures as the dashboard's API, incl. the heatmap.
    from ..conftest import token_client

    api = token_client(world.ministry).get("/api/v1/dashboard/").json()
    assert {
        (cell["location"], cell["category"], cell["count"])
        for cell in api["bottleneck_heatmap"]
    } == {
        (c["location"], c["category"], c["count"]) for c in data["bottleneck_heatmap"]
    }
    assert api["open_impasses"] == data["open_impasses"]
    assert api["breakthroughs_by_year"] == data["breakthroughs_by_year"]
    # The breakthroughs chart: a legend, the year, the count and the target.
    html = documents["report.html"]
    chart = html[html.index("Doorbraken per jaar tegen het doel") :]
    chart = chart[: chart.index("</svg>")]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert "doorbraken" in labels and "doel" in labels, labels
    years = set(data["breakthroughs_by_year"]) | set(data["breakthrough_targets"])
    assert years
    for year in years:
        assert year in labels
        assert str(data["breakthroughs_by_year"].get(year, 0)) in labels
        if year in data["breakthrough_targets"]:
            assert str(data["breakthrough_targets"][year]) in labels
    assert compact("Doorbraken per jaar tegen het doel") in text


def test_body_lines_read_a_table_row_as_one_line(documents):
    """The helper the checks above rely on: a table row's cells share a line."""
    lines = [
        " ".join(line) for page in body_lines(documents["agreement"]) for line in page
    ]
    assert any("Organisatie" in line and "Ondertekenaar" in line for line in lines)
