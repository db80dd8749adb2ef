"""Issue 16: the consultation period as the law has it.

A designation gets the notice of its draft (journal, date, reference) and the day the
draft lies open; the period starts on the later of the two and ends by the Algemene
termijnenwet (`casework.atw`), so `consultation_ends_on` is empty until the notice is
recorded. A view records how it came in, when it was posted and received, the
sender's address, whether it was late, and the answer in the final decision.

Rows from before this migration keep their dates: the period of an existing
designation started on its `started_at` day (`consultation_starts_on` is set to it)
and ends on its stored `consultation_ends_on`, without a notice. An existing view's
`submitted_on` is its `received_on`; it came in in writing (the default) and was on
time (it could only be recorded within the period).
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def started_on_started_at(apps, schema_editor):
    Designation = apps.get_model("casework", "Designation")
    for designation in Designation.objects.filter(consultation_starts_on=None):
        designation.consultation_starts_on = timezone.localdate(designation.started_at)
        designation.save(update_fields=["consultation_starts_on"])


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0017_version_round_ended'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='designation',
            name='consultation_starts_on',
            field=models.DateField(blank=True, null=True, verbose_name='begin zienswijzetermijn'),
        ),
        migrations.AddField(
            model_name='designation',
            name='draft_open_on',
            field=models.DateField(blank=True, null=True, verbose_name='ter inzage gelegd op'),
        ),
        migrations.AddField(
            model_name='designation',
            name='notice_journal',
            field=models.CharField(blank=True, choices=[('staatscourant', 'Staatscourant'), ('provinciaal_blad', 'Provinciaal blad')], max_length=32, verbose_name='gepubliceerd in'),
        ),
        migrations.AddField(
            model_name='designation',
            name='notice_published_on',
            field=models.DateField(blank=True, null=True, verbose_name='kennisgeving gepubliceerd op'),
        ),
        migrations.AddField(
            model_name='designation',
            name='notice_reference',
            field=models.CharField(blank=True, max_length=300, verbose_name='vindplaats van de kennisgeving'),
        ),
        migrations.AddField(
            model_name='designationview',
            name='answer',
            field=models.TextField(blank=True, verbose_name='antwoord'),
        ),
        migrations.AddField(
            model_name='designationview',
            name='channel',
            field=models.CharField(choices=[('written', 'Schriftelijk (per post)'), ('oral', 'Mondeling'), ('email', 'Per e-mail')], default='written', max_length=16, verbose_name='wijze van indienen'),
        ),
        migrations.AddField(
            model_name='designationview',
            name='late',
            field=models.BooleanField(default=False, verbose_name='te laat'),
        ),
        migrations.AddField(
            model_name='designationview',
            name='sender_address',
            field=models.TextField(blank=True, verbose_name='adres van de indiener'),
        ),
        migrations.AddField(
            model_name='designationview',
            name='sent_on',
            field=models.DateField(blank=True, null=True, verbose_name='verzonden op'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('transition', 'Overgang'), ('bottleneck_created', 'Knelpunt geregistreerd'), ('party_added', 'Partij toegevoegd'), ('criteria_recorded', 'Selectiecriteria vastgelegd'), ('consultation_recorded', 'Bestuurlijk overleg vastgelegd'), ('agreement_drafted', 'Overeenkomst opgesteld'), ('agreement_submitted', 'Ter goedkeuring aangeboden'), ('approval_recorded', 'Besluit van partij vastgelegd'), ('agreement_concluded', 'Overeenkomst vastgesteld'), ('agreement_rejected', 'Overeenkomst afgewezen'), ('action_assigned', 'Actie toegewezen'), ('action_reported', 'Actie gemeld'), ('action_reviewed', 'Actie beoordeeld'), ('deadline_passed', 'Termijn verstreken'), ('document_frozen', 'Document vastgelegd'), ('notice_published', 'Kennisgeving van het ontwerp vastgelegd'), ('view_recorded', 'Zienswijze vastgelegd'), ('consultation_period_ended', 'Zienswijzetermijn verstreken'), ('procedure_ended', 'Lopende taken vervallen'), ('round_ended', 'Goedkeuringsronde gestopt'), ('repaired', 'Hersteld na een onderbreking'), ('member_invited', 'Uitnodiging verstuurd'), ('member_joined', 'Lid geworden van een organisatie'), ('member_role_changed', 'Rol in een organisatie gewijzigd'), ('member_removed', 'Uit een organisatie verwijderd'), ('location_created', 'Locatie aangemaakt'), ('facts_updated', 'Gegevens bijgewerkt'), ('party_removed', 'Partij verwijderd'), ('evidence_uploaded', 'Bewijsstuk toegevoegd'), ('evidence_cited', 'Bewijsstuk aangehaald'), ('construction_started', 'Start bouw vastgelegd'), ('programme_changed', 'Programma gewijzigd')], max_length=40, verbose_name='handeling'),
        ),
        migrations.AlterField(
            model_name='designation',
            name='consultation_ends_on',
            field=models.DateField(blank=True, null=True, verbose_name='einde zienswijzetermijn'),
        ),
        migrations.RenameField(
            model_name='designationview',
            old_name='submitted_on',
            new_name='received_on',
        ),
        migrations.AlterField(
            model_name='designationview',
            name='received_on',
            field=models.DateField(verbose_name='ontvangen op'),
        ),
        migrations.AlterModelOptions(
            name='designationview',
            options={'ordering': ['designation', 'received_on', 'id'], 'verbose_name': 'zienswijze', 'verbose_name_plural': 'zienswijzen'},
        ),
        migrations.RunPython(started_on_started_at, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='designation',
            constraint=models.CheckConstraint(condition=models.Q(('notice_journal', ''), ('notice_journal__in', ['staatscourant', 'provinciaal_blad']), _connector='OR'), name='designation_notice_journal_valid'),
        ),
        migrations.AddConstraint(
            model_name='designationview',
            constraint=models.CheckConstraint(condition=models.Q(('channel__in', ['written', 'oral', 'email'])), name='designation_view_channel_valid'),
        ),
    ]
