"""Notifications: the outbox, deliveries and the worker heartbeat."""

from __future__ import annotations

from django.conf import settings
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
    # The lead when the event happened: a later reassignment must not redirect old news.
    responsible_agency = models.CharField(max_length=50, blank=True)
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


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    NOTIFY = "notify", "GOV.UK Notify"


class Endpoint(models.Model):
    """Where an agency receives notifications: a team mailbox, a webhook URL or Notify.

    Built and changed only through ``notifications.services`` (``endpoint_create`` and
    friends), which check the target before it is saved and generate webhook secrets.
    """

    agency = models.ForeignKey(
        "partners.Agency", on_delete=models.PROTECT, related_name="notification_endpoints"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    name = models.CharField(max_length=100, help_text="What the agency calls this channel.")
    # Email and Notify send to this address; webhooks ignore it.
    email_address = models.EmailField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(
        max_length=100, blank=True, help_text="Standard Webhooks signing secret (whsec_...)."
    )
    allow_private = models.BooleanField(
        default=False,
        help_text="Allow a webhook to a private or loopback address (an admin's decision).",
    )
    notify_api_key = models.CharField(max_length=200, blank=True)
    notify_template_id = models.UUIDField(null=True, blank=True)
    notify_base_url = models.URLField(
        max_length=200, blank=True, help_text="Blank: the NOTIFY_BASE_URL setting."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="endpoint_unique_name"),
            # Each channel's target must be complete, whichever path wrote the row.
            models.CheckConstraint(
                condition=~models.Q(channel="email") | ~models.Q(email_address=""),
                name="endpoint_email_has_address",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="webhook") | (~models.Q(url="") & ~models.Q(secret="")),
                name="endpoint_webhook_has_url_and_secret",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="notify")
                | (
                    ~models.Q(notify_api_key="")
                    & models.Q(notify_template_id__isnull=False)
                    & ~models.Q(email_address="")
                ),
                name="endpoint_notify_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.name} ({self.get_channel_display()})"

    @property
    def target_label(self) -> str:
        """Where messages go, without secrets, for lists and logs."""
        return self.url if self.channel == Channel.WEBHOOK else self.email_address


class Subscription(models.Model):
    """A participating agency's choice of events, beyond those of cases it leads.

    The responsible agency hears every event of its cases on all its endpoints; any other
    agency linked to a case hears the event types and kinds it subscribes to here, on the
    subscription's endpoint. An empty list means "all".
    """

    agency = models.ForeignKey(
        "partners.Agency", on_delete=models.PROTECT, related_name="notification_subscriptions"
    )
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="subscriptions")
    event_types = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["agency__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint"], name="subscription_one_per_endpoint")
        ]

    def __str__(self) -> str:
        types = ", ".join(self.event_types) or "all events"
        kinds = ", ".join(self.kinds) or "all kinds"
        return f"{self.agency}: {types} of {kinds}"

    def matches(self, *, type: str, kind: str) -> bool:
        return (not self.event_types or type in self.event_types) and (
            not self.kinds or kind in self.kinds
        )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed, will retry"
    DEAD = "dead", "Dead"


# Statuses the sweep may find stuck: a task should be on its way for each of these rows.
UNFINISHED_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    NOTIFY = "notify", "GOV.UK Notify"
    INBOX = "inbox", "In-app inbox"


class Delivery(models.Model):
    """One event to one endpoint (or one user's inbox): the proof of who was told, and when.

    ``next_attempt_at`` is when a task may next work on the row: now for a new row, the
    backoff for a failed one, and the end of the lease for one being sent, so a worker that
    dies mid-send hands the row on once the lease runs out.
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_deliveries",
    )
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Message-ID, webhook-id or Notify id."
    )
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Start of the last attempt.")
    failed_at = models.DateTimeField(null=True, blank=True, help_text="End of the last failure.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    latency = models.DurationField(
        null=True, blank=True, help_text="From the event's occurred_at to delivered_at."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endpoint__isnull=True) ^ models.Q(user__isnull=True),
                name="delivery_endpoint_xor_user",
            ),
            # The idempotency keys: relaying an event twice can never tell anyone twice.
            models.UniqueConstraint(
                fields=["event", "endpoint"],
                condition=models.Q(endpoint__isnull=False),
                name="delivery_once_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=models.Q(user__isnull=False),
                name="delivery_once_per_user",
            ),
        ]
        indexes = [
            # Serves the stuck-delivery sweep: WHERE status IN (pending, sending, failed)
            # AND next_attempt_at < ... ORDER BY next_attempt_at.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_unfinished",
                condition=models.Q(status__in=UNFINISHED_STATUSES),
            ),
            # Serves notifications_status: counts per status, latency of recent deliveries.
            models.Index(fields=["status", "delivered_at"], name="delivery_by_status"),
            models.Index(fields=["endpoint", "status"], name="delivery_by_endpoint"),
        ]

    def __str__(self) -> str:
        to = self.endpoint or self.user
        return f"{self.event.type} {self.event.case_reference} to {to}: {self.status}"


class InboxItem(models.Model):
    """An event in one person's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items"
    )
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="inbox_items")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="inbox_item_once_per_user")
        ]
        indexes = [
            # Serves inbox_unread_count: WHERE user_id = ... AND read_at IS NULL.
            models.Index(
                fields=["user"], name="inbox_unread", condition=models.Q(read_at__isnull=True)
            ),
            models.Index(fields=["user", "created_at"], name="inbox_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} {self.event.case_reference} for {self.user}"
