"""Notification latency and the Celery worker's memory, through RabbitMQ to a real worker.

The product figure: a case transition committed to its signed webhook received by a
loopback receiver, at a steady rate, through the outbox, RabbitMQ and a fresh ``celery
worker`` subprocess. The baseline, measured in the same run at the same rate on a worker
of its own: a no-op task's send-to-start latency, the least any task-driven notification
can take.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from bench import generate
from bench.core import BenchError, Context, Figure, benchmark, figure, percentile
from bench.procs import CeleryWorker, process_memory
from bench.webhooks import WebhookTimingReceiver
from cases.models import Case, CaseKind

if TYPE_CHECKING:
    from notifications.models import Endpoint

BASELINE_NAME = "Celery no-op send-to-start"
WARMUP_TASKS = 10
ARRIVAL_TIMEOUT = 60.0
# Transitions in flight at once: enough to hold the steady rate while one waits on
# PostgreSQL, as several web workers would.
DRIVER_THREADS = 4


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


def paced(
    count: int,
    rate: float,
    action: Callable[[int], None],
    *,
    threads: int = 1,
    on_thread_exit: Callable[[], None] | None = None,
) -> float:
    """Call ``action(i)`` for i in 0..count-1 at a steady ``rate`` per second.

    The schedule is fixed in advance (i / rate after the start), so a slow call is caught
    up on rather than shifting every later one. With ``threads`` above 1 the calls are
    handed, on schedule, to that many threads, so the rate holds while one call is slower
    than 1/rate (a transition waits on PostgreSQL); ``on_thread_exit`` runs in each of them
    when they finish (closing its database connection). Returns the achieved rate: calls
    over the time from the first dispatch to the last call's return.
    """
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    start = time.monotonic()
    if threads == 1:
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            action(i)
    else:
        work: queue.Queue[int | None] = queue.Queue()
        errors: list[BaseException] = []

        def run() -> None:
            try:
                while (i := work.get()) is not None:
                    try:
                        action(i)
                    except BaseException as exc:  # reported to the caller below
                        errors.append(exc)
            finally:
                if on_thread_exit is not None:
                    on_thread_exit()

        pool = [threading.Thread(target=run, name=f"paced-{n}") for n in range(threads)]
        for thread in pool:
            thread.start()
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            work.put(i)
        for _ in pool:
            work.put(None)
        for thread in pool:
            thread.join()
        if errors:
            raise errors[0]
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


@dataclass
class WebhookRun:
    latencies_ms: list[float] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0
    rate: float = 0.0
    peak_mib: float = 0.0


def webhook_endpoint(agency_code: str, url: str) -> Endpoint:
    """A webhook endpoint of the lead agency, made as a partner would (the one service)."""
    from notifications.services import endpoint_create
    from partners.models import Agency

    return endpoint_create(
        agency=Agency.objects.get(code=agency_code),
        channel="webhook",
        name=f"Benchmark receiver {uuid.uuid4().hex[:8]}",
        url=url,
        allow_private=True,
        by=None,
    )


def webhook_run(ctx: Context, *, partnership: generate.Partnership, by: Any) -> WebhookRun:
    """One run of the product figure on fresh ASB cases, a fresh endpoint and worker.

    Each case is triaged once through the one transition service at the steady rate, from
    ``DRIVER_THREADS`` threads (as several web workers would), after a warm-up whose
    webhooks must all have arrived (the worker is up, its connections open). The clock
    starts when ``case_transition`` has returned (the transaction committed, the relay
    task enqueued after commit) and stops when the signed ``case.transitioned``
    webhook for that case arrives. In between: the relay task, the event's Delivery row and
    its publish to ``csp.events`` (publisher confirms), the delivery task, the signed POST.
    """
    from django.db import connection

    from notifications.services import endpoint_update
    from workflows.actions import case_transition

    def close_thread_connection() -> None:
        connection.close()  # the driver thread's own connection

    opts = ctx.options
    queue_purge(ctx.services.queue)
    case_ids = generate.asb_cases_append(
        count=WARMUP_TASKS + opts.tasks_per_run, partnership=partnership
    )
    references = dict(Case.objects.filter(id__in=case_ids).values_list("id", "reference"))
    warmup_ids, measured_ids = case_ids[:WARMUP_TASKS], case_ids[WARMUP_TASKS:]
    committed: dict[str, float] = {}  # written by the driver threads, one key each
    result = WebhookRun()

    def transition(case_id: int) -> None:
        case_transition(case_id=case_id, name="triage", by=by, reason="Triaged by the benchmark.")
        committed[references[case_id]] = time.time()

    with (
        WebhookTimingReceiver() as receiver,
        CeleryWorker(queue=ctx.services.queue, concurrency=opts.worker_concurrency) as worker,
    ):
        endpoint = webhook_endpoint(generate.LEAD_AGENCY[CaseKind.ASB], receiver.url)
        receiver.secret = endpoint.secret
        try:
            # The worker is ready, and every connection open, when the warm-up's webhooks
            # have arrived; only then does the clock run.
            paced(
                len(warmup_ids),
                opts.task_rate,
                lambda i: transition(warmup_ids[i]),
                threads=DRIVER_THREADS,
                on_thread_exit=close_thread_connection,
            )
            if receiver.wait_for(
                set(committed), event_type="case.transitioned", timeout=ARRIVAL_TIMEOUT
            ):
                worker.check_alive()
                raise BenchError(f"no warm-up webhook arrived; see {worker.log_path}")
            committed.clear()
            result.rate = paced(
                len(measured_ids),
                opts.task_rate,
                lambda i: transition(measured_ids[i]),
                threads=DRIVER_THREADS,
                on_thread_exit=close_thread_connection,
            )
            missing = receiver.wait_for(
                set(committed), event_type="case.transitioned", timeout=ARRIVAL_TIMEOUT
            )
            worker.check_alive()
            result.peak_mib = max(process_memory(p).peak_mib for p in worker.process_pids())
        finally:
            # Later runs and benchmarks must not post to a receiver that is gone.
            endpoint_update(endpoint_id=endpoint.pk, by=None, changes={"is_active": False})
        arrivals = receiver.first_arrivals(event_type="case.transitioned")
        result.duplicates = receiver.duplicates()
    result.lost = len(missing)
    result.latencies_ms = [
        (arrivals[ref].received_at - at) * 1000 for ref, at in committed.items() if ref in arrivals
    ]
    if not result.latencies_ms:
        raise BenchError(
            f"no webhook arrived from {len(committed)} transitions; see {worker.log_path}"
        )
    return result


@benchmark("notify", needs_broker=True)
def notify(ctx: Context) -> list[Figure]:
    """Transition committed to webhook received p50/p95/p99 vs a no-op task; worker RSS."""
    from django.contrib.auth import get_user_model

    opts = ctx.options
    partnership = generate.partnership_ensure(actors=opts.actors)
    coordinator = get_user_model().objects.get(username="asb_coordinator")
    baseline: list[NoopRun] = []
    runs: list[WebhookRun] = []
    for i in range(opts.runs):
        baseline.append(noop_run(ctx, count=opts.tasks_per_run))
        runs.append(webhook_run(ctx, partnership=partnership, by=coordinator))
        print(
            f"  run {i + 1}: webhook p50 {percentile(runs[-1].latencies_ms, 50):.1f} ms at "
            f"{runs[-1].rate:.0f}/s (lost {runs[-1].lost}, duplicates {runs[-1].duplicates}); "
            f"no-op p50 {percentile(baseline[-1].latencies_ms, 50):.2f} ms at "
            f"{baseline[-1].rate:.0f}/s (lost {baseline[-1].lost})",
            flush=True,
        )
    lost = sum(r.lost for r in runs)
    duplicates = sum(r.duplicates for r in runs)
    noop_lost = sum(b.lost for b in baseline)
    notes = []
    if lost or duplicates:
        notes.append(f"{lost} webhook(s) never arrived, {duplicates} duplicate(s)")
    if noop_lost:
        notes.append(f"{noop_lost} no-op task(s) never reported a start")
    detail = {
        "transitions_per_run": opts.tasks_per_run,
        "rate_per_s": [round(r.rate, 1) for r in runs],
        "baseline_rate_per_s": [round(b.rate, 1) for b in baseline],
        "lost": [r.lost for r in runs],
        "duplicates": [r.duplicates for r in runs],
        "baseline_lost": [b.lost for b in baseline],
        "worker_concurrency": opts.worker_concurrency,
    }
    figures = [
        figure(
            f"notify.transition_to_webhook.p{q}",
            "ms",
            "lower",
            [percentile(r.latencies_ms, q) for r in runs],
            f"{BASELINE_NAME} p{q}",
            [percentile(b.latencies_ms, q) for b in baseline],
            note="; ".join(notes),
            detail=detail,
        )
        for q in (50, 95, 99)
    ]
    figures.append(
        figure(
            "memory.celery_worker.webhooks",
            "MiB",
            "lower",
            [r.peak_mib for r in runs],
            "no-op worker's peak",
            [b.peak_mib for b in baseline],
            note=f"largest process of the worker (main + {opts.worker_concurrency} prefork "
            "children), VmHWM, during the webhook runs",
        )
    )
    figures.append(
        figure(
            "memory.celery_worker.noop",
            "MiB",
            "lower",
            [b.peak_mib for b in baseline],
            "same worker idle after warm-up",
            [b.idle_mib for b in baseline],
            note=f"largest process of the worker (main + {opts.worker_concurrency} "
            "prefork children), VmHWM vs VmRSS",
        )
    )
    return figures
