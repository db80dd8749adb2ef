"""The lifecycle of a bottleneck (reported resolved, resolved by whom and how) and the
commitment ledger (reported, disputed; an extension beside the frozen version; its
lines, `CommitmentEvent`).

Changing the commitments' status check makes SQLite rebuild that table, which its
freeze triggers (migration 0003) name: they are dropped first and created again after,
on SQLite only (as in 0017)."""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


FREEZE = importlib.import_module("casework.migrations.0003_freeze_concluded_agreements")


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in FREEZE.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in FREEZE.SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0018_designation_notice_and_postal_views'),
        ('permissions', '0006_organisation_manage_members'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.CreateModel(
            name='CommitmentEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('reported', 'Nagekomen gemeld'), ('confirmed', 'Bevestigd'), ('disputed', 'Betwist'), ('waived', 'Vervallen'), ('extended', 'Termijn verlengd')], max_length=16, verbose_name='soort')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='tijdstip')),
                ('text', models.TextField(verbose_name='toelichting')),
                ('previous_due_date', models.DateField(blank=True, null=True)),
                ('due_date', models.DateField(blank=True, null=True, verbose_name='nieuwe uiterste datum')),
                ('sha256', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': 'regel van het afsprakenregister',
                'verbose_name_plural': 'afsprakenregister',
                'ordering': ['commitment', 'at', 'id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='bottleneck',
            name='bottleneck_status_valid',
        ),
        migrations.RemoveConstraint(
            model_name='commitment',
            name='commitment_status_valid',
        ),
        migrations.RemoveConstraint(
            model_name='impassesignal',
            name='impasse_rule_valid',
        ),
        migrations.AddField(
            model_name='bottleneck',
            name='resolution',
            field=models.TextField(blank=True, verbose_name='oplossing'),
        ),
        migrations.AddField(
            model_name='bottleneck',
            name='resolution_reported_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='bottleneck',
            name='resolution_reported_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='bottleneck',
            name='resolved_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='opgelost op'),
        ),
        migrations.AddField(
            model_name='bottleneck',
            name='resolved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='bottleneck',
            name='review_note',
            field=models.TextField(blank=True, verbose_name='toelichting procesregisseur'),
        ),
        migrations.AddField(
            model_name='commitment',
            name='disputed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='commitment',
            name='disputed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='permissions.organisation'),
        ),
        migrations.AddField(
            model_name='commitment',
            name='extended_due_date',
            field=models.DateField(blank=True, null=True, verbose_name='uiterste datum na verlenging'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('transition', 'Overgang'), ('bottleneck_created', 'Knelpunt geregistreerd'), ('party_added', 'Partij toegevoegd'), ('criteria_recorded', 'Selectiecriteria vastgelegd'), ('consultation_recorded', 'Bestuurlijk overleg vastgelegd'), ('agreement_drafted', 'Overeenkomst opgesteld'), ('agreement_submitted', 'Ter goedkeuring aangeboden'), ('approval_recorded', 'Besluit van partij vastgelegd'), ('agreement_concluded', 'Overeenkomst vastgesteld'), ('agreement_rejected', 'Overeenkomst afgewezen'), ('action_assigned', 'Actie toegewezen'), ('action_reported', 'Actie gemeld'), ('action_reviewed', 'Actie beoordeeld'), ('deadline_passed', 'Termijn verstreken'), ('document_frozen', 'Document vastgelegd'), ('view_recorded', 'Zienswijze vastgelegd'), ('consultation_period_ended', 'Zienswijzetermijn verstreken'), ('procedure_ended', 'Lopende taken vervallen'), ('round_ended', 'Goedkeuringsronde gestopt'), ('repaired', 'Hersteld na een onderbreking'), ('member_invited', 'Uitnodiging verstuurd'), ('member_joined', 'Lid geworden van een organisatie'), ('member_role_changed', 'Rol in een organisatie gewijzigd'), ('member_removed', 'Uit een organisatie verwijderd'), ('location_created', 'Locatie aangemaakt'), ('facts_updated', 'Gegevens bijgewerkt'), ('party_removed', 'Partij verwijderd'), ('evidence_uploaded', 'Bewijsstuk toegevoegd'), ('evidence_cited', 'Bewijsstuk aangehaald'), ('construction_started', 'Start bouw vastgelegd'), ('programme_changed', 'Programma gewijzigd'), ('bottleneck_updated', 'Knelpunt bijgewerkt'), ('bottleneck_resolution_reported', 'Knelpunt opgelost gemeld'), ('bottleneck_resolved', 'Knelpunt opgelost'), ('bottleneck_returned', 'Oplossing teruggegeven'), ('bottleneck_reopened', 'Knelpunt heropend'), ('commitment_reported', 'Afspraak nagekomen gemeld'), ('commitment_confirmed', 'Nakoming bevestigd'), ('commitment_disputed', 'Nakoming betwist'), ('commitment_waived', 'Afspraak vervallen'), ('commitment_extended', 'Termijn van afspraak verlengd')], max_length=40, verbose_name='handeling'),
        ),
        migrations.AlterField(
            model_name='bottleneck',
            name='status',
            field=models.CharField(choices=[('open', 'Open'), ('in_progress', 'In behandeling'), ('resolution_reported', 'Opgelost gemeld'), ('resolved', 'Opgelost')], default='open', max_length=24, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='commitment',
            name='status',
            field=models.CharField(choices=[('open', 'Open'), ('reported', 'Gemeld'), ('disputed', 'Betwist'), ('done', 'Nagekomen'), ('overdue', 'Te laat'), ('waived', 'Vervallen')], default='open', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='impassesignal',
            name='rule',
            field=models.CharField(choices=[('deadline_passed', 'Termijn verstreken'), ('rejected_twice', 'Twee keer afgewezen'), ('stage_too_long', 'Te lang in dezelfde fase'), ('commitment_cycle', 'Afspraken wachten op elkaar'), ('commitment_disputed', 'Nakoming betwist')], max_length=24, verbose_name='regel'),
        ),
        migrations.AddConstraint(
            model_name='bottleneck',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'in_progress', 'resolution_reported', 'resolved'])), name='bottleneck_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'reported', 'disputed', 'done', 'overdue', 'waived'])), name='commitment_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='impassesignal',
            constraint=models.CheckConstraint(condition=models.Q(('rule__in', ['deadline_passed', 'rejected_twice', 'stage_too_long', 'commitment_cycle', 'commitment_disputed'])), name='impasse_rule_valid'),
        ),
        migrations.AddField(
            model_name='commitmentevent',
            name='actor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='commitmentevent',
            name='commitment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='casework.commitment'),
        ),
        migrations.AddField(
            model_name='commitmentevent',
            name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='permissions.organisation'),
        ),
        migrations.AddConstraint(
            model_name='commitmentevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['reported', 'confirmed', 'disputed', 'waived', 'extended'])), name='commitment_event_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='commitmentevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'extended'), _negated=True), ('due_date__isnull', False), _connector='OR'), name='commitment_event_extension_has_date'),
        ),
        migrations.AddConstraint(
            model_name='commitmentevent',
            constraint=models.CheckConstraint(condition=models.Q(('sha256', ''), _negated=True), name='commitment_event_hashed'),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
