"""Make the audit tables append-only in PostgreSQL: UPDATE and DELETE raise.

Covers the transition log, auditlog's entries and the audit seals. Row triggers do not
fire on TRUNCATE, so test databases can still be flushed; production should also grant
the application's role no TRUNCATE on these tables (docs/audit.md). The hash chains are
the second line: a table owner can disable a trigger, but not forge an HMAC.

SQLite has no such triggers worth having here (development and tests only): on SQLite this
migration does nothing, and ``verify_audit`` is what detects a changed row.
"""

from django.db import migrations

TABLES = ["workflows_transitionlog", "auditlog_logentry", "workflows_auditseal"]

FUNCTION = """
CREATE OR REPLACE FUNCTION csp_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING HINT = 'Audit rows are never changed or removed; see docs/audit.md.';
END;
$$;
"""

TRIGGER = """
CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION csp_audit_append_only();
"""


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and is a no-op on every other database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_seal_existing_audit_entries"),
    ]

    operations = [
        PostgresOnlySQL(
            sql=[FUNCTION] + [TRIGGER.format(table=t) for t in TABLES],
            reverse_sql=[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in TABLES]
            + ["DROP FUNCTION IF EXISTS csp_audit_append_only();"],
        ),
    ]
