"""The one write path: what ``case_change`` promises every action, tested once here.

Lock, one ``now``, the acting user; on exit the version and ``updated_at`` (when the case
row changed), the chained log row, the events in order, the deadline re-plan; on any
error nothing at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from notifications.models import OutboxEvent
from tests.personas import raise_referral
from tests.support.concurrency import race
from workflows.actions import case_change
from workflows.chain import link_hash, transition_fields
from workflows.errors import ConcurrentChange, InvalidTransitionData
from workflows.models import Deadline, DeadlineStatus, TransitionLog

pytestmark = pytest.mark.django_db


def _counts(case: Case) -> tuple[int, int, int]:
    case.refresh_from_db()
    return (
        case.version,
        TransitionLog.objects.filter(case=case).count(),
        OutboxEvent.objects.filter(case=case).count(),
    )


def test_a_change_bumps_version_and_updated_at_logs_one_chained_row_then_its_events(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    version, rows, events = _counts(case)
    later = timezone.now() + timedelta(minutes=5)
    with (
        time_machine.travel(later, tick=False),
        case_change(
            case_id=case.pk, by=people.asb_coordinator, name="triage", reason=" seen "
        ) as change,
    ):
        change.case.risk = "medium"
        change.changed("risk")
        change.log_data = {"risk": "medium"}
        change.emit(type="case.transitioned", data={"transition": "triage"}, with_log_seq=True)
        change.emit(type="case.assigned", data={"agency": "x"})
    case.refresh_from_db()
    assert (case.version, case.risk, case.updated_at) == (version + 1, "medium", later)
    log = TransitionLog.objects.filter(case=case).latest("seq")
    assert log.seq == rows + 1
    assert (log.transition, log.reason, log.at, log.data) == (
        "triage",
        "seen",
        later,
        {"risk": "medium"},
    )
    assert log.actor == people.asb_coordinator
    assert log.actor_agency is not None
    assert log.actor_agency.code == "council-asb"
    previous = TransitionLog.objects.get(case=case, seq=rows)
    assert log.prev_hash == previous.hash
    assert log.hash == link_hash(log.prev_hash, transition_fields(log))
    new = {e.type: e for e in OutboxEvent.objects.filter(case=case, occurred_at=later)}
    assert len(new) == 2 == OutboxEvent.objects.filter(case=case).count() - events
    assert {t: (e.actor_id, e.data) for t, e in new.items()} == {
        "case.transitioned": (
            people.asb_coordinator.pk,
            {"transition": "triage", "log_seq": log.seq},
        ),
        "case.assigned": (people.asb_coordinator.pk, {"agency": "x"}),
    }


def test_a_change_that_leaves_the_case_row_alone_keeps_its_version_but_is_logged(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    version, rows, events = _counts(case)
    with case_change(case_id=case.pk, by=people.asb_coordinator, name="note", reason="x"):
        pass
    assert _counts(case) == (version, rows + 1, events)


def test_an_error_inside_the_change_writes_nothing_at_all(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    before = _counts(case)
    audit_before = LogEntry.objects.count()

    def fail_half_way() -> None:
        with case_change(
            case_id=case.pk, by=people.asb_coordinator, name="triage", reason="r"
        ) as c:
            c.case.risk = "high"
            c.changed("risk")
            c.emit(type="case.transitioned", data={"transition": "triage"})
            c.save_case()
            raise RuntimeError("the action failed half-way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert _counts(case) == before
    assert case.risk == "standard"
    assert LogEntry.objects.count() == audit_before


def test_a_change_that_finds_nothing_to_do_writes_nothing(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    before = _counts(case)
    with case_change(case_id=case.pk, by=people.asb_coordinator, name="x", reason="r") as c:
        c.changed("risk")
        c.emit(type="case.transitioned", data={})
        c.nothing()
    assert _counts(case) == before


def test_a_stale_expected_version_is_refused_before_anything_is_written(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    before = _counts(case)
    with (
        pytest.raises(ConcurrentChange, match=f"at version {case.version}, not 99"),
        case_change(
            case_id=case.pk, by=people.asb_coordinator, name="x", reason="r", expected_version=99
        ),
    ):
        pytest.fail("the body of a refused change must not run")
    assert _counts(case) == before


def test_a_blank_reason_is_refused_naming_the_field(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    with (
        pytest.raises(InvalidTransitionData) as refused,
        case_change(case_id=case.pk, by=people.asb_coordinator, name="x", reason="  "),
    ):
        pytest.fail("the body of a refused change must not run")
    assert "reason" in refused.value.errors


def test_audit_entries_written_inside_the_change_name_the_acting_user(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    with case_change(case_id=case.pk, by=people.asb_coordinator, name="x", reason="r") as c:
        c.case.risk = "medium"
        c.changed("risk")
    entry = LogEntry.objects.filter(object_pk=str(case.pk)).latest("pk")
    assert entry.actor == people.asb_coordinator
    assert entry.changes_dict["risk"] == ["standard", "medium"]


def test_the_deadlines_are_replanned_after_the_change_and_not_when_asked_not_to(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    triage = Deadline.objects.get(case=case, policy__code="asb_triage")
    with case_change(case_id=case.pk, by=people.asb_coordinator, name="triage", reason="r") as c:
        c.replan = False
    triage.refresh_from_db()
    assert triage.status == DeadlineStatus.OPEN
    # "triage" meets the triage clock: the re-plan on exit finds it met.
    with case_change(case_id=case.pk, by=people.asb_coordinator, name="triage", reason="r"):
        pass
    triage.refresh_from_db()
    assert (triage.status, triage.met_by) == (DeadlineStatus.MET, "triage")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_at_one_version_have_exactly_one_winner(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    version, rows, events = _counts(case)

    def change(i: int) -> int:
        with case_change(
            case_id=case.pk,
            by=people.asb_coordinator,
            name="x",
            reason=f"attempt {i}",
            expected_version=version,
            durable=True,
        ) as c:
            c.changed("updated_at")
            c.emit(type="case.transitioned", data={"attempt": i})
        return i

    results = race(change, 8)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrentChange) for r in results if r not in winners)
    assert _counts(case) == (version + 1, rows + 1, events + 1)


# --- The facts intake records go through the same unit of work ---------------------------


def test_opening_a_case_is_one_log_row_and_one_event(people: Any) -> None:
    referral = raise_referral(people.officer, "asb")
    case = referral.case
    assert list(TransitionLog.objects.filter(case=case).values_list("transition", flat=True)) == [
        "open"
    ]
    (event,) = OutboxEvent.objects.filter(case=case)
    assert (event.type, event.data["referral"]) == ("referral.raised", referral.reference)
    assert case.version == 1


def test_facts_recorded_with_the_open_share_its_version_and_the_chain_records_each(
    people: Any,
) -> None:
    case = raise_referral(
        people.nurse,
        "vawg",
        category="fgm",
        details={
            "fgm_known": True,
            "victim_age": 15,
            "fgm_discovered_on": timezone.localdate().isoformat(),
            "fgm_discovered_how": "disclosed",
        },
    ).case
    case.refresh_from_db()
    logged = TransitionLog.objects.filter(case=case).order_by("seq")
    # A girl of 15: the referral to children's social care is one more fact of the open.
    assert [(r.transition, r.version) for r in logged] == [
        ("open", 1),
        ("record_fgm_duty", 1),
        ("refer_child_safeguarding", 1),
    ]
    # One operation, one version: nobody ever saw the case without its duty.
    assert case.version == 1
    assert case.duties.get().owed_by == people.nurse


def test_one_operation_moves_the_version_on_once_however_many_facts_it_records(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    later = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(later, tick=False), transaction.atomic():
        held = Case.objects.select_for_update().get(pk=case.pk)
        for name in ("first_fact", "second_fact"):
            with case_change(case=held, by=people.asb_coordinator, name=name, reason="r") as c:
                c.changed("updated_at")
    case.refresh_from_db()
    assert (case.version, case.updated_at) == (2, later)
    rows = TransitionLog.objects.filter(case=case, transition__endswith="_fact")
    assert list(rows.order_by("seq").values_list("version", flat=True)) == [2, 2]


def test_the_case_review_flag_moves_updated_at_but_not_the_version_of_its_intake(
    people: Any,
) -> None:
    place = {"location_text": "Bus station, Quay Street"}
    start = timezone.now()
    for n in range(2):
        # Separate incidents, days apart: the same incident reported again counts once.
        occurred = (start - timedelta(days=3 - n)).isoformat()
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            raise_referral(people.officer, "asb", occurred_at=occurred, **place)
    flagged_at = start + timedelta(minutes=10)
    with time_machine.travel(flagged_at, tick=False):
        case = raise_referral(people.officer, "asb", **place).case
    case.refresh_from_db()
    assert case.case_review_flagged_at == flagged_at
    assert (case.version, case.updated_at) == (1, flagged_at)
