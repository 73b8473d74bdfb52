"""Each workflow says which of its states answer a referrer ("was my referral taken up?"),
and a transition's event carries the answer, so that notifications tells the referrers
without knowing any workflow's state names."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import OutboxEvent
from tests.personas import raise_referral
from workflows.actions import case_transition
from workflows.machines import MACHINES
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db


def test_every_state_said_to_answer_a_referrer_is_a_state_of_its_workflow() -> None:
    for kind, machine in MACHINES.items():
        states = {code for code, _ in machine.STATES}
        assert machine.ANSWERS_REFERRER.issubset(states), kind
        assert machine.INITIAL_STATE not in machine.ANSWERS_REFERRER, kind
        assert "closed" in machine.ANSWERS_REFERRER, kind


def test_the_transition_event_says_whether_the_new_state_answers_the_referrer(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    answered = []
    for name, data in (
        ("triage", {}),
        ("assign", {"officer": "asb_coordinator"}),
        ("start_work", {}),
    ):
        case_transition(
            case_id=case.pk, name=name, by=people.asb_coordinator, reason=name, data=data
        )
        event = OutboxEvent.objects.filter(type="case.transitioned").latest("occurred_at")
        answered.append((event.data["to"], event.data["answers_referrer"]))

    assert answered == [("triaged", True), ("assigned", True), ("in_progress", False)]
    log = TransitionLog.objects.get(case=case, transition="start_work")
    assert event.data == {
        "transition": "start_work",
        "from": "assigned",
        "to": "in_progress",
        "answers_referrer": False,
        "log_seq": log.seq,
    }


def test_a_reassessment_that_stays_in_an_answering_state_answers_no_one_again(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "vawg").case
    case_transition(case_id=case.pk, name="assess_risk", by=people.idva, reason="assessed")
    case_transition(case_id=case.pk, name="reassess_risk", by=people.idva, reason="again")
    flags = {
        e.data["transition"]: e.data["answers_referrer"]
        for e in OutboxEvent.objects.filter(case=case, type="case.transitioned")
    }
    assert flags == {"assess_risk": True, "reassess_risk": False}
