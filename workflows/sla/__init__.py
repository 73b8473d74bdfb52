"""SLA clocks: the engine below the actions. Policies, the bank-holiday calendar, planning
deadlines when a case changes. Imports nothing above it: pausing, resuming, milestones and
the scanner are case changes, in ``workflows.actions``.

The public functions, by module:

- planning: ``deadlines_on_transition`` (the hook the unit of work calls),
  ``deadline_plan``, ``deadline_cancel``
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
from workflows.sla.planning import deadline_cancel, deadline_plan, deadlines_on_transition
from workflows.sla.policies import seed_sla_policies

__all__ = [
    "bank_holiday_delete",
    "bank_holiday_save",
    "bank_holidays_load",
    "current_calendar",
    "deadline_cancel",
    "deadline_plan",
    "deadlines_on_transition",
    "deadlines_recompute_working_days",
    "seed_bank_holidays",
    "seed_sla_policies",
    "sla_demo_deadline_soon",
]
