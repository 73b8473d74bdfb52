"""Fixtures for the sign-in policy tests: the demo personas, clean rate-limit counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.pages.support import seed_sla_reference_data


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> Iterator[None]:
    # Sign-in counts per address live in the cache (a database table that transactional
    # tests elsewhere leave filled), shared by every test's 127.0.0.1.
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("db")
    cache.clear()
    yield


@pytest.fixture
def personas(people: object) -> object:
    """The demo personas, with the SLA reference data the home page plans from."""
    seed_sla_reference_data()
    return people
