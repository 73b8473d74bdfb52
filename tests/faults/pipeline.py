"""The notification pipeline the two notification scenarios run, break and count.

Every product process is real and runs as the Procfile runs it: gunicorn (the API the
transitions arrive through, whose Celery app publishes the after-commit relay task), a
prefork ``celery worker`` and ``celery beat`` (whose ``notifications.relay_outbox`` sweep
every 5 s catches what the fast path missed), all on the test database and one queue of the
scenario's own. A loopback webhook receiver stands in for the partner: the council's ASB
team (the lead agency of every case) has a webhook endpoint pointing at it.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from bench.generate import LEAD_AGENCY, asb_cases_append, partnership_ensure
from bench.procs import Gunicorn, Server
from cases.models import CaseKind
from notifications.models import Channel, Delivery, DeliveryStatus, Endpoint, OutboxEvent
from notifications.services import endpoint_create
from notifications.signing import generate_webhook_secret
from partners.models import Agency
from tests.faults.scenario import database_url, server_env
from tests.notifications.conftest import WorkerProcess, database_url_for_subprocess, purge_queue
from tests.support import ReceivedWebhook, WebhookReceiver
from tests.support.concurrency import queue_delete
from tests.support.signin import token_for

TRANSITION = "case.transitioned"
# Long enough for the sweep (every 5 s), a worker's reconnect backoff after an outage and
# a dead worker's lease to run out, with room to spare on a loaded machine.
DELIVERY_TIMEOUT = 180.0
# Production waits 300 s before it decides a pending delivery's task was lost and the sweep
# sends another; the scenarios wait 30 s, so that net acts within the test's wait too.
STUCK_AFTER_SECONDS = 30
# The Procfile's worker: prefork, two pool processes.
WORKER_CONCURRENCY = 2
CLIENTS = 4
# The receiver answers after this long, as a partner's server would rather than at once; a
# worker killed in that window has sent a webhook it has not yet recorded.
RECEIVER_DELAY = 0.05
ENQUEUE_FAILED = "Could not enqueue notifications.relay_event"
SWEEP_SENT = "Sending due task relay-outbox (notifications.relay_outbox)"
REQUEUED = re.compile(r"Re-enqueued (\d+) stuck deliveries")


class Beat(Server):
    """``celery -A config beat`` with the product's one schedule (config/celery.py)."""

    name = "celery-beat"

    def __init__(self, *, broker_url: str, queue: str, schedule: Path) -> None:
        super().__init__(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--schedule",
                str(schedule),
                "--loglevel",
                "INFO",
            ],
            env={
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "CSP_TESTING": "true",
                "DATABASE_URL": database_url_for_subprocess(),
                "CELERY_BROKER_URL": broker_url,
                "CELERY_QUEUE": queue,
                # Beat's "Sending due task" lines are what the harness waits on; the
                # product logs them only at LOG_LEVEL_TASKS=INFO (WARNING by default).
                "LOG_LEVEL_TASKS": "INFO",
            },
        )

    def sent_sweeps(self) -> int:
        if not self.log_path.exists():
            return 0
        return self.log_path.read_text(errors="replace").count(SWEEP_SENT)

    def wait_first_sweep(self, timeout: float = 60.0) -> None:
        """Until beat has sent its first sweep: it is up and has reached the broker."""
        deadline = time.monotonic() + timeout
        while not self.sent_sweeps():
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"beat sent no sweep in {timeout:.0f} s: {self.log_path}")
            time.sleep(0.2)


@dataclass(frozen=True)
class Sent:
    """One transition request: when it went, when it was answered, with what."""

    case_id: int
    began: float  # time.time(), comparable with the receiver's arrival times
    ended: float
    status: int | str  # the HTTP status, or the client-side error's name


class Pipeline:
    """The product's processes on one queue, reaching RabbitMQ at ``broker_url``, and the
    receiver they deliver to. ``worker_env`` adds settings to every worker started."""

    def __init__(
        self, *, name: str, broker_url: str, tmp_path: Path, worker_env: dict[str, str]
    ) -> None:
        self.queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{name}"
        self.broker_url = broker_url
        self.worker_env = {"NOTIFICATIONS_STUCK_AFTER_SECONDS": str(STUCK_AFTER_SECONDS)}
        self.worker_env.update(worker_env)
        self.receiver = WebhookReceiver(generate_webhook_secret(), delay=RECEIVER_DELAY)
        self.beat = Beat(
            broker_url=broker_url, queue=self.queue, schedule=tmp_path / "celerybeat-schedule"
        )
        self.server = Gunicorn(
            workers=2,
            env=server_env(
                database=database_url(), conn_max_age=0, broker=broker_url, queue=self.queue
            ),
        )
        self.workers: list[WorkerProcess] = []
        self.endpoint: Endpoint | None = None

    @property
    def worker(self) -> WorkerProcess:
        return self.workers[-1]

    def __enter__(self) -> Self:
        purge_queue(self.queue)  # left over by an interrupted run
        try:
            self.receiver.start()
            agency = Agency.objects.get(code=LEAD_AGENCY[CaseKind.ASB])
            self.endpoint = endpoint_create(
                agency=agency,
                channel=Channel.WEBHOOK,
                name="Fault scenario receiver",
                url=self.receiver.url,
                allow_private=True,
                by=None,
            )
            self.receiver.secret = self.endpoint.secret
            # Beat and the worker start while gunicorn does; all three are up before a burst.
            self.beat.start()
            worker = self._worker_start()
            self.server.start()
            worker.wait_ready()
            self.beat.wait_first_sweep()
        except BaseException:
            self._stop(failed=True)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop(failed=exc is not None)

    def start_worker(self) -> WorkerProcess:
        """A fresh worker, once it has proved it works (a heartbeat task done)."""
        worker = self._worker_start()
        worker.wait_ready()
        return worker

    def _worker_start(self) -> WorkerProcess:
        worker = WorkerProcess(
            queue=self.queue,
            broker_url=self.broker_url,
            env=self.worker_env,
            concurrency=WORKER_CONCURRENCY,
        )
        self.workers.append(worker)
        return worker.start()

    def check_alive(self) -> None:
        self.server.check_alive()
        self.beat.check_alive()
        assert not self.worker.exited(), f"the worker exited:\n{self.worker.output()[-5000:]}"

    def _stop(self, *, failed: bool) -> None:
        # Everything off the database before pytest-django empties it.
        self.beat.stop()
        for worker in self.workers:
            worker.stop()
        self.server.stop()
        self.receiver.stop()
        if failed:
            for worker in self.workers:
                print(f"--- worker {worker.log.name} ---\n{worker.output()[-10000:]}")
            for proc in (self.beat, self.server):
                if proc.log_path.exists():
                    log = proc.log_path.read_text(errors="replace")
                    print(f"--- {proc.name} ---\n{log[-10000:]}")
        queue_delete(self.queue)
        for worker in self.workers:
            worker.log.unlink(missing_ok=True)

    # --- What the product did ------------------------------------------------------------

    def enqueue_failures(self) -> int:
        """After-commit relay enqueues the web server could not make (broker away)."""
        return self.server.log_path.read_text(errors="replace").count(ENQUEUE_FAILED)

    def stuck_requeued(self) -> int:
        """Deliveries the sweep sent again, still unfinished STUCK_AFTER_SECONDS after they
        were due: their task was lost, or is still queued behind a backlog (then the repeat
        finds the row taken or finished and sends nothing)."""
        return sum(int(n) for w in self.workers for n in REQUEUED.findall(w.output()))

    def arrivals(self) -> list[ReceivedWebhook]:
        """Validly signed webhooks received so far, in order of arrival."""
        return [r for r in list(self.receiver.requests) if r.valid]

    def first_arrivals(self) -> dict[str, float]:
        """When each webhook-id first arrived (``time.time()``)."""
        first: dict[str, float] = {}
        for r in self.arrivals():
            first.setdefault(r.headers["webhook-id"], r.received_at)
        return first

    def deliveries(self, event_ids: set[str]) -> QuerySet[Delivery]:
        """The receiver's delivery rows for these events."""
        return Delivery.objects.filter(
            endpoint=self.endpoint, event_id__in=[uuid.UUID(i) for i in event_ids]
        )

    def deliveries_claimed(self) -> set[str]:
        """Events whose delivery to the receiver is claimed ("sending") right now."""
        claimed = Delivery.objects.filter(endpoint=self.endpoint, status=DeliveryStatus.SENDING)
        return {str(pk) for pk in claimed.values_list("event_id", flat=True)}

    def settled(self, event_ids: set[str]) -> bool:
        """Every event arrived and nothing is left to send: each delivery row is finished."""
        if event_ids - set(self.first_arrivals()):
            return False
        if OutboxEvent.objects.filter(pk__in=event_ids, published_at__isnull=True).exists():
            return False
        unfinished = self.deliveries(event_ids).exclude(
            status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.DEAD]
        )
        return not unfinished.exists()

    def wait_settled(self, event_ids: set[str], *, timeout: float = DELIVERY_TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.settled(event_ids):
                return True
            time.sleep(0.2)
        return False

    def arrivals_per_id(self, event_ids: set[str]) -> Counter[str]:
        ids = (r.headers["webhook-id"] for r in self.arrivals())
        return Counter(i for i in ids if i in event_ids)


def transition_events(case_ids: list[int]) -> set[str]:
    """The ids (webhook-ids) of the ``case.transitioned`` events of these cases."""
    events = OutboxEvent.objects.filter(case_id__in=case_ids, type=TRANSITION)
    return {str(pk) for pk in events.values_list("pk", flat=True)}


def transition_cases(count: int) -> tuple[list[int], str]:
    """``count`` ASB cases in "reported", and an API token for the coordinator who triages."""
    partnership = partnership_ensure(actors=1)
    coordinator = get_user_model().objects.get(username="asb_coordinator")
    return asb_cases_append(count=count, partnership=partnership), token_for(coordinator)


class TransitionStream:
    """Clients triage one case each through the API at ``rate`` per second in all, from
    ``start()`` until ``stop()``; every request and its answer is kept in ``sent``.

    Paced, not closed-loop: a slow answer delays that client, never the schedule of the rest,
    and a client that falls behind does not catch up with a burst afterwards.
    """

    def __init__(self, *, base_url: str, token: str, case_ids: list[int], rate: float) -> None:
        self.base_url = base_url
        self.token = token
        self.interval = 1.0 / rate
        self.sent: list[Sent] = []
        self._cases = iter(case_ids)
        self._next_at = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.ran_out = False
        self._threads = [threading.Thread(target=self._client) for _ in range(CLIENTS)]

    def start(self) -> Self:
        self._next_at = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Sent]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return self.sent

    def _take(self) -> tuple[int, float] | None:
        with self._lock:
            case_id = next(self._cases, None)
            if case_id is None:
                self.ran_out = True
                return None
            at = max(self._next_at, time.monotonic())
            self._next_at = at + self.interval
            return case_id, at

    def _client(self) -> None:
        with httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Token {self.token}"}, timeout=30
        ) as http:
            while not self._stop.is_set() and (taken := self._take()) is not None:
                case_id, at = taken
                if (wait := at - time.monotonic()) > 0 and self._stop.wait(wait):
                    return
                began = time.time()
                try:
                    response = http.post(
                        f"/api/v1/cases/{case_id}/transitions/",
                        json={"transition": "triage", "reason": "Triaged in the fault scenario."},
                    )
                    status: int | str = response.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with self._lock:
                    self.sent.append(Sent(case_id, began, time.time(), status))
