from __future__ import annotations

import pytest

from cases.models import Case
from workflows.actions import case_transition
from workflows.errors import (
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
)
from workflows.models import TransitionLog
from workflows.policy import available_transitions

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


# The ASB flow as issue 3 specifies it: state -> the transitions allowed from it.
ALLOWED = {
    "reported": {"triage", "no_further_action"},
    "triaged": {"assign", "request_case_review", "no_further_action"},
    "assigned": {"start_work", "request_case_review"},
    "in_progress": {"request_case_review", "resolve"},
    "case_review": {"complete_case_review"},
    "resolved": {"reopen", "close"},
    "closed": set(),
    "no_further_action": set(),
}


def test_the_asb_machine_allows_exactly_the_specified_transitions() -> None:
    from tests.workflows.flows import PATHS, states, transitions_from

    assert transitions_from("asb") == ALLOWED
    assert set(states("asb")) == set(ALLOWED) == set(PATHS["asb"])


@pytest.mark.parametrize("state", sorted(ALLOWED))
def test_every_transition_not_allowed_from_an_asb_state_is_refused(people, state: str) -> None:
    from tests.workflows.flows import refused_from

    assert refused_from(people, "asb", state) == []


def test_no_further_action_closes_a_report_with_its_reason(people) -> None:
    from tests.workflows.flows import case_in

    for start in ("reported", "triaged"):
        case = case_in(people, "asb", start)
        case = _go(case, "no_further_action", people.asb_coordinator)
        assert case.state == "no_further_action"
        assert case.closed_at is not None
        assert case.closure_reason == "no_further_action for the test"
        assert not Case.objects.open().filter(pk=case.pk).exists()


def test_a_resolved_case_can_be_reopened_into_work(people) -> None:
    from tests.workflows.flows import case_in

    case = case_in(people, "asb", "resolved")
    case = _go(case, "reopen", people.manager)
    assert case.state == "in_progress"
    case = _go(case, "resolve", people.asb_coordinator)
    assert case.state == "resolved"


def test_case_review_needs_the_flag_and_returns_the_case_to_work(people) -> None:
    from tests.workflows.flows import case_in

    unflagged = case_in(people, "asb", "in_progress")
    assert "request_case_review" not in available_transitions(
        case=unflagged, user=people.asb_coordinator
    )
    with pytest.raises(TransitionNotAvailable, match="conditions"):
        _go(unflagged, "request_case_review", people.asb_coordinator)

    for start in ("triaged", "assigned", "in_progress"):
        case = case_in(people, "asb", start, flagged=True)
        assert case.is_case_review_flagged
        assert "request_case_review" in available_transitions(
            case=case, user=people.asb_coordinator
        )
        case = _go(case, "request_case_review", people.asb_coordinator)
        assert case.state == "case_review"
        case = _go(case, "complete_case_review", people.asb_coordinator)
        assert case.state == "in_progress"


def test_assigning_to_another_agency_hands_over_the_lead(people) -> None:
    from cases.models import CaseAgency
    from tests.workflows.flows import case_in

    case = case_in(people, "asb", "triaged")
    case = _go(case, "assign", people.asb_coordinator, agency="council-licensing")
    roles = set(CaseAgency.objects.filter(case=case).values_list("agency__code", "role"))
    assert ("council-licensing", "lead") in roles
    assert ("council-asb", "participant") in roles
    assert ("council-asb", "lead") not in roles
    assert case.responsible_agency.code == "council-licensing"
    # The council ASB team no longer leads, so its coordinator cannot start the work.
    with pytest.raises(TransitionForbidden):
        _go(case, "start_work", people.asb_coordinator)


@pytest.mark.parametrize(
    ("state", "name"), [("resolved", "close"), ("reported", "no_further_action")]
)
def test_closing_an_asb_case_needs_a_reason(people, state: str, name: str) -> None:
    from tests.workflows.flows import case_in

    case = case_in(people, "asb", state)
    with pytest.raises(InvalidTransitionData) as exc:
        case_transition(case_id=case.pk, name=name, by=people.asb_coordinator, reason="")
    assert exc.value.errors == {"reason": "Give a reason for this change."}
    case.refresh_from_db()
    assert case.state == state
    assert case.closed_at is None
