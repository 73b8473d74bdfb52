"""Deliveries: one attempt per task run, bounded retries, and the manual retry of the dead."""

from __future__ import annotations

import logging
import random
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.audit import acting_as
from notifications.events import event_envelope
from notifications.models import Delivery, DeliveryStatus
from notifications.services.outbox import ERROR_CHARS, TASK_DELIVER, enqueue
from notifications.services.permissions import may_manage
from notifications.targets import endpoint_target
from notifications.transports import TRANSPORTS, TransportError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """What the delivery task should do next: stop, or run again in ``retry_in`` seconds."""

    status: str
    retry_in: float | None = None


def retry_backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    Exponential and capped, with "equal jitter" (half fixed, half random) so endpoints
    that failed together do not all retry in the same second.
    """
    ceiling = min(
        settings.NOTIFICATIONS_RETRY_MAX_SECONDS,
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** (attempt - 1),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def delivery_attempt(*, delivery_id: int) -> Attempt:
    """Try one delivery once. Idempotent: a delivered or dead row is left alone.

    The row is claimed (compare-and-swap to ``sending``, attempts + 1) and saved before the
    network call, healthchecks style. A task that finds the row sending under a live lease,
    or failed and not yet due, comes back when it is due. At-least-once: a worker that dies
    mid-send leaves a row that is sent again after the lease; receivers drop the repeat by
    its webhook-id (the event id).
    """
    now = timezone.now()
    delivery = Delivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
        return Attempt(status=delivery.status if delivery else "missing")
    if delivery.endpoint is None:
        return Attempt(status=delivery.status)  # inbox rows are complete when written
    if delivery.next_attempt_at > now:
        return Attempt(
            status=delivery.status,
            retry_in=max((delivery.next_attempt_at - now).total_seconds(), 0.1),
        )
    lease = timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)
    claimed = Delivery.objects.filter(
        pk=delivery.pk,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
    ).update(
        status=DeliveryStatus.SENDING,
        attempts=F("attempts") + 1,
        sent_at=now,
        next_attempt_at=now + lease,
    )
    if claimed != 1:
        return Attempt(status="taken")  # another task claimed it first and carries it on
    attempt = delivery.attempts + 1
    endpoint = delivery.endpoint
    try:
        if not endpoint.is_active:
            raise TransportError("The endpoint was deactivated", permanent=True)
        receipt = TRANSPORTS[endpoint.channel].send(
            envelope=event_envelope(delivery.event), target=endpoint_target(endpoint)
        )
    except TransportError as exc:
        return _delivery_failed(
            delivery, attempt=attempt, error=exc.message, permanent=exc.permanent
        )
    except Exception as exc:
        # A bug or a soft time limit: retried like a passing fault. Only the kind of error
        # goes on the row, which agency managers read; its text may quote the far side.
        logger.exception("Delivery %s raised unexpectedly", delivery.pk)
        return _delivery_failed(
            delivery,
            attempt=attempt,
            error=f"{type(exc).__name__} (the details are in the server log)",
            permanent=False,
        )
    done = timezone.now()
    recorded = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=attempt
    ).update(
        status=DeliveryStatus.DELIVERED,
        delivered_at=done,
        latency=done - delivery.event.occurred_at,
        last_error="",
        reference=(receipt.reference if receipt else "")[:200],
    )
    if recorded != 1:
        logger.warning("Delivery %s was taken over during attempt %d", delivery.pk, attempt)
    return Attempt(status=DeliveryStatus.DELIVERED)


def _delivery_failed(delivery: Delivery, *, attempt: int, error: str, permanent: bool) -> Attempt:
    done = timezone.now()
    exhausted = attempt > settings.NOTIFICATIONS_DELIVERY_MAX_RETRIES
    if permanent or exhausted:
        status, wait = DeliveryStatus.DEAD, None
        if exhausted and not permanent:
            error = f"Gave up after {attempt} attempts: {error}"
    else:
        status, wait = DeliveryStatus.FAILED, retry_backoff(attempt)
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=attempt).update(
        status=status,
        failed_at=done,
        last_error=error[:ERROR_CHARS],
        next_attempt_at=done + timedelta(seconds=wait or 0),
    )
    log = logger.error if status == DeliveryStatus.DEAD else logger.info
    log("Delivery %s attempt %d failed (%s): %s", delivery.pk, attempt, status, error)
    return Attempt(status=status, retry_in=wait)


@transaction.atomic
def delivery_retry(*, delivery_id: int, by: Any) -> Delivery:
    """Send a dead delivery again from its first attempt (the admin and API action).

    Raises PermissionDenied unless ``by`` may manage the endpoint's agency, and
    ValidationError naming the field when the delivery is not dead or its endpoint is off.
    """
    now = timezone.now()
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "event")
        .get(pk=delivery_id)
    )
    if delivery.endpoint is None:
        raise ValidationError({"endpoint": "Inbox deliveries are complete when written."})
    if not may_manage(by, agency_id=delivery.endpoint.agency_id, perm="change_delivery"):
        raise PermissionDenied(f"you may not retry deliveries to {delivery.endpoint}")
    if delivery.status != DeliveryStatus.DEAD:
        raise ValidationError(
            {"status": f"Only a dead delivery can be retried; this one is {delivery.status}."}
        )
    if not delivery.endpoint.is_active:
        raise ValidationError({"endpoint": "The endpoint is deactivated; activate it first."})
    with acting_as(by) if by is not None else nullcontext():
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(partial(enqueue, TASK_DELIVER, delivery.pk))
    return delivery
