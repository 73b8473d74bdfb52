"""Put a case in any state of its flow, only through intake and the transition service.

``PATHS`` is the route the tests take to each state; every state of every machine has one
(``test_every_state_has_a_path`` keeps it so when a state is added).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from cases.models import Case
from tests.factories import CaseFactory, ReferralFactory
from tests.personas import dash
from workflows.actions import case_set_risk, case_transition
from workflows.errors import TransitionNotAvailable
from workflows.machines import MACHINES, transition_names
from workflows.models import TransitionLog

Step = tuple[str, dict[str, Any]]

_TODAY = "__today__"  # replaced by the local date when the step runs
LOW_DASH: dict[str, Any] = {"dash": dash(3)}
RELEASE: dict[str, Any] = {"actual_release_date": _TODAY}

_ASB_WORK: list[Step] = [("triage", {}), ("assign", {}), ("start_work", {})]
_VAWG_MARAC: list[Step] = [("assess_risk", {}), ("refer_to_marac", {})]
_VAWG_SUPPORT: list[Step] = [("assess_risk", LOW_DASH), ("offer_support", {})]
_ER_OUT: list[Step] = [("start_planning", {}), ("record_release", RELEASE)]

PATHS: dict[str, dict[str, list[Step]]] = {
    "asb": {
        "reported": [],
        "triaged": [("triage", {})],
        "assigned": [("triage", {}), ("assign", {})],
        "in_progress": _ASB_WORK,
        "case_review": [*_ASB_WORK, ("request_case_review", {})],
        "resolved": [*_ASB_WORK, ("resolve", {})],
        "closed": [*_ASB_WORK, ("resolve", {}), ("close", {})],
        "no_further_action": [("no_further_action", {})],
    },
    "vawg": {
        "reported": [],
        "risk_assessed": [("assess_risk", {})],
        "marac_referred": _VAWG_MARAC,
        "marac_heard": [*_VAWG_MARAC, ("record_marac_hearing", {})],
        "support_offered": _VAWG_SUPPORT,
        "support_declined": [*_VAWG_SUPPORT, ("record_support_declined", {})],
        "safety_plan_active": [*_VAWG_SUPPORT, ("activate_safety_plan", {})],
        "closed": [*_VAWG_SUPPORT, ("record_support_declined", {}), ("close", {})],
    },
    "early_release": {
        "notified": [],
        "pre_release_planning": [("start_planning", {})],
        "released": _ER_OUT,
        "supervision_active": [*_ER_OUT, ("start_supervision", {})],
        "recalled": [*_ER_OUT, ("recall", {})],
        "licence_ended": [*_ER_OUT, ("start_supervision", {}), ("end_licence", {})],
        "closed": [*_ER_OUT, ("recall", {}), ("close", {})],
    },
}

# Transitions whose guard the state alone does not satisfy: the route to a case ready for them.
READY_PATHS: dict[tuple[str, str], list[Step]] = {
    ("vawg", "offer_support"): [("assess_risk", LOW_DASH)],
}
# Data a transition needs to succeed.
DATA: dict[str, dict[str, Any]] = {"record_release": RELEASE}

# Who drives each flow in the tests: a persona allowed every transition of that kind.
DRIVER = {"asb": "asb_coordinator", "vawg": "idva", "early_release": "probation"}

_unique = itertools.count(1)


def states(kind: str) -> list[str]:
    return [code for code, _ in MACHINES[kind].STATES]


def transitions_from(kind: str) -> dict[str, set[str]]:
    """state -> names of the transitions the machine allows from it (read from the code)."""
    machine = MACHINES[kind]
    allowed: dict[str, set[str]] = {state: set() for state in states(kind)}
    for t in machine._meta.get_field("state").get_all_transitions(machine):
        allowed[str(t.source)].add(t.name)
    return allowed


def step(case: Case, name: str, by: Any, data: dict[str, Any] | None = None) -> Case:
    data = {
        k: timezone.localdate().isoformat() if v == _TODAY else v for k, v in (data or {}).items()
    }
    return case_transition(
        case_id=case.pk, name=name, by=by, reason=f"{name} for the test", data=data
    )


def new_case(people: Any, kind: str, *, flagged: bool = False, **overrides: Any) -> Case:
    """A fresh case of ``kind``; ASB cases get their own place and complainant so reports
    in one test do not add up to a case review unless ``flagged`` asks for one."""
    if kind != "asb":
        case: Case = CaseFactory.create(by=people.officer, kind=kind, **overrides)
        return case
    n = next(_unique)
    overrides.setdefault("location_text", f"{n} Test Row")
    overrides.setdefault("subjects", [{"role": "complainant", "full_name": f"Resident {n}"}])
    # Flagged: three reports of separate incidents (days apart), since the same incident
    # reported three times counts once (ASB, Crime and Policing Act 2014 s104).
    referrals = [
        ReferralFactory.create(
            by=people.officer,
            kind=kind,
            **{"occurred_at": (timezone.now() - timedelta(days=days)).isoformat(), **overrides},
        )
        for days in ((6, 3, 0) if flagged else (0,))
    ]
    return referrals[-1].case


def case_in(
    people: Any,
    kind: str,
    state: str,
    *,
    flagged: bool = False,
    path: list[Step] | None = None,
    **overrides: Any,
) -> Case:
    """A case of ``kind`` moved to ``state`` along ``PATHS`` (or ``path``) by the flow's driver."""
    path = PATHS[kind][state] if path is None else path
    needs_flag = flagged or any(name == "request_case_review" for name, _ in path)
    if kind == "vawg" and ("assess_risk", LOW_DASH) in path:
        # A referrer's 14+ DASH keeps the case high whatever the IDVA finds (only a manager
        # lowers it): the support path starts from a low-risk referral.
        overrides.setdefault("details", LOW_DASH)
    case = new_case(people, kind, flagged=needs_flag, **overrides)
    driver = people.user(DRIVER[kind])
    for name, data in path:
        case = step(case, name, driver, data)
    assert case.state == state
    return case


def case_ready_for(people: Any, kind: str, name: str, source: str, **overrides: Any) -> Case:
    """A case in ``source`` on which ``name`` is available (its guard met)."""
    case = case_in(
        people,
        kind,
        source,
        flagged=name == "request_case_review",
        path=READY_PATHS.get((kind, name)),
        **overrides,
    )
    if (kind, name) == ("vawg", "refer_to_marac") and case.risk != "high":
        # Referred again from a support state: the safeguarding lead judges it high.
        case = case_set_risk(case_id=case.pk, risk="high", by=people.idva, reason="Threats")
    return case


def refused_from(people: Any, kind: str, state: str) -> list[str]:
    """Try every transition the machine does not allow from ``state``; return any that were
    not refused with TransitionNotAvailable or that left a trace."""
    case = case_in(people, kind, state)
    driver = people.user(DRIVER[kind])
    logged = TransitionLog.objects.filter(case=case).count()
    problems = []
    for name in sorted(set(transition_names(kind)) - transitions_from(kind)[state]):
        try:
            step(case, name, driver)
        except TransitionNotAvailable:
            pass
        except Exception as exc:
            problems.append(f"{name}: raised {type(exc).__name__}: {exc}")
        else:
            problems.append(f"{name}: was allowed from {state}")
    case.refresh_from_db()
    if case.state != state or TransitionLog.objects.filter(case=case).count() != logged:
        problems.append("a refused transition changed the case or its log")
    return problems
