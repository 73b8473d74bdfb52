"""Celery tasks of the workflows app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from workflows.actions import deadlines_scan


# Beat sends this every 15 s (config/celery.py). A scan that could not start within its
# interval expires rather than queue behind the next one; a scan is idempotent anyway.
@shared_task(name="workflows.scan_deadlines", ignore_result=True, soft_time_limit=25, time_limit=40)
def scan_deadlines() -> dict[str, int]:
    return deadlines_scan().as_dict()
