"""The audit trail becomes a hash chain and append-only.

1. Two fields, `prev_hash` and `hash`; the existing events are chained in id order.
2. A unique constraint on `prev_hash`: two events can never follow the same predecessor.
3. Triggers refuse UPDATE and DELETE of audit rows (and TRUNCATE on PostgreSQL), whatever
   path tries: ORM, admin or raw SQL of the application. `manage.py flush` (used by the
   test runner) lifts them for its own transaction only, see
   `casework/management/commands/flush.py`.
4. On PostgreSQL, the seal (see `casework.audit_chain`): a deferred constraint trigger
   that, when the transaction commits, links each pending event to the head of the
   chain under an advisory lock and gives it the next id. The only UPDATE the
   append-only trigger lets through is this one, on a pending row, from the seal.
"""

from django.db import migrations, models

from casework.audit_chain import (
    ADVISORY_LOCK_KEY,
    GENESIS,
    PENDING,
    SEAL_TRIGGER,
    digest_of,
)

MESSAGE = "audit trail is append-only"
# A flush of the whole database (manage.py flush) may empty the table: it sets this for
# its own transaction. Nothing else in the application does. Only a test database (the
# test runner flushes after every transactional test) honours it: on any other database
# the audit trail cannot be emptied by the application, flush or not.
FLUSH_SETTING = "casework.audit_flush"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION casework_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND left(OLD.prev_hash, 1) = '{PENDING}'
            AND pg_trigger_depth() > 1 THEN
        RETURN NEW;  -- the seal, from casework_audit_seal()
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_audit_append_only
BEFORE UPDATE OR DELETE ON casework_auditevent FOR EACH ROW
EXECUTE FUNCTION casework_audit_append_only();

CREATE TRIGGER casework_audit_no_truncate
BEFORE TRUNCATE ON casework_auditevent FOR EACH STATEMENT
WHEN (current_setting('{FLUSH_SETTING}', true) IS DISTINCT FROM 'on'
      OR left(current_database(), 5) <> 'test_')
EXECUTE FUNCTION casework_audit_append_only();

CREATE OR REPLACE FUNCTION casework_audit_seal() RETURNS trigger AS $$
DECLARE
    content varchar;
    head varchar;
BEGIN
    SELECT hash INTO content FROM casework_auditevent
    WHERE id = NEW.id AND left(prev_hash, 1) = '{PENDING}';
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK_KEY});
    -- A fresh snapshot (this function is VOLATILE): the seals committed while we
    -- waited for the lock are seen.
    SELECT hash INTO head FROM casework_auditevent
    WHERE left(prev_hash, 1) <> '{PENDING}' ORDER BY id DESC LIMIT 1;
    head := COALESCE(head, '{GENESIS}');
    UPDATE casework_auditevent
    SET id = nextval(pg_get_serial_sequence('casework_auditevent', 'id')),
        prev_hash = head,
        hash = encode(sha256(convert_to(head || content, 'UTF8')), 'hex')
    WHERE id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE CONSTRAINT TRIGGER {SEAL_TRIGGER}
AFTER INSERT ON casework_auditevent
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (left(NEW.prev_hash, 1) = '{PENDING}')
EXECUTE FUNCTION casework_audit_seal();
"""

POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS {SEAL_TRIGGER} ON casework_auditevent;
DROP FUNCTION IF EXISTS casework_audit_seal();
DROP TRIGGER IF EXISTS casework_audit_no_truncate ON casework_auditevent;
DROP TRIGGER IF EXISTS casework_audit_append_only ON casework_auditevent;
DROP FUNCTION IF EXISTS casework_audit_append_only();
"""

_RAISE = f"SELECT RAISE(ABORT, '{MESSAGE}');"

SQLITE = [
    f"""CREATE TRIGGER casework_audit_no_update
    BEFORE UPDATE ON casework_auditevent FOR EACH ROW BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_audit_no_delete
    BEFORE DELETE ON casework_auditevent FOR EACH ROW BEGIN {_RAISE} END;""",
]
SQLITE_TRIGGERS = ["casework_audit_no_update", "casework_audit_no_delete"]


def chain_existing_events(apps, schema_editor):
    """Chain the events written before this migration, in id order."""
    AuditEvent = apps.get_model("casework", "AuditEvent")
    db = schema_editor.connection.alias
    prev_hash = GENESIS
    batch = []
    for event in AuditEvent.objects.using(db).order_by("id").iterator(chunk_size=2000):
        event.prev_hash = prev_hash
        event.hash = digest_of(event)
        prev_hash = event.hash
        batch.append(event)
        if len(batch) >= 500:
            AuditEvent.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No audit triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("casework", "0005_impasse_signals")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="hash",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="vorige hash",
            ),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("prev_hash",), name="audit_chain_no_fork"
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
