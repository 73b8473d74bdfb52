"""Move each case's one FGM duty from ``case.details["fgm_mandatory_report"]`` into a
``PersonalDuty`` row, and give its running clocks to that row.

What the old record did not hold is said plainly rather than invented: the discovery date
is taken as the day the duty was recorded (the referral was raised on discovery), how it
was discovered as "disclosed" unless the referral said otherwise, and a report recorded as
a milestone keeps its words in the case history with the police reference "not recorded".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

LONDON = ZoneInfo("Europe/London")
KEY = "fgm_mandatory_report"
PROFESSION = {"health": "healthcare", "education": "teacher", "social_care": "social_care"}


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    PersonalDuty = apps.get_model("cases", "PersonalDuty")
    Deadline = apps.get_model("workflows", "Deadline")
    TransitionLog = apps.get_model("workflows", "TransitionLog")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for case in Case.objects.filter(kind="vawg").iterator():
        duty = case.details.get(KEY) if isinstance(case.details, dict) else None
        if not isinstance(duty, dict) or not isinstance(duty.get("owed_by"), int):
            continue
        user = User.objects.filter(pk=duty["owed_by"]).first()
        if user is None:
            continue
        recorded = datetime.fromisoformat(duty["recorded_at"])
        recorded_log = (
            TransitionLog.objects.filter(case=case, transition="record_fgm_duty", actor=user)
            .select_related("actor_agency")
            .order_by("seq")
            .first()
        )
        agency = recorded_log.actor_agency if recorded_log else None
        if agency is None or agency.kind not in PROFESSION:
            continue
        age = case.details.get("victim_age")
        report = (
            TransitionLog.objects.filter(case=case, transition="report_fgm_to_police", actor=user)
            .order_by("seq")
            .first()
        )
        row = PersonalDuty.objects.create(
            case=case,
            duty=KEY,
            owed_by=user,
            agency=agency,
            profession=PROFESSION[agency.kind],
            basis=duty.get("basis", ""),
            referral=duty.get("referral", ""),
            discovered_on=recorded.astimezone(LONDON).date(),
            discovered_how="disclosed",
            age_at_discovery=age if isinstance(age, int) and 0 <= age < 18 else 17,
            recorded_at=recorded,
            status="reported" if report else "owed",
            reported_at=report.at if report else None,
            police_reference="not recorded" if report else "",
            closed_at=report.at if report else None,
        )
        Deadline.objects.filter(case=case, policy__responsible="named_person").update(duty=row)
        details = dict(case.details)
        details.pop(KEY)
        Case.objects.filter(pk=case.pk).update(details=details)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0014_deadline_per_duty"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
