"""Seed the default SLA policies and England and Wales bank holidays (idempotent)."""

from django.db import migrations


def seed(apps, schema_editor):
    from workflows.sla.bank_holidays import seed_bank_holidays
    from workflows.sla.policies import seed_sla_policies

    seed_sla_policies(policy_model=apps.get_model("workflows", "SlaPolicy"))
    seed_bank_holidays(holiday_model=apps.get_model("workflows", "BankHoliday"))


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_sla_policies_deadlines_holidays"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
