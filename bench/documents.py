"""Benchmark of the document pipeline (issue: documents with weasyprint).

Renders a 5-party agreement PDF and the progress report for 24 and for 2,000 locations,
and prints the median milliseconds per document next to plain WeasyPrint rendering the
same HTML in the same run (default fetcher, same stylesheet and fonts from disk, same
PDF/A variant and attachment): the ratio is what our pipeline (context building,
templates, locked-down fetcher, storage-free rendering) costs on top.

Run: .venv/bin/python -m bench.documents [--runs 7]
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
    args = parser.parse_args()
    django_ready()

    from django.contrib.auth import get_user_model
    from weasyprint import HTML, Attachment

    from casework import services as casework
    from casework.models import AgreementKind, Location, Programme
    from casework.roles import ensure_roles
    from documents import builders
    from documents.fetcher import STATIC_BASE_URL
    from documents.rendering import JSONAttachment, html_to_pdf, render_html
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
            pdf_variant="pdf/a-3b",
            attachments=[
                Attachment(string=json.dumps(data, default=str), name="data.json")
            ],
        )

    rows = []
    ours = median_ms(ours_agreement, runs=args.runs)
    base = median_ms(lambda: plain(agreement_html, data), runs=args.runs)
    rows.append(("agreement PDF, 5 parties, 15 commitments", ours, base))

    ministry_org = organisations[0]
    for count in (24, 2000):
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

    print(f"Document benchmark on {machine()} — median of {args.runs} warm runs")
    print(f"{'document':45} {'ours ms':>9} {'plain ms':>9} {'ratio':>6}")
    for name, ours, base in rows:
        print(f"{name:45} {ours:9.0f} {base:9.0f} {ours / base:6.2f}")
    small, large = rows[1][1], rows[2][1]
    print(
        f"report growth 24 → 2000 locations: {large / small:.1f}× time for 83× locations"
    )
    assert STATIC_BASE_URL


if __name__ == "__main__":
    main()
