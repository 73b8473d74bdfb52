"""The idempotency store: keys held across connections, expiry, the 409 while one is held."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.api.conftest import token_client
from tests.personas import Personas, payload
from web.idempotency import key_held, outcome_record, stored_outcome

pytestmark = pytest.mark.django_db


def _held_elsewhere(user_id: int, key: str) -> tuple[threading.Event, threading.Event]:
    """Hold (user, key) on another connection until the second event is set."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with key_held(user_id, key):
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    threading.Thread(target=hold, daemon=True).start()
    assert holding.wait(timeout=10)
    return holding, release


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_waiting_too_long_for_its_key_gets_409_with_retry_after(settings) -> None:
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    people = Personas()
    _, release = _held_elsewhere(people.user("officer").pk, "busy")
    try:
        response: Any = token_client(people.user("officer")).post(
            "/api/v1/referrals/", payload("asb"), format="json", headers={"Idempotency-Key": "busy"}
        )
    finally:
        release.set()
    assert response.status_code == 409
    assert response.headers["Retry-After"] == "1"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_is_held_by_one_connection_at_a_time_and_freed_after() -> None:
    _, release = _held_elsewhere(1, "k")
    with key_held(1, "k", wait=0.1) as held:
        assert held is False
    with key_held(1, "other", wait=0.1) as held:
        assert held is True
    release.set()
    with key_held(1, "k", wait=5) as held:
        assert held is True


def test_an_expired_key_is_forgotten_and_the_users_expired_keys_are_purged(settings) -> None:
    people = Personas()
    uid, now = people.user("officer").pk, timezone.now()
    outcome_record(user_id=uid, key="old", fingerprint="f", status=201, now=now)
    later = now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    assert stored_outcome(user_id=uid, key="old", now=later - timedelta(seconds=1)) is not None
    outcome_record(user_id=uid, key="new", fingerprint="f", status=201, now=later)
    assert stored_outcome(user_id=uid, key="old", now=later) is None
    assert list(people.user("officer").idempotency_keys.values_list("key", flat=True)) == ["new"]
