"""Committee reports drawn from referrals, with small numbers suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count

from cases.catalogue import category
from referrals.models import Referral

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class CrimeTypeRow:
    ward_code: str
    ward_name: str
    kind: str
    category: str
    category_label: str
    police_uk_category: str
    count: int | None  # None when suppressed
    suppressed: bool


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def crime_types_by_ward(
    *, occurred_from: date | None, occurred_to: date | None, kinds: list[str]
) -> list[CrimeTypeRow]:
    """Referrals per ward and category, by the day (Europe/London, inclusive) they occurred.

    One GROUP BY query. A count below REPORT_SUPPRESSION_THRESHOLD is withheld (count None,
    suppressed True) so that a victim cannot be identified from a small number.
    """
    referrals = Referral.objects.filter(kind__in=kinds)
    if occurred_from is not None:
        referrals = referrals.filter(occurred_at__gte=_local_midnight(occurred_from))
    if occurred_to is not None:
        referrals = referrals.filter(
            occurred_at__lt=_local_midnight(occurred_to + timedelta(days=1))
        )
    grouped = (
        referrals.values("ward__code", "ward__name", "kind", "category")
        .annotate(n=Count("id"))
        .order_by("ward__code", "kind", "category")
    )
    threshold = settings.REPORT_SUPPRESSION_THRESHOLD
    rows = []
    for g in grouped:
        cat = category(g["kind"], g["category"])
        suppressed = g["n"] < threshold
        rows.append(
            CrimeTypeRow(
                ward_code=g["ward__code"],
                ward_name=g["ward__name"],
                kind=g["kind"],
                category=g["category"],
                category_label=cat.label if cat else g["category"],
                police_uk_category=cat.police_uk if cat else "",
                count=None if suppressed else g["n"],
                suppressed=suppressed,
            )
        )
    return rows
