"""Page tests: Django's test client, signed in as the demo personas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client


@pytest.fixture
def client_for(people: object) -> Callable[[str], Client]:
    """A test client signed in as the named persona."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(people.user(name))  # type: ignore[attr-defined]
        return client

    return make
