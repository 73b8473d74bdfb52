"""Breach scan: the real scanner over a million open deadlines, and how late it notices.

Two figures, both from ``workflows.sla.deadlines_scan`` as beat's task calls it:

- **one pass**: with ``--deadlines`` open deadlines of which ``--due-deadlines`` are due,
  the time of one whole scan pass (it breaches every due row and writes one
  ``deadline.breached`` outbox row each), beside a primary-key range read of the same
  number of rows. Each run re-arms a fresh set of rows as due. The breach query's EXPLAIN
  (ANALYZE) is stored: it must read the partial index ``deadline_breach_due``.
- **detection lag**: rows armed to fall due at times spread over the next ``--lag-window``
  seconds, while the scanner runs on beat's cadence (every 15 s). The breach event's
  ``occurred_at`` is the due time by design, so the lag is measured on the wall clock: when
  the outbox row was committed, minus its due time. The baseline is the part of it no
  scanner can avoid at that cadence: the wait from the due time to the next pass's start.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from bench import generate
from bench.core import BenchError, Context, Figure, benchmark, figure, percentile
from notifications.models import OutboxEvent
from workflows.actions import deadlines_scan
from workflows.actions.scan import _breach_due
from workflows.models import Deadline

SCAN_TASK = "workflows.scan_deadlines"
PARTIAL_INDEX = "deadline_breach_due"


def beat_interval() -> float:
    """How often beat runs the scanner, from the product's one beat schedule."""
    from config.celery import BEAT_SCHEDULE

    for entry in BEAT_SCHEDULE.values():
        if entry["task"] == SCAN_TASK:
            return float(entry["schedule"])  # type: ignore[arg-type]
    raise BenchError(f"the beat schedule has no {SCAN_TASK} entry")


def breach_plan(*, now: datetime) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the scanner's breach claim, exactly as it runs it.

    ANALYZE really takes the row locks, so it runs in a transaction that is rolled back.
    """
    with transaction.atomic():
        claim = (
            _breach_due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("policy", "responsible_agency")[: settings.SLA_SCAN_BATCH_SIZE]
        )
        plan = claim.explain(analyze=True, buffers=True)
        transaction.set_rollback(True)
    return plan


def pk_range_read(*, first: int, count: int) -> int:
    """The baseline: ``count`` deadlines by a primary-key range, as model instances."""
    return len(list(Deadline.objects.filter(pk__gte=first, pk__lt=first + count)))


def _take(pool: Iterator[int], n: int) -> list[int]:
    ids = [next(pool, 0) for _ in range(n)]
    if 0 in ids:
        raise BenchError("not enough deadlines left to arm: raise --deadlines")
    return ids


@dataclass
class BreachClock:
    """Wall-clock times of the breach events the scanner writes while connected."""

    current_pass: int = -1
    committed: dict[int, float] = field(default_factory=dict)  # deadline id -> time.time()
    pass_of: dict[int, int] = field(default_factory=dict)  # deadline id -> pass number

    def on_event(self, sender: Any, instance: OutboxEvent, created: bool, **kwargs: Any) -> None:
        if not created or instance.type != "deadline.breached":
            return
        deadline_id = int(instance.data["deadline"])
        self.pass_of[deadline_id] = self.current_pass

        def visible() -> None:  # committed: the relay can see it from now on
            self.committed.setdefault(deadline_id, time.time())

        transaction.on_commit(visible)

    def __enter__(self) -> BreachClock:
        post_save.connect(self.on_event, sender=OutboxEvent, dispatch_uid="bench-breach-clock")
        return self

    def __exit__(self, *exc: object) -> None:
        post_save.disconnect(sender=OutboxEvent, dispatch_uid="bench-breach-clock")


@dataclass
class LagRun:
    lags: list[float]  # seconds, due time to breach row committed
    waits: list[float]  # seconds, due time to the start of the pass that breached it
    missed: int


def detection_lag(
    *, runs: int, per_run: int, window: float, interval: float, pool: Iterator[int]
) -> tuple[list[LagRun], list[float]]:
    """Arm ``runs`` sets of rows due over consecutive windows; scan every ``interval`` s.

    Returns each run's lags and waits, and every pass's duration in seconds.
    """
    rng = random.Random(generate.SEED + 4)
    first_pass = time.time() + 1.0
    armed: list[dict[int, float]] = []
    for r in range(runs):
        ids = _take(pool, per_run)
        due = [first_pass + (r + rng.random()) * window for _ in ids]
        generate.deadlines_arm(ids=ids, due_at=[datetime.fromtimestamp(t, tz=UTC) for t in due])
        armed.append(dict(zip(ids, due, strict=True)))
    wanted = {i for run in armed for i in run}
    # Long enough for the last row to fall due and one more pass to find it, with slack.
    give_up = first_pass + runs * window + 3 * interval
    pass_started: list[float] = []
    durations: list[float] = []
    with BreachClock() as clock:
        while not wanted <= clock.committed.keys() and time.time() < give_up:
            delay = first_pass + len(pass_started) * interval - time.time()
            if delay > 0:
                time.sleep(delay)
            clock.current_pass = len(pass_started)
            pass_started.append(time.time())
            deadlines_scan()
            durations.append(time.time() - pass_started[-1])
    results = []
    for run in armed:
        seen = [i for i in run if i in clock.committed]
        results.append(
            LagRun(
                lags=[clock.committed[i] - run[i] for i in seen],
                waits=[pass_started[clock.pass_of[i]] - run[i] for i in seen],
                missed=len(run) - len(seen),
            )
        )
    return results, durations


def scan_ready(ctx: Context) -> tuple[dict[str, int], Iterator[int]]:
    opts = ctx.options
    needed = opts.deadlines_due * (2 * opts.runs)  # the first set comes generated
    if needed > opts.deadlines:
        raise BenchError(
            f"--deadlines {opts.deadlines:,} is too few to arm {opts.runs} runs of "
            f"--due-deadlines {opts.deadlines_due:,} twice (pass and lag): need {needed:,}"
        )
    partnership = generate.partnership_ensure(actors=opts.actors)
    started = time.perf_counter()
    written, not_due = generate.deadlines_generate(
        count=opts.deadlines, due=opts.deadlines_due, partnership=partnership
    )
    written["seconds"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
    print(f"  generated {written}", flush=True)
    return written, iter(not_due)


@benchmark("scan")
def scan(ctx: Context) -> list[Figure]:
    """One breach-scan pass over 1,000,000 open deadlines (1,000 due); detection lag."""
    opts = ctx.options
    written, pool = scan_ready(ctx)
    due, total = opts.deadlines_due, written["deadlines"]
    plan = breach_plan(now=timezone.now())
    rng = random.Random(generate.SEED + 5)
    pass_ms: list[float] = []
    base_ms: list[float] = []
    breached: list[int] = []
    failed: list[int] = []
    for r in range(opts.runs):
        if r:  # the first set of due rows comes from the generator
            now = timezone.now()
            ids = _take(pool, due)
            generate.deadlines_arm(
                ids=ids, due_at=[now - generate.DUE_SPAN * rng.random() for _ in ids]
            )
        order = ["scan", "baseline"] if r % 2 == 0 else ["baseline", "scan"]
        for which in order:
            started = time.perf_counter()
            if which == "scan":
                result = deadlines_scan()
                pass_ms.append((time.perf_counter() - started) * 1000)
                breached.append(result.breached)
                failed.append(result.failed + result.busy)
            else:
                pk_range_read(first=rng.randint(1, total - due + 1), count=due)
                base_ms.append((time.perf_counter() - started) * 1000)
        print(f"  pass {r + 1}: {pass_ms[-1]:.0f} ms, breached {breached[-1]}", flush=True)
    # An index scan or a bitmap index scan: the plan names the index only when it reads it.
    uses_index = PARTIAL_INDEX in plan
    note = f"{due:,} due of {total:,} open deadlines; breached {breached} per pass"
    if any(failed):
        note += f"; FAILED or busy rows {failed}"
    if not uses_index:
        note += f"; the breach query did NOT use {PARTIAL_INDEX}"

    interval = opts.scan_interval or beat_interval()
    print(
        f"  detection lag: {opts.runs} x {due} rows due over {opts.lag_window:g} s each, "
        f"a scan every {interval:g} s",
        flush=True,
    )
    lag_runs, durations = detection_lag(
        runs=opts.runs, per_run=due, window=opts.lag_window, interval=interval, pool=pool
    )
    if not all(r.lags for r in lag_runs):
        raise BenchError("a detection-lag run saw no breach event: is the scanner writing?")
    missed = sum(r.missed for r in lag_runs)
    cadence = "beat" if opts.scan_interval is None else "--scan-interval"
    lag_note = (
        f"{cadence} every {interval:g} s; {due} rows per run due over {opts.lag_window:g} s; "
        f"pass {1000 * min(durations):.0f}-{1000 * max(durations):.0f} ms"
    )
    if missed:
        lag_note += f"; {missed} row(s) never breached"
    lag_detail = {
        "scan_interval_s": interval,
        "beat_interval_s": beat_interval(),
        "window_s": opts.lag_window,
        "rows_per_run": due,
        "missed": [r.missed for r in lag_runs],
        "pass_seconds": [round(d, 4) for d in durations],
        "max_lag_s": [max(r.lags) for r in lag_runs],
    }
    return [
        figure(
            "scan.breach_pass",
            "ms",
            "lower",
            pass_ms,
            f"primary-key range read of {due:,} rows",
            base_ms,
            note=note,
            detail={
                "deadlines": total,
                "due": due,
                "cases": written["cases"],
                "batch_size": settings.SLA_SCAN_BATCH_SIZE,
                "breached": breached,
                "failed_or_busy": failed,
                "partial_index_used": uses_index,
                "explain": plan,
            },
        ),
        *(
            figure(
                f"scan.detection_lag.p{q}",
                "s",
                "lower",
                [percentile(r.lags, q) for r in lag_runs],
                f"wait for the next pass p{q}",
                [percentile(r.waits, q) for r in lag_runs],
                note=lag_note,
                detail=lag_detail,
            )
            for q in (50, 99)
        ),
    ]
