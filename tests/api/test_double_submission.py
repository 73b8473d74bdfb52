"""The same referral sent twice by the same person in quick succession, without an
Idempotency-Key (a double click, a client's blind retry), is one referral: the second is
refused naming the first, and sets off nothing (no second case, no case review flag)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from referrals.models import Referral
from referrals.services import RESUBMISSION_WINDOW, ReferralAlreadySent, referral_raise
from referrals.validation import validate_referral
from tests.personas import payload
from tests.support.concurrency import own_task_queue, race
from tests.support.signin import token_for

REFERRALS = "/api/v1/referrals/"


@pytest.mark.django_db
def test_the_same_referral_again_is_refused_naming_the_first(people: Any) -> None:
    body = payload("asb", location_text="9 Echo Lane")
    first = referral_raise(clean=validate_referral(body), raised_by=people.officer)
    with pytest.raises(ReferralAlreadySent) as again:
        referral_raise(clean=validate_referral(body), raised_by=people.officer)
    assert again.value.referral == first
    assert first.reference in str(again.value)
    assert Referral.objects.filter(location_text="9 Echo Lane").count() == 1


@pytest.mark.django_db
def test_another_person_or_a_later_report_of_the_same_thing_is_a_new_referral(
    people: Any,
) -> None:
    body = payload("asb", location_text="9 Echo Lane")
    referral_raise(clean=validate_referral(body), raised_by=people.officer)
    referral_raise(clean=validate_referral(body), raised_by=people.caseworker)
    later = timezone.now() + RESUBMISSION_WINDOW + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        referral_raise(clean=validate_referral(body), raised_by=people.officer)
    changed = {**body, "summary": body["summary"] + " Again tonight."}
    referral_raise(clean=validate_referral(changed), raised_by=people.officer)
    assert Referral.objects.filter(location_text="9 Echo Lane").count() == 4


@pytest.fixture
def own_queue() -> Iterator[None]:
    with own_task_queue("double-submission"):
        yield


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_identical_creates_without_a_key_make_one_referral(
    people: Any, own_queue: None
) -> None:
    key = token_for(people.officer)  # one sign-in: each sign-in rotates the key
    body = payload("asb", location_text="5 Echo Lane")

    def create(i: int) -> tuple[int, Any]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.post(REFERRALS, body, format="json")
        return response.status_code, response.json()

    results = race(create, 5)
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409, 409], results
    (made,) = [b for status, b in results if status == 201]
    refusals = [b for status, b in results if status == 409]
    assert all(r["type"].endswith(":conflict") for r in refusals)
    assert all(made["reference"] in r["detail"] for r in refusals)
    assert Case.objects.filter(location_text="5 Echo Lane").count() == 1
    # Five reports of one thing would cross the ASB case review threshold; one does not.
    assert not Case.objects.filter(case_review_flagged_at__isnull=False).exists()
