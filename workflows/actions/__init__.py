"""Every change to a case or its clocks, one verb per module, each inside the one unit of
work (``unit.case_change``). The only code that writes a case's state or version or emits
case events; pages, the API, the admin, commands and tasks call these functions.
"""

from workflows.actions.children import (
    case_child_safeguarding_refer,
    case_operation_encompass_flag,
)
from workflows.actions.disclosure import case_subject_disclosure_set
from workflows.actions.duty import (
    FgmDiscovery,
    case_fgm_discovery_record,
    case_personal_duty_record,
    duty_not_owed_record,
    duty_report_record,
)
from workflows.actions.intake import (
    case_join_record,
    case_marac_repeat_flag,
    case_review_flag,
)
from workflows.actions.milestone import case_milestone_record
from workflows.actions.open import case_open
from workflows.actions.pause import deadline_pause, deadline_resume
from workflows.actions.review import (
    ReliedOn,
    case_review_application_record,
    case_review_decision_told,
    case_review_meeting_record,
    case_review_outcome_record,
    case_review_outcome_told,
    case_review_threshold_decide,
)
from workflows.actions.risk import case_set_risk
from workflows.actions.scan import deadlines_scan
from workflows.actions.transition import case_transition
from workflows.actions.unit import CaseChange, case_change

__all__ = [
    "CaseChange",
    "FgmDiscovery",
    "ReliedOn",
    "case_change",
    "case_child_safeguarding_refer",
    "case_fgm_discovery_record",
    "case_join_record",
    "case_marac_repeat_flag",
    "case_milestone_record",
    "case_open",
    "case_operation_encompass_flag",
    "case_personal_duty_record",
    "case_review_application_record",
    "case_review_decision_told",
    "case_review_flag",
    "case_review_meeting_record",
    "case_review_outcome_record",
    "case_review_outcome_told",
    "case_review_threshold_decide",
    "case_set_risk",
    "case_subject_disclosure_set",
    "case_transition",
    "deadline_pause",
    "deadline_resume",
    "deadlines_scan",
    "duty_not_owed_record",
    "duty_report_record",
]
