"""Fixtures for notification tests: an event envelope, the real local test servers, and
helpers to run Celery workers as real subprocesses and to move the app onto another broker.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import Channel, Endpoint, WorkerHeartbeat
from notifications.services import endpoint_create
from notifications.signing import generate_webhook_secret
from partners.models import Agency
from tests.conftest import IN_CI, broker_error
from tests.support import FakeNotify, SmtpSink, WebhookReceiver

BASE_DIR = Path(settings.BASE_DIR)
T = TypeVar("T")


@pytest.fixture
def envelope() -> dict[str, Any]:
    """A case moving from reported to triaged, as the outbox would build it."""
    return {
        "id": "5f0c1a52-6a43-4c1e-9d7e-2b8f4a9c0e11",
        "type": "case.transitioned",
        "occurred_at": "2026-06-02T13:05:00+00:00",
        "schema_version": 1,
        "case_reference": "ASB-2026-000123",
        "kind": "asb",
        "agencies": ["council-asb", "police-neighbourhood"],
        "detail_url": "https://casework.example.gov.uk/cases/12",
        "data": {"from": "reported", "to": "triaged"},
    }


@pytest.fixture
def webhook_secret() -> str:
    return generate_webhook_secret()


@pytest.fixture
def webhook_receiver(webhook_secret: str) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(webhook_secret) as receiver:
        yield receiver


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink(refuse_recipients=["left.the.council@council.example.gov.uk"]) as sink:
        yield sink


@pytest.fixture
def fake_notify() -> Iterator[FakeNotify]:
    with FakeNotify() as fake:
        yield fake


# --- Endpoints ---------------------------------------------------------------------------


def webhook_endpoint(agency_code: str, receiver: WebhookReceiver, name: str = "Hook") -> Endpoint:
    """A webhook endpoint at the receiver, signing with the receiver's secret."""
    endpoint = endpoint_create(
        agency=Agency.objects.get(code=agency_code),
        channel=Channel.WEBHOOK,
        name=name,
        by=None,
        url=receiver.url,
        allow_private=True,
    )
    Endpoint.objects.filter(pk=endpoint.pk).update(secret=receiver.secret)
    endpoint.secret = receiver.secret
    return endpoint


def email_endpoint(agency_code: str, address: str, name: str = "Mailbox") -> Endpoint:
    return endpoint_create(
        agency=Agency.objects.get(code=agency_code),
        channel=Channel.EMAIL,
        name=name,
        by=None,
        email_address=address,
    )


def notify_endpoint(agency_code: str, fake: FakeNotify, address: str) -> Endpoint:
    return endpoint_create(
        agency=Agency.objects.get(code=agency_code),
        channel=Channel.NOTIFY,
        name="Notify",
        by=None,
        email_address=address,
        notify_api_key=fake.api_key,
        notify_template_id=uuid.UUID("f33517ff-2a88-4f6e-b855-c550268ce08a"),
        notify_base_url=fake.base_url,
    )


@pytest.fixture
def fast_retries(settings: Any) -> None:
    """Backoff in tenths of a second, so retry tests finish quickly."""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.05
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 0.2


@pytest.fixture
def smtp_email(settings: Any, smtp_sink: SmtpSink) -> SmtpSink:
    """Django's SMTP backend pointed at the aiosmtpd sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


# --- Waiting -----------------------------------------------------------------------------


def wait_until(check: Callable[[], T | None], *, timeout: float = 30.0, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


# --- Brokers and workers -----------------------------------------------------------------


@pytest.fixture
def rabbitmq() -> str:
    """The RabbitMQ broker URL; fails under CI=true and skips elsewhere when it is not in use.

    For tests whose guarantee depends on acknowledgements (the filesystem transport has
    none) or on a TCP connection to put a proxy in.
    """
    reason = None
    if not settings.CELERY_BROKER_IS_AMQP:
        reason = "needs RabbitMQ: set CELERY_BROKER_URL=amqp://..."
    else:
        error = broker_error()
        if error:
            reason = f"needs RabbitMQ at {settings.CELERY_BROKER_URL}: {error}"
    if reason:
        if IN_CI:
            pytest.fail(f"CI needs this service: {reason}", pytrace=False)
        pytest.skip(reason)
    return str(settings.CELERY_BROKER_URL)


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def app_broker(url: str | None = None, *, queue: str | None = None) -> Iterator[None]:
    """Point this process's Celery app (enqueues and exchange publishes) at another broker
    URL and/or default queue, then put everything back.

    The in-process ``celery_worker`` keeps consuming its own queue on the real broker, so a
    test that sends to ``queue`` talks only to the subprocess workers it started.
    """
    from config.celery import app

    # The write URL: Celery reads broker_url from the environment before its config, and
    # every publish (tasks, csp.events) uses the write URL.
    saved = {
        "broker_write_url": app.conf.get("broker_write_url"),
        "task_default_queue": app.conf.task_default_queue,
    }
    _forget_pools(app)
    if url is not None:
        app.conf["broker_write_url"] = url
    if queue is not None:
        app.conf.task_default_queue = queue
    try:
        yield
    finally:
        if url is not None:
            _forget_pools(app, close=True)
        _forget_pools(app)
        app.conf["broker_write_url"] = saved["broker_write_url"]
        app.conf.task_default_queue = saved["task_default_queue"]


def _forget_pools(app: Any, *, close: bool = False) -> None:
    """Make the app look its connection pools up afresh for its current broker URL.

    kombu keeps one pool per broker URL process-wide; ``close`` closes and drops the
    current URL's pools (a test's proxy, never the real broker, which other code shares).
    """
    from kombu import pools
    from kombu.utils.collections import eqhash

    if close:
        key = eqhash(app.connection_for_write())
        for group in (pools.producers, pools.connections):
            pool = dict.pop(group, key, None)
            if pool is not None:
                pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def database_url_for_subprocess() -> str:
    """A DATABASE_URL for the database this test session uses (pytest-django's test DB)."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    """A real ``celery -A config worker`` subprocess (prefork, ``concurrency`` pool processes)
    on its own queue and the test DB."""

    def __init__(
        self,
        *,
        queue: str,
        broker_url: str,
        env: dict[str, str] | None = None,
        concurrency: int = 1,
    ) -> None:
        self.queue = queue
        self.broker_url = broker_url
        self.concurrency = concurrency
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = BASE_DIR / "var" / f"worker-{queue}-{uuid.uuid4().hex[:6]}.log"

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CSP_TESTING": "true",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_QUEUE": self.queue,
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            **self.extra_env,
        }
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    str(self.concurrency),
                    "--queues",
                    self.queue,
                    # Unique, so workers on a shared broker never clash over a pidbox.
                    "--hostname",
                    f"test-{self.queue}-{uuid.uuid4().hex[:6]}@%h",
                    "--loglevel",
                    "INFO",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so a kill reaches the pool child as well.
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Proven by doing work: a heartbeat task sent to its queue lands in the database."""
        from notifications.tasks import heartbeat

        name = f"ready-{uuid.uuid4().hex[:8]}"
        heartbeat.apply_async(kwargs={"name": name}, queue=self.queue)
        wait_until(
            lambda: self.exited() or WorkerHeartbeat.objects.filter(name=name).exists(),
            timeout=timeout,
            what=f"worker on {self.queue} to start (log: {self.log})",
        )
        if self.exited():
            raise AssertionError(f"worker exited early:\n{self.output()}")

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        """SIGKILL the worker and its pool child at once: no cleanup, no acknowledgement."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.exited():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def worker_processes(request: pytest.FixtureRequest) -> Iterator[list[WorkerProcess]]:
    """Workers a test starts; all stopped at the end, their output shown if the test failed."""
    workers: list[WorkerProcess] = []
    yield workers
    failed = request.node.stash.get(_CALL_FAILED, False)
    for worker in workers:
        worker.stop()
        if failed:
            print(f"--- output of the worker on {worker.queue} ---\n{worker.output()[-20000:]}")
        worker.log.unlink(missing_ok=True)


@contextmanager
def email_worker(
    request: pytest.FixtureRequest,
    smtp_email: Any,
    worker_processes: list[WorkerProcess],
    *,
    suffix: str,
) -> Iterator[None]:
    """A real worker sending email to the sink. On RabbitMQ the in-process solo worker can
    leave an ack waiting for kombu's 10-second poll, so a prefork subprocess on a queue of
    its own (``<test queue>-<suffix>``) does the work; a prefork worker polls the
    filesystem transport once a second, so there the in-process worker does."""
    if not settings.CELERY_BROKER_IS_AMQP:
        request.getfixturevalue("celery_worker")
        yield
        return
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{suffix}"
    purge_queue(queue)
    process = WorkerProcess(
        queue=queue,
        broker_url=str(settings.CELERY_BROKER_URL),
        env={"EMAIL_URL": f"smtp://{smtp_email.host}:{smtp_email.port}"},
    ).start()
    worker_processes.append(process)
    with app_broker(queue=queue):
        process.wait_ready()
        yield


def purge_queue(name: str) -> None:
    """Empty a test queue left with messages by an earlier, interrupted run."""
    from config.celery import app

    with app.connection_for_write() as conn:
        queue = app.amqp.queues[name](conn.default_channel)
        queue.declare()
        queue.purge()


# --- Cases -------------------------------------------------------------------------------


def settled_case(people: Any, kind: str = "asb", **overrides: Any) -> Any:
    """A freshly referred case whose own events are already relayed, so a test's endpoints
    (created afterwards) hear only what the test does next."""
    from notifications.models import OutboxEvent
    from notifications.services import outbox_sweep
    from tests.factories import CaseFactory

    case = CaseFactory.create(by=people.officer, kind=kind, **overrides)
    outbox_sweep()
    # A worker may be relaying one of them right now (the sweep skips locked rows).
    wait_until(
        lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(),
        what="the referral's events to be relayed",
    )
    return case


def triage(case: Any, people: Any) -> Any:
    from workflows.actions import case_transition

    return case_transition(
        case_id=case.pk,
        name="triage",
        by=people.asb_coordinator,
        reason="Triaged after a call with the complainant",
    )


# --- The csp.events exchange -------------------------------------------------------------


class ExchangeTap:
    """A queue bound to ``csp.events`` with ``#``: sees every event the relay publishes."""

    def __init__(self) -> None:
        from kombu import Queue

        from config.celery import app
        from notifications.publisher import EVENTS_EXCHANGE

        self.connection = app.connection_for_write()
        name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-tap-{uuid.uuid4().hex[:8]}"
        self.queue = Queue(name, EVENTS_EXCHANGE, routing_key="#", durable=False)(
            self.connection.default_channel
        )
        self.queue.declare()

    def drain(self) -> list[Any]:
        """Every message waiting about an event of this test's database, in order: kombu
        Messages (payload, delivery_info...). The exchange is the broker's, so another
        session's relay (a second test run, the benchmarks) may publish to it meanwhile."""
        from notifications.models import OutboxEvent

        messages = []
        while (message := self.queue.get(no_ack=True)) is not None:
            messages.append(message)

        def event_id(message: Any) -> uuid.UUID | None:
            try:
                return uuid.UUID(str(message.payload["id"]))
            except (KeyError, TypeError, ValueError):
                return None

        ids = {i for m in messages if (i := event_id(m)) is not None}
        ours = set(OutboxEvent.objects.filter(pk__in=ids).values_list("pk", flat=True))
        return [m for m in messages if event_id(m) in ours]

    def close(self) -> None:
        self.queue.delete()
        self.connection.release()


@pytest.fixture
def exchange_tap() -> Iterator[ExchangeTap]:
    tap = ExchangeTap()
    yield tap
    tap.close()
