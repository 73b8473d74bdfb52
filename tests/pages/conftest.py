"""Page tests: Django's test client, signed in as the demo personas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.pages.support import seed_sla_reference_data


@pytest.fixture
def client_for(people: object) -> Callable[[str], Client]:
    """A test client signed in as the named persona."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(people.user(name))  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture(autouse=True)
def _sla_reference_data(request: pytest.FixtureRequest) -> None:
    """The SLA policies and holidays the migrations seed: a transactional test elsewhere
    (the browser tests) flushes them when it ends, so each database test re-seeds them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    seed_sla_reference_data()
