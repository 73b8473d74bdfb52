"""The workflows app's pages: the case page and its forms, SLA clocks, manager pages."""

from workflows.views.caselist import case_list
from workflows.views.cases import (
    case_by_id,
    case_detail,
    case_transition_form,
    early_release_tracker,
)
from workflows.views.clocks import deadline_pause_form, deadline_resume_form, milestone_form
from workflows.views.duties import duty_not_owed_form, duty_report_form, fgm_discovery_form
from workflows.views.manage import audit_trail, audit_trail_csv, sla_breaches
from workflows.views.people import disclosure_form, safe_contact
from workflows.views.review import case_review_step

__all__ = [
    "audit_trail",
    "audit_trail_csv",
    "case_by_id",
    "case_detail",
    "case_list",
    "case_review_step",
    "case_transition_form",
    "deadline_pause_form",
    "deadline_resume_form",
    "disclosure_form",
    "duty_not_owed_form",
    "duty_report_form",
    "early_release_tracker",
    "fgm_discovery_form",
    "milestone_form",
    "safe_contact",
    "sla_breaches",
]
