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


QUICK_SIZES = Sizes(clients=8, before=2.0, outage=3.0, after=3.0, outages=1, conflict_rounds=1)
LONG_SIZES = Sizes(clients=8, before=10.0, outage=15.0, after=15.0, outages=3, conflict_rounds=10)


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
        extra = "".join(f", {k} {v}" for k, v in self.other.items())
        line = (
            f"[faults] {self.scenario}: sent {self.sent}, committed {self.committed}, "
            f"duplicated {self.duplicated}, lost {self.lost}{extra}"
        )
        print(line)
        return line


def database_url(*, port: int | None = None) -> str:
    """A URL for the test database, optionally through a proxy on 127.0.0.1:``port``."""
    db = connection.settings_dict
    auth = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = "127.0.0.1" if port else db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{port or db.get('PORT') or 5432}/{db['NAME']}"


def server_env(*, database: str, conn_max_age: int) -> dict[str, str]:
    """Production settings for a gunicorn on the test database, on plain loopback HTTP."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database,
        "CONN_MAX_AGE": str(conn_max_age),
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # The scenarios send far more than a person would; rate limits are not under test.
        "API_WRITE_RATE": "100000/s",
    }
