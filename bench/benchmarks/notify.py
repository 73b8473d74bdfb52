"""Notification latency and the Celery worker's memory, through RabbitMQ to a real worker.

Measured now: the baseline, a no-op task's send-to-start latency at a steady rate, on a
fresh ``celery worker`` subprocess per run. The product figure, "transition committed to
webhook received", needs the outbox relay and deliveries (issue 4); its driver is
``transition_to_webhook_latency`` below, registered once that work is merged.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

from bench import generate
from bench.core import BenchError, Context, Figure, benchmark, figure, percentile
from bench.procs import CeleryWorker, process_memory
from cases.models import CaseKind

BASELINE_NAME = "Celery no-op send-to-start"
NOT_INSTALLED = "not measured: notifications relay not installed (issue 4)"
WARMUP_TASKS = 10
ARRIVAL_TIMEOUT = 60.0


class StartListener:
    """Collects the no-op task's ``<token> <seq> <started>`` datagrams for one run."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.started: dict[int, float] = {}
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="start-listener", daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(256)
            except TimeoutError:
                continue
            try:
                token, seq, started = data.decode().split()
                number, at = int(seq), float(started)
            except ValueError:
                continue  # not one of ours: anything may send to a loopback port
            if token != self.token:
                continue  # a task left over from an earlier, interrupted run
            with self._changed:
                self.started[number] = at
                self._changed.notify_all()

    def wait_for(self, seqs: range, timeout: float) -> int:
        """Wait until every seq has started or ``timeout``; returns how many never did."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while any(s not in self.started for s in seqs) and time.monotonic() < deadline:
                self._changed.wait(timeout=max(0.0, deadline - time.monotonic()))
            return sum(1 for s in seqs if s not in self.started)

    def __enter__(self) -> StartListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


def paced(count: int, rate: float, action: Callable[[int], None]) -> float:
    """Call ``action(i)`` for i in 0..count-1 at a steady ``rate`` per second.

    The schedule is fixed in advance (i / rate after the start), so a slow call is caught
    up on rather than shifting every later one. Returns the achieved rate.
    """
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        action(i)
    elapsed = time.monotonic() - start
    return count / elapsed if elapsed > 0 else float("inf")


def queue_purge(queue: str) -> None:
    """Drop messages an interrupted earlier run left on the bench queue."""
    from amqp.exceptions import NotFound

    from config.celery import app

    # NotFound: never declared, so nothing to drop.
    with app.connection_for_write() as conn, contextlib.suppress(NotFound):
        cast(Any, conn.default_channel).queue_purge(queue)


@dataclass
class NoopRun:
    latencies_ms: list[float] = field(default_factory=list)
    lost: int = 0
    rate: float = 0.0
    idle_mib: float = 0.0
    peak_mib: float = 0.0


def noop_run(ctx: Context, *, count: int) -> NoopRun:
    """One run: a fresh worker, a warm-up, then ``count`` no-op tasks at the steady rate."""
    from bench.baseline.tasks import noop

    opts = ctx.options
    queue_purge(ctx.services.queue)
    result = NoopRun()
    with (
        StartListener() as listener,
        CeleryWorker(queue=ctx.services.queue, concurrency=opts.worker_concurrency) as worker,
    ):
        sent: dict[int, float] = {}

        def send(seq: int) -> None:
            sent[seq] = time.time()
            noop.apply_async((listener.token, seq, listener.port), queue=ctx.services.queue)

        # The worker is ready when its warm-up tasks have run; this also opens the
        # producer's connection, so the measured sends do not pay for it.
        paced(WARMUP_TASKS, opts.task_rate, lambda i: send(-1 - i))
        if listener.wait_for(range(-WARMUP_TASKS, 0), ARRIVAL_TIMEOUT):
            worker.check_alive()
            raise BenchError(f"the Celery worker ran no warm-up task; see {worker.log_path}")
        result.idle_mib = max(process_memory(p).rss_mib for p in worker.process_pids())
        result.rate = paced(count, opts.task_rate, send)
        result.lost = listener.wait_for(range(count), ARRIVAL_TIMEOUT)
        worker.check_alive()
        result.peak_mib = max(process_memory(p).peak_mib for p in worker.process_pids())
        result.latencies_ms = [
            (listener.started[s] - sent[s]) * 1000 for s in range(count) if s in listener.started
        ]
    if not result.latencies_ms:
        raise BenchError("no no-op task started: nothing to measure")
    return result


@benchmark("notify", needs_broker=True)
def notify(ctx: Context) -> list[Figure]:
    """Celery no-op send-to-start p50/p95/p99 at a steady rate; worker peak RSS."""
    runs = []
    for i in range(ctx.options.runs):
        runs.append(noop_run(ctx, count=ctx.options.tasks_per_run))
        print(
            f"  run {i + 1}: no-op p50 {percentile(runs[-1].latencies_ms, 50):.2f} ms, "
            f"{runs[-1].rate:.0f}/s, lost {runs[-1].lost}",
            flush=True,
        )
    lost = sum(r.lost for r in runs)
    lost_note = f"; {lost} no-op task(s) never reported a start" if lost else ""
    figures = [
        figure(
            f"notify.transition_to_webhook.p{q}",
            "ms",
            "lower",
            [],
            f"{BASELINE_NAME} p{q}",
            [percentile(r.latencies_ms, q) for r in runs],
            note=NOT_INSTALLED + lost_note,
            detail={
                "tasks_per_run": ctx.options.tasks_per_run,
                "rate_per_s": [round(r.rate, 1) for r in runs],
                "lost": [r.lost for r in runs],
            },
        )
        for q in (50, 95, 99)
    ]
    figures.append(
        figure(
            "memory.celery_worker.noop",
            "MiB",
            "lower",
            [r.peak_mib for r in runs],
            "same worker idle after warm-up",
            [r.idle_mib for r in runs],
            note=f"largest process of the worker (main + {ctx.options.worker_concurrency} "
            f"prefork children), VmHWM vs VmRSS{lost_note}",
        )
    )
    return figures


# Configures the lead agency's webhook endpoint: (agency_code, url, secret) -> None.
Subscribe = Callable[[str, str, str], None]


def _webhook_run(
    ctx: Context, *, partnership: generate.Partnership, by: Any, subscribe: Subscribe
) -> tuple[list[float], int, int]:
    """One run of the product figure: (latencies in ms, webhooks lost, duplicates)."""
    from bench.webhooks import WebhookTimingReceiver
    from cases.models import Case
    from notifications.signing import generate_webhook_secret
    from workflows.services import case_transition

    opts = ctx.options
    case_ids = generate.asb_cases_append(count=opts.tasks_per_run, partnership=partnership)
    references = dict(Case.objects.filter(id__in=case_ids).values_list("id", "reference"))
    secret = generate_webhook_secret()
    committed: dict[str, float] = {}

    def transition(i: int) -> None:
        case_transition(
            case_id=case_ids[i], name="triage", by=by, reason="Triaged by the benchmark."
        )
        committed[references[case_ids[i]]] = time.time()

    with (
        WebhookTimingReceiver(secret) as receiver,
        CeleryWorker(queue=ctx.services.queue, concurrency=opts.worker_concurrency),
    ):
        subscribe(generate.LEAD_AGENCY[CaseKind.ASB], receiver.url, secret)
        paced(len(case_ids), opts.task_rate, transition)
        missing = receiver.wait_for(
            set(committed), event_type="case.transitioned", timeout=ARRIVAL_TIMEOUT
        )
        arrivals = receiver.first_arrivals(event_type="case.transitioned")
        duplicates = receiver.duplicates()
    latencies = [
        (arrivals[ref].received_at - at) * 1000 for ref, at in committed.items() if ref in arrivals
    ]
    return latencies, len(missing), duplicates


def transition_to_webhook_latency(ctx: Context, *, subscribe: Subscribe) -> list[Figure]:
    """Transition committed to webhook received, p50/p95/p99, beside the no-op baseline.

    Each run: fresh ASB cases, a webhook endpoint for their lead agency pointing at a
    loopback receiver, a fresh worker, then one ``triage`` per case at the steady rate
    through the one transition service. The clock starts when ``case_transition`` has
    returned (the transaction committed) and stops when the signed webhook arrives.
    Registered (``@benchmark``) once issue 4's relay and deliveries are merged; the caller
    supplies ``subscribe`` from that code.
    """
    from django.contrib.auth import get_user_model

    partnership = generate.partnership_ensure(actors=ctx.options.actors)
    coordinator = get_user_model().objects.get(username="asb_coordinator")
    runs: list[list[float]] = []
    baseline: list[NoopRun] = []
    lost = duplicates = 0
    for _ in range(ctx.options.runs):
        baseline.append(noop_run(ctx, count=ctx.options.tasks_per_run))
        latencies, run_lost, run_duplicates = _webhook_run(
            ctx, partnership=partnership, by=coordinator, subscribe=subscribe
        )
        runs.append(latencies)
        lost += run_lost
        duplicates += run_duplicates
    note = f"{lost} lost, {duplicates} duplicate webhook(s)" if lost or duplicates else ""
    return [
        figure(
            f"notify.transition_to_webhook.p{q}",
            "ms",
            "lower",
            [percentile(r, q) for r in runs],
            f"{BASELINE_NAME} p{q}",
            [percentile(b.latencies_ms, q) for b in baseline],
            note=note,
        )
        for q in (50, 95, 99)
    ]
