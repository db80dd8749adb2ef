"""Benchmark of the document pipeline (issue: documents with weasyprint).

Renders a 5-party agreement PDF and the progress report for 24 and for 2,000 locations,
and prints the median milliseconds per document next to plain WeasyPrint rendering the
same HTML in the same run (default fetcher, same stylesheet and fonts from disk, same
PDF/A variant, tagging and attachment): the ratio is what our pipeline (context
building, templates, locked-down fetcher, storage-free rendering) costs on top.

Then the render time at the limits of `casework.limits` (issue 12, item 7): an
agreement with every free text at its maximum (the body as prose with a
2,500-character word in it, the title and two commitments as one unbroken word each),
and how the time grows with unbroken text: a commitment and the agreement's body as
one unbroken word at 1x, 2x and 4x a length (the ratios should stay near 2 and 4).

Run: .venv/bin/python -m bench.documents [--runs 7] [--no-reports]
"""

from __future__ import annotations

import argparse
import datetime

from bench.setup import django_ready, machine, median_ms


def build_portfolio(count: int, programme, ministry_org, case_manager):
    from casework.models import Location, Party

    existing = Location.objects.filter(programme=programme).count()
    Location.objects.bulk_create(
        [
            Location(
                programme=programme,
                name=f"Locatie {i:04d}",
                slug=f"locatie-{i:04d}",
                municipality=f"Gemeente {i % 300}",
                province="Utrecht",
                planned_homes=2500 + i if i % 3 else None,
            )
            for i in range(existing, count)
        ]
    )
    Party.objects.bulk_create(
        [
            Party(location=location, organisation=ministry_org, role="commissioner")
            for location in Location.objects.filter(programme=programme).exclude(
                parties__organisation=ministry_org
            )
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-reports",
        action="store_true",
        help="skip the progress reports (the 2,000-location one takes minutes)",
    )
    args = parser.parse_args()
    django_ready()

    from django.contrib.auth import get_user_model
    from weasyprint import HTML, Attachment

    from casework import services as casework
    from casework.models import AgreementKind, Location, Programme
    from casework.roles import ensure_roles
    from documents import builders
    from documents.fetcher import STATIC_BASE_URL
    from documents.rendering import (
        PDF_VARIANT,
        JSONAttachment,
        html_to_pdf,
        render_html,
    )
    from permissions.constants import MembershipRole, OrganisationKind, Role
    from permissions.services import (
        membership_set,
        organisation_get_or_create,
        role_grant,
    )

    ensure_roles()
    User = get_user_model()
    case_manager = User.objects.create(username="regisseur")
    role_grant(user=case_manager, role=Role.CASE_MANAGER)
    programme = Programme.objects.create(name="Bench", slug="bench")
    organisations = [
        organisation_get_or_create(slug=f"org-{i}", name=f"Organisatie {i}", kind=kind)
        for i, kind in enumerate(
            [
                OrganisationKind.MINISTRY,
                OrganisationKind.PROVINCE,
                OrganisationKind.MUNICIPALITY,
                OrganisationKind.DEVELOPER,
                OrganisationKind.HOUSING_CORPORATION,
            ]
        )
    ]
    location = casework.location_create(
        programme=programme,
        name="Agreement location",
        municipality="Utrecht",
        province="Utrecht",
    )
    signatories = []
    for organisation in organisations:
        casework.party_add(location=location, organisation=organisation, role="advisor")
        signatory = User.objects.create(username=f"teken-{organisation.slug}")
        membership_set(
            user=signatory, organisation=organisation, role=MembershipRole.SIGNATORY
        )
        signatories.append((organisation, signatory))
    # Put it in negotiation through the services, then conclude a 5-party agreement.
    from casework.models import Location as L

    L.objects.filter(pk=location.pk).update(stage="negotiation")
    location.refresh_from_db()
    version = casework.agreement_draft(
        location=location,
        actor=case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Hoofdlijnenakkoord benchmark",
        text="Partijen spreken af de woningbouw te versnellen. " * 20,
        commitments=[
            {
                "party": organisation.pk,
                "description": f"Bijdrage {n} van {organisation.name}",
                "due_date": datetime.date(2027, 1, 1) + datetime.timedelta(days=n),
            }
            for n, (organisation, _) in enumerate(signatories * 3)
        ],
    )
    version = casework.agreement_submit(version=version, actor=case_manager)
    for organisation, signatory in signatories:
        casework.approval_record(
            version=version,
            organisation=organisation,
            actor=signatory,
            decision="approve",
        )
    version.refresh_from_db()

    static_dir = (
        __import__("pathlib").Path(__file__).resolve().parent.parent
        / "documents"
        / "static"
    ).as_uri() + "/"

    def ours_agreement():
        context, data = builders.agreement_context(version)
        html = render_html("documents/agreement.html", context)
        return html_to_pdf(
            html, attachments=[JSONAttachment("overeenkomst.json", data)]
        )

    context, data = builders.agreement_context(version)
    agreement_html = render_html("documents/agreement.html", context)

    def plain(html, data):
        import json

        return HTML(string=html, base_url=static_dir).write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            attachments=[
                Attachment(string=json.dumps(data, default=str), name="data.json")
            ],
        )

    rows = []
    ours = median_ms(ours_agreement, runs=args.runs)
    base = median_ms(lambda: plain(agreement_html, data), runs=args.runs)
    rows.append(("agreement PDF, 5 parties, 15 commitments", ours, base))

    ministry_org = organisations[0]
    for count in () if args.no_reports else (24, 2000):
        build_portfolio(count, programme, ministry_org, case_manager)
        locations = Location.objects.filter(programme=programme)

        def ours_report(locations=locations):
            context, data = builders.progress_context(locations)
            html = render_html("documents/progress_report.html", context)
            return html_to_pdf(
                html, attachments=[JSONAttachment("voortgang.json", data)]
            )

        context, data = builders.progress_context(locations)
        report_html = render_html("documents/progress_report.html", context)
        runs = args.runs if count < 1000 else max(3, args.runs // 2)
        ours = median_ms(ours_report, runs=runs)
        base = median_ms(
            lambda html=report_html, data=data: plain(html, data), runs=runs
        )
        rows.append((f"progress report, {locations.count()} locations", ours, base))

    limits = limit_rows(
        casework, location, case_manager, signatories, builders, runs=args.runs
    )

    print(f"Document benchmark on {machine()} — median of {args.runs} warm runs")
    print(f"{'document':45} {'ours ms':>9} {'plain ms':>9} {'ratio':>6}")
    for name, ours, base in rows:
        print(f"{name:45} {ours:9.0f} {base:9.0f} {ours / base:6.2f}")
    if len(rows) == 3:
        small, large = rows[1][1], rows[2][1]
        print(
            f"report growth 24 → 2000 locations: {large / small:.1f}× time for 83× "
            "locations"
        )
    print()
    print("At the limits (casework.limits), our pipeline:")
    print(f"{'document':60} {'pages':>6} {'ms':>9}")
    for name, pages, ms in limits["at_limits"]:
        print(f"{name:60} {pages:6d} {ms:9.0f}")
    print()
    print("Growth with unbroken text (one word, no break opportunity):")
    print(f"{'where':36} {'chars':>8} {'pages':>6} {'ms':>9} {'× time':>7}")
    for where, series in limits["growth"].items():
        first = series[0][2]
        for length, pages, ms in series:
            print(f"{where:36} {length:8d} {pages:6d} {ms:9.0f} {ms / first:7.2f}")
    assert STATIC_BASE_URL


def unbroken(length: int, seed: int) -> str:
    import random
    import string

    return "".join(random.Random(seed).choices(string.ascii_lowercase, k=length))


def prose(length: int) -> str:
    sentence = "Partijen spreken af de woningbouw op deze locatie te versnellen. "
    return (sentence * (length // len(sentence) + 1))[:length]


def limit_rows(casework, location, case_manager, signatories, builders, *, runs):
    """Agreements at the limits and with unbroken text of growing length, concluded
    through the services, rendered by our pipeline (median of `runs`, at least 3)."""
    import io

    import pypdf

    from casework.limits import AGREEMENT_TEXT_MAX, SHORT_TEXT_MAX, TEXT_MAX
    from casework.models import AgreementKind, AgreementVersion, Location
    from documents.rendering import html_to_pdf, render_html

    counter = [0]
    programme = location.programme

    def concluded(*, title, text, descriptions):
        # A location of its own in negotiation (a benchmark shortcut, as above),
        # with the five parties: its heads of agreement, approved by every party.
        counter[0] += 1
        location = casework.location_create(
            programme=programme,
            name=f"Limieten {counter[0]}",
            municipality="Utrecht",
            province="Utrecht",
        )
        for organisation, _signatory in signatories:
            casework.party_add(
                location=location, organisation=organisation, role="advisor"
            )
        Location.objects.filter(pk=location.pk).update(stage="negotiation")
        location.refresh_from_db()
        version = casework.agreement_draft(
            location=location,
            actor=case_manager,
            kind=AgreementKind.HEADS_OF_AGREEMENT,
            title=title,
            text=text,
            commitments=[
                {
                    "party": organisation.pk,
                    "description": description,
                    "due_date": datetime.date(2027, 1, 1),
                }
                for (organisation, _), description in zip(
                    signatories, descriptions, strict=False
                )
            ],
        )
        version = casework.agreement_submit(version=version, actor=case_manager)
        for organisation, signatory in signatories:
            casework.approval_record(
                version=version,
                organisation=organisation,
                actor=signatory,
                decision="approve",
            )
        return AgreementVersion.objects.get(pk=version.pk)

    def measure(version):
        def render():
            context, _data = builders.agreement_context(version)
            return html_to_pdf(render_html("documents/agreement.html", context))

        pages = len(pypdf.PdfReader(io.BytesIO(render().content)).pages)
        return pages, median_ms(render, runs=max(3, runs // 2), warmup=0)

    half = (AGREEMENT_TEXT_MAX - 2_500) // 2
    at_limits = []
    version = concluded(
        title=unbroken(SHORT_TEXT_MAX, 1),
        text=prose(half - 1) + " " + unbroken(2_500, 2) + " " + prose(half - 1),
        descriptions=[unbroken(TEXT_MAX, 3), unbroken(TEXT_MAX, 4)],
    )
    at_limits.append(
        (
            "agreement, every text at its limit (100,000 + 2 × 5,000 + 300)",
            *measure(version),
        )
    )
    version = concluded(
        title=unbroken(SHORT_TEXT_MAX, 1),
        text=unbroken(AGREEMENT_TEXT_MAX, 5),
        descriptions=[unbroken(TEXT_MAX, 3), unbroken(TEXT_MAX, 4)],
    )
    at_limits.append(
        ("agreement, body one unbroken 100,000-character word", *measure(version))
    )

    growth = {"commitment (table cell)": [], "agreement body (paragraph)": []}
    for factor in (1, 2, 4):
        length = 2_500 * factor
        version = concluded(
            title="Groei", text="Tekst.", descriptions=[unbroken(length, 6)]
        )
        growth["commitment (table cell)"].append((length, *measure(version)))
    for factor in (1, 2, 4):
        length = 25_000 * factor
        version = concluded(title="Groei", text=unbroken(length, 7), descriptions=[])
        growth["agreement body (paragraph)"].append((length, *measure(version)))
    return {"at_limits": at_limits, "growth": growth}


if __name__ == "__main__":
    main()
