"""The audit trail and case history over millions of rows, through the product's selectors.

Each figure runs what the API view runs for a persona, minus serialisation: the manager
(council ASB team) for the audit filters and the history, and the auditor (who reads the
whole trail, unscoped) for the actor filter that the (actor, timestamp) index serves.
``GET /api/v1/audit/?case=`` and ``?actor=&since=&until=`` are the reader's entries
(``workflows.history.audit_entries_for_user`` over ``cases.access.audit_scope``) narrowed by
the same filters, then a count and the first page of 50, as the paginator does;
``GET /api/v1/cases/{id}/history/`` is the need-to-know check, ``case_history`` and the
case's events (``notifications.selectors.case_events``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone

from bench import generate
from bench.benchmarks.report import referrals_ready
from bench.core import (
    BenchError,
    Context,
    Figure,
    benchmark,
    explain_calls,
    figure,
    percentile,
    seq_scans,
    statement_timeout,
    timed_out,
)
from cases.access import Visibility, audit_scope, is_auditor
from cases.api import visible_case_or_404
from cases.models import Case, CaseKind
from notifications.selectors import case_events
from workflows.history import audit_entries_for_user, audit_filter_case, case_history
from workflows.models import TransitionLog

PAGE = 50  # REST_FRAMEWORK["PAGE_SIZE"]
# Tables a sequential scan is worth naming on (the small ones are read whole by design).
LARGE_TABLES = {
    "auditlog_logentry",
    "workflows_transitionlog",
    "workflows_auditseal",
    "cases_case",
    "cases_caseagency",
    "referrals_referral",
    "notifications_outboxevent",
}
WINDOW = timedelta(days=30)
READER = "manager"
AUDITOR = "auditor"


def _page(qs: QuerySet[Any]) -> tuple[int, list[Any]]:
    """What the paginated list endpoint runs: a count, then one page."""
    return qs.count(), list(qs[:PAGE])


def _entries(user: Any) -> QuerySet[LogEntry]:
    return audit_entries_for_user(scope=audit_scope(user), everything=bool(is_auditor(user)))


def audit_filter_by_case(*, user: Any, case_id: int) -> tuple[int, list[Any]]:
    """``GET /api/v1/audit/?case=<id>`` as ``user``."""
    return _page(audit_filter_case(_entries(user), str(case_id)))


def audit_filter_by_actor(
    *, user: Any, actor: str, since: datetime, until: datetime
) -> tuple[int, list[Any]]:
    """``GET /api/v1/audit/?actor=<username>&since=...&until=...`` as ``user``."""
    return _page(
        _entries(user).filter(actor__username=actor, timestamp__gte=since, timestamp__lte=until)
    )


def case_history_read(*, user: Any, case_id: int) -> Any:
    """``GET /api/v1/cases/<id>/history/`` as ``user`` (the events read, not returned)."""
    case, visibility = visible_case_or_404(user, case_id)
    history = case_history(case=case, full=visibility is Visibility.FULL)
    list(case_events(case=case, user=user).order_by("occurred_at", "id"))
    return history


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


@benchmark("audit")
def audit(ctx: Context) -> list[Figure]:
    """p95 of the manager's audit filters (by case; by actor, 30 days) and a case history."""
    written, case_ids = audit_ready(ctx)
    actor_ids = ctx.state["audit"][2]
    reader = get_user_model().objects.get(username=READER)
    auditor = get_user_model().objects.get(username=AUDITOR)
    # The manager sees the cases their agency (the council's ASB team) leads: the ASB ones.
    visible = list(
        Case.objects.filter(id__in=case_ids, kind=CaseKind.ASB).values_list("id", flat=True)
    )
    if not visible:
        raise BenchError(f"no case the {READER} may see has audit rows: raise --audit-rows")
    actors = dict(get_user_model().objects.filter(id__in=actor_ids).values_list("id", "username"))
    rng = random.Random(88)
    now = timezone.now()
    log_ids, transition_ids = written["log_entries"], written["transition_logs"]

    def by_actor(user: Any) -> Callable[[], Any]:
        def call() -> None:
            until = now - generate.WINDOW_END - (generate.SPAN - WINDOW) * rng.random()
            audit_filter_by_actor(
                user=user, actor=actors[rng.choice(actor_ids)], since=until - WINDOW, until=until
            )

        return call

    sample_case = visible[len(visible) // 2]
    sample_actor = actors[actor_ids[len(actor_ids) // 2]]
    recent = now - generate.WINDOW_END  # the newest 30 days the generator fills
    subjects: list[tuple[str, str, Callable[[], Any], Callable[[], Any]]] = [
        (
            "audit.filter_by_case.p95",
            "the manager's audit trail for one case: count + first 50",
            lambda: audit_filter_by_case(user=reader, case_id=rng.choice(visible)),
            lambda: audit_filter_by_case(user=reader, case_id=sample_case),
        ),
        (
            "audit.filter_by_actor_30d.p95",
            "the manager's audit trail by actor over 30 days: count + first 50",
            by_actor(reader),
            lambda: audit_filter_by_actor(
                user=reader, actor=sample_actor, since=recent - WINDOW, until=recent
            ),
        ),
        (
            "audit.filter_by_actor_30d.auditor.p95",
            "the whole audit trail (auditor) by actor over 30 days: count + first 50",
            by_actor(auditor),
            lambda: audit_filter_by_actor(
                user=auditor, actor=sample_actor, since=recent - WINDOW, until=recent
            ),
        ),
        (
            "audit.case_history.p95",
            "one case's history as the manager reads it (transitions, audit, events)",
            lambda: case_history_read(user=reader, case_id=rng.choice(visible)),
            lambda: case_history_read(user=reader, case_id=sample_case),
        ),
    ]
    # Plans of the selectors' own SQL, and how many round trips each takes (the baseline
    # makes as many primary-key fetches). A reader whose query outruns the statement timeout
    # is reported as too slow, with its plan, rather than waited on for hours.
    explained: dict[str, tuple[list[str], int]] = {}
    too_slow: dict[str, tuple[list[str], int]] = {}
    runs: dict[str, list[float]] = {name: [] for name, *_ in subjects}
    base_runs: dict[str, list[float]] = {name: [] for name, *_ in subjects}
    with statement_timeout(ctx.options.query_timeout):
        for name, _label, _call, sample in subjects:
            try:
                sample()  # warm the content-type and role caches, as a running server has
                explained[name] = explain_calls(sample)
            except OperationalError as exc:
                if not timed_out(exc):
                    raise
                too_slow[name] = explain_calls(sample, analyze=False)
                print(f"  {name}: over {ctx.options.query_timeout:g} s, not measured", flush=True)
        for _ in range(ctx.options.runs):
            for name, _label, call, _sample in subjects:
                if name in too_slow:
                    continue
                queries = explained[name][1]
                samples, base = [], []
                try:
                    for _ in range(ctx.options.queries_per_run):
                        started = time.perf_counter()
                        call()
                        samples.append((time.perf_counter() - started) * 1000)
                        started = time.perf_counter()
                        pk_fetches(
                            n=queries, log_ids=log_ids, transition_ids=transition_ids, rng=rng
                        )
                        base.append((time.perf_counter() - started) * 1000)
                except OperationalError as exc:
                    if not timed_out(exc):
                        raise
                    too_slow[name] = explained[name]
                    runs[name], base_runs[name] = [], []
                    continue
                runs[name].append(percentile(samples, 95))
                base_runs[name].append(percentile(base, 95))

    figures = []
    rows = f"{written['transition_logs']:,} transition + {written['log_entries']:,} audit rows"
    for name, label, _call, _sample in subjects:
        plans, queries = too_slow.get(name) or explained[name]
        scans = seq_scans(plans)
        large = [t for t in scans if t in LARGE_TABLES]
        note = f"{label}; {rows}"
        if large:
            note += f"; SEQ SCAN on {', '.join(large)}"
        if name in too_slow:
            note = (
                f"not measured: a call ran past the {ctx.options.query_timeout:g} s statement "
                f"timeout ({label}; {rows}); its plan is in the results"
            )
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
                    "reader": AUDITOR if ".auditor." in name else READER,
                    "queries": queries,
                    "queries_per_run": ctx.options.queries_per_run,
                    "explain": plans,
                    "too_slow": name in too_slow,
                    "seq_scans": scans,
                    "cases_touched": written["cases_touched"],
                    "cases_visible_to_reader": len(visible),
                },
            )
        )
    return figures
