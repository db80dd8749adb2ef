"""Breakthroughs as recorded events for the data that existed before them.

Every concluded agreement version (its `agreement_concluded` audit event) and every
`designate` transition becomes the breakthrough it was, dated on the day it happened.
A location in a breakthrough stage without such an event (loaded in bulk) gets one for
its stage, dated on the day it reached that stage.
"""

from django.db import migrations
from django.utils import timezone

STAGE_KIND = {
    "heads_of_agreement": "heads_of_agreement",
    "administrative_agreement": "administrative_agreement",
    "designated": "intervention_final",
}


def derive(apps, schema_editor):
    AuditEvent = apps.get_model("casework", "AuditEvent")
    AgreementVersion = apps.get_model("casework", "AgreementVersion")
    Breakthrough = apps.get_model("casework", "Breakthrough")
    Location = apps.get_model("casework", "Location")

    def record(location_id, kind, source, occurred_on, data):
        Breakthrough.objects.get_or_create(
            location_id=location_id,
            kind=kind,
            source=source,
            defaults={"occurred_on": occurred_on, "data": data},
        )

    for event in AuditEvent.objects.filter(action="agreement_concluded").order_by(
        "at", "pk"
    ):
        data = event.data or {}
        version = (
            AgreementVersion.objects.filter(
                agreement_id=data.get("agreement"), number=data.get("version")
            )
            .select_related("agreement")
            .first()
        )
        if version is None or event.location_id is None:
            continue
        record(
            event.location_id,
            version.agreement.kind,
            f"version:{version.pk}",
            timezone.localdate(event.at),
            {
                "agreement": version.agreement_id,
                "version": version.number,
                "title": version.agreement.title,
                "sha256": version.sha256,
            },
        )
    for event in AuditEvent.objects.filter(
        action="transition", transition="designate"
    ).order_by("at", "pk"):
        data = event.data or {}
        if event.location_id is None:
            continue
        record(
            event.location_id,
            "intervention_final",
            f"designation:{data.get('designation')}",
            timezone.localdate(event.at),
            {
                "designation": data.get("designation"),
                "instrument": data.get("instrument", ""),
                "decision_sha256": data.get("decision_sha256", ""),
            },
        )
    for location in Location.objects.filter(stage__in=list(STAGE_KIND)):
        kind = STAGE_KIND[location.stage]
        if Breakthrough.objects.filter(location=location, kind=kind).exists():
            continue
        record(
            location.pk,
            kind,
            f"location:{location.pk}",
            timezone.localdate(location.stage_changed_at),
            {"derived_from_stage": location.stage},
        )


def forget(apps, schema_editor):
    apps.get_model("casework", "Breakthrough").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0012_breakthroughs_and_construction_starts"),
    ]

    operations = [migrations.RunPython(derive, forget)]
