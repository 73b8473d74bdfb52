"""Security tests: the SLA reference data, a manager for every agency, API clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from partners.models import Agency, Membership, Role
from tests.support.signin import token_for
from workflows.models import BankHoliday
from workflows.sla import seed_bank_holidays, seed_sla_policies


@pytest.fixture(autouse=True)
def _sla_reference_data(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    seed_sla_policies()
    if not BankHoliday.objects.filter(date__year__in=[2026, 2027]).exists():
        seed_bank_holidays(years=range(2025, 2029))
    cache.clear()  # throttle counters outlive a test's rollback


def manager_of(agency_code: str) -> User:
    """A manager of the agency (created once): the demo has one only at the council."""
    user, _ = User.objects.get_or_create(
        username=f"manager-{agency_code}",
        defaults={"first_name": "Manager", "last_name": agency_code},
    )
    Membership.objects.get_or_create(
        user=user, agency=Agency.objects.get(code=agency_code), role=Role.MANAGER
    )
    return User.objects.get(pk=user.pk)


def api_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api_as(people: Any) -> Callable[[str], APIClient]:
    return lambda name: api_client(people.user(name))


# The real local receivers and the exchange tap the notification tests use.
from tests.notifications.conftest import (  # noqa: E402, F401
    exchange_tap,
    fake_notify,
    smtp_email,
    smtp_sink,
    webhook_receiver,
    webhook_secret,
    worker_processes,
)
