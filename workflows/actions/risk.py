"""Change a case's risk level outside a transition."""

from __future__ import annotations

from typing import Any

from cases.models import RISK_ORDER, Case, CaseKind, RiskLevel
from workflows.actions.unit import case_change
from workflows.errors import InvalidTransitionData, TransitionForbidden
from workflows.policy import risk_change_allowed
from workflows.sla.names import SET_RISK
from workflows.transition_data import risk_floor_refusal


def case_set_risk(*, case_id: int, risk: str, by: Any, reason: str) -> Case:
    """Change a case's risk level; ``workflows.policy.risk_change_allowed`` says who may.
    Setting the level it already has changes nothing and writes nothing."""
    if risk not in RiskLevel.values:
        raise InvalidTransitionData({"risk": f"Choose one of {', '.join(RiskLevel.values)}."})
    with case_change(case_id=case_id, by=by, name=SET_RISK, reason=reason, durable=True) as change:
        case = change.case
        if not risk_change_allowed(user=by, case=case, risk=risk):
            raise TransitionForbidden(f"you may not change the risk of {case.reference} to {risk}")
        if risk == case.risk:
            change.nothing()
            return case
        if refusal := risk_floor_refusal(case, risk):
            raise InvalidTransitionData({"risk": refusal})
        previous, case.risk = case.risk, risk
        downgrade = RISK_ORDER[RiskLevel(risk)] < RISK_ORDER[RiskLevel(previous)]
        change.changed("risk")
        change.log_data = {"from_risk": previous, "to_risk": risk}
        data: dict[str, Any] = {"from_risk": previous, "to_risk": risk}
        if downgrade and case.kind == CaseKind.VAWG:
            # The referrer is told of a VAWG downgrade (SafeLives: a referring agency's
            # judgement of high risk is not quietly set aside).
            data["downgrade"] = True
        change.emit(type="case.risk_changed", data=data)
    return case
