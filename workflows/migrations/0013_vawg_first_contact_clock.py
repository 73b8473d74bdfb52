"""A first-contact clock for every VAWG referral (issue 13 item 4): SlaPolicy.condition, and
the two default policies (within 1 working day with no risk assessment or for a harmful
practice, 2 otherwise), seeded as the other defaults are."""

from django.db import migrations, models

# Named here so that this migration means the same whatever the defaults later become.
CONDITIONS = {
    "vawg_first_contact_urgent": "vawg_no_dash_or_harmful_practice",
    "vawg_first_contact": "vawg_dash_not_harmful_practice",
}


def seed(apps, schema_editor):
    from workflows.sla.policies import seed_sla_policies

    policy = apps.get_model("workflows", "SlaPolicy")
    seed_sla_policies(policy_model=policy)
    # On a new database an earlier migration seeded these already, with a model that had
    # neither field: the condition is new, so no administrator can have chosen it.
    for code, condition in CONDITIONS.items():
        policy.objects.filter(code=code, condition="").update(
            condition=condition, runs_until_met=True
        )


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0012_slapolicy_working_day_cutoff"),
    ]

    operations = [
        migrations.AddField(
            model_name="slapolicy",
            name="condition",
            field=models.CharField(
                blank=True,
                choices=[
                    (
                        "vawg_no_dash_or_harmful_practice",
                        "VAWG: no risk assessment with the referral, or a harmful practice",
                    ),
                    (
                        "vawg_dash_not_harmful_practice",
                        "VAWG: a risk assessment with the referral, not a harmful practice",
                    ),
                ],
                help_text="Only cases that pass this test when the clock would start. Blank: any.",
                max_length=40,
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
