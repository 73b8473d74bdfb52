"""A per-policy working-day cut-off (issue 13 item 7): the 13:00 HMPPS cut-off had applied to
every working-day clock; now only the early-release (probation) defaults carry it."""

import datetime

from django.db import migrations, models

# The seeded early-release policies (workflows/sla/policies.py), named here so that this
# migration means the same whatever the defaults later become.
HMPPS_CLOCKS = [
    "release_pre_release_plan",
    "release_accommodation_confirmed",
    "release_first_appointment",
]


def hmpps_cutoff(apps, schema_editor):
    # The field is new, so no administrator can have set it: no edit is overwritten.
    apps.get_model("workflows", "SlaPolicy").objects.filter(code__in=HMPPS_CLOCKS).update(
        working_day_cutoff=datetime.time(13, 0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0011_marac_runs_until_met"),
    ]

    operations = [
        migrations.AddField(
            model_name="slapolicy",
            name="working_day_cutoff",
            field=models.TimeField(
                blank=True,
                help_text="Working days: work received at or after this London time starts the next working day at 09:00 (HMPPS services: 13:00). Blank: the day the work arrives, until 17:00.",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("working_day_cutoff__isnull", True),
                    ("working_day_cutoff__lte", datetime.time(17, 0)),
                    _connector="OR",
                ),
                name="sla_policy_cutoff_within_the_working_day",
            ),
        ),
        migrations.RunPython(hmpps_cutoff, migrations.RunPython.noop),
    ]
