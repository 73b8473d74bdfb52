"""The fault-injection suite (``make faults``; ``make faults QUICK=1`` in CI).

Scenarios run the product as it runs in production, gunicorn on PostgreSQL, against the
test database (committed data: ``transaction=True``), and break something on the way.
Each prints what it sent, what was committed, duplicated and lost; lost must be 0.
``make test`` leaves them out (``-m "not faults"``); FAULTS_LONG=1 runs the long variants.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from tests.faults.scenario import LONG, LONG_SIZES, QUICK_SIZES, Sizes


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: fault-injection scenario (make faults; left out of make test)"
    )


@pytest.fixture(autouse=True)
def _quiet_http_clients() -> None:
    # httpx logs every request at INFO: thousands of lines per burst.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture
def sizes() -> Sizes:
    return LONG_SIZES if LONG else QUICK_SIZES


@pytest.fixture
def database_target() -> tuple[str, int]:
    """Where PostgreSQL listens, for a proxy in front of it."""
    db = connection.settings_dict
    return (db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
