"""A deadline for ``make run`` that breaches about a minute after seeding."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from workflows.models import ACTIVE_DEADLINE_STATUSES, Deadline, DurationUnit, SlaPolicy, SlaTrigger
from workflows.sla.clock import current_calendar
from workflows.sla.planning import deadline_cancel, deadline_plan

DEMO_SOURCE = "Demonstration only: made by sla_demo_deadline_soon for make run. Never planned."


@transaction.atomic
def sla_demo_deadline_soon(case: Case) -> Deadline:
    """Start a one-minute clock on ``case`` (warning at 30 s, breach at 60 s).

    Its policy, ``demo_one_minute_<kind>``, is inactive, so no real case ever gets it. A
    demo deadline left from an earlier seed is cancelled, so each seed shows a fresh breach.
    """
    now = timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    policy, _ = SlaPolicy.objects.get_or_create(
        code=f"demo_one_minute_{case.kind}",
        defaults={
            "name": "Demo: breaches one minute after seeding",
            "kind": case.kind,
            "trigger": SlaTrigger.EVENT,
            "trigger_event": "demo_deadline",
            "duration_unit": DurationUnit.MINUTES,
            "duration_value": 1,
            "warn_fraction": "0.50",
            "escalate_managers_after_hours": 1,
            "escalate_partnership_after_hours": 2,
            "source": DEMO_SOURCE,
            "is_active": False,
        },
    )
    for old in Deadline.objects.select_for_update().filter(
        case=case, policy=policy, status__in=ACTIVE_DEADLINE_STATUSES
    ):
        deadline_cancel(deadline=old, reason="demo_replaced", now=now)
    return deadline_plan(policy=policy, case=case, now=now, calendar=current_calendar())
