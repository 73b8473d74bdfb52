"""Words for people: the names of states and transitions as the pages show them."""

from __future__ import annotations

from cases.models import Case
from workflows.machines import MACHINES

TRANSITION_LABELS = {
    "triage": "Triage",
    "assign": "Assign",
    "start_work": "Start work",
    "request_case_review": "Request an ASB case review",
    "complete_case_review": "Complete the case review",
    "resolve": "Resolve",
    "reopen": "Reopen",
    "close": "Close the case",
    "no_further_action": "No further action",
    "assess_risk": "Assess risk (DASH)",
    "reassess_risk": "Reassess risk (DASH)",
    "refer_to_marac": "Refer to MARAC",
    "record_marac_hearing": "Record the MARAC hearing",
    "offer_support": "Offer support",
    "record_support_declined": "Record support declined",
    "activate_safety_plan": "Activate a safety plan",
    "start_planning": "Start pre-release planning",
    "record_release": "Record the release",
    "start_supervision": "Start supervision",
    "recall": "Record a recall",
    "end_licence": "End the licence",
    # Entries the services write beside transitions, shown in a case's timeline.
    "open": "Case opened",
    "set_risk": "Risk level changed",
    "record_fgm_duty": "FGM reporting duty recorded",
    "record_fgm_discovery": "FGM discovery recorded",
    "report_fgm_to_police": "FGM reported to the police",
    "record_fgm_duty_not_owed": "FGM reporting duty not owed (already notified)",
    "flag_case_review": "ASB case review: threshold may be met (an application can be recorded)",
    "record_case_review_application": "ASB case review application received",
    "case_review_threshold_met": "ASB case review: threshold met",
    "case_review_threshold_not_met": "ASB case review: threshold not met",
    "tell_case_review_decision": "ASB case review: applicant told the threshold decision",
    "record_case_review_meeting": "ASB case review meeting held",
    "record_case_review_outcome": "ASB case review outcome recorded",
    "tell_case_review_outcome": "ASB case review: applicant told the outcome",
    "flag_marac_repeat": "Repeat MARAC referral due",
    "refer_child_safeguarding": "Referred to children's social care",
    "flag_operation_encompass": "Operation Encompass: notify the school",
    "referral_joined": "Referral added to the case",
    "set_subject_disclosure": "Who may be told about a person changed",
}

# GOV.UK tag colours for states: grey waiting, blue (the default, "") moving, green done,
# red urgent.
STATE_COLOURS = {
    "reported": "grey",
    "notified": "grey",
    "triaged": "teal",
    "assigned": "",
    "in_progress": "",
    "case_review": "orange",
    "risk_assessed": "teal",
    "marac_referred": "red",
    "marac_heard": "orange",
    "support_offered": "",
    "support_declined": "yellow",
    "safety_plan_active": "green",
    "pre_release_planning": "",
    "released": "green",
    "supervision_active": "green",
    "recalled": "red",
    "licence_ended": "grey",
    "resolved": "green",
    "closed": "grey",
    "no_further_action": "grey",
}


def in_workflow_order(names: list[str]) -> list[str]:
    """Transition names in the order a case usually meets them (the labels' order)."""
    order = {name: i for i, name in enumerate(TRANSITION_LABELS)}
    return sorted(names, key=lambda name: (order.get(name, len(order)), name))


def transition_label(name: str) -> str:
    return TRANSITION_LABELS.get(name, name.replace("_", " ").capitalize())


def state_label(case: Case) -> str:
    return dict(MACHINES[case.kind].STATES).get(case.state, case.state)


def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state, "grey")
