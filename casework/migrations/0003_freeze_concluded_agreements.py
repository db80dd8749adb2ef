"""A concluded agreement version is frozen in the database itself: its content, its
commitments' content and its approvals cannot be changed or deleted, whatever path
(service, admin, raw SQL of the application) tries. Commitment *status* stays
changeable: keeping a commitment is what happens after conclusion.
"""

from django.db import migrations

MESSAGE = "agreement version is concluded and frozen"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION casework_refuse_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_version_frozen_update
BEFORE UPDATE ON casework_agreementversion FOR EACH ROW
WHEN (OLD.status = 'concluded' AND (
    NEW.text IS DISTINCT FROM OLD.text OR NEW.number IS DISTINCT FROM OLD.number
    OR NEW.agreement_id IS DISTINCT FROM OLD.agreement_id
    OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.status IS DISTINCT FROM OLD.status
    OR NEW.concluded_at IS DISTINCT FROM OLD.concluded_at))
EXECUTE FUNCTION casework_refuse_frozen();

CREATE TRIGGER casework_version_frozen_delete
BEFORE DELETE ON casework_agreementversion FOR EACH ROW
WHEN (OLD.status = 'concluded')
EXECUTE FUNCTION casework_refuse_frozen();

CREATE OR REPLACE FUNCTION casework_refuse_frozen_child() RETURNS trigger AS $$
DECLARE
    frozen boolean;
BEGIN
    SELECT status = 'concluded' INTO frozen FROM casework_agreementversion
    WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.version_id ELSE NEW.version_id END);
    IF frozen THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT status = 'concluded' INTO frozen FROM casework_agreementversion
        WHERE id = OLD.version_id;
        IF frozen THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_commitment_frozen_insert
BEFORE INSERT OR DELETE ON casework_commitment FOR EACH ROW
EXECUTE FUNCTION casework_refuse_frozen_child();

CREATE TRIGGER casework_commitment_frozen_update
BEFORE UPDATE ON casework_commitment FOR EACH ROW
WHEN (NEW.description IS DISTINCT FROM OLD.description
    OR NEW.due_date IS DISTINCT FROM OLD.due_date
    OR NEW.owner_id IS DISTINCT FROM OLD.owner_id
    OR NEW.version_id IS DISTINCT FROM OLD.version_id)
EXECUTE FUNCTION casework_refuse_frozen_child();

CREATE TRIGGER casework_approval_frozen
BEFORE INSERT OR UPDATE OR DELETE ON casework_approval FOR EACH ROW
EXECUTE FUNCTION casework_refuse_frozen_child();

CREATE OR REPLACE FUNCTION casework_refuse_frozen_dependency() RETURNS trigger AS $$
DECLARE
    frozen boolean;
BEGIN
    SELECT v.status = 'concluded' INTO frozen
    FROM casework_commitment c JOIN casework_agreementversion v ON v.id = c.version_id
    WHERE c.id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.from_commitment_id
                  ELSE NEW.from_commitment_id END);
    IF frozen THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_dependency_frozen
BEFORE INSERT OR UPDATE OR DELETE ON casework_commitment_depends_on FOR EACH ROW
EXECUTE FUNCTION casework_refuse_frozen_dependency();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS casework_dependency_frozen ON casework_commitment_depends_on;
DROP TRIGGER IF EXISTS casework_approval_frozen ON casework_approval;
DROP TRIGGER IF EXISTS casework_commitment_frozen_update ON casework_commitment;
DROP TRIGGER IF EXISTS casework_commitment_frozen_insert ON casework_commitment;
DROP TRIGGER IF EXISTS casework_version_frozen_delete ON casework_agreementversion;
DROP TRIGGER IF EXISTS casework_version_frozen_update ON casework_agreementversion;
DROP FUNCTION IF EXISTS casework_refuse_frozen_dependency();
DROP FUNCTION IF EXISTS casework_refuse_frozen_child();
DROP FUNCTION IF EXISTS casework_refuse_frozen();
"""

_CONCLUDED = "(SELECT status FROM casework_agreementversion WHERE id = {ref}) = 'concluded'"
_RAISE = f"SELECT RAISE(ABORT, '{MESSAGE}');"

SQLITE = [
    f"""CREATE TRIGGER casework_version_frozen_update
    BEFORE UPDATE ON casework_agreementversion FOR EACH ROW
    WHEN OLD.status = 'concluded' AND (
        NEW.text IS NOT OLD.text OR NEW.number IS NOT OLD.number
        OR NEW.agreement_id IS NOT OLD.agreement_id OR NEW.sha256 IS NOT OLD.sha256
        OR NEW.status IS NOT OLD.status OR NEW.concluded_at IS NOT OLD.concluded_at)
    BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_version_frozen_delete
    BEFORE DELETE ON casework_agreementversion FOR EACH ROW
    WHEN OLD.status = 'concluded' BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_commitment_frozen_insert
    BEFORE INSERT ON casework_commitment FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="NEW.version_id")} BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_commitment_frozen_delete
    BEFORE DELETE ON casework_commitment FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="OLD.version_id")} BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_commitment_frozen_update
    BEFORE UPDATE ON casework_commitment FOR EACH ROW
    WHEN ({_CONCLUDED.format(ref="OLD.version_id")}
        OR {_CONCLUDED.format(ref="NEW.version_id")}) AND (
        NEW.description IS NOT OLD.description OR NEW.due_date IS NOT OLD.due_date
        OR NEW.owner_id IS NOT OLD.owner_id OR NEW.version_id IS NOT OLD.version_id)
    BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_approval_frozen_insert
    BEFORE INSERT ON casework_approval FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="NEW.version_id")} BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_approval_frozen_update
    BEFORE UPDATE ON casework_approval FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="OLD.version_id")} BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_approval_frozen_delete
    BEFORE DELETE ON casework_approval FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="OLD.version_id")} BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_dependency_frozen_insert
    BEFORE INSERT ON casework_commitment_depends_on FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="(SELECT version_id FROM casework_commitment WHERE id = NEW.from_commitment_id)")}
    BEGIN {_RAISE} END;""",
    f"""CREATE TRIGGER casework_dependency_frozen_delete
    BEFORE DELETE ON casework_commitment_depends_on FOR EACH ROW
    WHEN {_CONCLUDED.format(ref="(SELECT version_id FROM casework_commitment WHERE id = OLD.from_commitment_id)")}
    BEGIN {_RAISE} END;""",
]

SQLITE_TRIGGERS = [
    "casework_version_frozen_update",
    "casework_version_frozen_delete",
    "casework_commitment_frozen_insert",
    "casework_commitment_frozen_delete",
    "casework_commitment_frozen_update",
    "casework_approval_frozen_insert",
    "casework_approval_frozen_update",
    "casework_approval_frozen_delete",
    "casework_dependency_frozen_insert",
    "casework_dependency_frozen_delete",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No freeze triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_breakthrough_actions_and_deadlines")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
