"""``notifications_status``: the backlog, the dead, and how long partners wait."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.models import Delivery, DeliveryStatus, OutboxEvent
from notifications.selectors import delivery_status_summary, percentile
from tests.notifications.conftest import email_endpoint
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db


def test_percentiles_take_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert [percentile(values, f) for f in (0.5, 0.95, 0.99, 1.0)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


@pytest.fixture
def history(people: Any) -> None:
    """A hundred deliveries made 1..100 seconds after their event, plus some unfinished."""
    raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get(type="referral.raised")
    now = timezone.now()
    rows = []
    for n in range(1, 101):
        endpoint = email_endpoint("council-asb", f"team{n}@x.uk", name=f"Team {n}")
        rows.append(
            Delivery(
                event=event,
                endpoint=endpoint,
                channel="email",
                status=DeliveryStatus.DELIVERED,
                attempts=1,
                created_at=now,
                next_attempt_at=now,
                delivered_at=now,
                latency=timedelta(seconds=n),
            )
        )
    for n, status in enumerate(["pending", "failed", "failed", "dead"]):
        endpoint = email_endpoint("council-asb", f"other{n}@x.uk", name=f"Other {n}")
        rows.append(
            Delivery(
                event=event,
                endpoint=endpoint,
                channel="email",
                status=status,
                created_at=now,
                next_attempt_at=now,
            )
        )
    Delivery.objects.bulk_create(rows)


def test_the_summary_counts_statuses_and_measures_latency(history: None) -> None:
    summary = delivery_status_summary(since=timezone.now() - timedelta(hours=1))

    assert summary.unpublished == 1
    assert summary.counts == {
        "pending": 1,
        "sending": 0,
        "delivered": 100,
        "failed": 2,
        "dead": 1,
    }
    assert summary.delivered_since == 100
    assert (summary.latency_p50, summary.latency_p95, summary.latency_p99) == (
        timedelta(seconds=50),
        timedelta(seconds=95),
        timedelta(seconds=99),
    )


def test_the_command_prints_counts_percentiles_and_points_at_the_dead(history: None) -> None:
    out = StringIO()
    call_command("notifications_status", "--hours", "2", stdout=out)
    lines = out.getvalue().splitlines()

    assert lines[0].startswith("Outbox: 1 events waiting to be published (oldest ")
    assert lines[1] == "Deliveries: pending 1, sending 0, failed 2, dead 1, delivered 100"
    assert lines[2] == (
        "Latency of 100 deliveries in the last 2 hours: p50 50.0s, p95 95.0s, p99 99.0s"
    )
    assert "use the Retry action" in lines[3]


def test_the_command_on_a_quiet_system_says_so_plainly(db: None) -> None:
    out = StringIO()
    call_command("notifications_status", stdout=out)
    assert out.getvalue().splitlines() == [
        "Outbox: 0 events waiting to be published",
        "Deliveries: pending 0, sending 0, failed 0, dead 0, delivered 0",
        "Latency of 0 deliveries in the last 24 hours: p50 -, p95 -, p99 -",
    ]


def test_the_command_refuses_a_window_that_is_not_positive(db: None) -> None:
    with pytest.raises(CommandError, match="--hours must be more than 0"):
        call_command("notifications_status", "--hours", "0")
