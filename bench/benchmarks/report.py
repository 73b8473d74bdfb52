"""Committee report: crime types by ward over the generated referrals.

The query is written here because the report's selector belongs to the API work (issue 6,
``GET /api/v1/reports/crime-types-by-ward/``); once it is merged, ``committee_report``
should call that selector instead so the figure measures the shipped code.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from bench import generate
from bench.core import Context, Figure, benchmark, explain_sql, figure
from referrals.models import Referral

SUPPRESS_BELOW = 5  # DOMAIN.md: small numbers are published as "<5"


def committee_report(*, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Referrals per ward, kind and category in [since, until), small counts suppressed."""
    rows = (
        Referral.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .values("ward__code", "ward__name", "kind", "category")
        .annotate(count=Count("id"))
        .order_by("ward__name", "kind", "category")
    )
    return [
        {
            "ward_code": r["ward__code"],
            "ward_name": r["ward__name"],
            "kind": r["kind"],
            "category": r["category"],
            "count": None if r["count"] < SUPPRESS_BELOW else r["count"],
            "suppressed": r["count"] < SUPPRESS_BELOW,
        }
        for r in rows
    ]


def committee_report_baseline(*, since: datetime, until: datetime) -> int:
    """The floor under the report: count the same rows, with no grouping and no join."""
    return Referral.objects.filter(occurred_at__gte=since, occurred_at__lt=until).count()


def referrals_ready(ctx: Context) -> dict[str, int]:
    """Generate the referral data set once per invocation, at the size asked for."""
    if "referrals" not in ctx.state:
        partnership = generate.partnership_ensure(actors=ctx.options.actors)
        started = time.perf_counter()
        written = ctx.options.reuse_data and generate.referrals_present(count=ctx.options.referrals)
        if not written:
            written = generate.referrals_generate(
                count=ctx.options.referrals, partnership=partnership
            )
        written["seconds"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
        ctx.state["referrals"] = written
        print(f"  {'reused' if 'reused' in written else 'generated'} {written}", flush=True)
    data: dict[str, int] = ctx.state["referrals"]
    return data


@benchmark("report")
def report(ctx: Context) -> list[Figure]:
    """Committee report "crime types by ward" over the last 12 months of referrals."""
    data = referrals_ready(ctx)
    until = timezone.now()
    since = until - timedelta(days=365)
    report_ms: list[float] = []
    count_ms: list[float] = []
    committee_report(since=since, until=until)  # warm the cache once for both queries
    for i in range(ctx.options.runs):
        # Alternate which goes first so neither always finds the other's pages cached.
        order = [("report", report_ms), ("count", count_ms)]
        for which, into in order if i % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            if which == "report":
                rows = committee_report(since=since, until=until)
            else:
                counted = committee_report_baseline(since=since, until=until)
            into.append((time.perf_counter() - started) * 1000)
    plan = (
        Referral.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .values("ward__code", "ward__name", "kind", "category")
        .annotate(count=Count("id"))
        .order_by("ward__name", "kind", "category")
        .explain(analyze=True, buffers=True)
    )
    baseline_plan = explain_sql(
        "SELECT count(*) FROM referrals_referral WHERE occurred_at >= %s AND occurred_at < %s",
        [since, until],
    )
    return [
        figure(
            "report.crime_types_by_ward",
            "ms",
            "lower",
            report_ms,
            "count(*) of the same rows",
            count_ms,
            note=f"{len(rows)} ward/kind/category rows from {counted:,} referrals "
            f"(of {data['referrals']:,}) in the last 12 months",
            detail={
                "referrals_total": data["referrals"],
                "referrals_in_range": counted,
                "groups": len(rows),
                "suppressed_groups": sum(1 for r in rows if r["suppressed"]),
                "explain": plan,
                "baseline_explain": baseline_plan,
                "seq_scan": "Seq Scan" in plan,
            },
        )
    ]
