"""The fault-injection suite (``make faults``; ``make faults QUICK=1`` in CI).

Scenarios run the product as it runs in production, gunicorn on PostgreSQL (and, for the
notification scenarios, a Celery worker and beat on RabbitMQ), against the test database
(committed data: ``transaction=True``), and break something on the way. Each prints what it
sent, what was committed or delivered, duplicated and lost; lost must be 0.
``make test`` leaves them out (``-m "not faults"``); FAULTS_LONG=1 runs the long variants.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.db import connection
from kombu.exceptions import KombuError

from tests.faults.scenario import (
    LONG,
    LONG_SIZES,
    QUICK_SIZES,
    Sizes,
    unconsumed_queue,
)

# ``rabbitmq`` is a fixture: RabbitMQ's URL for the notification scenarios, failing under
# CI=true when it is not in use.
from tests.notifications.conftest import (
    app_broker,
    rabbitmq,  # noqa: F401
)
from tests.support.concurrency import queue_delete


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: fault-injection scenario (make faults; left out of make test)"
    )


@pytest.fixture(autouse=True)
def _quiet_http_clients() -> None:
    # httpx logs every request at INFO: thousands of lines per burst.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _tasks_to_the_unconsumed_queue() -> Iterator[None]:
    # This process enqueues relay tasks after its own commits too (referrals raised for a
    # scenario); they join the web server's in the queue no worker reads, deleted after.
    queue = unconsumed_queue()
    with app_broker(queue=queue):
        yield
    try:
        queue_delete(queue)
    except KombuError as exc:  # no broker: nothing was queued there either
        logging.getLogger(__name__).warning("Could not delete %s: %s", queue, exc)


@pytest.fixture
def sizes() -> Sizes:
    return LONG_SIZES if LONG else QUICK_SIZES


@pytest.fixture
def database_target() -> tuple[str, int]:
    """Where PostgreSQL listens, for a proxy in front of it."""
    db = connection.settings_dict
    return (db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
