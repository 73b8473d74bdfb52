"""Celery tasks: thin wrappers that fetch by id and call a service."""

from __future__ import annotations

from celery import Task, shared_task

from notifications import services


@shared_task(name="notifications.heartbeat", bind=True, ignore_result=True)
def heartbeat(self: Task, name: str = "worker") -> None:
    services.heartbeat_record(name=name, hostname=self.request.hostname or "")
