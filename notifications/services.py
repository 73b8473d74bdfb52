"""Writes of the notifications app. ``emit`` is the outbox's one public write."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from notifications.models import OutboxEvent, WorkerHeartbeat

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
    }
)


def emit(
    *,
    type: str,
    case: Case | None,
    occurred_at: datetime,
    data: dict[str, Any] | None = None,
    agencies: list[str] | None = None,
    actor_id: int | None = None,
) -> OutboxEvent:
    """Write a domain event to the outbox inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the business transaction (transaction.atomic)")
    data = dict(data or {})
    leaked = FORBIDDEN_DATA_KEYS & set(data)
    if leaked:
        raise ValueError(f"event data may not carry personal data: {sorted(leaked)}")
    if agencies is None and case is not None:
        agencies = sorted(
            set(case.case_agencies.values_list("agency__code", flat=True))
            | {case.responsible_agency.code}
        )
    return OutboxEvent.objects.create(
        id=uuid.uuid4(),
        type=type,
        occurred_at=occurred_at,
        case=case,
        case_reference=case.reference if case else "",
        kind=case.kind if case else "",
        agencies=agencies or [],
        data=data,
        actor_id=actor_id,
    )


def heartbeat_record(*, name: str = "worker", hostname: str = "") -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "hostname": hostname}
    )
    return beat
