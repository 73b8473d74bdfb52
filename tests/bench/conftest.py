"""Fixtures for the harness tests: a throwaway bench database and a RabbitMQ check."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def bench_database_url() -> Iterator[str]:
    """A URL for a database the harness creates itself; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_smoke_bench"[:63]
    auth = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    yield f"postgres://{auth}@{host}:{port}/{name}"
    with psycopg.connect(
        host=host,
        port=port,
        user=db.get("USER"),
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def amqp_broker() -> str:
    """The configured broker, when it is a reachable RabbitMQ (the bench needs AMQP)."""
    from bench.core import BenchError
    from bench.services import broker_version

    try:
        broker_version(settings.CELERY_BROKER_URL)
    except BenchError as exc:
        if IN_CI:
            pytest.fail(f"CI needs this service: {exc}", pytrace=False)
        pytest.skip(str(exc))
    return str(settings.CELERY_BROKER_URL)
