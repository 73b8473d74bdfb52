"""Committee reports drawn from referrals, under statistical disclosure control.

The rules (fixed periods, every figure rounded to base 5) are ``web.reports``'s and are
explained, with their sources, in docs/reports.md. Two more belong to this report:

- VAWG figures are shown only to people whose work is VAWG (``sees_vawg_figures``): an
  auditor, or a manager of an agency VAWG referrals are routed to. Others see ASB only.
- FGM is never broken down by ward: its victims have lifelong anonymity (FGM Act 2003 s4A
  and Schedule 1), and a ward is small enough to point at a family. It is published once,
  for the whole partnership.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from cases.access import is_auditor
from cases.catalogue import category
from cases.models import CaseKind
from partners.models import Agency, Role
from partners.selectors import user_agency_ids
from referrals.models import Referral, RoutingRule
from referrals.selectors import DEFAULT_LEAD_KIND
from web.reports import ReportPeriod, rounded, rounding_base

# Incidents only: an early-release case is a person leaving prison, not a crime reported.
REPORT_KINDS = [
    (CaseKind.ASB.value, CaseKind.ASB.label),
    (CaseKind.VAWG.value, CaseKind.VAWG.label),
]
# Categories published for the partnership as a whole, never by ward, and why.
NOT_BY_WARD = {
    (CaseKind.VAWG.value, "fgm"): "FGM victims have lifelong anonymity (FGM Act 2003 s4A).",
}
ALL_WARDS = "All wards"
VAWG_FIGURES_REFUSED = (
    "VAWG figures are shown only to auditors and to managers of the agencies VAWG referrals go to."
)


@dataclass(frozen=True)
class CrimeTypeRow:
    ward_code: str  # "" for a category published for the whole partnership
    ward_name: str
    kind: str
    category: str
    category_label: str
    police_uk_category: str
    count: int  # rounded to the base


@dataclass(frozen=True)
class WardTotal:
    ward_code: str
    ward_name: str
    count: int  # rounded from the ward's true total, not summed from rounded rows


@dataclass
class CrimeTypesReport:
    period: ReportPeriod
    kinds: list[str]
    rounding_base: int
    rows: list[CrimeTypeRow] = field(default_factory=list)
    ward_totals: list[WardTotal] = field(default_factory=list)
    total: int = 0


def sees_vawg_figures(user: Any) -> bool:
    """Whether ``user`` may see VAWG figures in reports at all: an auditor, or a manager of
    an agency VAWG referrals go to (named by a routing rule, or of the kind that receives
    them when no rule matches: ``route_referral``). A manager elsewhere (the council's ASB
    team, fire) sees ASB figures only."""
    if is_auditor(user):
        return True
    managed = user_agency_ids(user, [Role.MANAGER])
    if not managed:
        return False
    routed = RoutingRule.objects.filter(kind=CaseKind.VAWG, is_active=True).values("agency_id")
    return (
        Agency.objects.filter(pk__in=managed)
        .filter(Q(pk__in=routed) | Q(kind=DEFAULT_LEAD_KIND[CaseKind.VAWG]))
        .exists()
    )


def report_kinds(user: Any) -> list[tuple[str, str]]:
    """The kinds ``user`` may ask the crime-types report for."""
    vawg = sees_vawg_figures(user)
    return [(k, label) for k, label in REPORT_KINDS if vawg or k != CaseKind.VAWG]


def crime_types_by_ward(*, period: ReportPeriod, kinds: list[str]) -> CrimeTypesReport:
    """Referrals per ward and category that occurred in ``period`` (London time), every
    figure rounded to the base and figures that round to 0 left out; one GROUP BY query.

    Each total is rounded from its own true value, so a total may differ from the sum of its
    rounded rows by a few: the ONS convention, which keeps totals as accurate as the rows.
    """
    base = rounding_base()
    grouped = (
        Referral.objects.filter(
            kind__in=kinds, occurred_at__gte=period.starts_at, occurred_at__lt=period.ends_at
        )
        .values("ward__code", "ward__name", "kind", "category")
        .annotate(n=Count("id"))
        .order_by("ward__code", "kind", "category")
    )
    by_ward: list[tuple[str, str, str, str, int]] = []
    partnership: dict[tuple[str, str], int] = defaultdict(int)
    ward_totals: dict[tuple[str, str], int] = defaultdict(int)
    total = 0
    for g in grouped:
        key = (g["kind"], g["category"])
        total += g["n"]
        if key in NOT_BY_WARD:
            partnership[key] += g["n"]
            continue
        by_ward.append((g["ward__code"], g["ward__name"], g["kind"], g["category"], g["n"]))
        ward_totals[(g["ward__code"], g["ward__name"])] += g["n"]
    rows = [
        _row(code, name, kind, cat, n, base)
        for code, name, kind, cat, n in [
            *by_ward,
            *(("", ALL_WARDS, kind, cat, n) for (kind, cat), n in sorted(partnership.items())),
        ]
        if rounded(n, base)
    ]
    return CrimeTypesReport(
        period=period,
        kinds=kinds,
        rounding_base=base,
        rows=rows,
        ward_totals=[
            WardTotal(code, name, rounded(n, base))
            for (code, name), n in sorted(ward_totals.items())
            if rounded(n, base)
        ],
        total=rounded(total, base),
    )


def _row(code: str, name: str, kind: str, cat_code: str, n: int, base: int) -> CrimeTypeRow:
    cat = category(kind, cat_code)
    return CrimeTypeRow(
        ward_code=code,
        ward_name=name,
        kind=kind,
        category=cat_code,
        category_label=cat.label if cat else cat_code,
        police_uk_category=cat.police_uk if cat else "",
        count=rounded(n, base),
    )
