"""Seal the audit entries about cases written before seals existed, oldest first.

A case's entries are chained in timestamp order. An entry's case comes from its object
id (the case row itself) or from the ``case`` value recorded in the changes of any entry
about the same object (its creation always records it). An entry whose case cannot be
found stays unsealed, and ``verify_audit`` reports it: nothing is guessed.
"""

from django.db import migrations

CASE_MODELS = {
    ("cases", "case"),
    ("cases", "subject"),
    ("cases", "caseagency"),
    ("cases", "supportneed"),
    ("workflows", "riskassessment"),
    ("workflows", "maracreferral"),
    ("referrals", "referral"),
}


def _recorded_case(changes):
    values = changes.get("case") if isinstance(changes, dict) else None
    for value in values or []:
        if value not in (None, "", "None"):
            return int(value)
    return None


def seal_existing_entries(apps, schema_editor):
    # The live hashing code on purpose: seals must be computed exactly as the verifier
    # recomputes them.
    from workflows.audit import seal_fields
    from workflows.chain import link_hash

    db = schema_editor.connection.alias
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditSeal = apps.get_model("workflows", "AuditSeal")
    Case = apps.get_model("cases", "Case")
    labels = {
        ct.pk: (ct.app_label, ct.model)
        for ct in ContentType.objects.using(db).all()
        if (ct.app_label, ct.model) in CASE_MODELS
    }
    entries = list(
        LogEntry.objects.using(db)
        .filter(content_type_id__in=labels, csp_seal__isnull=True)
        .order_by("timestamp", "pk")
    )
    if not entries:
        return
    object_case = {}
    for entry in entries:
        case_id = _recorded_case(entry.changes)
        if case_id is not None:
            object_case[(entry.content_type_id, entry.object_pk)] = case_id
    cases = set(Case.objects.using(db).values_list("pk", flat=True))
    heads = {}
    for entry in entries:
        if labels[entry.content_type_id] == ("cases", "case"):
            case_id = entry.object_id
        else:
            case_id = object_case.get((entry.content_type_id, entry.object_pk))
        if case_id not in cases:
            continue
        if case_id not in heads:
            last = AuditSeal.objects.using(db).filter(case_id=case_id).order_by("-seq").first()
            heads[case_id] = (last.seq, last.hash) if last else (0, "")
        seq, prev = heads[case_id]
        seal = AuditSeal(log_entry_id=entry.pk, case_id=case_id, seq=seq + 1, prev_hash=prev)
        seal.hash = link_hash(prev, seal_fields(seal, entry))
        seal.save(using=db, force_insert=True)
        heads[case_id] = (seal.seq, seal.hash)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_audit_seal"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The seal covers every LogEntry column up to actor_email.
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(seal_existing_entries, migrations.RunPython.noop, elidable=True),
    ]
