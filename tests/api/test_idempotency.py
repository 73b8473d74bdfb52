"""Idempotency-Key on every API create: a retry gets the first answer, never a second
resource; another body under the same key is a 422 naming the header."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from notifications.models import Endpoint, Subscription
from notifications.services import endpoint_create
from referrals.models import Referral
from tests.api.conftest import PUBLIC_HOOK
from tests.personas import payload
from tests.support.concurrency import own_task_queue, race
from tests.support.signin import token_for
from web.models import IdempotencyKey
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"


def _post(client: Any, url: str, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, body, format="json", headers=headers)


def test_the_same_key_and_body_replays_the_first_answer_and_creates_nothing(demo, as_user) -> None:
    client = as_user("officer")
    before, body = Referral.objects.count(), payload("asb")
    first = _post(client, REFERRALS, body, "2b7c0c52-retry-1")
    again = _post(client, REFERRALS, body, "2b7c0c52-retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Referral.objects.count() == before + 1


def test_the_same_key_with_another_body_is_a_422_naming_the_header(demo, as_user) -> None:
    client = as_user("officer")
    assert _post(client, REFERRALS, payload("asb"), "key-a").status_code == 201
    before = Referral.objects.count()
    other = _post(client, REFERRALS, payload("asb", summary="Something else."), "key-a")
    assert other.status_code == 422
    assert other.headers["Content-Type"] == "application/problem+json"
    problem = other.json()
    assert problem["status"] == 422
    assert problem["type"] == "urn:csp-casework:problem:idempotency-key-reused"
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert Referral.objects.count() == before


def test_keys_are_each_users_own(demo, as_user) -> None:
    mine = _post(as_user("officer"), REFERRALS, payload("asb"), "shared-key")
    theirs = _post(as_user("asb_coordinator"), REFERRALS, payload("asb"), "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_failed_create_is_not_remembered_so_the_corrected_body_may_use_the_key(
    demo, as_user
) -> None:
    client = as_user("officer")
    bad = _post(client, REFERRALS, payload("asb", ward="E05999999"), "fix-and-retry")
    assert bad.status_code == 400
    good = _post(client, REFERRALS, payload("asb"), "fix-and-retry")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good.headers


def test_a_key_expires_after_the_configured_period(demo, as_user, settings) -> None:
    settings.IDEMPOTENCY_KEY_TTL_SECONDS = 3600
    client, body = as_user("officer"), payload("asb")
    first = _post(client, REFERRALS, body, "hourly")
    with time_machine.travel(timezone.now() + timedelta(minutes=59), tick=False):
        within = _post(client, REFERRALS, body, "hourly")
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        after = _post(client, REFERRALS, body, "hourly")
    assert within.json()["id"] == first.json()["id"]
    assert after.status_code == 201
    assert after.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.filter(key="hourly").count() == 1


@pytest.mark.parametrize("bad", ["", " ", "x" * 256, "naïve-key"])
def test_a_malformed_key_is_a_400_naming_the_header(demo, as_user, bad) -> None:
    response = as_user("officer").post(
        REFERRALS, payload("asb"), format="json", headers={"Idempotency-Key": bad}
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]


def _creates(demo) -> dict[str, tuple[str, str, dict[str, Any], Any]]:
    """Every API POST that creates something: persona, URL, body, and how many exist."""
    asb = demo.people.user("manager").memberships.get().agency
    case = demo.case("asb")
    endpoint = endpoint_create(
        agency=asb, channel="email", name="Mailbox", email_address="asb@council.example", by=None
    )
    return {
        "referral": ("officer", REFERRALS, payload("asb"), Referral.objects.count),
        "endpoint": (
            "manager",
            f"/api/v1/agencies/{asb.pk}/endpoints/",
            {"channel": "webhook", "name": "Case system", "url": PUBLIC_HOOK},
            Endpoint.objects.count,
        ),
        "subscription": (
            "manager",
            f"/api/v1/agencies/{asb.pk}/subscriptions/",
            {"endpoint": endpoint.pk, "event_types": ["case.transitioned"]},
            Subscription.objects.count,
        ),
        "milestone": (
            "asb_coordinator",
            f"/api/v1/cases/{case.pk}/milestones/",
            {"milestone": "review_risk", "reason": "Reviewed with the victim"},
            TransitionLog.objects.count,
        ),
    }


@pytest.mark.parametrize("name", ["referral", "endpoint", "subscription", "milestone"])
def test_every_api_create_honours_the_key(demo, as_user, name) -> None:
    persona, url, body, count = _creates(demo)[name]
    client = as_user(persona)
    first = _post(client, url, body, f"{name}-once")
    assert first.status_code in {200, 201}, first.json()
    created = count()
    again = _post(client, url, body, f"{name}-once")
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert count() == created


@pytest.fixture
def own_queue() -> Iterator[None]:
    """Relay tasks of these intakes go to a queue of their own: nothing consumes them here."""
    with own_task_queue("idempotency"):
        yield


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_creates_under_one_key_make_one_referral(demo, own_queue) -> None:
    # One token, issued before the race: each sign-in rotates the key, so five threads
    # signing in at once would revoke each other's.
    key = token_for(demo.user("officer"))
    body = payload("asb", location_text="5 Race Street")

    def create(i: int) -> tuple[int, Any]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = _post(client, REFERRALS, body, "race")
        return response.status_code, response.json()

    results = race(create, 5)
    assert not [r for r in results if isinstance(r, Exception)], results
    created = [b for status, b in results if status == 201]
    assert created, results
    assert all(status in {201, 409} for status, _ in results), results
    assert all(b == created[0] for b in created)
    assert Referral.objects.filter(location_text="5 Race Street").count() == 1
    assert Case.objects.filter(location_text="5 Race Street").count() == 1
