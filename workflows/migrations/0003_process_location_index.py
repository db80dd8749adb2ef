"""The processes of one location are found by the location in their data: the location
page's 'who holds the ball', the start of an approval round, the escalation's facts.
An index on that key, so that PostgreSQL does not read every process for each of them
(a scan of ~9,000 processes, ~4 ms, on every location page at full size).

PostgreSQL only: SQLite, the embedded database of small installations, compares the
key through JSON_EXTRACT and reads its few processes as fast without an index.
"""

from django.db import migrations

INDEX = "workflows_process_location_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON viewflow_process ((data -> 'location'))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0002_escalation_and_designation_processes"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
