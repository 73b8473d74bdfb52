"""Publishing event envelopes to the durable topic exchange ``csp.events``.

Other systems bind their own queues to the exchange (routing key ``<kind>.<event type>``,
e.g. ``asb.#`` or ``*.deadline.breached``); docs/notifications.md shows a consumer. Anyone
with a binding hears everything on it, so the need-to-know gate decides what goes on it
(``EVENT_BUS``): events of VAWG cases go only to the agencies' own endpoints. The
connection is the Celery app's broker, so on RabbitMQ each publish waits for the broker's
confirm (``confirm_publish`` in the broker transport options).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from celery import current_app
from kombu import Connection, Exchange, Producer
from kombu.exceptions import KombuError

from cases.access import EVENT_BUS
from notifications.events import EXCHANGE_NAME, event_envelope, routing_key
from notifications.models import OutboxEvent
from notifications.routing import event_visible

EVENTS_EXCHANGE = Exchange(EXCHANGE_NAME, type="topic", durable=True)
# Short on purpose: the sweep tries again in a few seconds, and the fast path must not keep
# a worker (or a row lock) waiting on a broker that is down.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
PUBLISH_TIMEOUT = 5.0


class BrokerUnavailable(Exception):
    """The broker refused or dropped a publish; every other publish now would fail too."""


class EventPublisher:
    """One broker connection from the app's pool, taken on first use, for any number of
    publishes; given back on close, or dropped if the broker failed it."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def __enter__(self) -> EventPublisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, *, broken: bool = False) -> None:
        if self._connection is not None:
            if broken:
                # Forget the dead socket without talking to the broker; the pool hands the
                # connection out again and it reconnects on first use.
                self._connection.collect()
            self._connection.release()
        self._connection = self._producer = None

    def publish(self, event: OutboxEvent) -> bool:
        """Publish the event's envelope if the gate lets every consumer hear of it (True),
        else nothing (False); raise BrokerUnavailable if the broker did not take it."""
        if not event_visible(event, to=EVENT_BUS):
            return False
        connection_errors: tuple[type[BaseException], ...] = (KombuError, OSError)
        try:
            producer = self._ensure_producer()
            assert self._connection is not None
            connection_errors += tuple(self._connection.connection_errors) + tuple(
                self._connection.channel_errors
            )
            producer.publish(
                event_envelope(event),
                routing_key=routing_key(event),
                serializer="json",
                delivery_mode=2,  # persistent: survives a broker restart
                # Consumers drop repeats by message id: a crash after the broker's confirm
                # and before our commit publishes the event again.
                message_id=str(event.id),
                declare=[EVENTS_EXCHANGE],
                retry=True,
                retry_policy=dict(PUBLISH_RETRY_POLICY),
                timeout=PUBLISH_TIMEOUT,
                confirm_timeout=PUBLISH_TIMEOUT,
            )
        except connection_errors as exc:
            self.close(broken=True)
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return True

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            # The pool saves a TCP and AMQP handshake per relay (about 3 ms here).
            connection: Any = current_app.pool.acquire(block=True, timeout=PUBLISH_TIMEOUT)
            self._connection = connection
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=PUBLISH_TIMEOUT)
            self._producer = connection.Producer(exchange=EVENTS_EXCHANGE)
        return self._producer
