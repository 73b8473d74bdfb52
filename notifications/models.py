"""Notifications: the outbox, deliveries and the worker heartbeat."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """Last time beat's heartbeat task ran on a worker: proof beat -> broker -> worker works."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it describes.

    The relay publishes rows after commit (fast path) and a periodic sweep claims any
    left unpublished, so nothing depends on the broker being up at commit time.
    ``data`` never holds personal data: partners follow ``detail_url`` and sign in.
    """

    SCHEMA_VERSION = 1

    id = models.UUIDField(primary_key=True, editable=False)
    type = models.CharField(max_length=50)
    occurred_at = models.DateTimeField()
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    case_reference = models.CharField(max_length=24, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    agencies = models.JSONField(default=list, help_text="Codes of the agencies concerned.")
    data = models.JSONField(default=dict)
    schema_version = models.PositiveSmallIntegerField(default=SCHEMA_VERSION)
    actor_id = models.IntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at"]
        indexes = [
            # Serves the relay sweep: WHERE published_at IS NULL ORDER BY occurred_at.
            models.Index(
                fields=["occurred_at"],
                name="outbox_unpublished",
                condition=models.Q(published_at__isnull=True),
            ),
            models.Index(fields=["case", "occurred_at"], name="outbox_by_case"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.case_reference} {self.id}"
