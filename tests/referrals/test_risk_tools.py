"""Which risk tool a VAWG referral used (issue 13, item 8).

Police forces use their own version of DASH or the College of Policing's DARA (2022), not
always the SafeLives 24-question checklist: the referral records the tool and the grading it
gave, and the risk follows that grading (judgement may raise it, escalation makes it high).
"""

from __future__ import annotations

from typing import Any

import pytest

from cases.catalogue import DASH_QUESTIONS
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import dash, payload
from tests.workflows.flows import new_case, step
from workflows.models import MaracReferral

pytestmark = pytest.mark.django_db


def _vawg(**details: Any) -> dict[str, Any]:
    body = payload("vawg")
    body["details"] = details
    return body


def test_a_dara_grading_is_recorded_and_sets_the_risk(people) -> None:
    clean = validate_referral(_vawg(risk_tool="dara", tool_grading="medium"))
    assert clean.details["risk_tool"] == "dara"
    assert clean.details["tool_grading"] == "medium"
    assert clean.risk == "medium"
    raised = validate_referral(
        _vawg(risk_tool="police_dash", tool_grading="standard", professional_judgement="high")
    )
    assert raised.risk == "high"  # judgement raises another tool's grading too


@pytest.mark.parametrize(
    ("details", "errors"),
    [
        (
            {"risk_tool": "dara"},
            {"details.tool_grading": "Give the grading dara gave: standard, medium or high."},
        ),
        (
            {"risk_tool": "dara", "tool_grading": "high", "dash": dash(15)},
            {
                "details.dash": "The DASH answers are the SafeLives checklist's, not dara's: "
                "give tool_grading."
            },
        ),
        (
            {"tool_grading": "high"},
            {"details.tool_grading": "Only for police_dash or dara: DASH is scored here."},
        ),
        (
            {"risk_tool": "oasys"},
            {"details.risk_tool": "Choose one of safelives_dash, police_dash, dara."},
        ),
    ],
    ids=["grading-missing", "dash-with-dara", "grading-with-safelives", "unknown-tool"],
)
def test_a_tool_and_its_grading_go_together(people, details, errors) -> None:
    with pytest.raises(ReferralInvalid) as caught:
        validate_referral(_vawg(**details))
    assert {k: v for k, v in caught.value.errors.items() if k in errors} == errors


def test_a_high_grading_is_a_marac_ground_until_an_assessment(people) -> None:
    case = new_case(people, "vawg", details={"risk_tool": "dara", "tool_grading": "high"})
    assert case.risk == "high"
    case = step(case, "refer_to_marac", people.idva)  # from reported: any agency may refer
    assert MaracReferral.objects.get(case=case).grounds == ["tool_high_risk"]


def test_the_dash_questions_presume_nothing_of_the_person_causing_harm() -> None:
    text = " ".join(q for _, q in DASH_QUESTIONS)
    assert "abuser" not in text
    assert " she " not in f" {text} "
    assert "person causing harm" in text
