"""Helpers for the page and browser tests: SLA reference data, clocks, notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.utils import timezone

from cases.models import Case
from notifications.models import Channel, Delivery, DeliveryStatus, Endpoint, OutboxEvent
from notifications.services import endpoint_create, event_relay
from partners.demo import WARDS, ward_code
from partners.models import Agency
from tests.factories import CaseFactory
from tests.personas import raise_referral
from workflows.actions import case_transition, deadlines_scan
from workflows.models import BankHoliday, Deadline
from workflows.sla import seed_bank_holidays, seed_sla_policies


def seed_sla_reference_data() -> None:
    """Policies and holidays as the migrations seed them (idempotent)."""
    seed_sla_policies()
    if not BankHoliday.objects.filter(date__year__in=[2026, 2027]).exists():
        seed_bank_holidays(years=range(2025, 2029))


def asb_triage_deadline(case: Case) -> Deadline:
    return Deadline.objects.get(case=case, policy__code="asb_triage")


def breached_asb_case(by: Any, *, opened_at: datetime, **overrides: Any) -> Case:
    """An ASB case raised at ``opened_at`` (in the past) whose triage deadline the scanner
    has since breached: planned through the SLA services, breached by the real scan."""
    with time_machine.travel(opened_at, tick=False):
        case: Case = CaseFactory.create(by=by, kind="asb", **overrides)
    deadlines_scan()
    return case


def email_endpoint(agency_code: str, name: str = "Team mailbox") -> Endpoint:
    return endpoint_create(
        agency=Agency.objects.get(code=agency_code),
        channel=Channel.EMAIL,
        name=name,
        by=None,
        email_address=f"{agency_code}@example.gov.uk",
    )


def relay_all() -> None:
    """Relay every unpublished event: deliveries and inbox items, as the worker would."""
    for event_id in OutboxEvent.objects.filter(published_at__isnull=True).values_list(
        "pk", flat=True
    ):
        event_relay(event_id=event_id)


def make_dead(delivery: Delivery, *, error: str = "550 mailbox unavailable") -> Delivery:
    """Record a permanent failure on a delivery, as the delivery task does when a partner
    refuses it (the transport itself is the outside world, not under test here)."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DEAD, attempts=1, last_error=error, failed_at=delivery.created_at
    )
    delivery.refresh_from_db()
    return delivery


def seed_breach_history(people: Any, *, months: int = 6) -> list[Case]:
    """ASB referrals over the past ``months`` months, each month's triaged in time but one,
    whose triage deadline the scanner then breaches: a trend for the breaches page."""
    now = timezone.now()
    breached = []
    for back in range(months, 0, -1):
        with time_machine.travel(now - timedelta(days=30 * back), tick=False):
            for n in range(back % 3 + 2):
                case = raise_referral(
                    people.officer,
                    "asb",
                    ward=ward_code((back * 3 + n) % len(WARDS)),
                    location_text=f"{back}-{n} Quay Street",
                    subjects=[{"role": "complainant", "full_name": f"Resident {back}-{n}"}],
                ).case
                if n:
                    case_transition(
                        case_id=case.pk, name="triage", by=people.asb_coordinator, reason="seen"
                    )
                else:
                    breached.append(case)
    deadlines_scan()
    return breached
