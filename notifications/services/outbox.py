"""The outbox: ``emit`` inside the business transaction, then the relay after commit.

``event_relay`` (the fast path, enqueued by ``emit`` after commit) and ``outbox_sweep``
(every few seconds from beat) turn each event into Delivery rows and a message on the
``csp.events`` exchange; one ``notifications.deliver`` task per delivery follows.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.models import Case
from notifications.models import (
    UNFINISHED_STATUSES,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    InboxItem,
    OutboxEvent,
    WorkerHeartbeat,
)
from notifications.publisher import BrokerUnavailable, EventPublisher
from notifications.routing import event_recipients

logger = logging.getLogger(__name__)

TASK_RELAY_EVENT = "notifications.relay_event"
TASK_DELIVER = "notifications.deliver"
# Enqueueing happens after the user's transaction has committed: a broker outage must cost
# them at most a moment, never an error. What is not enqueued, the sweep picks up.
ENQUEUE_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
ERROR_CHARS = 1000

# Keys that may never appear in an event's data: the outbox carries no personal data.
FORBIDDEN_DATA_KEYS = frozenset(
    {
        "name",
        "full_name",
        "date_of_birth",
        "dob",
        "address",
        "postcode",
        "summary",
        "narrative",
        "reason",
        "phone",
        "email",
        "safe_contact",
        "identifiers",
        "school",
    }
)


# Off inside ``outbox_bulk_load()``: a bulk load must not flood the broker with a relay
# task per event; the sweep (or outbox_mark_historical) deals with those rows instead.
_fast_path: ContextVar[bool] = ContextVar("outbox_fast_path", default=True)


@contextmanager
def outbox_bulk_load() -> Iterator[None]:
    """Write events without the after-commit relay task, for loading many records at once."""
    token = _fast_path.set(False)
    try:
        yield
    finally:
        _fast_path.reset(token)


def emit(
    *,
    type: str,
    case: Case | None,
    occurred_at: datetime,
    data: dict[str, Any] | None = None,
    agencies: list[str] | None = None,
    actor_id: int | None = None,
) -> OutboxEvent:
    """Write a domain event to the outbox inside the caller's transaction.

    ``data`` is a flat mapping of plain values (state names, references, counts) with no
    personal data. After commit the event is relayed; if the broker is down then, the
    outbox sweep relays it later.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the business transaction (transaction.atomic)")
    data = dict(data or {})
    leaked = FORBIDDEN_DATA_KEYS & set(data)
    if leaked:
        raise ValueError(f"event data may not carry personal data: {sorted(leaked)}")
    # Nested values are where a person's details would hide, and no channel can send them.
    nested = sorted(
        k for k, v in data.items() if not (v is None or isinstance(v, str | int | float))
    )
    if nested:
        raise ValueError(f"event data must be flat plain values; nested or odd: {nested}")
    if agencies is None and case is not None:
        agencies = sorted(
            set(case.case_agencies.values_list("agency__code", flat=True))
            | {case.responsible_agency.code}
        )
    event = OutboxEvent.objects.create(
        id=uuid.uuid4(),
        type=type,
        occurred_at=occurred_at,
        case=case,
        case_reference=case.reference if case else "",
        kind=case.kind if case else "",
        agencies=agencies or [],
        responsible_agency=case.responsible_agency.code if case else "",
        data=data,
        actor_id=actor_id,
    )
    if _fast_path.get():
        transaction.on_commit(partial(enqueue, TASK_RELAY_EVENT, str(event.id)))
    return event


def enqueue(task_name: str, *args: Any) -> bool:
    """Send a task by name; log and carry on when the broker cannot take it."""
    try:
        current_app.send_task(
            task_name, args=list(args), retry=True, retry_policy=ENQUEUE_RETRY_POLICY
        )
    except Exception:
        logger.warning(
            "Could not enqueue %s%r; the outbox sweep will pick it up",
            task_name,
            tuple(args),
            exc_info=True,
        )
        return False
    return True


def heartbeat_record(*, name: str = "worker", hostname: str = "") -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "hostname": hostname}
    )
    return beat


# --- Relay: outbox -> deliveries + csp.events ------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    published: int
    failed: int
    requeued: int


def event_relay(*, event_id: uuid.UUID | str) -> bool:
    """Relay one event if nobody has (the fast path). True if this call published it."""
    with EventPublisher() as publisher, transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, published_at__isnull=True)
            .first()
        )
        if event is None:
            return False  # published already, or the sweep holds it right now
        try:
            _relay_locked(event, publisher=publisher)
        except BrokerUnavailable:
            logger.warning("Could not publish event %s; the sweep will retry", event_id)
            return False
        except Exception:
            # Recorded on the row by _relay_locked; the sweep tries again.
            logger.exception("Could not relay event %s; the sweep will retry", event_id)
            return False
        return True


def outbox_sweep(*, limit: int | None = None) -> SweepReport:
    """Relay unpublished events, oldest first, and re-enqueue stuck deliveries.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, so a fast-path relay or a
    second sweep running at the same moment takes other rows, never the same ones.
    """
    limit = limit or settings.NOTIFICATIONS_RELAY_BATCH
    published = failed = 0
    with EventPublisher() as publisher, transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True)
            .order_by("occurred_at")[:limit]
        )
        for event in events:
            try:
                _relay_locked(event, publisher=publisher)
            except BrokerUnavailable:
                # Every later event would fail the same way; the next sweep tries again.
                failed += 1
                break
            except Exception:
                logger.exception("Could not relay event %s; skipping it this time", event.pk)
                failed += 1
            else:
                published += 1
    requeued = delivery_requeue_stuck(limit=limit)
    return SweepReport(published=published, failed=failed, requeued=requeued)


def _relay_locked(event: OutboxEvent, *, publisher: EventPublisher) -> None:
    """Create the event's deliveries, publish it and mark it published; the row is locked.

    The broker call happens inside the transaction on purpose: the row lock is what stops
    the fast path and the sweep publishing one event twice. The event is committed already,
    so a failed commit after the broker's confirm means a repeat, never a phantom.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            pending = _deliveries_create(event, now=now)
            publisher.publish(event)
            event.published_at = now
            event.publish_attempts += 1
            event.last_error = ""
            event.save(update_fields=["published_at", "publish_attempts", "last_error"])
    except Exception as exc:
        OutboxEvent.objects.filter(pk=event.pk).update(
            publish_attempts=F("publish_attempts") + 1, last_error=str(exc)[:ERROR_CHARS]
        )
        raise
    for delivery_id in pending:
        transaction.on_commit(partial(enqueue, TASK_DELIVER, delivery_id))


def _deliveries_create(event: OutboxEvent, *, now: datetime) -> list[int]:
    """Delivery rows for the event's recipients; returns the ids that need a task.

    Inbox deliveries are complete when written: the inbox is this database.
    """
    recipients = event_recipients(event)
    # The unique constraints make this idempotent, whatever the reason for a second relay.
    Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                endpoint=endpoint,
                channel=endpoint.channel,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in recipients.endpoints
        ],
        ignore_conflicts=True,
    )
    InboxItem.objects.bulk_create(
        [InboxItem(user=user, event=event, created_at=now) for user in recipients.users],
        ignore_conflicts=True,
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                user=user,
                channel=DeliveryChannel.INBOX,
                status=DeliveryStatus.DELIVERED,
                attempts=1,
                created_at=now,
                next_attempt_at=now,
                sent_at=now,
                delivered_at=now,
                latency=now - event.occurred_at,
            )
            for user in recipients.users
        ],
        ignore_conflicts=True,
    )
    return list(
        Delivery.objects.filter(
            event=event, endpoint__isnull=False, status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )


def delivery_requeue_stuck(*, limit: int) -> int:
    """Enqueue again the deliveries whose task must have been lost.

    A row stays pending, failed or sending past its due time only when no task came for
    it: the enqueue after commit failed, a retry could not be published, or a worker died
    on a broker that does not redeliver. Duplicates are harmless; ``delivery_attempt``
    claims a row with compare-and-swap.
    """
    now = timezone.now()
    overdue = now - timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status__in=UNFINISHED_STATUSES, next_attempt_at__lt=overdue)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        # Due now, so the next sweep leaves them alone for another grace period.
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for delivery_id in ids:
            transaction.on_commit(partial(enqueue, TASK_DELIVER, delivery_id))
    if ids:
        logger.warning("Re-enqueued %d stuck deliveries", len(ids))
    return len(ids)


@transaction.atomic
def outbox_mark_historical(*, before: datetime, reason: str) -> int:
    """Mark unpublished events up to ``before`` as not to be relayed, and say why.

    For records loaded rather than lived (demo data, a migration from a legacy system):
    partners must not be sent years of notifications when their endpoints are first set up.
    Returns how many events were marked.
    """
    return OutboxEvent.objects.filter(published_at__isnull=True, occurred_at__lte=before).update(
        published_at=timezone.now(), last_error=f"not relayed: {reason}"
    )
