"""Fixtures for the API tests: the demo personas, one demo case per situation, clients;
and the notification set-up, a breached deadline and the deliveries that followed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from notifications.models import Channel, Delivery, Endpoint, InboxItem, OutboxEvent, Subscription
from notifications.services import (
    delivery_attempt,
    endpoint_create,
    endpoint_update,
    event_relay,
    subscription_create,
)
from partners.models import Agency
from referrals.models import Referral
from tests.personas import Personas, raise_referral
from tests.support.signin import token_for
from workflows.actions import deadlines_scan
from workflows.models import BankHoliday, Deadline
from workflows.sla import seed_bank_holidays, seed_sla_policies

PERSONAS = [
    "officer",
    "asb_coordinator",
    "idva",
    "probation",
    "caseworker",
    "manager",
    "auditor",
    "outsider",
]
CASES = ["asb", "licensed", "vawg", "early_release"]


@dataclass
class Demo:
    """The personas and four cases: an ASB case the council ASB team leads, one licensing
    leads, a VAWG case the IDVA service leads, an early-release case probation leads. The
    police officer raised the first three."""

    people: Personas
    referrals: dict[str, Referral]

    def case(self, name: str) -> Case:
        return Case.objects.get(pk=self.referrals[name].case_id)

    def user(self, name: str) -> User:
        return self.people.user(name)

    def deadline(self, name: str, policy: str) -> Deadline:
        return Deadline.objects.get(case_id=self.referrals[name].case_id, policy__code=policy)


def _sla_reference_data() -> None:
    # Migrations seed both, but a transactional test elsewhere flushes every table when it
    # ends; re-seeding is idempotent and cheap when present.
    seed_sla_policies()
    if not BankHoliday.objects.filter(date__year__in=[2026, 2027]).exists():
        seed_bank_holidays(years=range(2025, 2029))


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Throttle counters live in the cache, which outlives each test's database rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tokens_outlive_time_travel(settings: Any) -> None:
    # Tests here move the clock days on and keep using one client; token expiry has its
    # own tests (tests/auth/test_tokens.py), with the lifetimes as configured.
    settings.API_TOKEN_IDLE_TIMEOUT = settings.API_TOKEN_MAX_AGE = timedelta(days=3650)


@pytest.fixture(autouse=True)
def _ssrf_guard_as_in_production(settings: Any) -> None:
    # Tests elsewhere allow private webhook targets for their local receivers; the API is
    # tested with the guard as production runs it.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


@pytest.fixture
def demo(db: None) -> Demo:
    _sla_reference_data()
    people = Personas()
    officer, probation = people.user("officer"), people.user("probation")
    referrals = {
        "asb": raise_referral(officer, "asb"),
        "licensed": raise_referral(
            officer,
            "asb",
            category="licensed_premises",
            location_text="The Anchor, 2 Harbour Row",
            subjects=[{"role": "complainant", "full_name": "Lena Neighbour"}],
        ),
        "vawg": raise_referral(officer, "vawg"),
        "early_release": raise_referral(probation, "early_release"),
    }
    return Demo(people=people, referrals=referrals)


PUBLIC_HOOK = "https://93.184.216.34/hooks/csp"  # a public address: no DNS lookup


@dataclass
class Notified(Demo):
    """The demo, plus: endpoints for the council ASB team (a mailbox and a webhook) and for
    probation (a mailbox); a subscription each on the ASB webhook and probation's mailbox;
    an ASB case raised ten days ago whose triage deadline has breached and escalated (so
    the ASB manager has inbox items); every event relayed; and one dead delivery to each
    agency's mailbox."""

    stale: Case
    asb_mailbox: Endpoint
    asb_webhook: Endpoint
    probation_mailbox: Endpoint
    asb_subscription: Subscription
    probation_subscription: Subscription
    asb_dead: Delivery
    probation_dead: Delivery

    @property
    def asb_agency(self) -> Agency:
        return self.asb_mailbox.agency

    @property
    def probation_agency(self) -> Agency:
        return self.probation_mailbox.agency

    def inbox(self, name: str) -> list[InboxItem]:
        return list(InboxItem.objects.filter(user=self.user(name)).order_by("pk"))


def _kill(endpoint: Endpoint) -> Delivery:
    """One of the endpoint's deliveries, made dead the way a real one dies: sent while the
    endpoint is switched off (a permanent failure), then the endpoint switched back on."""
    endpoint_update(endpoint_id=endpoint.pk, by=None, changes={"is_active": False})
    delivery = endpoint.deliveries.order_by("pk").first()
    assert delivery is not None
    delivery_attempt(delivery_id=delivery.pk)
    endpoint_update(endpoint_id=endpoint.pk, by=None, changes={"is_active": True})
    delivery.refresh_from_db()
    assert delivery.status == "dead"
    return delivery


@pytest.fixture
def notified(demo: Demo) -> Notified:
    asb = Agency.objects.get(code="council-asb")
    probation = Agency.objects.get(code="probation")
    asb_mailbox = endpoint_create(
        agency=asb,
        channel=Channel.EMAIL,
        name="ASB team mailbox",
        email_address="asb-team@council.example.gov.uk",
        by=None,
    )
    asb_webhook = endpoint_create(
        agency=asb, channel=Channel.WEBHOOK, name="ASB case system", url=PUBLIC_HOOK, by=None
    )
    probation_mailbox = endpoint_create(
        agency=probation,
        channel=Channel.EMAIL,
        name="PDU mailbox",
        email_address="pdu@probation.example.gov.uk",
        by=None,
    )
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        stale = raise_referral(demo.user("officer"), "asb").case
    deadlines_scan()
    for event in OutboxEvent.objects.filter(published_at__isnull=True):
        event_relay(event_id=event.pk)
    return Notified(
        people=demo.people,
        referrals=demo.referrals,
        stale=stale,
        asb_mailbox=asb_mailbox,
        asb_webhook=asb_webhook,
        probation_mailbox=probation_mailbox,
        asb_subscription=subscription_create(
            endpoint=asb_webhook, by=None, event_types=["case.transitioned"]
        ),
        probation_subscription=subscription_create(endpoint=probation_mailbox, by=None),
        asb_dead=_kill(asb_mailbox),
        probation_dead=_kill(probation_mailbox),
    )


def token_client(user: User | None) -> APIClient:
    """An API client with a new token for ``user`` (issued with a second factor where the
    role needs one); each call replaces the user's previous token."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def as_user(demo: Demo) -> Callable[[str | None], APIClient]:
    """as_user("idva") -> an API client signed in with that persona's token."""

    def make(name: str | None) -> APIClient:
        return token_client(demo.user(name) if name else None)

    return make
