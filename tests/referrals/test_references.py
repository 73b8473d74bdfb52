"""References: ``<PREFIX>-<YEAR>-<NNNNNN>``, unique, numbered per prefix and year, reserved
in a transaction of their own so that concurrent intakes do not queue on the counters."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection

from cases.models import Case, ReferenceCounter
from referrals import services
from referrals.models import Referral
from tests.personas import raise_referral
from tests.support.concurrency import own_task_queue as own_task_queue_of
from tests.support.concurrency import race
from workflows.audit import audit_verify
from workflows.references import reference_allocate, references_reserve

pytestmark = pytest.mark.django_db

THREADS = 12


def test_each_prefix_counts_on_its_own_and_a_new_year_starts_again_at_one() -> None:
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # London is on GMT
    assert references_reserve(prefixes=["REF", "ASB"], now=new_years_eve) == {
        "ASB": "ASB-2026-000001",
        "REF": "REF-2026-000001",
    }
    assert references_reserve(prefixes=["REF"], now=new_years_eve) == {"REF": "REF-2026-000002"}
    assert reference_allocate(prefix="ASB", now=new_years_eve) == "ASB-2026-000002"
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    assert references_reserve(prefixes=["REF"], now=new_year) == {"REF": "REF-2027-000001"}
    assert sorted(ReferenceCounter.objects.values_list("prefix", "year", "last")) == [
        ("ASB", 2026, 2),
        ("REF", 2026, 2),
        ("REF", 2027, 1),
    ]


def test_without_returning_rows_the_numbers_are_read_back_in_the_same_transaction() -> None:
    # SQLite before 3.35 has no RETURNING: the same upsert, then a read of the locked rows.
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    references_reserve(prefixes=["ERO"], now=now)
    features = type(connection.features)  # a property on SQLite: patch the class
    with mock.patch.object(features, "can_return_rows_from_bulk_insert", False):
        assert references_reserve(prefixes=["REF", "ERO"], now=now) == {
            "ERO": "ERO-2026-000002",
            "REF": "REF-2026-000001",
        }


def test_a_referral_that_joins_a_case_reserves_only_its_own_reference(people) -> None:
    case = raise_referral(people.officer, "asb").case
    joined = raise_referral(people.officer, "asb", join_case=case.pk)
    year = case.opened_at.astimezone(UTC).year
    assert joined.case == case
    assert joined.reference == f"REF-{year}-000002"
    assert ReferenceCounter.objects.get(prefix="ASB").last == 1


@pytest.fixture
def own_task_queue() -> Iterator[None]:
    """Relay tasks of these intakes go to a queue of their own: nothing consumes them here."""
    with own_task_queue_of("references"):
        yield


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_never_share_a_reference_and_leave_no_gap(
    people, own_task_queue
) -> None:
    officer_id = people.officer.pk

    def intake(i: int) -> tuple[str, str]:
        referral = raise_referral(
            User.objects.get(pk=officer_id), "asb", location_text=f"{i} Race Street"
        )
        return referral.reference, referral.case.reference

    results = race(intake, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    year = Case.objects.get(reference=results[0][1]).opened_at.astimezone(UTC).year
    expected = {f"{p}-{year}-{n:06d}" for p in ("REF", "ASB") for n in range(1, THREADS + 1)}
    got = [ref for pair in results for ref in pair]
    assert not [ref for ref, k in Counter(got).items() if k > 1]
    assert set(got) == expected  # nothing failed, so nothing was skipped
    assert Referral.objects.count() == Case.objects.count() == THREADS
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_intake_still_in_its_transaction_does_not_hold_up_the_next(
    people, own_task_queue
) -> None:
    """The counters are not locked for the length of an intake's transaction.

    The first intake stops at its last step, its case and referral written but not
    committed; a second one must still complete meanwhile. While the counters were locked
    until commit, it queued behind the first for as long as that transaction lasted.
    """
    officer_id = people.officer.pk
    check_case_review = services._check_case_review
    first_paused, release = threading.Event(), threading.Event()

    def pause_the_first(**kwargs: Any) -> None:
        if not first_paused.is_set():
            first_paused.set()
            release.wait(timeout=60)
        check_case_review(**kwargs)

    results: dict[str, Any] = {}

    def intake(name: str) -> None:
        try:
            officer = User.objects.get(pk=officer_id)
            results[name] = raise_referral(officer, "asb", location_text=f"1 {name} Road")
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()  # this thread's own connection

    with mock.patch.object(
        services, "_check_case_review", autospec=True, side_effect=pause_the_first
    ):
        first = threading.Thread(target=intake, args=("First",))
        first.start()
        assert first_paused.wait(timeout=30)
        second = threading.Thread(target=intake, args=("Second",))
        second.start()
        second.join(timeout=30)
        finished_while_first_open = not second.is_alive()
        release.set()
        first.join(timeout=60)
        second.join(timeout=60)
    assert finished_while_first_open, "the second intake queued behind the first"
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    year = results["First"].case.opened_at.astimezone(UTC).year
    assert (results["First"].reference, results["First"].case.reference) == (
        f"REF-{year}-000001",
        f"ASB-{year}-000001",
    )
    assert (results["Second"].reference, results["Second"].case.reference) == (
        f"REF-{year}-000002",
        f"ASB-{year}-000002",
    )
