"""An approval round stops when the location leaves its stage (escalated, withdrawn):
the version's new status `ended`, and the audit action `round_ended`.

Changing the status check makes SQLite rebuild the versions table, which its freeze
triggers (migration 0003) name: they are dropped first and created again after, on
SQLite only (PostgreSQL alters the constraint in place)."""

import importlib

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
        ('casework', '0016_programme_impasses_checked_at'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.RemoveConstraint(
            model_name='agreementversion',
            name='agreement_version_status_valid',
        ),
        migrations.AlterField(
            model_name='agreementversion',
            name='status',
            field=models.CharField(choices=[('draft', 'Concept'), ('in_approval', 'Ter goedkeuring'), ('rejected', 'Afgewezen'), ('concluded', 'Vastgesteld'), ('ended', 'Ronde gestopt')], default='draft', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('transition', 'Overgang'), ('bottleneck_created', 'Knelpunt geregistreerd'), ('party_added', 'Partij toegevoegd'), ('criteria_recorded', 'Selectiecriteria vastgelegd'), ('consultation_recorded', 'Bestuurlijk overleg vastgelegd'), ('agreement_drafted', 'Overeenkomst opgesteld'), ('agreement_submitted', 'Ter goedkeuring aangeboden'), ('approval_recorded', 'Besluit van partij vastgelegd'), ('agreement_concluded', 'Overeenkomst vastgesteld'), ('agreement_rejected', 'Overeenkomst afgewezen'), ('action_assigned', 'Actie toegewezen'), ('action_reported', 'Actie gemeld'), ('action_reviewed', 'Actie beoordeeld'), ('deadline_passed', 'Termijn verstreken'), ('document_frozen', 'Document vastgelegd'), ('view_recorded', 'Zienswijze vastgelegd'), ('consultation_period_ended', 'Zienswijzetermijn verstreken'), ('procedure_ended', 'Lopende taken vervallen'), ('round_ended', 'Goedkeuringsronde gestopt'), ('repaired', 'Hersteld na een onderbreking'), ('member_invited', 'Uitnodiging verstuurd'), ('member_joined', 'Lid geworden van een organisatie'), ('member_role_changed', 'Rol in een organisatie gewijzigd'), ('member_removed', 'Uit een organisatie verwijderd'), ('location_created', 'Locatie aangemaakt'), ('facts_updated', 'Gegevens bijgewerkt'), ('party_removed', 'Partij verwijderd'), ('evidence_uploaded', 'Bewijsstuk toegevoegd'), ('evidence_cited', 'Bewijsstuk aangehaald'), ('construction_started', 'Start bouw vastgelegd'), ('programme_changed', 'Programma gewijzigd')], max_length=40, verbose_name='handeling'),
        ),
        migrations.AddConstraint(
            model_name='agreementversion',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'in_approval', 'rejected', 'concluded', 'ended'])), name='agreement_version_status_valid'),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
