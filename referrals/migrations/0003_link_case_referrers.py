"""Link every existing referral's raiser (and every case's opener) to the case as a
referrer, so a second referrer follows the case their referral joined as its opener does.

Here rather than in cases: referrals may read cases, never the other way round.
"""

from typing import Any

from django.db import migrations


def link_referrers(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    CaseReferrer = apps.get_model("cases", "CaseReferrer")
    Referral = apps.get_model("referrals", "Referral")
    links: dict[tuple[int, int], Any] = {}
    for case_id, user_id, at in Case.objects.values_list("pk", "opened_by_id", "opened_at"):
        links[(case_id, user_id)] = at
    rows = Referral.objects.order_by("created_at").values_list(
        "case_id", "raised_by_id", "created_at"
    )
    for case_id, user_id, at in rows.iterator(chunk_size=2000):
        links.setdefault((case_id, user_id), at)
    CaseReferrer.objects.bulk_create(
        [CaseReferrer(case_id=c, user_id=u, added_at=at) for (c, u), at in links.items()],
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_referrer"),
        ("referrals", "0002_routing_rule_unique_priority"),
    ]

    operations = [migrations.RunPython(link_referrers, migrations.RunPython.noop)]
