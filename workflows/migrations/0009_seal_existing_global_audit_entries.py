"""Seal the audit entries not about a case, written before the global chain existed.

Role grants, agencies, wards, endpoints, subscriptions, deliveries retried, SLA policies,
bank holidays and routing rules: every unsealed entry whose content type is not one of the
case models is chained into the global chain, oldest first. Entries about a case that
migration 0003 could not place stay unsealed, and ``verify_audit`` reports them.
"""

from django.db import migrations

# The models whose entries belong to a case's chain (as in 0003).
CASE_MODELS = {
    ("cases", "case"),
    ("cases", "subject"),
    ("cases", "caseagency"),
    ("cases", "supportneed"),
    ("workflows", "riskassessment"),
    ("workflows", "maracreferral"),
    ("referrals", "referral"),
}


def seal_global_entries(apps, schema_editor):
    # The live hashing code on purpose, as in 0003: the verifier recomputes with it.
    from workflows.audit import seal_fields
    from workflows.chain import link_hash

    db = schema_editor.connection.alias
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditSeal = apps.get_model("workflows", "AuditSeal")
    about_cases = [
        ct.pk
        for ct in ContentType.objects.using(db).all()
        if (ct.app_label, ct.model) in CASE_MODELS
    ]
    entries = (
        LogEntry.objects.using(db)
        .filter(csp_seal__isnull=True)
        .exclude(content_type_id__in=about_cases)
        .order_by("timestamp", "pk")
    )
    last = AuditSeal.objects.using(db).filter(case__isnull=True).order_by("-seq").first()
    seq, prev = (last.seq, last.hash) if last else (0, "")
    for entry in entries.iterator():
        seal = AuditSeal(log_entry_id=entry.pk, case_id=None, seq=seq + 1, prev_hash=prev)
        seal.hash = link_hash(prev, seal_fields(seal, entry))
        seal.save(using=db, force_insert=True)
        seq, prev = seal.seq, seal.hash


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0008_audit_global_chain_and_case_head"),
    ]

    operations = [
        migrations.RunPython(seal_global_entries, migrations.RunPython.noop, elidable=True),
    ]
