"""Celery tasks: thin wrappers that fetch by id and call a service."""

from __future__ import annotations

from celery import Task, shared_task

from notifications import services


@shared_task(name="notifications.heartbeat", bind=True, ignore_result=True)
def heartbeat(self: Task, name: str = "worker") -> None:
    services.heartbeat_record(name=name, hostname=self.request.hostname or "")


@shared_task(name=services.outbox.TASK_RELAY_EVENT, ignore_result=True)
def relay_event(event_id: str) -> None:
    """The fast path, enqueued by ``emit`` after commit. A miss is the sweep's to catch."""
    services.event_relay(event_id=event_id)


@shared_task(name="notifications.relay_outbox", ignore_result=True)
def relay_outbox() -> None:
    """Beat's sweep: relay what the fast path missed and re-enqueue stuck deliveries."""
    services.outbox_sweep()


@shared_task(
    name=services.outbox.TASK_DELIVER,
    bind=True,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Bounded by the Delivery row's attempts (NOTIFICATIONS_DELIVERY_MAX_RETRIES), which
    # survive redelivery after a crash; Celery's own counter does not.
    max_retries=None,
)
def deliver(self: Task, delivery_id: int) -> None:
    attempt = services.delivery_attempt(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
