"""AuditEvent is append-only: the database itself refuses UPDATE and DELETE (DESIGN §3)."""

from django.db import migrations

TABLE = "casework_auditevent"

SQLITE_UP = [
    f"""CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    f"""CREATE TRIGGER auditevent_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS auditevent_no_update;", "DROP TRIGGER IF EXISTS auditevent_no_delete;"]

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION rightsdesk_audit_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'integrity_constraint_violation'; END;
       $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER auditevent_no_update BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION rightsdesk_audit_append_only();""",
    # TRUNCATE bypasses row triggers: refuse it too.
    f"""CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION rightsdesk_audit_append_only();""",
]
POSTGRES_DOWN = [
    f"DROP TRIGGER IF EXISTS auditevent_no_update ON {TABLE};",
    f"DROP TRIGGER IF EXISTS auditevent_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS rightsdesk_audit_append_only();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
