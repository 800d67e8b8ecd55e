"""A transfer's source and destination belong to the same batch, enforced by the database itself.

No CHECK constraint can look at another table, so this is a trigger on PostgreSQL and on SQLite.
"""
from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION batch_transfer_same_batch() RETURNS trigger AS $$
BEGIN
    IF (SELECT batch_id FROM batch_batchcontainerassignment WHERE id = NEW.source_assignment_id)
       IS DISTINCT FROM
       (SELECT batch_id FROM batch_batchcontainerassignment WHERE id = NEW.dest_assignment_id) THEN
        RAISE EXCEPTION 'transfer_same_batch: source and destination assignments belong to different batches'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER batch_transfer_same_batch BEFORE INSERT OR UPDATE ON batch_transferaction
    FOR EACH ROW EXECUTE FUNCTION batch_transfer_same_batch();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS batch_transfer_same_batch ON batch_transferaction;
DROP FUNCTION IF EXISTS batch_transfer_same_batch();
"""
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER batch_transfer_same_batch_{op} BEFORE {op.upper()} ON batch_transferaction
WHEN (SELECT batch_id FROM batch_batchcontainerassignment WHERE id = NEW.source_assignment_id)
  IS NOT (SELECT batch_id FROM batch_batchcontainerassignment WHERE id = NEW.dest_assignment_id)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: transfer_same_batch: source and destination assignments belong to different batches');
END;
"""
    for op in ("insert", "update")
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for op in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS batch_transfer_same_batch_{op}")


class Migration(migrations.Migration):
    dependencies = [("batch", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
