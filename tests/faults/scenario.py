"""Shared pieces of the fault scenarios: sizes, the report line, the server's settings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.db import connection

LONG = os.environ.get("FAULTS_LONG", "").lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Sizes:
    """How hard each scenario pushes: the quick variant for CI, the long one on demand."""

    clients: int  # concurrent API clients in the outage burst
    before: float  # seconds of burst before the database goes away
    outage: float  # seconds the database is unreachable
    after: float  # seconds of burst after it is back
    outages: int  # how many times it goes away in one burst
    conflict_rounds: int  # cases each raced by 50 concurrent transitions
    # The notification scenarios: transitions through the API at a steady rate.
    transition_rate: float  # transitions per second, all clients together
    broker_before: float  # seconds of transitions before RabbitMQ goes away
    broker_outage: float  # seconds RabbitMQ is unreachable
    broker_after: float  # seconds of transitions after it is back
    kill_burst: float  # seconds of transitions in the worker-kill scenario
    kills: int  # SIGKILLs of the worker, spread over that burst


QUICK_SIZES = Sizes(
    clients=8,
    before=2.0,
    outage=3.0,
    after=3.0,
    outages=1,
    conflict_rounds=1,
    transition_rate=10.0,
    broker_before=3.0,
    broker_outage=8.0,
    broker_after=4.0,
    kill_burst=12.0,
    kills=1,
)
LONG_SIZES = Sizes(
    clients=8,
    before=10.0,
    outage=15.0,
    after=15.0,
    outages=3,
    conflict_rounds=10,
    transition_rate=10.0,
    broker_before=10.0,
    broker_outage=30.0,
    broker_after=15.0,
    kill_burst=48.0,
    kills=3,
)


def _report(scenario: str, counts: dict[str, int | float]) -> str:
    line = f"[faults] {scenario}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    print(line)
    return line


@dataclass
class Counts:
    """What a scenario reports: every request sent, and what became of it."""

    scenario: str
    sent: int = 0
    committed: int = 0  # acknowledged writes found in the database
    duplicated: int = 0
    lost: int = 0  # acknowledged writes missing from the database
    other: dict[str, int] = field(default_factory=dict)

    def report(self) -> str:
        main = {"sent": self.sent, "committed": self.committed}
        return _report(
            self.scenario, {**main, "duplicated": self.duplicated, "lost": self.lost, **self.other}
        )


@dataclass
class DeliveryCounts:
    """What a notification scenario reports: the events committed, and what reached the
    receiver. ``duplicated`` counts arrivals beyond the first per webhook-id."""

    scenario: str
    sent: int = 0  # transitions committed, each with its case.transitioned event
    delivered: int = 0  # events whose webhook arrived, validly signed
    duplicated: int = 0
    lost: int = 0  # committed events whose webhook never arrived
    other: dict[str, int | float] = field(default_factory=dict)

    def report(self) -> str:
        main = {"sent": self.sent, "delivered": self.delivered}
        return _report(
            self.scenario, {**main, "duplicated": self.duplicated, "lost": self.lost, **self.other}
        )


def database_url(*, port: int | None = None) -> str:
    """A URL for the test database, optionally through a proxy on 127.0.0.1:``port``."""
    db = connection.settings_dict
    auth = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = "127.0.0.1" if port else db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{port or db.get('PORT') or 5432}/{db['NAME']}"


def unconsumed_queue() -> str:
    """Where the scenarios without a worker send their tasks: the relay tasks the outbox
    enqueues after each commit. Emptied after each scenario (conftest), so that they do
    not wait for the next test session's worker on its queue."""
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}-faults-unconsumed"


def server_env(
    *, database: str, conn_max_age: int, broker: str | None = None, queue: str | None = None
) -> dict[str, str]:
    """Production settings for a gunicorn on the test database, on plain loopback HTTP;
    its tasks go to ``broker`` (default: the session's) and ``queue`` (default: the
    unconsumed one)."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database,
        "CONN_MAX_AGE": str(conn_max_age),
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": broker or settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue or unconsumed_queue(),
        # The scenarios send far more than a person would; rate limits are not under test.
        "API_WRITE_RATE": "100000/s",
    }
