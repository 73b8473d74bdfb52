"""The outbox's guarantees, end to end: real broker, real worker, real receiving servers.

Run on PostgreSQL + RabbitMQ (``CELERY_BROKER_URL=amqp://...``); the tests that need
acknowledgements or a TCP connection ask for the ``rabbitmq`` fixture, which fails under
CI=true and skips elsewhere. The rest also pass on the filesystem broker.
"""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import DatabaseError

from notifications.models import Delivery, DeliveryStatus, OutboxEvent
from notifications.services import emit, outbox_sweep
from notifications.tasks import relay_outbox
from tests.notifications.conftest import (
    WorkerProcess,
    app_broker,
    email_endpoint,
    notify_endpoint,
    purge_queue,
    settled_case,
    triage,
    wait_until,
    webhook_endpoint,
)
from tests.support import FakeNotify, SmtpSink, WebhookReceiver
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def delivered(endpoint: Any) -> Delivery | None:
    return (
        Delivery.objects.select_related("event")
        .filter(endpoint=endpoint, status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.DEAD])
        .first()
    )


def test_a_transition_committed_while_the_broker_is_unreachable_is_notified_once_it_is_back(
    people: Any,
    rabbitmq: str,
    webhook_receiver: WebhookReceiver,
    worker_processes: list[WorkerProcess],
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = settled_case(people)
    endpoint = webhook_endpoint("council-asb", webhook_receiver)
    broker = urlsplit(rabbitmq)
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-outage"
    purge_queue(queue)
    with TcpProxy((broker.hostname or "127.0.0.1", broker.port or 5672)) as proxy:
        # App and worker both reach RabbitMQ only through the proxy, which plays the outage.
        via_proxy = broker._replace(netloc=f"{broker.username}:{broker.password}@{proxy.url_host}")
        worker = WorkerProcess(queue=queue, broker_url=via_proxy.geturl()).start()
        worker_processes.append(worker)
        with app_broker(via_proxy.geturl(), queue=queue):
            worker.wait_ready()
            proxy.down(mode="refuse")

            with caplog.at_level(logging.WARNING, logger="notifications"):
                case = triage(case, people)
            assert case.state == "triaged"
            assert "Could not enqueue notifications.relay_event" in caplog.text
            event = OutboxEvent.objects.get(type="case.transitioned")
            assert event.published_at is None

            # A sweep while the broker is still away publishes nothing and says why.
            assert outbox_sweep().published == 0
            event.refresh_from_db()
            assert (event.published_at, event.publish_attempts) == (None, 1)
            assert event.last_error
            assert not Delivery.objects.filter(event=event).exists()

            proxy.up()
            relay_outbox.delay()  # what beat sends every few seconds
            delivery = wait_until(
                lambda: delivered(endpoint), timeout=120, what="delivery after the outage"
            )

    assert delivery.status == DeliveryStatus.DELIVERED, delivery.last_error
    assert delivery.event_id == event.pk
    [received] = webhook_receiver.wait_for(1)
    assert received.valid, received.reason
    assert received.json["id"] == str(event.pk)
    assert received.json["data"]["to"] == "triaged"
    event.refresh_from_db()
    assert event.published_at is not None
    assert proxy.accepted >= 2  # the worker and the app both came back through it


def test_a_rolled_back_transition_notifies_nobody(
    people: Any, celery_worker: object, webhook_receiver: WebhookReceiver
) -> None:
    case = settled_case(people)
    endpoint = webhook_endpoint("council-asb", webhook_receiver)

    def write_the_event_then_fail(**kwargs: Any) -> OutboxEvent:
        emit(**kwargs)
        raise DatabaseError("connection lost before COMMIT")

    with (
        mock.patch(
            "workflows.actions.unit.emit", autospec=True, side_effect=write_the_event_then_fail
        ),
        pytest.raises(DatabaseError),
    ):
        triage(case, people)
    assert not OutboxEvent.objects.filter(type="case.transitioned").exists()

    # The pipeline is live: a sweep runs, then a committed transition is told, alone.
    relay_outbox.delay()
    case = triage(case, people)
    delivery = wait_until(lambda: delivered(endpoint), what="the committed transition")
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [r.json["data"]["to"] for r in webhook_receiver.requests] == ["triaged"]
    assert OutboxEvent.objects.filter(type="case.transitioned").count() == 1
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1


def test_a_worker_killed_mid_delivery_delivers_after_restart_and_the_receiver_sees_one_id(
    people: Any, rabbitmq: str, webhook_secret: str, worker_processes: list[WorkerProcess]
) -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-crash"
    purge_queue(queue)
    # A short lease so the new worker may take the dead one's claim within the test.
    env = {"NOTIFICATIONS_SENDING_LEASE_SECONDS": "3", "WEBHOOK_TIMEOUT": "60"}
    # The receiver holds its first answer back: the worker is killed while it waits.
    with WebhookReceiver(webhook_secret, delay=120) as receiver:
        case = settled_case(people)
        endpoint = webhook_endpoint("council-asb", receiver)
        first = WorkerProcess(queue=queue, broker_url=rabbitmq, env=env).start()
        worker_processes.append(first)
        with app_broker(queue=queue):
            first.wait_ready()
            triage(case, people)
            receiver.wait_for(1, timeout=60)
            delivery = Delivery.objects.get(endpoint=endpoint)
            assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)

            first.kill()
            receiver.delay = 0
            second = WorkerProcess(queue=queue, broker_url=rabbitmq, env=env).start()
            worker_processes.append(second)
            done = wait_until(
                lambda: delivered(endpoint), timeout=120, what="delivery after the restart"
            )

        assert done.status == DeliveryStatus.DELIVERED, done.last_error
        assert done.attempts == 2
        ok = [r for r in receiver.requests if r.valid and r.status == 200]
        # At least once: the request the dead worker never saw answered is sent again, with
        # the same webhook-id, which is how the receiver drops the repeat.
        assert len(receiver.requests) == 2
        assert {r.headers["webhook-id"] for r in ok} == {str(done.event_id)}


def test_an_endpoint_failing_three_times_then_succeeding_is_delivered_on_attempt_four(
    people: Any, celery_worker: object, fast_retries: None, webhook_secret: str
) -> None:
    with WebhookReceiver(webhook_secret, fail_times=3, status_on_fail=503) as receiver:
        case = settled_case(people)
        endpoint = webhook_endpoint("council-asb", receiver)
        triage(case, people)
        delivery = wait_until(lambda: delivered(endpoint), what="delivery after three 503s")
        requests = receiver.wait_for(4)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 4
    assert delivery.last_error == ""
    assert [r.status for r in requests] == [503, 503, 503, 200]
    assert all(r.valid for r in requests)
    assert {r.headers["webhook-id"] for r in requests} == {str(delivery.event_id)}
    assert delivery.delivered_at is not None
    assert delivery.latency == delivery.delivered_at - delivery.event.occurred_at


def test_a_permanent_4xx_is_dead_after_one_attempt_with_the_reason_recorded(
    people: Any, celery_worker: object, fast_retries: None, webhook_secret: str
) -> None:
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=404) as receiver:
        case = settled_case(people)
        endpoint = webhook_endpoint("council-asb", receiver)
        triage(case, people)
        delivery = wait_until(lambda: delivered(endpoint), what="the 404 to be recorded")

        assert delivery.status == DeliveryStatus.DEAD
        assert delivery.attempts == 1
        assert delivery.last_error == "HTTP 404 from the receiver"
        assert delivery.delivered_at is None
        assert len(receiver.requests) == 1


def test_email_reaches_the_smtp_sink_and_notify_the_fake_with_a_valid_jwt_via_the_worker(
    people: Any, celery_worker: object, smtp_email: SmtpSink, fake_notify: FakeNotify
) -> None:
    case = settled_case(people)
    mailbox = email_endpoint("council-asb", "asb.team@council.example.gov.uk")
    notify = notify_endpoint("council-asb", fake_notify, "asb.duty@council.example.gov.uk")
    triage(case, people)

    [mail] = smtp_email.wait_for(1, timeout=30)
    [call] = fake_notify.wait_for(1, timeout=30)
    email_delivery = wait_until(lambda: delivered(mailbox), what="the email delivery")
    notify_delivery = wait_until(lambda: delivered(notify), what="the Notify delivery")

    event = OutboxEvent.objects.get(type="case.transitioned")
    assert mail.rcpt_tos == ["asb.team@council.example.gov.uk"]
    assert mail.message["Subject"] == "[CSP Casework] Update on a case you work on"
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert f"Case: {case.reference}" in body.get_content()
    assert f"http://127.0.0.1:8000/cases/{case.pk}/" in body.get_content()
    assert email_delivery.status == DeliveryStatus.DELIVERED
    assert email_delivery.reference == mail.message["Message-ID"]

    assert call.auth_error == ""
    assert call.status == 201
    assert call.json["email_address"] == "asb.duty@council.example.gov.uk"
    assert call.json["reference"] == str(event.pk)
    assert call.json["personalisation"]["case_reference"] == case.reference
    assert notify_delivery.status == DeliveryStatus.DELIVERED
    assert notify_delivery.reference  # Notify's notification id
