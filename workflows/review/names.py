"""The names of the case review's steps on the case's chain: the SLA policies start and
meet their clocks by them (workflows.sla.policies), and the history shows them to the
case's agencies only (workflows.selectors.MEMBERS_ONLY_TRANSITIONS)."""

RECORD_APPLICATION = "record_case_review_application"
THRESHOLD_MET = "case_review_threshold_met"
THRESHOLD_NOT_MET = "case_review_threshold_not_met"
TELL_DECISION = "tell_case_review_decision"
RECORD_MEETING = "record_case_review_meeting"
RECORD_OUTCOME = "record_case_review_outcome"
TELL_OUTCOME = "tell_case_review_outcome"

STEPS = frozenset(
    {
        RECORD_APPLICATION,
        THRESHOLD_MET,
        THRESHOLD_NOT_MET,
        TELL_DECISION,
        RECORD_MEETING,
        RECORD_OUTCOME,
        TELL_OUTCOME,
    }
)
