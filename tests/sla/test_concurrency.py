"""Two scanners at once on PostgreSQL: SKIP LOCKED gives each deadline exactly one event."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from cases.models import Case
from tests.sla.support import asb_case, deadline, events, frozen, london
from workflows.actions import deadlines_scan
from workflows.actions.scan import ScanResult
from workflows.models import Deadline, DeadlineStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RAISED = london(2026, 6, 8, 10)
SCAN_AT = london(2026, 6, 10, 18)  # an hour after the triage clocks fell due


def _cases(people: Any, n: int) -> list[Case]:
    with frozen(RAISED):
        return [asb_case(people.officer, location_text=f"{i} Race Street") for i in range(n)]


def _in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(target())
        except BaseException as exc:  # reported by the test, not lost in the thread
            out.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@contextmanager
def _held(lock: Callable[[], Any]) -> Iterator[None]:
    """Hold row locks taken by ``lock`` in another connection until the block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            lock()
            taken.set()
            release.wait(30)

    thread, out = _in_thread(hold)
    assert taken.wait(10), f"the lock holder failed: {out}"
    try:
        yield
    finally:
        release.set()
        thread.join(10)


def test_two_scanners_racing_raise_exactly_one_breach_event_per_deadline(people: Any) -> None:
    cases = _cases(people, 12)
    start = threading.Barrier(2)

    def scan() -> ScanResult:
        start.wait(10)
        return deadlines_scan(now=SCAN_AT, batch_size=2)

    runs = [_in_thread(scan) for _ in range(2)]
    for thread, _ in runs:
        thread.join(60)
    results = [out[0] for _, out in runs]
    assert all(isinstance(r, ScanResult) for r in results), results
    assert sum(r.breached for r in results) == 12
    assert sum(r.failed for r in results) == 0
    breached = events("deadline.breached")
    assert len(breached) == 12
    assert sorted(e.data["deadline"] for e in breached) == sorted(
        deadline(c, "asb_triage").pk for c in cases
    )


def test_a_scanner_skips_a_deadline_another_scanner_holds_and_does_not_wait(
    people: Any,
) -> None:
    cases = _cases(people, 3)
    held = deadline(cases[0], "asb_triage")
    with _held(lambda: list(Deadline.objects.select_for_update().filter(pk=held.pk))):
        thread, out = _in_thread(lambda: deadlines_scan(now=SCAN_AT))
        thread.join(20)
        assert not thread.is_alive(), "the scanner waited for a locked row"
        assert out[0].breached == 2
    held.refresh_from_db()
    assert held.status == DeadlineStatus.OPEN
    assert deadlines_scan(now=SCAN_AT).breached == 1
    assert len(events("deadline.breached")) == 3


def test_a_deadline_whose_case_is_mid_transition_waits_for_the_next_scan(people: Any) -> None:
    cases = _cases(people, 2)
    busy = cases[0]
    with _held(lambda: list(Case.objects.select_for_update().filter(pk=busy.pk))):
        thread, out = _in_thread(lambda: deadlines_scan(now=SCAN_AT))
        thread.join(20)
        assert not thread.is_alive(), "the scanner waited for a locked case"
        assert (out[0].breached, out[0].busy) == (1, 1)
    assert deadline(busy, "asb_triage").status == DeadlineStatus.OPEN
    assert deadlines_scan(now=SCAN_AT + timedelta(seconds=15)).breached == 1
    assert deadline(busy, "asb_triage").breached_at == deadline(busy, "asb_triage").due_at
