"""Which PostgreSQL and RabbitMQ the harness uses, and making its database ready.

The bench truncates and refills the tables it measures, so it only runs on a database
whose name says it is a bench database; it creates that database if it does not exist.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import environ
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench.core import BenchError, Services

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/csp_bench"
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_QUEUE = "csp-bench"


def mask_url(url: str) -> str:
    """The URL with its password replaced, fit to print and store."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def services_resolve(environ_: dict[str, str] | None = None) -> Services:
    """DATABASE_URL / CELERY_BROKER_URL / CELERY_QUEUE, or the local bench defaults."""
    env = os.environ if environ_ is None else environ_
    database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    config = environ.Env.db_url_config(database_url)
    if not str(config.get("ENGINE", "")).startswith("django.db.backends.postg"):
        raise BenchError(
            f"DATABASE_URL: the bench runs on PostgreSQL, not {config.get('ENGINE')}; "
            f"unset it to use {DEFAULT_DATABASE_URL}"
        )
    name = str(config.get("NAME") or "")
    if "bench" not in name:
        raise BenchError(
            f"DATABASE_URL: the bench empties and refills the tables of the database it "
            f"uses, so its name must contain 'bench' (got {name!r}); e.g. csp_bench"
        )
    broker_url = env.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL
    queue = env.get("CELERY_QUEUE") or DEFAULT_QUEUE
    return Services(
        database_url=database_url, database_name=name, broker_url=broker_url, queue=queue
    )


def database_ensure(services: Services) -> bool:
    """Create the bench database if it is missing. Returns True when it was created."""
    config = environ.Env.db_url_config(services.database_url)
    given = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
    }
    conninfo = make_conninfo(
        dbname="postgres", connect_timeout=5, **{k: str(v) for k, v in given.items() if v}
    )
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [services.database_name]
            ).fetchone()
            if exists:
                return False
            conn.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(services.database_name))
            )
            return True
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"DATABASE_URL: cannot reach PostgreSQL at {mask_url(services.database_url)}: {exc}"
        ) from exc


def broker_version(broker_url: str) -> str:
    """RabbitMQ's version, or a BenchError naming CELERY_BROKER_URL when it cannot answer."""
    if not broker_url.startswith(("amqp://", "amqps://", "pyamqp://")):
        raise BenchError(
            f"CELERY_BROKER_URL: the latency benchmark needs RabbitMQ (amqp://), "
            f"got {mask_url(broker_url)}"
        )
    from kombu import Connection

    try:
        with Connection(broker_url, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
            props = getattr(conn.connection, "server_properties", {}) or {}
    except Exception as exc:
        raise BenchError(
            f"CELERY_BROKER_URL: cannot reach RabbitMQ at {mask_url(broker_url)}: {exc}"
        ) from exc
    version = props.get("version", "unknown")
    return version.decode() if isinstance(version, bytes) else str(version)
