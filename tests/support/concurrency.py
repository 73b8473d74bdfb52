"""Helpers for tests that run work against the real broker and database at once: threads
released together, and a Celery queue of a test's own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


def race(work: Callable[[int], Any], n: int, *, join_timeout: float = 180) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=join_timeout)
    assert not any(t.is_alive() for t in threads)
    return results


def queue_delete(name: str) -> None:
    """Remove a queue, and the messages in it, from the broker."""
    from config.celery import app

    with app.connection_for_write() as conn:
        # kombu's StdChannel stub lacks queue_delete, which the AMQP channel has.
        conn.default_channel.queue_delete(name)  # type: ignore[attr-defined]


@contextmanager
def own_task_queue(suffix: str) -> Iterator[str]:
    """Send the tasks this process enqueues (relays, deliveries) to a queue of their own,
    deleted afterwards. Where nothing consumes them, left on the shared test queue they
    would be a backlog that a later test's real worker must first wade through."""
    from config.celery import app

    saved = app.conf.task_default_queue
    queue = f"{saved}-{suffix}"
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = saved
        queue_delete(queue)
