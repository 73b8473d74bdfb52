"""Writes of the notifications app."""

from __future__ import annotations

from django.utils import timezone

from notifications.models import WorkerHeartbeat


def heartbeat_record(*, name: str = "worker", hostname: str = "") -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "hostname": hostname}
    )
    return beat
