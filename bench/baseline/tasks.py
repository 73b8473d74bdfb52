"""The no-op task whose send-to-start latency is the baseline for notification latency."""

from __future__ import annotations

import socket
import time

from celery import shared_task

# One socket per worker process; a datagram costs microseconds and needs no database.
_report = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


@shared_task(name="bench.noop", ignore_result=True)
def noop(token: str, seq: int, report_port: int) -> None:
    """Do nothing but say when it started: ``<token> <seq> <time.time()>`` to the harness."""
    started = time.time()
    _report.sendto(f"{token} {seq} {started!r}".encode(), ("127.0.0.1", report_port))
