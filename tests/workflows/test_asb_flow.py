from __future__ import annotations

import pytest

from cases.models import Case
from workflows.errors import (
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
)
from workflows.models import TransitionLog
from workflows.services import available_transitions, case_transition

pytestmark = pytest.mark.django_db


def _go(case: Case, name: str, by: object, **data: object) -> Case:
    return case_transition(
        case_id=case.pk, name=name, by=by, reason=f"{name} for the test", data=data
    )


def test_asb_full_path_reaches_closed_with_one_log_row_per_step(people) -> None:
    from tests.personas import raise_referral

    case = raise_referral(people.officer, "asb").case
    assert case.state == "reported"
    assert case.responsible_agency.code == "council-asb"
    assert case.reference.startswith("ASB-")
    coord = people.asb_coordinator
    case = _go(case, "triage", coord, risk="medium")
    case = _go(case, "assign", coord, officer="asb_coordinator")
    case = _go(case, "start_work", coord)
    case = _go(case, "resolve", coord)
    case = _go(case, "close", coord)
    assert case.state == "closed"
    assert case.closure_reason == "close for the test"
    assert case.version == 6
    steps = list(
        TransitionLog.objects.filter(case=case).values_list("transition", "source", "target")
    )
    assert steps == [
        ("open", "", "reported"),
        ("triage", "reported", "triaged"),
        ("assign", "triaged", "assigned"),
        ("start_work", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("close", "resolved", "closed"),
    ]


def test_forbidden_transition_from_the_wrong_state_is_not_available(people) -> None:
    from tests.personas import raise_referral

    case = raise_referral(people.officer, "asb").case
    with pytest.raises(TransitionNotAvailable):
        _go(case, "close", people.asb_coordinator)
    assert TransitionLog.objects.filter(case=case).count() == 1


def test_an_officer_of_another_agency_may_not_triage(people) -> None:
    from tests.personas import raise_referral

    case = raise_referral(people.officer, "asb").case
    for outsider in (people.officer, people.outsider, people.idva, people.probation):
        with pytest.raises(TransitionForbidden):
            _go(case, "triage", outsider)
    assert available_transitions(case=case, user=people.outsider) == []
    assert "triage" in available_transitions(case=case, user=people.asb_coordinator)


def test_every_transition_needs_a_reason(people) -> None:
    from tests.personas import raise_referral

    case = raise_referral(people.officer, "asb").case
    with pytest.raises(InvalidTransitionData) as exc:
        case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="  ")
    assert exc.value.errors == {"reason": "Give a reason for this change."}
