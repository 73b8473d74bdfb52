"""The transition log keeps what the audit needs of a DASH assessment, not the answers.

The log is append-only and kept for ever, and case history serves it: the 24 raw answers
live on the risk assessment (masked in the field-level audit). The log keeps the score,
the risk it gave, judgement and escalation, and which questions were answered yes. Rows
written before this change still hold the answers; history masks them when it reads them.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from cases.catalogue import DASH_QUESTIONS
from tests.audit.conftest import go, verify
from tests.personas import dash, raise_referral
from workflows.history import case_history
from workflows.models import RiskAssessment, TransitionLog

pytestmark = pytest.mark.django_db

YES = [code for code, _ in DASH_QUESTIONS][:15]


@pytest.fixture
def assessed(people):
    case = raise_referral(people.officer, "vawg").case
    return go(case, "assess_risk", people.idva, dash=dash(15))


def test_an_assessment_logs_its_score_and_the_questions_answered_yes_not_the_answers(
    assessed,
) -> None:
    row = TransitionLog.objects.get(case=assessed, transition="assess_risk")
    assert row.data == {
        "dash_yes": YES,
        "score": 15,
        "professional_judgement": "",
        "escalation": False,
        "assessed_risk": "high",
        "risk": "high",
    }
    assert RiskAssessment.objects.get(case=assessed).answers == dash(15)
    assert verify()[0]


def test_history_masks_the_answers_in_rows_written_before(assessed, people, tamper) -> None:
    # A row as the log held it before: the raw answers (and a hash over them).
    from workflows.chain import link_hash, transition_fields

    row = TransitionLog.objects.get(case=assessed, transition="assess_risk")
    row.data = {**{k: v for k, v in row.data.items() if k != "dash_yes"}, "dash": dash(15)}
    tamper(
        "UPDATE workflows_transitionlog SET data = %s, hash = %s WHERE id = %s",
        (json.dumps(row.data), link_hash(row.prev_hash, transition_fields(row)), row.pk),
    )
    assert verify()[0]  # a faithful old row: the chain holds

    shown = next(t for t in case_history(case=assessed, full=True).transitions if t.pk == row.pk)
    assert "dash" not in shown.data
    assert shown.data["dash_yes"] == YES
    client = APIClient()
    client.force_authenticate(people.idva)
    body = client.get(f"/api/v1/cases/{assessed.pk}/history/").json()
    served = json.dumps(body["transitions"])
    assert '"dash"' not in served
    assert '"not_known"' not in served
    assert '"no"' not in served
    # Read-time masking only: the stored row is untouched.
    assert "dash" in TransitionLog.objects.get(pk=row.pk).data
