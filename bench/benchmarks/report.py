"""Committee report: crime types by ward, through the product's own selector.

``referrals.reports.crime_types_by_ward`` is what ``GET /api/v1/reports/crime-types-by-ward/``
runs: referrals per ward and category by the day they occurred, every figure rounded to base 5.
The figure asks it for the last 12 months of ASB and VAWG referrals, as a committee would.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.db import OperationalError
from django.utils import timezone

from bench import generate
from bench.core import (
    Context,
    Figure,
    benchmark,
    explain_calls,
    figure,
    statement_timeout,
    timed_out,
)
from referrals.models import Referral
from referrals.reports import REPORT_KINDS, CrimeTypeRow, crime_types_by_ward
from web.reports import ReportPeriod, rounding_base

LONDON = ZoneInfo("Europe/London")
KINDS = [code for code, _ in REPORT_KINDS]


def committee_report(*, occurred_from: date, occurred_to: date) -> list[CrimeTypeRow]:
    """The API's report, ASB and VAWG together, for the days given (inclusive): a span the
    API does not publish (it takes one month or quarter), measured here as the worst case."""
    span = ReportPeriod("bench", occurred_from, occurred_to)
    return crime_types_by_ward(period=span, kinds=KINDS).rows


def committee_report_baseline(*, occurred_from: date, occurred_to: date) -> int:
    """The floor under the report: count the same rows, with no grouping and no join."""
    since = datetime.combine(occurred_from, clock.min, tzinfo=LONDON)
    until = datetime.combine(occurred_to + timedelta(days=1), clock.min, tzinfo=LONDON)
    return Referral.objects.filter(
        kind__in=KINDS, occurred_at__gte=since, occurred_at__lt=until
    ).count()


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
    until = timezone.localdate()
    since = until - timedelta(days=365)
    try:
        with statement_timeout(ctx.options.query_timeout):
            return _measure(ctx, data, since=since, until=until)
    except OperationalError as exc:
        if not timed_out(exc):
            raise
    plans, _ = explain_calls(
        lambda: committee_report(occurred_from=since, occurred_to=until), analyze=False
    )
    return [
        figure(
            "report.crime_types_by_ward",
            "ms",
            "lower",
            [],
            "count(*) of the same rows",
            [],
            note=f"not measured: a query ran past the {ctx.options.query_timeout:g} s statement "
            f"timeout over {data['referrals']:,} referrals; its plan is in the results",
            detail={"explain": plans[0] if plans else "", "too_slow": True},
        )
    ]


def _measure(ctx: Context, data: dict[str, int], *, since: date, until: date) -> list[Figure]:
    report_ms: list[float] = []
    count_ms: list[float] = []
    committee_report(occurred_from=since, occurred_to=until)  # warm the cache for both
    for i in range(ctx.options.runs):
        # Alternate which goes first so neither always finds the other's pages cached.
        order = [("report", report_ms), ("count", count_ms)]
        for which, into in order if i % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            if which == "report":
                rows = committee_report(occurred_from=since, occurred_to=until)
            else:
                counted = committee_report_baseline(occurred_from=since, occurred_to=until)
            into.append((time.perf_counter() - started) * 1000)
    (plan,), _ = explain_calls(lambda: committee_report(occurred_from=since, occurred_to=until))
    (baseline_plan,), _ = explain_calls(
        lambda: committee_report_baseline(occurred_from=since, occurred_to=until)
    )
    return [
        figure(
            "report.crime_types_by_ward",
            "ms",
            "lower",
            report_ms,
            "count(*) of the same rows",
            count_ms,
            note=f"{len(rows)} ward/kind/category rows from {counted:,} ASB and VAWG referrals "
            f"(of {data['referrals']:,}) in the last 12 months",
            detail={
                "selector": "referrals.reports.crime_types_by_ward",
                "referrals_total": data["referrals"],
                "referrals_in_range": counted,
                "groups": len(rows),
                "rounded_to": rounding_base(),
                "explain": plan,
                "baseline_explain": baseline_plan,
                "seq_scan": "Seq Scan" in plan,
            },
        )
    ]
