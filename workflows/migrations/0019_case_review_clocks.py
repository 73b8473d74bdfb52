"""The ASB case review application's three clocks (issue 13 item 6), seeded as the other
defaults are, and the intake prompt's clock also met by recording an application."""

from django.db import migrations

PROMPT = "asb_case_review_acknowledged"
OLD_MET_BY = ["acknowledge_case_review", "request_case_review"]
NEW_MET_BY = [*OLD_MET_BY, "record_case_review_application"]
# Named here so that this migration means the same whatever the defaults later become.
CLOCKS = (
    "asb_case_review_threshold_decision",
    "asb_case_review_meeting",
    "asb_case_review_outcome_told",
)


def seed(apps, schema_editor):
    from workflows.sla.policies import seed_sla_policies

    policy = apps.get_model("workflows", "SlaPolicy")
    seed_sla_policies(policy_model=policy)
    # On a new database an earlier migration seeded these already, with a model that had
    # no outlives_closure: the field is new, so no administrator can have chosen it.
    policy.objects.filter(code__in=CLOCKS).update(outlives_closure=True)
    # Only where an administrator has not chosen otherwise.
    for row in policy.objects.filter(code=PROMPT):
        if row.met_by == OLD_MET_BY:
            row.met_by = NEW_MET_BY
            row.save(update_fields=["met_by"])


def unseed(apps, schema_editor):
    policy = apps.get_model("workflows", "SlaPolicy")
    for row in policy.objects.filter(code=PROMPT):
        if row.met_by == NEW_MET_BY:
            row.met_by = OLD_MET_BY
            row.save(update_fields=["met_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0018_case_review_application"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
