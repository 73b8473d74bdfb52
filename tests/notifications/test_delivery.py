"""One delivery attempt at a time: claim, send, record; bounded retries; the dead retried."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config.celery import app as celery_app
from notifications.models import Delivery, DeliveryStatus, Endpoint, OutboxEvent
from notifications.services import delivery_attempt, delivery_retry, event_relay, retry_backoff
from tests.notifications.conftest import email_endpoint, webhook_endpoint
from tests.personas import raise_referral
from tests.support import WebhookReceiver

pytestmark = pytest.mark.django_db


def one_delivery(people: Any, endpoint: Endpoint) -> Delivery:
    """The delivery of a fresh referral's event to ``endpoint``, as the relay leaves it."""
    raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get(type="referral.raised")
    event_relay(event_id=event.pk)
    return Delivery.objects.select_related("event").get(event=event, endpoint=endpoint)


def test_a_successful_attempt_records_delivery_latency_and_the_webhook_id(
    people: Any, webhook_receiver: WebhookReceiver
) -> None:
    delivery = one_delivery(people, webhook_endpoint("council-asb", webhook_receiver))

    attempt = delivery_attempt(delivery_id=delivery.pk)

    assert (attempt.status, attempt.retry_in) == (DeliveryStatus.DELIVERED, None)
    [received] = webhook_receiver.wait_for(1)
    assert received.valid
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.reference == str(delivery.event_id) == received.headers["webhook-id"]
    assert delivery.sent_at is not None
    assert delivery.delivered_at is not None
    assert delivery.sent_at <= delivery.delivered_at
    assert delivery.latency == delivery.delivered_at - delivery.event.occurred_at


def test_a_delivered_notification_is_never_sent_again(
    people: Any, webhook_receiver: WebhookReceiver
) -> None:
    delivery = one_delivery(people, webhook_endpoint("council-asb", webhook_receiver))
    delivery_attempt(delivery_id=delivery.pk)

    again = delivery_attempt(delivery_id=delivery.pk)  # a redelivered task

    assert (again.status, again.retry_in) == (DeliveryStatus.DELIVERED, None)
    assert len(webhook_receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_permanent_failure_is_dead_after_one_attempt(people: Any, webhook_secret: str) -> None:
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=410) as receiver:
        delivery = one_delivery(people, webhook_endpoint("council-asb", receiver))
        attempt = delivery_attempt(delivery_id=delivery.pk)

    assert (attempt.status, attempt.retry_in) == (DeliveryStatus.DEAD, None)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, 1)
    assert delivery.last_error == "HTTP 410 from the receiver"
    assert delivery.failed_at is not None


def test_a_passing_failure_waits_its_backoff_and_a_task_that_comes_early_sends_nothing(
    people: Any, settings: Any, webhook_secret: str
) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=503) as receiver:
        delivery = one_delivery(people, webhook_endpoint("council-asb", receiver))
        failed = delivery_attempt(delivery_id=delivery.pk)
        early = delivery_attempt(delivery_id=delivery.pk)
        assert len(receiver.requests) == 1

        delivery.refresh_from_db()
        assert failed.status == DeliveryStatus.FAILED
        assert failed.retry_in is not None
        assert 5 <= failed.retry_in <= 10
        assert delivery.failed_at is not None
        assert delivery.next_attempt_at == delivery.failed_at + timedelta(seconds=failed.retry_in)
        assert delivery.last_error == "HTTP 503 from the receiver"
        assert early.status == DeliveryStatus.FAILED
        assert early.retry_in is not None
        assert 0 < early.retry_in <= failed.retry_in

        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
            done = delivery_attempt(delivery_id=delivery.pk)
        assert done.status == DeliveryStatus.DELIVERED
        assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error) == (2, "")


def test_retries_are_bounded_and_the_last_failure_is_kept_on_the_dead_row(
    people: Any, settings: Any, webhook_secret: str
) -> None:
    settings.NOTIFICATIONS_DELIVERY_MAX_RETRIES = 2
    with WebhookReceiver(webhook_secret, fail_times=10, status_on_fail=500) as receiver:
        delivery = one_delivery(people, webhook_endpoint("council-asb", receiver))
        outcomes = []
        for _ in range(3):
            delivery.refresh_from_db()
            with time_machine.travel(delivery.next_attempt_at, tick=False):
                outcomes.append(delivery_attempt(delivery_id=delivery.pk).status)
        assert len(receiver.requests) == 3

    assert outcomes == [DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.DEAD]
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert delivery.last_error == "Gave up after 3 attempts: HTTP 500 from the receiver"


def test_a_row_claimed_by_a_live_worker_is_left_alone_until_its_lease_runs_out(
    people: Any, settings: Any, webhook_receiver: WebhookReceiver
) -> None:
    settings.NOTIFICATIONS_SENDING_LEASE_SECONDS = 90
    delivery = one_delivery(people, webhook_endpoint("council-asb", webhook_receiver))
    claimed_at = timezone.now()
    # As a worker leaves the row once it has claimed it and before the send returns.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=1,
        sent_at=claimed_at,
        next_attempt_at=claimed_at + timedelta(seconds=90),
    )

    with time_machine.travel(claimed_at + timedelta(seconds=30), tick=False):
        waiting = delivery_attempt(delivery_id=delivery.pk)
    assert waiting.status == DeliveryStatus.SENDING
    assert waiting.retry_in == pytest.approx(60)
    assert webhook_receiver.requests == []

    with time_machine.travel(claimed_at + timedelta(seconds=91), tick=False):
        taken_over = delivery_attempt(delivery_id=delivery.pk)
    assert taken_over.status == DeliveryStatus.DELIVERED
    assert len(webhook_receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_a_deactivated_endpoint_is_not_sent_to(
    people: Any, webhook_receiver: WebhookReceiver
) -> None:
    endpoint = webhook_endpoint("council-asb", webhook_receiver)
    delivery = one_delivery(people, endpoint)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    assert delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.DEAD
    delivery.refresh_from_db()
    assert delivery.last_error == "The endpoint was deactivated"
    assert webhook_receiver.requests == []


def test_an_unexpected_error_is_recorded_and_retried_not_left_sending(
    people: Any, settings: Any
) -> None:
    delivery = one_delivery(people, email_endpoint("council-asb", "asb@council.example.gov.uk"))
    settings.EMAIL_BACKEND = "notifications.no_such_backend.EmailBackend"  # a bad deploy

    attempt = delivery_attempt(delivery_id=delivery.pk)

    assert attempt.status == DeliveryStatus.FAILED
    assert attempt.retry_in is not None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("ModuleNotFoundError")


def test_an_attempt_for_a_delivery_that_no_longer_exists_does_nothing() -> None:
    assert delivery_attempt(delivery_id=987654).retry_in is None


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=40),
    base=st.floats(min_value=0.01, max_value=60),
    cap=st.floats(min_value=0.01, max_value=1200),
)
def test_backoff_grows_exponentially_within_its_cap_with_jitter(
    attempt: int, base: float, cap: float
) -> None:
    from django.test import override_settings

    with override_settings(
        NOTIFICATIONS_RETRY_BASE_SECONDS=base, NOTIFICATIONS_RETRY_MAX_SECONDS=cap
    ):
        wait = retry_backoff(attempt)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert ceiling / 2 <= wait <= ceiling


# --- Retrying a dead delivery -----------------------------------------------------------


@pytest.fixture
def dead(people: Any, webhook_secret: str) -> Any:
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=404) as receiver:
        delivery = one_delivery(people, webhook_endpoint("council-asb", receiver))
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    return delivery


def test_a_manager_retries_a_dead_delivery_which_is_queued_and_audited(
    people: Any, dead: Delivery, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch.object(celery_app, "send_task", autospec=True) as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        retried = delivery_retry(delivery_id=dead.pk, by=people.manager)

    assert (retried.status, retried.attempts) == (DeliveryStatus.PENDING, 0)
    assert retried.last_error == "HTTP 404 from the receiver"  # until the next attempt
    send_task.assert_called_once_with(
        "notifications.deliver", args=[dead.pk], retry=True, retry_policy=mock.ANY
    )
    [entry] = LogEntry.objects.get_for_object(retried)
    assert entry.actor == people.manager
    assert entry.changes_dict["status"] == ["dead", "pending"]
    assert entry.changes_dict["attempts"] == [1, 0]


def test_only_a_dead_delivery_can_be_retried(people: Any, dead: Delivery) -> None:
    delivery_retry(delivery_id=dead.pk, by=people.manager)
    with pytest.raises(ValidationError) as exc:
        delivery_retry(delivery_id=dead.pk, by=people.manager)
    assert exc.value.message_dict == {
        "status": ["Only a dead delivery can be retried; this one is pending."]
    }


def test_someone_outside_the_agency_may_not_retry_its_deliveries(
    people: Any, dead: Delivery
) -> None:
    for person in (people.outsider, people.officer, people.asb_coordinator):
        with pytest.raises(PermissionDenied):
            delivery_retry(delivery_id=dead.pk, by=person)
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.DEAD


def test_a_dead_delivery_to_a_deactivated_endpoint_is_not_retried(
    people: Any, dead: Delivery
) -> None:
    assert dead.endpoint is not None
    Endpoint.objects.filter(pk=dead.endpoint.pk).update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        delivery_retry(delivery_id=dead.pk, by=people.manager)
    assert list(exc.value.message_dict) == ["endpoint"]
