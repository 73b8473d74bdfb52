from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from notifications.selectors import delivery_status_summary


def _seconds(value: timedelta | None) -> str:
    return "-" if value is None else f"{value.total_seconds():.1f}s"


class Command(BaseCommand):
    help = (
        "Summarise notifications: events waiting in the outbox, deliveries pending, failed "
        "and dead, and delivery latency percentiles (event to delivered)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=24.0, help="Latency window (default 24 hours)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"]
        if hours <= 0:
            raise CommandError("--hours must be more than 0.")
        summary = delivery_status_summary(since=timezone.now() - timedelta(hours=hours))
        oldest = (
            f" (oldest {timezone.localtime(summary.oldest_unpublished):%Y-%m-%d %H:%M:%S})"
            if summary.oldest_unpublished
            else ""
        )
        counts = summary.counts
        self.stdout.write(f"Outbox: {summary.unpublished} events waiting to be published{oldest}")
        self.stdout.write(
            f"Deliveries: pending {counts['pending']}, sending {counts['sending']}, "
            f"failed {counts['failed']}, dead {counts['dead']}, delivered {counts['delivered']}"
        )
        self.stdout.write(
            f"Latency of {summary.delivered_since} deliveries in the last {hours:g} hours: "
            f"p50 {_seconds(summary.latency_p50)}, p95 {_seconds(summary.latency_p95)}, "
            f"p99 {_seconds(summary.latency_p99)}"
        )
        if counts["dead"]:
            self.stdout.write(
                self.style.WARNING(
                    "Dead deliveries need a person: see Notifications > Deliveries in the "
                    "admin (filter on status Dead) and use the Retry action."
                )
            )
