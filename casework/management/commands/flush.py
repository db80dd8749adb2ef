"""`manage.py flush`, able to empty the tables the database guards.

Flushing removes every row of every table (the test runner does it after each
transactional test). Some tables refuse changes in the database itself: the audit trail
is append-only (migration 0006), a concluded agreement is frozen (migration 0003). This
command lifts those refusals for its own transaction only:

- PostgreSQL flushes with TRUNCATE, which row triggers do not see; the audit table's
  TRUNCATE trigger honours a transaction-local setting that only this command sets,
  and only on a test database (named `test_…`): production data cannot be flushed;
- SQLite flushes row by row with DELETE: its triggers are dropped and created again,
  from their own stored definitions, before the transaction commits.
"""

from importlib import import_module

from django.core.management.commands import flush
from django.db import connections, transaction

audit_migration = import_module("casework.migrations.0006_audit_chain")


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        triggers: list[tuple[str, str]] = []
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(
                        "SELECT set_config(%s, 'on', true)",
                        [audit_migration.FLUSH_SETTING],
                    )
                elif connection.vendor == "sqlite":
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        "ORDER BY name"
                    )
                    triggers = cursor.fetchall()
                    for name, _sql in triggers:
                        cursor.execute(f'DROP TRIGGER "{name}"')
            super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
