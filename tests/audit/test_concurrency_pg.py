"""Concurrent writers on one case on PostgreSQL: one transition wins, seals stay in order."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from cases.models import Subject
from notifications.models import OutboxEvent
from tests.personas import raise_referral
from tests.support.concurrency import race
from workflows.actions import case_transition
from workflows.audit import audit_verify
from workflows.errors import ConcurrentChange, TransitionNotAvailable
from workflows.models import AuditSeal, TransitionLog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.mark.parametrize(
    ("expected_version", "loser_error"),
    [(None, TransitionNotAvailable), (1, ConcurrentChange)],
)
def test_twenty_simultaneous_triages_of_one_case_leave_exactly_one_trace(
    people, expected_version, loser_error
) -> None:
    case = raise_referral(people.officer, "asb").case
    coordinator_id = people.asb_coordinator.pk

    def triage(i: int) -> Any:
        return case_transition(
            case_id=case.pk,
            name="triage",
            by=User.objects.get(pk=coordinator_id),
            reason=f"triage from thread {i}",
            expected_version=expected_version,
        )

    results = race(triage, THREADS, join_timeout=120)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == THREADS - 1
    assert {type(e) for e in losers} == {loser_error}
    assert winners[0].state == "triaged"
    assert TransitionLog.objects.filter(case=case).count() == 2  # open + the one triage
    assert OutboxEvent.objects.filter(case=case, type="case.transitioned").count() == 1
    assert audit_verify().ok


def test_audit_entries_written_at_once_outside_any_service_chain_without_gaps(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    sealed_before = AuditSeal.objects.filter(case=case).count()

    def add_witness(i: int) -> int:
        subject = Subject.objects.create(
            case_id=case.pk,
            role="witness",
            full_name=f"Witness {i}",
            name_key=f"witness {i}",
            created_at=timezone.now(),
        )
        return subject.pk

    results = race(add_witness, THREADS, join_timeout=120)
    assert not [r for r in results if isinstance(r, Exception)]
    seqs = list(AuditSeal.objects.filter(case=case).values_list("seq", flat=True))
    assert seqs == list(range(1, sealed_before + THREADS + 1))
    report = audit_verify()
    assert report.ok, report.breaks
