"""Fixtures for the API tests: the demo personas, one demo case per situation, clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case
from referrals.models import Referral
from tests.personas import Personas, raise_referral

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


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Throttle counters live in the cache, which outlives each test's database rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db: None) -> Demo:
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


def token_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def as_user(demo: Demo) -> Callable[[str | None], APIClient]:
    """as_user("idva") -> an API client signed in with that persona's token."""

    def make(name: str | None) -> APIClient:
        return token_client(demo.user(name) if name else None)

    return make
