"""Shared fixtures: service checks, a real Celery worker, and the demo personas.

Under CI (CI=true) a test that needs PostgreSQL or the broker fails when the service is
missing; elsewhere it is skipped with the reason, so a laptop with no services still
passes ``make test`` on SQLite and the filesystem broker.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


def broker_error() -> str | None:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


_WORKER_RUNNING = False


def _worker_quiesce(timeout: float = 20.0) -> None:
    """Drop queued tasks and wait until the in-process worker has finished its current one.

    Transactional tests really commit, so the outbox's after-commit fast path enqueues relay
    tasks. Were the session worker to run one while pytest-django flushes the database
    (TRUNCATE takes ACCESS EXCLUSIVE locks), PostgreSQL would report a deadlock.
    """
    import time

    from celery.worker import state

    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.control.purge()
        if not state.active_requests and not state.reserved_requests:
            return
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _quiet_worker_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    # Autouse fixtures of the conftest are set up after pytest-django's database fixture,
    # so this teardown runs before the flush.
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if _WORKER_RUNNING and transactional:
        _worker_quiesce()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, django_db_blocker: object) -> Iterator[object]:
    """A real Celery worker thread consuming from the configured broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    error = broker_error()
    if error:
        _missing(f"needs the Celery broker at {settings.CELERY_BROKER_URL}: {error}")
    # Tasks an earlier session left on this queue name (for a database since dropped) would
    # keep the worker busy, in bursts, while this session's tests wait on it.
    app.control.purge()
    with (
        django_db_blocker.unblock(),  # type: ignore[attr-defined]
        start_worker(
            app,
            pool="solo",
            concurrency=1,
            # A node name of its own: on a broker shared with other sessions, two workers
            # called celery@<host> clash over their pidbox queue (RESOURCE_LOCKED).
            hostname=f"csp-test-{os.getpid()}@{socket.gethostname()}",
            perform_ping_check=False,
            shutdown_timeout=15,
            loglevel="WARNING",
        ) as worker,
    ):
        global _WORKER_RUNNING
        _WORKER_RUNNING = True
        try:
            yield worker
        finally:
            _WORKER_RUNNING = False


@pytest.fixture(scope="session", autouse=True)
def _force_login_signs_in_fully() -> Iterator[None]:
    """The test client's force_login stands for a completed sign-in, which for managers,
    auditors and admin users includes the second factor (tests/support/signin.py); tests
    of what a password alone reaches use force_login_password_only."""
    from django.test.client import ClientMixin

    from tests.support.signin import force_login_verified

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientMixin, "force_login", force_login_verified)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The personas, seeded once after the test database is made (see tests/personas.py):
    every test that rolls back starts from them instead of seeding its own. Without audit
    entries, so that a test's audit trail holds only what the test did."""
    from auditlog.context import disable_auditlog

    from tests.personas import seed_personas

    with django_db_blocker.unblock(), disable_auditlog():
        seed_personas()


@pytest.fixture
def unseeded(db: None) -> None:
    """An empty partnership, for a test of seeding itself: the session's personas are
    removed inside the test's transaction, which rolls back afterwards."""
    from auditlog.context import disable_auditlog
    from django.contrib.auth.models import User

    from partners.models import Agency, Membership, Ward
    from referrals.models import RoutingRule

    with disable_auditlog():
        RoutingRule.objects.all().delete()
        Membership.objects.all().delete()
        User.objects.all().delete()
        Agency.objects.all().delete()
        Ward.objects.all().delete()


@pytest.fixture
def people(db: None) -> object:
    """The demo personas (see tests/personas.py)."""
    from tests.personas import Personas

    return Personas()
