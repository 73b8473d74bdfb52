"""Reads of the notifications app used by more than one caller (pages, API, commands)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from cases.access import Visibility, sees_as_member, visibility
from cases.models import Case
from notifications.events import MEMBERS_ONLY_EVENT_TYPES
from notifications.models import (
    Delivery,
    DeliveryStatus,
    Endpoint,
    InboxItem,
    OutboxEvent,
    Subscription,
)
from notifications.routing import events_visible_q
from partners.models import Agency, Role
from partners.selectors import user_agency_ids, user_has_role


def inbox_unread_count(user: Any) -> int:
    return inbox_items(user=user, unread_only=True).count()


def inbox_items(*, user: Any, unread_only: bool = False) -> QuerySet[InboxItem]:
    """The user's inbox, as far as the need-to-know gate lets them see it now (a case
    they have since lost sight of takes its items with it)."""
    items = (
        InboxItem.objects.filter(user=user)
        .filter(events_visible_q(user, prefix="event__"))
        .select_related("event")
    )
    return items.filter(read_at__isnull=True) if unread_only else items


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (``fraction`` 0.5 for p50)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class StatusSummary:
    unpublished: int
    oldest_unpublished: datetime | None
    counts: dict[str, int]
    delivered_since: int
    latency_p50: timedelta | None
    latency_p95: timedelta | None
    latency_p99: timedelta | None


def delivery_status_summary(*, since: datetime) -> StatusSummary:
    """Outbox backlog, deliveries per status, and latency percentiles of those delivered
    since ``since`` (inbox deliveries excluded: they are written by the relay itself)."""
    outbox = OutboxEvent.objects.filter(published_at__isnull=True).aggregate(
        n=Count("pk"), oldest=Min("occurred_at")
    )
    counts = {status: 0 for status in DeliveryStatus.values}
    for row in Delivery.objects.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    latencies = sorted(
        latency.total_seconds()
        for latency in Delivery.objects.filter(
            status=DeliveryStatus.DELIVERED,
            delivered_at__gte=since,
            endpoint__isnull=False,
            latency__isnull=False,
        ).values_list("latency", flat=True)
        if latency is not None
    )

    def pct(fraction: float) -> timedelta | None:
        return timedelta(seconds=percentile(latencies, fraction)) if latencies else None

    return StatusSummary(
        unpublished=outbox["n"],
        oldest_unpublished=outbox["oldest"],
        counts=counts,
        delivered_since=len(latencies),
        latency_p50=pct(0.50),
        latency_p95=pct(0.95),
        latency_p99=pct(0.99),
    )


# --- Agencies' notification set-up and delivery records, for the API and the pages ------
# Access by role only (never user.has_perm(): it is True for every superuser): the agency's
# managers look after its endpoints; auditors may review every agency's deliveries.


def agency_endpoints(*, agency_id: int) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(agency_id=agency_id).select_related("agency").order_by("pk")


def agency_subscriptions(*, agency_id: int) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(agency_id=agency_id)
        .select_related("agency", "endpoint")
        .order_by("pk")
    )


def deliveries_for_user(
    *, user: Any, status: str | None = None, agency_code: str | None = None
) -> QuerySet[Delivery]:
    """Deliveries to agencies' endpoints that ``user`` may review, newest first: every
    agency's for an auditor, their own agencies' for a manager, none for anyone else (a
    superuser included, unless they hold one of those roles). The API's list and the
    failed-notifications page both read through here. (Inbox deliveries are complete when
    written; they are not reviewed here.)"""
    if user_has_role(user, Role.AUDITOR):
        deliveries = Delivery.objects.filter(endpoint__isnull=False)
    else:
        # Each agency's deliveries as far as the gate lets that agency hear of their cases:
        # what its endpoints were (or should have been) sent, no more.
        mine = Q(pk__in=[])
        for agency in Agency.objects.filter(pk__in=user_agency_ids(user, [Role.MANAGER])):
            mine |= Q(endpoint__agency=agency) & events_visible_q(agency, prefix="event__")
        deliveries = Delivery.objects.filter(mine)
    if status:
        deliveries = deliveries.filter(status=status)
    if agency_code:
        deliveries = deliveries.filter(endpoint__agency__code=agency_code)
    return deliveries.select_related("event", "endpoint", "endpoint__agency").order_by(
        "-created_at", "-pk"
    )


def deliveries_failing_for_user(*, user: Any) -> QuerySet[Delivery]:
    """The failed (will retry) and dead (gave up) ones of ``deliveries_for_user``, newest
    failure first."""
    return (
        deliveries_for_user(user=user)
        .filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD])
        .order_by("-failed_at", "-pk")
    )


def deliveries_by_event(*, event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Delivery]]:
    """Every delivery of the given events (a case's "notifications sent"), oldest first,
    keyed by event id; an event with none maps to nothing."""
    grouped: dict[uuid.UUID, list[Delivery]] = {}
    rows = (
        Delivery.objects.filter(event_id__in=list(event_ids))
        .select_related("endpoint", "endpoint__agency", "user")
        .order_by("created_at", "pk")
    )
    for delivery in rows:
        grouped.setdefault(delivery.event_id, []).append(delivery)
    return grouped


# --- A case's notifications, for the case page and its history in the API -------------


def case_events(*, case: Case, user: Any) -> QuerySet[OutboxEvent]:
    """The events about ``case`` that ``user`` may read on its record, unordered: none
    unless they see the case in full, and none of the members-only ones
    (``MEMBERS_ONLY_EVENT_TYPES``) unless they see it through their agency."""
    if visibility(case, to=user) is not Visibility.FULL:
        return OutboxEvent.objects.none()
    events = OutboxEvent.objects.filter(case=case)
    if not sees_as_member(user, case):
        events = events.exclude(type__in=MEMBERS_ONLY_EVENT_TYPES)
    return events


def case_events_with_deliveries(*, case: Case, user: Any, limit: int) -> list[OutboxEvent]:
    """The newest ``limit`` of ``case_events``, newest first, each with its deliveries
    (``event.deliveries.all()``, oldest first, with their endpoint's agency and person):
    the proof of who was told, and when."""
    deliveries = Delivery.objects.select_related("endpoint__agency", "user").order_by("pk")
    events = case_events(case=case, user=user).prefetch_related(
        Prefetch("deliveries", queryset=deliveries)
    )
    return list(events.order_by("-occurred_at")[:limit])
