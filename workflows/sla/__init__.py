"""SLA clocks: policies, deadlines, the bank-holiday calendar, pauses and the scanner.

The public functions, by module:

- planning: ``deadlines_on_transition`` (the hook the transition service calls),
  ``deadline_plan``, ``deadline_cancel``
- pause: ``deadline_pause``, ``deadline_resume``
- milestones: ``case_milestone_record``
- scanner: ``deadlines_scan``
- clock: ``current_calendar``; bank_holidays: ``bank_holiday_save``,
  ``bank_holiday_delete``, ``bank_holidays_load``, ``deadlines_recompute_working_days``,
  ``seed_bank_holidays``
- policies: ``seed_sla_policies``; demo: ``sla_demo_deadline_soon``
"""

from workflows.sla.bank_holidays import (
    bank_holiday_delete,
    bank_holiday_save,
    bank_holidays_load,
    deadlines_recompute_working_days,
    seed_bank_holidays,
)
from workflows.sla.clock import current_calendar
from workflows.sla.demo import sla_demo_deadline_soon
from workflows.sla.milestones import case_milestone_record
from workflows.sla.pause import deadline_pause, deadline_resume
from workflows.sla.planning import deadline_cancel, deadline_plan, deadlines_on_transition
from workflows.sla.policies import seed_sla_policies
from workflows.sla.scanner import deadlines_scan

__all__ = [
    "bank_holiday_delete",
    "bank_holiday_save",
    "bank_holidays_load",
    "case_milestone_record",
    "current_calendar",
    "deadline_cancel",
    "deadline_pause",
    "deadline_plan",
    "deadline_resume",
    "deadlines_on_transition",
    "deadlines_recompute_working_days",
    "deadlines_scan",
    "seed_bank_holidays",
    "seed_sla_policies",
    "sla_demo_deadline_soon",
]
