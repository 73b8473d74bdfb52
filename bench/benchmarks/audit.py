"""Audit queries over millions of TransitionLog and LogEntry rows.

The filters are written here as the manager's audit page would run them (a count and the
first page of 50, newest first, from both tables) because the selector belongs to the API
work (issue 6, ``GET /api/v1/audit/`` and ``GET /api/v1/cases/{id}/history/``); switch to
those selectors once merged. They are unscoped (an auditor's view): a manager's view adds
a restriction to their agency's cases on top.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from bench import generate
from bench.benchmarks.report import referrals_ready
from bench.core import Context, Figure, benchmark, figure, percentile
from cases.models import Case
from workflows.models import TransitionLog

PAGE = 50
WINDOW = timedelta(days=30)


def _page(qs: QuerySet[Any]) -> tuple[int, list[Any]]:
    """What a paginated list endpoint runs: a count, then one page."""
    return qs.count(), list(qs[:PAGE])


def audit_by_case_querysets(*, case_id: int) -> list[QuerySet[Any]]:
    case_ct = ContentType.objects.get_for_model(Case)
    return [
        LogEntry.objects.filter(content_type=case_ct, object_id=case_id).order_by("-timestamp"),
        TransitionLog.objects.filter(case_id=case_id).order_by("-seq"),
    ]


def audit_by_actor_querysets(
    *, actor_id: int, since: datetime, until: datetime
) -> list[QuerySet[Any]]:
    return [
        LogEntry.objects.filter(
            actor_id=actor_id, timestamp__gte=since, timestamp__lt=until
        ).order_by("-timestamp"),
        TransitionLog.objects.filter(actor_id=actor_id, at__gte=since, at__lt=until).order_by(
            "-at"
        ),
    ]


def case_history_querysets(*, case_id: int) -> list[QuerySet[Any]]:
    case_ct = ContentType.objects.get_for_model(Case)
    return [
        TransitionLog.objects.filter(case_id=case_id).order_by("seq"),
        LogEntry.objects.filter(content_type=case_ct, object_id=case_id).order_by("timestamp"),
    ]


def audit_filter_by_case(*, case_id: int) -> list[tuple[int, list[Any]]]:
    return [_page(qs) for qs in audit_by_case_querysets(case_id=case_id)]


def audit_filter_by_actor(
    *, actor_id: int, since: datetime, until: datetime
) -> list[tuple[int, list[Any]]]:
    return [
        _page(qs) for qs in audit_by_actor_querysets(actor_id=actor_id, since=since, until=until)
    ]


def case_history(*, case_id: int) -> list[list[Any]]:
    return [list(qs) for qs in case_history_querysets(case_id=case_id)]


def pk_fetches(*, n: int, log_ids: int, transition_ids: int, rng: random.Random) -> None:
    """The baseline: ``n`` primary-key fetches, alternating the two tables."""
    for i in range(n):
        if i % 2 == 0:
            list(LogEntry.objects.filter(pk=rng.randint(1, log_ids)))
        else:
            list(TransitionLog.objects.filter(pk=rng.randint(1, transition_ids)))


def audit_ready(ctx: Context) -> tuple[dict[str, int], list[int]]:
    if "audit" not in ctx.state:
        referrals_ready(ctx)
        partnership = generate.partnership_ensure(actors=ctx.options.actors)
        started = time.perf_counter()
        present = ctx.options.reuse_data and generate.audit_present(count=ctx.options.audit_rows)
        written, case_ids = present or generate.audit_generate(
            count=ctx.options.audit_rows, partnership=partnership
        )
        written["seconds"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
        print(f"  {'reused' if 'reused' in written else 'generated'} {written}", flush=True)
        ctx.state["audit"] = (written, case_ids, partnership.actor_ids)
    written, case_ids, _ = ctx.state["audit"]
    return written, case_ids


def _explain(querysets: list[QuerySet[Any]], *, paged: bool = True) -> list[str]:
    return [(qs[:PAGE] if paged else qs).explain(analyze=True, buffers=True) for qs in querysets]


def _seq_scans(plans: list[str]) -> list[str]:
    return sorted(
        {
            line.split("Seq Scan on ", 1)[1].split()[0]
            for p in plans
            for line in p.splitlines()
            if "Seq Scan on " in line
        }
    )


@benchmark("audit")
def audit(ctx: Context) -> list[Figure]:
    """p95 of the audit filters (by case; by actor and 30 days) and of a case history read."""
    written, case_ids = audit_ready(ctx)
    actor_ids = ctx.state["audit"][2]
    rng = random.Random(88)
    now = timezone.now()
    log_ids, transition_ids = written["log_entries"], written["transition_logs"]

    def by_actor() -> None:
        until = now - generate.WINDOW_END - (generate.SPAN - WINDOW) * rng.random()
        audit_filter_by_actor(actor_id=rng.choice(actor_ids), since=until - WINDOW, until=until)

    subjects: list[tuple[str, str, Callable[[], Any], int]] = [
        (
            "audit.filter_by_case.p95",
            "by case: count + first 50, both tables",
            lambda: audit_filter_by_case(case_id=rng.choice(case_ids)),
            4,
        ),
        (
            "audit.filter_by_actor_30d.p95",
            "by actor, 30 days: count + first 50, both tables",
            by_actor,
            4,
        ),
        (
            "audit.case_history.p95",
            "one case's TransitionLog + LogEntry rows",
            lambda: case_history(case_id=rng.choice(case_ids)),
            2,
        ),
    ]
    runs: dict[str, list[float]] = {name: [] for name, *_ in subjects}
    base_runs: dict[str, list[float]] = {name: [] for name, *_ in subjects}
    for _ in range(ctx.options.runs):
        for name, _label, call, queries in subjects:
            samples, base = [], []
            for _ in range(ctx.options.queries_per_run):
                started = time.perf_counter()
                call()
                samples.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                pk_fetches(n=queries, log_ids=log_ids, transition_ids=transition_ids, rng=rng)
                base.append((time.perf_counter() - started) * 1000)
            runs[name].append(percentile(samples, 95))
            base_runs[name].append(percentile(base, 95))

    sample_case = case_ids[len(case_ids) // 2]
    sample_actor = actor_ids[len(actor_ids) // 2]
    recent = now - generate.WINDOW_END  # the newest 30 days the generator fills
    plans = {
        "audit.filter_by_case.p95": _explain(audit_by_case_querysets(case_id=sample_case)),
        "audit.filter_by_actor_30d.p95": _explain(
            audit_by_actor_querysets(actor_id=sample_actor, since=recent - WINDOW, until=recent)
        ),
        "audit.case_history.p95": _explain(
            case_history_querysets(case_id=sample_case), paged=False
        ),
    }
    figures = []
    for name, label, _call, queries in subjects:
        scans = _seq_scans(plans[name])
        rows = f"{written['transition_logs']:,} transition + {written['log_entries']:,} audit rows"
        note = f"{label}; {rows}"
        if scans:
            note += f"; SEQ SCAN on {', '.join(scans)}"
        figures.append(
            figure(
                name,
                "ms",
                "lower",
                runs[name],
                f"{queries} primary-key fetches",
                base_runs[name],
                note=note,
                detail={
                    "queries_per_run": ctx.options.queries_per_run,
                    "explain": plans[name],
                    "seq_scans": scans,
                    "cases_touched": written["cases_touched"],
                },
            )
        )
    return figures
