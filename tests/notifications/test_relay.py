"""The relay: after commit (fast path) or by the sweep, events become deliveries and
messages on the csp.events exchange, once each."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from notifications import services
from notifications.events import event_envelope
from notifications.models import Delivery, DeliveryStatus, OutboxEvent
from notifications.services import delivery_requeue_stuck, emit, event_relay, outbox_sweep
from tests.notifications.conftest import (
    ExchangeTap,
    app_broker,
    closed_port,
    email_endpoint,
    settled_case,
    webhook_endpoint,
)
from tests.personas import raise_referral
from tests.support import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent() -> Any:
    """Tasks handed to the broker (the boundary of this process), recorded, not sent."""
    with mock.patch.object(celery_app, "send_task", autospec=True) as send_task:
        yield send_task


def sent_tasks(send_task: Any) -> list[tuple[str, list[Any]]]:
    return [(c.args[0], c.kwargs["args"]) for c in send_task.call_args_list]


def test_emit_enqueues_the_relay_only_once_the_transaction_has_committed(
    people: Any, sent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        raise_referral(people.officer, "asb")
        assert sent.call_count == 0
    for callback in callbacks:
        callback()

    event = OutboxEvent.objects.get(type="referral.raised")
    assert sent_tasks(sent) == [("notifications.relay_event", [str(event.pk)])]


def test_an_event_of_a_rolled_back_transaction_is_never_enqueued(
    people: Any, sent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = raise_referral(people.officer, "asb").case

    def failing_business_transaction() -> None:
        with transaction.atomic():
            emit(type="case.transitioned", case=case, occurred_at=timezone.now())
            raise RuntimeError("the business transaction failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_business_transaction()
    assert callbacks == []
    assert sent.call_count == 0
    assert not OutboxEvent.objects.filter(type="case.transitioned").exists()


def test_a_broker_outage_at_commit_is_logged_and_the_sweep_publishes_the_event_later(
    people: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
    exchange_tap: ExchangeTap,
) -> None:
    down = f"amqp://guest:guest@127.0.0.1:{closed_port()}//"
    with (
        app_broker(down),
        caplog.at_level(logging.WARNING, logger="notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        referral = raise_referral(people.officer, "asb")  # no error for the person raising it
        report = outbox_sweep()

    assert referral.case.reference.startswith("ASB-")
    assert "Could not enqueue notifications.relay_event" in caplog.text
    event = OutboxEvent.objects.get(type="referral.raised")
    assert (event.published_at, event.publish_attempts) == (None, 1)
    assert "Connection refused" in event.last_error
    assert (report.published, report.failed) == (0, 1)

    assert outbox_sweep().published == 1  # the broker is back
    event.refresh_from_db()
    assert event.published_at is not None
    assert event.last_error == ""
    assert [m.payload["id"] for m in exchange_tap.drain()] == [str(event.pk)]


def test_relaying_creates_deliveries_publishes_the_envelope_and_marks_it_published(
    people: Any,
    sent: Any,
    django_capture_on_commit_callbacks: Any,
    webhook_receiver: WebhookReceiver,
    exchange_tap: ExchangeTap,
) -> None:
    hook = webhook_endpoint("council-asb", webhook_receiver)
    mailbox = email_endpoint("council-asb", "asb.team@council.example.gov.uk")
    case = raise_referral(people.officer, "asb").case
    event = OutboxEvent.objects.get(type="referral.raised")

    with django_capture_on_commit_callbacks(execute=True):
        assert event_relay(event_id=event.pk) is True

    deliveries = Delivery.objects.filter(event=event).order_by("pk")
    assert [(d.endpoint, d.channel, d.status) for d in deliveries] == [
        (hook, "webhook", DeliveryStatus.PENDING),
        (mailbox, "email", DeliveryStatus.PENDING),
    ]
    assert sorted(sent_tasks(sent)) == [("notifications.deliver", [d.pk]) for d in deliveries]
    event.refresh_from_db()
    assert event.published_at is not None
    [message] = exchange_tap.drain()
    assert message.delivery_info["routing_key"] == "asb.referral.raised"
    assert message.payload == event_envelope(event)
    assert message.properties["message_id"] == str(event.pk)
    assert message.payload["detail_url"] == f"http://127.0.0.1:8000/cases/{case.pk}/"


def test_relaying_an_event_again_tells_nobody_twice(
    people: Any, sent: Any, webhook_receiver: WebhookReceiver, exchange_tap: ExchangeTap
) -> None:
    webhook_endpoint("council-asb", webhook_receiver)
    raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get(type="referral.raised")
    assert event_relay(event_id=event.pk) is True

    assert event_relay(event_id=event.pk) is False
    assert outbox_sweep().published == 0
    assert Delivery.objects.filter(event=event).count() == 1
    assert len(exchange_tap.drain()) == 1

    # Even with the published mark lost, the unique keys keep it to one delivery each.
    OutboxEvent.objects.filter(pk=event.pk).update(published_at=None)
    assert event_relay(event_id=event.pk) is True
    assert Delivery.objects.filter(event=event).count() == 1


def test_the_database_refuses_a_second_delivery_of_one_event_to_one_endpoint(
    people: Any, webhook_receiver: WebhookReceiver
) -> None:
    hook = webhook_endpoint("council-asb", webhook_receiver)
    raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get(type="referral.raised")
    now = timezone.now()
    row = {"event": event, "endpoint": hook, "channel": "webhook", "created_at": now}
    Delivery.objects.create(**row, next_attempt_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(**row, next_attempt_at=now)


def test_the_sweep_publishes_unpublished_events_oldest_first(
    people: Any, exchange_tap: ExchangeTap
) -> None:
    case = raise_referral(people.officer, "asb").case
    OutboxEvent.objects.update(published_at=timezone.now())
    start = timezone.now()
    with transaction.atomic():
        for minutes, to in ((3, "closed"), (1, "triaged"), (2, "assigned")):
            emit(
                type="case.transitioned",
                case=case,
                occurred_at=start + timedelta(minutes=minutes),
                data={"to": to},
            )

    report = outbox_sweep()

    assert (report.published, report.failed) == (3, 0)
    assert [m.payload["data"]["to"] for m in exchange_tap.drain()] == [
        "triaged",
        "assigned",
        "closed",
    ]


def test_one_event_that_cannot_be_relayed_does_not_hold_up_the_others(
    people: Any, exchange_tap: ExchangeTap, caplog: pytest.LogCaptureFixture
) -> None:
    raise_referral(people.officer, "asb")
    raise_referral(people.officer, "early_release")
    broken, fine = OutboxEvent.objects.order_by("occurred_at")
    real = services.outbox.event_recipients

    def recipients(event: OutboxEvent) -> Any:
        if event.pk == broken.pk:
            raise LookupError("routing data is inconsistent")
        return real(event)

    with mock.patch(
        "notifications.services.outbox.event_recipients", autospec=True, side_effect=recipients
    ):
        report = outbox_sweep()

    assert (report.published, report.failed) == (1, 1)
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.published_at is None
    assert broken.last_error == "routing data is inconsistent"
    assert fine.published_at is not None
    assert [m.payload["id"] for m in exchange_tap.drain()] == [str(fine.pk)]
    assert f"Could not relay event {broken.pk}" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_an_event_another_relay_has_locked(
    people: Any, exchange_tap: ExchangeTap
) -> None:
    settled_case(people, "asb")
    settled_case(people, "early_release")
    # Unpublished again, with no fast-path task on its way: only the sweep can take them.
    OutboxEvent.objects.update(published_at=None)
    exchange_tap.drain()
    held, free = OutboxEvent.objects.order_by("occurred_at")
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        with transaction.atomic():
            OutboxEvent.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        report = outbox_sweep()
        assert event_relay(event_id=held.pk) is False  # the fast path skips it too
    finally:
        release.set()
        holder.join()

    assert report.published == 1
    assert [m.payload["id"] for m in exchange_tap.drain()] == [str(free.pk)]
    held.refresh_from_db()
    assert held.published_at is None


def test_stuck_deliveries_are_enqueued_again_then_left_alone_for_a_grace_period(
    people: Any,
    settings: Any,
    sent: Any,
    django_capture_on_commit_callbacks: Any,
    webhook_receiver: WebhookReceiver,
) -> None:
    settings.NOTIFICATIONS_STUCK_AFTER_SECONDS = 300
    hook = webhook_endpoint("council-asb", webhook_receiver)
    raise_referral(people.officer, "asb")
    raise_referral(people.officer, "asb")
    raise_referral(people.officer, "asb")
    first, second, third = OutboxEvent.objects.filter(type="referral.raised").order_by(
        "occurred_at"
    )
    now = timezone.now()
    long_ago = now - timedelta(minutes=10)
    lost_pending = Delivery.objects.create(
        event=first, endpoint=hook, channel="webhook", created_at=long_ago, next_attempt_at=long_ago
    )
    dead_worker = Delivery.objects.create(
        event=second,
        endpoint=hook,
        channel="webhook",
        status=DeliveryStatus.SENDING,
        attempts=1,
        created_at=long_ago,
        next_attempt_at=long_ago,  # its lease ran out long ago
    )
    Delivery.objects.create(  # just created: its task is surely on the way
        event=third, endpoint=hook, channel="webhook", created_at=now, next_attempt_at=now
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_requeue_stuck(limit=10) == 2
        assert delivery_requeue_stuck(limit=10) == 0

    assert sorted(args[0] for _, args in sent_tasks(sent)) == [lost_pending.pk, dead_worker.pk]
    lost_pending.refresh_from_db()
    assert lost_pending.next_attempt_at > now - timedelta(seconds=1)
