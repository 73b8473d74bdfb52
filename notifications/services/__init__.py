"""Writes of the notifications app.

``emit`` is the outbox's one public write, called inside the business transaction; the
rest is the relay, deliveries, the inbox and agencies' notification set-up.
"""

from notifications.services.deliveries import (
    Attempt,
    delivery_attempt,
    delivery_retry,
    retry_backoff,
)
from notifications.services.endpoints import (
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
    endpoint_validate,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from notifications.services.inbox import inbox_mark_all_read, inbox_mark_read
from notifications.services.outbox import (
    FORBIDDEN_DATA_KEYS,
    SweepReport,
    delivery_requeue_stuck,
    emit,
    enqueue,
    event_relay,
    heartbeat_record,
    outbox_bulk_load,
    outbox_mark_historical,
    outbox_sweep,
)

__all__ = [
    "FORBIDDEN_DATA_KEYS",
    "Attempt",
    "SweepReport",
    "delivery_attempt",
    "delivery_requeue_stuck",
    "delivery_retry",
    "emit",
    "endpoint_create",
    "endpoint_rotate_secret",
    "endpoint_update",
    "endpoint_validate",
    "enqueue",
    "event_relay",
    "heartbeat_record",
    "inbox_mark_all_read",
    "inbox_mark_read",
    "outbox_bulk_load",
    "outbox_mark_historical",
    "outbox_sweep",
    "retry_backoff",
    "subscription_create",
    "subscription_delete",
    "subscription_update",
]
