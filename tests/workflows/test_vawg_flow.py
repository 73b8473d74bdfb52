from __future__ import annotations

from typing import Any

import pytest

from partners.models import Role
from tests.factories import member
from tests.personas import dash
from tests.workflows.flows import (
    PATHS,
    case_in,
    new_case,
    refused_from,
    states,
    step,
    transitions_from,
)
from workflows.actions import case_set_risk, case_transition
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import MaracReferral, RiskAssessment, TransitionLog
from workflows.policy import available_transitions

pytestmark = pytest.mark.django_db

# The VAWG flow as issue 3 specifies it: state -> the transitions allowed from it.
# Issue 13: a case may be referred to MARAC (again) and reassessed from any open state
# after the report (SafeLives: repeat referrals whatever the state of support).
AGAIN = {"refer_to_marac", "reassess_risk"}
ALLOWED = {
    "reported": {"assess_risk", "refer_to_marac"},
    "risk_assessed": {"offer_support", *AGAIN},
    "marac_referred": {"record_marac_hearing"},
    "marac_heard": {"activate_safety_plan", *AGAIN},
    "support_offered": {"record_support_declined", "activate_safety_plan", *AGAIN},
    "support_declined": {"close", *AGAIN},
    "safety_plan_active": {"close", *AGAIN},
    "closed": set(),
}


def _steps(case: Any) -> list[tuple[str, str, str]]:
    return list(
        TransitionLog.objects.filter(case=case).values_list("transition", "source", "target")
    )


def test_the_vawg_machine_allows_exactly_the_specified_transitions() -> None:
    assert transitions_from("vawg") == ALLOWED
    assert set(states("vawg")) == set(ALLOWED) == set(PATHS["vawg"])


@pytest.mark.parametrize("state", sorted(ALLOWED))
def test_every_transition_not_allowed_from_a_vawg_state_is_refused(people, state: str) -> None:
    assert refused_from(people, "vawg", state) == []


def test_high_risk_path_goes_through_marac_to_a_safety_plan_and_closes(people) -> None:
    case = new_case(people, "vawg")  # DASH 15 "yes" on the referral
    assert case.state == "reported"
    assert case.reference.startswith("VAWG-")
    assert case.responsible_agency.code == "victim-services"
    idva = people.idva
    case = step(case, "assess_risk", idva)
    assert case.risk == "high"
    case = step(case, "refer_to_marac", idva)
    case = step(case, "record_marac_hearing", idva, {"heard_at": "2026-11-20T10:00:00+00:00"})
    heard_at = MaracReferral.objects.get(case=case).heard_at
    assert heard_at is not None
    assert heard_at.isoformat() == "2026-11-20T10:00:00+00:00"
    case = step(case, "activate_safety_plan", idva)
    case = step(case, "close", idva)
    assert case.state == "closed"
    assert case.closure_reason == "close for the test"
    assert _steps(case) == [
        ("open", "", "reported"),
        ("assess_risk", "reported", "risk_assessed"),
        ("refer_to_marac", "risk_assessed", "marac_referred"),
        ("record_marac_hearing", "marac_referred", "marac_heard"),
        ("activate_safety_plan", "marac_heard", "safety_plan_active"),
        ("close", "safety_plan_active", "closed"),
    ]


def test_standard_path_offers_support_then_a_safety_plan(people) -> None:
    case = new_case(people, "vawg", details={"dash": dash(2)})
    case = step(case, "assess_risk", people.idva, {"dash": dash(4)})
    assert case.risk == "standard"
    case = step(case, "offer_support", people.idva)
    case = step(case, "activate_safety_plan", people.idva)
    case = step(case, "close", people.idva)
    assert [t for t, _, _ in _steps(case)] == [
        "open",
        "assess_risk",
        "offer_support",
        "activate_safety_plan",
        "close",
    ]


def test_standard_path_where_support_is_declined_closes(people) -> None:
    case = case_in(people, "vawg", "support_offered")
    case = step(case, "record_support_declined", people.idva)
    assert case.state == "support_declined"
    case = step(case, "close", people.idva)
    assert case.state == "closed"
    assert case.closed_at is not None


@pytest.mark.parametrize(
    ("data", "risk"),
    [
        ({"dash": dash(14)}, "high"),
        ({"dash": dash(3), "professional_judgement": "high"}, "high"),
        ({"dash": dash(3), "escalation": True}, "high"),
        ({"dash": dash(13)}, "medium"),
        ({"dash": dash(9)}, "standard"),
    ],
    ids=["dash-14", "judgement-high", "escalation", "dash-13", "dash-9"],
)
def test_marac_referral_is_open_only_to_high_risk(people, data: dict[str, Any], risk: str) -> None:
    case = new_case(people, "vawg", details={"dash": dash(2)})
    case = step(case, "assess_risk", people.idva, data)
    assert case.risk == risk
    names = available_transitions(case=case, user=people.idva)
    if risk == "high":
        assert names == ["reassess_risk", "refer_to_marac"]
        with pytest.raises(TransitionNotAvailable, match="conditions"):
            step(case, "offer_support", people.idva)
        case = step(case, "refer_to_marac", people.idva)
        assert case.state == "marac_referred"
    else:
        assert names == ["offer_support", "reassess_risk"]
        with pytest.raises(TransitionNotAvailable, match="conditions"):
            step(case, "refer_to_marac", people.idva)
        assert not MaracReferral.objects.filter(case=case).exists()


def test_marac_grounds_name_every_criterion_met(people) -> None:
    case = step(
        new_case(people, "vawg"),
        "assess_risk",
        people.idva,
        {"dash": dash(16), "professional_judgement": "high", "escalation": True},
    )
    step(case, "refer_to_marac", people.idva)
    referral = MaracReferral.objects.get(case=case)
    assert referral.grounds == [
        "dash_14_plus",
        "professional_judgement",
        "potential_escalation",
    ]


def test_professional_judgement_raises_but_never_lowers_the_dash_level(people) -> None:
    raised = step(
        new_case(people, "vawg", details={"dash": dash(2)}),
        "assess_risk",
        people.idva,
        {"dash": dash(2), "professional_judgement": "medium"},
    )
    assert raised.risk == "medium"
    kept = step(
        new_case(people, "vawg"),
        "assess_risk",
        people.idva,
        {"dash": dash(15), "professional_judgement": "standard"},
    )
    assert kept.risk == "high"
    assessment = RiskAssessment.objects.get(case=kept)
    assert (assessment.score, assessment.professional_judgement, assessment.risk) == (
        15,
        "standard",
        "high",
    )


def test_assessment_without_answers_reuses_the_referrals_dash(people) -> None:
    answers = dash(15)
    case = new_case(people, "vawg")
    assert case.details["dash"] == answers
    case = step(case, "assess_risk", people.idva)
    assessment = RiskAssessment.objects.get(case=case)
    assert assessment.answers == answers
    assert assessment.score == 15
    assert assessment.assessed_by == people.idva


def test_marac_referral_is_prefilled_from_the_dash_assessment(people) -> None:
    answers = dash(17)
    case = step(new_case(people, "vawg"), "assess_risk", people.idva, {"dash": answers})
    case = step(case, "refer_to_marac", people.idva)
    assessment = RiskAssessment.objects.get(case=case)
    referral = MaracReferral.objects.get(case=case)
    assert referral.assessment == assessment
    assert referral.dash_answers == assessment.answers == answers
    assert referral.dash_score == assessment.score == 17
    assert referral.referred_by == people.idva


def test_an_incomplete_dash_names_each_missing_answer(people) -> None:
    answers = dash(15)
    del answers["q7"]
    answers["q9"] = "maybe"
    case = new_case(people, "vawg")
    with pytest.raises(InvalidTransitionData) as exc:
        step(case, "assess_risk", people.idva, {"dash": answers})
    assert exc.value.errors == {
        "data.dash.q7": "Answer yes, no or not_known.",
        "data.dash.q9": "Answer yes, no or not_known.",
    }
    case.refresh_from_db()
    assert case.state == "reported"
    assert not RiskAssessment.objects.filter(case=case).exists()


def _member(username: str, agency_code: str, role: str) -> Any:
    return member(role, agency=agency_code, username=username)


def test_only_a_manager_of_the_lead_agency_may_lower_vawg_risk(people) -> None:
    """Issue 13: lowering a VAWG risk is an explicit downgrade a manager approves (the
    safeguarding lead may raise, not lower). A case raised to high by hand holds no MARAC
    criterion, so the risk floor does not apply (test_marac_rules covers the floor)."""
    case = case_in(people, "vawg", "support_offered")
    case = case_set_risk(case_id=case.pk, risk="high", by=people.idva, reason="Threats to kill")
    refused = [
        *(people.user(n) for n in ("officer", "asb_coordinator", "probation", "caseworker")),
        people.idva,  # the lead agency's safeguarding lead
        people.manager,  # a manager, but of the council ASB team
        people.auditor,
        _member("sgl_elsewhere", "council-asb", Role.SAFEGUARDING_LEAD),
        _member("worker_at_lead", "victim-services", Role.CASE_WORKER),
    ]
    for user in refused:
        with pytest.raises(TransitionForbidden):
            case_set_risk(case_id=case.pk, risk="medium", by=user, reason="Safety plan in place")
    case.refresh_from_db()
    assert case.risk == "high"

    lead_manager = _member("vs_manager", "victim-services", Role.MANAGER)
    case = case_set_risk(case_id=case.pk, risk="medium", by=lead_manager, reason="Moved away")
    assert case.risk == "medium"
    log = TransitionLog.objects.filter(case=case, transition="set_risk").order_by("seq")
    assert [(r.data["from_risk"], r.data["to_risk"], r.actor) for r in log] == [
        ("standard", "high", people.idva),
        ("high", "medium", lead_manager),
    ]


@pytest.mark.parametrize("state", ["support_declined", "safety_plan_active"])
def test_closing_a_vawg_case_needs_a_reason(people, state: str) -> None:
    case = case_in(people, "vawg", state)
    with pytest.raises(InvalidTransitionData) as exc:
        case_transition(case_id=case.pk, name="close", by=people.idva, reason=" \n ")
    assert exc.value.errors == {"reason": "Give a reason for this change."}
    case.refresh_from_db()
    assert (case.state, case.closed_at) == (state, None)


def test_assessment_without_data_keeps_the_referrals_escalation_and_judgement(people) -> None:
    escalated = new_case(people, "vawg", details={"dash": dash(3), "escalation": True})
    judged = new_case(people, "vawg", details={"dash": dash(3), "professional_judgement": "high"})
    assert escalated.risk == judged.risk == "high"
    escalated = step(escalated, "assess_risk", people.idva)
    judged = step(judged, "assess_risk", people.idva)
    assert escalated.risk == judged.risk == "high"
    assert RiskAssessment.objects.get(case=escalated).escalation is True
    assert RiskAssessment.objects.get(case=judged).professional_judgement == "high"


@pytest.mark.parametrize("heard_at", ["2026-02-30T10:00:00+00:00", "2026-11-20T10:00:00", "soon"])
def test_a_marac_hearing_time_must_be_a_real_time_with_an_offset(people, heard_at: str) -> None:
    case = case_in(people, "vawg", "marac_referred")
    with pytest.raises(InvalidTransitionData) as exc:
        step(case, "record_marac_hearing", people.idva, {"heard_at": heard_at})
    assert exc.value.errors == {
        "data.heard_at": "Enter a date and time in ISO 8601 with a UTC offset."
    }
