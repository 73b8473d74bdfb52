# The people recorded before the "do not disclose to the other party" marker existed.
# Apart from 0003: PostgreSQL refuses to build 0003's foreign-key index in a transaction
# whose updates have left constraint checks pending.

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery

# As cases.access.withheld_by_default says today (a migration keeps its own copy): the
# people on the reporting or harmed side.
WITHHELD_ROLES = ("victim", "complainant", "witness")


def mark_existing_people(apps: Any, schema_editor: Any) -> None:
    """People recorded before the marker existed get it as intake now gives it (issue 13,
    item 9: their identities reached every agency on the case), and the agency whose
    referral named them, from that referral."""
    Subject = apps.get_model("cases", "Subject")
    Referral = apps.get_model("referrals", "Referral")
    Subject.objects.filter(role__in=WITHHELD_ROLES).update(withhold_from_other_party=True)
    first_referral = (
        Referral.subjects.through.objects.filter(subject_id=OuterRef("pk"))
        .order_by("referral__created_at", "pk")
        .values("referral__raising_agency_id")[:1]
    )
    Subject.objects.filter(recorded_by_agency__isnull=True).update(
        recorded_by_agency_id=Subquery(first_referral)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_subject_withhold_from_other_party"),
        ("referrals", "0004_referral_submission_fingerprint"),
    ]

    operations = [
        migrations.RunPython(mark_existing_people, migrations.RunPython.noop, elidable=True),
    ]
