"""Transition reasons become erasable: chained by their digest, blanked by one allowed UPDATE.

New rows store ``reason_digest`` (an HMAC of ``reason``) and their hash covers the digest
instead of the text (``workflows/chain.py``). Existing rows keep a blank digest and the hash
they were given over their text, so existing chains verify unchanged; nothing is rewritten.

On PostgreSQL the transition log's append-only trigger is replaced by one that still
refuses DELETE and every UPDATE but one: ``reason`` set to '' together with a first
``reason_erased_at``, on a row that has a digest, every other column unchanged. The
columns are compared one by one; a migration that adds a column to the table must add it
to ``HELD`` here too (``tests/audit/test_reason_erasure_pg.py`` fails until it does). The
other two audit tables keep ``csp_audit_append_only`` from migration 0004. On SQLite this
part does nothing, as 0004 does.
"""

from django.db import migrations, models

TABLE = "workflows_transitionlog"
TRIGGER = f"{TABLE}_append_only"
# Every column but reason and reason_erased_at: what an erasure must leave as it was.
HELD = [
    "id",
    "case_id",
    "seq",
    "transition",
    "source",
    "target",
    "actor_id",
    "actor_agency_id",
    "data",
    "at",
    "version",
    "responsible_agency_id",
    "prev_hash",
    "hash",
    "reason_digest",
]

HELD_SQL = "\n        AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in HELD)

FUNCTION = f"""
CREATE OR REPLACE FUNCTION csp_transitionlog_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The one UPDATE allowed: a reason erased for retention. Its digest stays chained.
    IF TG_OP = 'UPDATE'
        AND OLD.reason_digest <> ''
        AND OLD.reason_erased_at IS NULL
        AND NEW.reason = ''
        AND NEW.reason_erased_at IS NOT NULL
        AND {HELD_SQL}
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING HINT = 'Audit rows are never changed or removed; only a reason with a digest '
            'may be erased (erase_transition_reasons). See docs/audit.md.';
END;
$$;
"""

FORWARDS = [
    FUNCTION,
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION csp_transitionlog_append_only();",
]

BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION csp_audit_append_only();",
    "DROP FUNCTION IF EXISTS csp_transitionlog_append_only();",
]


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
        ("workflows", "0009_seal_existing_global_audit_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="transitionlog",
            name="reason_digest",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="transitionlog",
            name="reason_erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        PostgresOnlySQL(sql=FORWARDS, reverse_sql=BACKWARDS),
    ]
