"""The children's clocks (issue 13 item 3): children's social care's decision within one
working day of a referral about a child victim, and Operation Encompass's school
notification before the next school day; seeded as the other defaults are."""

from django.db import migrations


def seed(apps, schema_editor):
    from workflows.sla.policies import seed_sla_policies

    seed_sla_policies(policy_model=apps.get_model("workflows", "SlaPolicy"))


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0016_sla_agency_on_case"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
