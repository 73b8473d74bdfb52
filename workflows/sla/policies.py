"""The default SLA policies, each with its source, and the idempotent seed that loads them.

Figures come from ../shared/DOMAIN.md ("Rules a real system encodes"); where a timescale is
local practice rather than law the comment says so, and the partnership may change it in
the admin. Seeding never overwrites a policy an administrator has edited.

The 13:00 cut-off (work received later starts the next working day) is one HMPPS service's
practice, so only the early-release (probation) clocks carry it; a safeguarding clock runs
from the day the work arrives: a high-risk assessment on Friday afternoon is not given until
Wednesday to reach MARAC.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from cases.models import CaseKind, RiskLevel
from partners.models import AgencyKind
from workflows.calendar import HMPPS_CUTOFF
from workflows.models import (
    CaseDateField,
    DurationUnit,
    Responsible,
    SlaCondition,
    SlaPolicy,
    SlaTrigger,
)

FIRST_CONTACT_SOURCE = (
    "Local default: no law or national guidance sets a time for first contact with a VAWG "
    "victim. Shorter where no DASH came with the referral (the risk is unknown) or for a "
    "harmful practice (FGM, forced marriage, honour-based abuse, virginity testing, "
    "hymenoplasty), where the DASH does not measure the risk and the victim may give one "
    "chance (HM Government, multi-agency statutory guidance on forced marriage)."
)

FGM_SOURCE = (
    "FGM Act 2003 s5B (in force 31 Oct 2015): regulated health and social-care professionals "
    "and teachers must report known FGM in a girl under 18 to the police. The duty is "
    "personal and cannot be delegated. Home Office procedural information: report by the "
    "end of the next working day as best practice, within one month at the latest."
)

MARAC_SOURCE = (
    "SafeLives MARAC referral criteria (14+ yes on the DASH checklist, professional "
    "judgement, potential escalation, repeat); 2 working days is local practice."
)
# A MARAC referral meets it, or a MARAC decision recorded with its reasons (not to refer).
MARAC_MET_BY = ["refer_to_marac", "record_marac_decision"]

CHILD_SAFEGUARDING_SOURCE = (
    "Working Together to Safeguard Children 2023 (statutory guidance under the Children Act "
    "2004 s16B and the Local Authority Social Services Act 1970 s7), chapter 2: within one "
    "working day of a referral being received, a local authority social worker should "
    "acknowledge it and decide what response is required (Children Act 1989 s17 or s47). "
    "A victim under 18 is a child (Children Act 1989 s105); under 16, abuse is child "
    "protection rather than domestic abuse (Domestic Abuse Act 2021 s1)."
)

OPERATION_ENCOMPASS_SOURCE = (
    "Operation Encompass: the police tell a child's school, before the start of the next "
    "school day, of a domestic abuse incident to which the child was exposed; a statutory "
    "police duty since the Victims and Prisoners Act 2024. Local default: due at 08:30 on "
    "the next working day (weekends and bank holidays skipped; school term dates and school "
    "start times are not modelled)."
)

DEFAULT_POLICIES: list[dict[str, Any]] = [
    # VAWG: a high-risk referral is triaged (DASH risk assessment by the IDVA service) within
    # 24 hours. Local practice in line with SafeLives' guidance that high-risk victims are
    # contacted without delay; pausable while safe contact with the victim is awaited.
    {
        "code": "vawg_high_risk_triage",
        "name": "High-risk VAWG referral triaged (risk assessed) within 24 hours",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.STATE,
        "trigger_state": "reported",
        "risk": RiskLevel.HIGH,
        "duration_unit": DurationUnit.HOURS,
        "duration_value": 24,
        "met_by": ["assess_risk"],
        "max_pause_hours": 24,
        "escalate_managers_after_hours": 4,
        "escalate_partnership_after_hours": 12,
        "source": "Local practice for high-risk VAWG referrals (SafeLives: high risk is "
        "acted on without delay). DOMAIN.md, MARAC referral criteria.",
    },
    # Every VAWG referral: first contact with the victim (a recorded milestone, or the risk
    # assessment, which is done with the victim). Without it a referral with no DASH, or of a
    # harmful practice, had no clock at all and could sit in "reported" for ever. It runs
    # until met: a referral straight to MARAC does not excuse the contact. Local defaults,
    # as the source says; no cut-off, as for every safeguarding clock.
    {
        "code": "vawg_first_contact_urgent",
        "name": "VAWG victim contacted within 1 working day (no DASH, or a harmful practice)",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.STATE,
        "trigger_state": "reported",
        "condition": SlaCondition.VAWG_URGENT_FIRST_CONTACT,
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 1,
        "met_by": ["make_first_contact", "assess_risk"],
        "runs_until_met": True,
        "escalate_managers_after_hours": 4,
        "escalate_partnership_after_hours": 24,
        "source": FIRST_CONTACT_SOURCE,
    },
    {
        "code": "vawg_first_contact",
        "name": "VAWG victim contacted within 2 working days",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.STATE,
        "trigger_state": "reported",
        "condition": SlaCondition.VAWG_ROUTINE_FIRST_CONTACT,
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 2,
        "met_by": ["make_first_contact", "assess_risk"],
        "runs_until_met": True,
        "max_pause_hours": 24,
        "source": FIRST_CONTACT_SOURCE,
    },
    # MARAC: SafeLives criteria, visible high risk (14+ "yes" on DASH), professional
    # judgement or potential escalation. Referral within 2 working days of the assessment.
    # Once running, only a MARAC referral or a recorded decision not to refer ends it: a
    # lowered risk must not make a missed referral vanish from the breach figures.
    {
        "code": "vawg_marac_referral",
        "name": "MARAC referral within 2 working days of a high-risk assessment",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.STATE,
        "trigger_state": "risk_assessed",
        "risk": RiskLevel.HIGH,
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 2,
        "met_by": MARAC_MET_BY,
        "runs_until_met": True,
        "source": MARAC_SOURCE,
    },
    # The same, when a reassessment in a later state finds high risk.
    {
        "code": "vawg_marac_referral_reassessed",
        "name": "MARAC referral within 2 working days of a high-risk reassessment",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "reassess_risk",
        "risk": RiskLevel.HIGH,
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 2,
        "met_by": MARAC_MET_BY,
        "runs_until_met": True,
        "source": MARAC_SOURCE,
    },
    # A repeat (SafeLives): any further incident between the same victim and perpetrator
    # within 12 months of the last MARAC referral is referred again, whatever the risk.
    {
        "code": "vawg_marac_repeat_referral",
        "name": "Repeat MARAC referral within 2 working days of the new incident",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "flag_marac_repeat",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 2,
        "met_by": MARAC_MET_BY,
        "runs_until_met": True,
        "source": "SafeLives repeat MARAC definition: any instance of abuse between the same "
        "victim and perpetrator within 12 months of the last MARAC referral; 2 working days "
        "is local practice.",
    },
    # FGM Act 2003 s5B: the mandatory reporting duty, owed personally by the professional who
    # learned of it (recorded by referrals as case.details["fgm_mandatory_report"]).
    {
        "code": "vawg_fgm_police_report",
        "name": "Known FGM in an under-18: police report by the end of the next working day",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "record_fgm_duty",
        "duration_unit": DurationUnit.END_OF_NEXT_WORKING_DAY,
        "met_by": ["report_fgm_to_police"],
        "responsible": Responsible.NAMED_PERSON,
        "owed_by_detail": "fgm_mandatory_report",
        "warn_fraction": Decimal("0.50"),
        "escalate_managers_after_hours": 4,
        "escalate_partnership_after_hours": 24,
        "source": FGM_SOURCE,
    },
    # The same duty's hard limit: one month, after which the report is out of time in law.
    {
        "code": "vawg_fgm_police_report_limit",
        "name": "Known FGM in an under-18: police report within one month (hard limit)",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "record_fgm_duty",
        "duration_unit": DurationUnit.CALENDAR_MONTHS,
        "duration_value": 1,
        "met_by": ["report_fgm_to_police"],
        "responsible": Responsible.NAMED_PERSON,
        "owed_by_detail": "fgm_mandatory_report",
        "warn_fraction": Decimal("0.75"),
        "escalate_managers_after_hours": 1,
        "escalate_partnership_after_hours": 2,
        "source": FGM_SOURCE,
    },
    # Children (issue 13 item 3): a victim under 18 is referred to children's social care,
    # which decides what response is required within one working day (Working Together
    # 2023). Owed by the children's social care agency on the case, whether it leads (an
    # under-16) or takes part (16 or 17, or FGM or forced marriage of a child).
    {
        "code": "vawg_child_safeguarding_decision",
        "name": "Children's social care decides the response within 1 working day",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "refer_child_safeguarding",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 1,
        "met_by": ["child_safeguarding_decided"],
        "runs_until_met": True,
        "responsible": Responsible.AGENCY_ON_CASE,
        "responsible_agency_kind": AgencyKind.SOCIAL_CARE,
        "escalate_managers_after_hours": 4,
        "escalate_partnership_after_hours": 24,
        "source": CHILD_SAFEGUARDING_SOURCE,
    },
    # Operation Encompass: the police notify the school before the next school day.
    {
        "code": "vawg_operation_encompass",
        "name": "Operation Encompass: school notified before the next school day",
        "kind": CaseKind.VAWG,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "flag_operation_encompass",
        "duration_unit": DurationUnit.START_OF_NEXT_WORKING_DAY,
        "anchor_time": time(8, 30),
        "met_by": ["notify_school"],
        "runs_until_met": True,
        "responsible": Responsible.AGENCY_ON_CASE,
        "responsible_agency_kind": AgencyKind.POLICE,
        "warn_fraction": Decimal("0.50"),
        "escalate_managers_after_hours": 1,
        "escalate_partnership_after_hours": 4,
        "source": OPERATION_ENCOMPASS_SOURCE,
    },
    # ASB: the coordinator triages a new report within 2 working days (local standard).
    {
        "code": "asb_triage",
        "name": "ASB report triaged within 2 working days",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.STATE,
        "trigger_state": "reported",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 2,
        "met_by": ["triage", "no_further_action"],
        "max_pause_hours": 72,
        "source": "Local ASB triage standard (CSP configuration). DOMAIN.md, ASB.",
    },
    # ASB risk reviews (one force's practice): high risk every 14 days, medium every 28,
    # escalating by rank. A risk change or a recorded review meets the current one.
    {
        "code": "asb_risk_review_high",
        "name": "High-risk ASB case: risk reviewed every 14 days",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.RISK,
        "risk": RiskLevel.HIGH,
        "duration_unit": DurationUnit.CALENDAR_DAYS,
        "duration_value": 14,
        "met_by": ["review_risk", "set_risk"],
        "max_pause_hours": 168,
        "source": "ASB risk review cadence, one police force's practice: high risk every "
        "14 days, escalating by rank. DOMAIN.md, ASB risk reviews.",
    },
    {
        "code": "asb_risk_review_medium",
        "name": "Medium-risk ASB case: risk reviewed every 28 days",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.RISK,
        "risk": RiskLevel.MEDIUM,
        "duration_unit": DurationUnit.CALENDAR_DAYS,
        "duration_value": 28,
        "met_by": ["review_risk", "set_risk"],
        "max_pause_hours": 168,
        "source": "ASB risk review cadence, one police force's practice: medium risk every "
        "28 days, escalating by rank. DOMAIN.md, ASB risk reviews.",
    },
    # ASB case review (Community Trigger), ASB, Crime and Policing Act 2014 ss104-105: once
    # the local threshold is met the application is acknowledged within 10 working days
    # (a typical local timescale).
    {
        "code": "asb_case_review_acknowledged",
        "name": "ASB case review (Community Trigger) acknowledged within 10 working days",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "flag_case_review",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 10,
        "met_by": [
            "acknowledge_case_review",
            "request_case_review",
            "record_case_review_application",
        ],
        "source": "ASB, Crime and Policing Act 2014 ss104-105 (case review); acknowledging "
        "within 10 working days is a typical local timescale.",
    },
    # The application's own clocks (issue 13 item 6). The Act sets no timescales: these are
    # the ones published Community Trigger procedures commonly use (decision within 10
    # working days of receipt, review within 15-25 working days of the decision, outcome to
    # the applicant within 5 working days of the review). They are the lead agency's, and
    # run when the case is closed: a review is available after closure or NFA (s104).
    {
        "code": "asb_case_review_threshold_decision",
        "name": "ASB case review: threshold decided within 10 working days of the application",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "record_case_review_application",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 10,
        "met_by": ["case_review_threshold_met", "case_review_threshold_not_met"],
        "outlives_closure": True,
        "source": "ASB, Crime and Policing Act 2014 s104(3) and (6) (the decision, told to "
        "the applicant); 10 working days is local practice common to published Community "
        "Trigger procedures.",
    },
    {
        "code": "asb_case_review_meeting",
        "name": "ASB case review: review meeting within 25 working days of the threshold met",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "case_review_threshold_met",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 25,
        "met_by": ["record_case_review_meeting"],
        "outlives_closure": True,
        "source": "ASB, Crime and Policing Act 2014 s104(1) (the review); published Community "
        "Trigger procedures commonly allow 15-25 working days: local practice, the upper end.",
    },
    {
        "code": "asb_case_review_outcome_told",
        "name": "ASB case review: applicant told the outcome within 5 working days of the review",
        "kind": CaseKind.ASB,
        "trigger": SlaTrigger.EVENT,
        "trigger_event": "record_case_review_meeting",
        "duration_unit": DurationUnit.WORKING_DAYS,
        "duration_value": 5,
        "met_by": ["tell_case_review_outcome"],
        "outlives_closure": True,
        "source": "ASB, Crime and Policing Act 2014 s104(7)-(8) (the applicant is told the "
        "outcome and any recommendations); 5 working days is local practice common to "
        "published Community Trigger procedures.",
    },
    # Early release (SDS40): probation's concerns are accommodation on the day of release,
    # continuity of treatment and recall. The plan is complete a week before release. The
    # early-release clocks are probation's, so they carry the HMPPS 13:00 cut-off; it counts
    # only for a duration in working days (these defaults are dated), should one be set.
    {
        "code": "release_pre_release_plan",
        "name": "Pre-release plan complete 7 days before the expected release date",
        "kind": CaseKind.EARLY_RELEASE,
        "trigger": SlaTrigger.CASE_DATE,
        "date_field": CaseDateField.EXPECTED_RELEASE_DATE,
        "offset_days": -7,
        "anchor_time": time(17, 0),
        "duration_unit": DurationUnit.AT_ANCHOR,
        "working_day_cutoff": HMPPS_CUTOFF,  # HMPPS practice (working-day units)
        "met_by": ["complete_pre_release_plan"],
        "source": "HMPPS early release (SDS40, from Sept/Oct 2024) pre-release planning; "
        "7 days is local practice. DOMAIN.md, Early release.",
    },
    # Accommodation must be in place by the morning the person walks out.
    {
        "code": "release_accommodation_confirmed",
        "name": "Accommodation confirmed by the release date",
        "kind": CaseKind.EARLY_RELEASE,
        "trigger": SlaTrigger.CASE_DATE,
        "date_field": CaseDateField.EXPECTED_RELEASE_DATE,
        "offset_days": 0,
        "anchor_time": time(9, 0),
        "duration_unit": DurationUnit.AT_ANCHOR,
        "working_day_cutoff": HMPPS_CUTOFF,  # HMPPS practice (working-day units)
        "met_by": ["confirm_accommodation"],
        "source": "HMPPS: accommodation on the day of release is a core probation concern "
        "(SDS40). DOMAIN.md, Early release.",
    },
    # The first probation appointment is on the day of release or the next working day.
    {
        "code": "release_first_appointment",
        "name": "First probation appointment by the end of the next working day after release",
        "kind": CaseKind.EARLY_RELEASE,
        "trigger": SlaTrigger.CASE_DATE,
        "date_field": CaseDateField.RELEASED_ON,
        "offset_days": 0,
        "anchor_time": time(9, 0),
        "duration_unit": DurationUnit.END_OF_NEXT_WORKING_DAY,
        "working_day_cutoff": HMPPS_CUTOFF,  # HMPPS practice (working-day units)
        "met_by": ["start_supervision"],
        "source": "HMPPS: the first probation appointment is on the day of release or the "
        "next working day. DOMAIN.md, Early release.",
    },
]


def seed_sla_policies(*, policy_model: Any = None) -> int:
    """Create the default policies that are missing; returns how many were created.

    ``policy_model`` is the historical model when called from a data migration. Existing
    policies (matched by code) are left as the administrators set them.
    """
    model = policy_model or SlaPolicy
    # A migration's historical model may predate some fields: those are left to the
    # migration that adds them. A policy that needs a field to be valid at all (an agency
    # on the case names its kind) waits for that migration whole.
    known = {f.name for f in model._meta.get_fields()}
    created = 0
    for spec in DEFAULT_POLICIES:
        if "responsible_agency_kind" in spec and "responsible_agency_kind" not in known:
            continue
        fields = {k: v for k, v in spec.items() if k != "code" and k in known}
        _, was_created = model.objects.get_or_create(code=spec["code"], defaults=fields)
        created += was_created
    return created
