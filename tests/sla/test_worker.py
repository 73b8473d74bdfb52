"""End to end: a past-due deadline becomes a deadline.breached outbox row via the worker."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import OutboxEvent
from tests.sla.support import asb_case, deadline, frozen
from workflows.models import DeadlineStatus
from workflows.tasks import scan_deadlines


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_past_due_deadline_is_breached_by_the_real_task_on_the_real_worker(
    celery_worker: object, people: Any
) -> None:
    with frozen(timezone.now() - timedelta(days=7)):
        case = asb_case(people.officer)
    triage = deadline(case, "asb_triage")
    assert triage.due_at < timezone.now()
    scan_deadlines.delay()
    wait_until = time.monotonic() + 30
    event = None
    while time.monotonic() < wait_until and event is None:
        event = OutboxEvent.objects.filter(type="deadline.breached", case=case).first()
        time.sleep(0.1)
    assert event is not None, "the worker never breached the deadline"
    assert event.occurred_at == triage.due_at
    assert event.data["deadline"] == triage.pk
    triage.refresh_from_db()
    assert (triage.status, triage.breached_at) == (DeadlineStatus.BREACHED, triage.due_at)
