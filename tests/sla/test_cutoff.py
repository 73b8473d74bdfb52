"""Which clocks carry the 13:00 cut-off (issue 13 item 7).

The cut-off, work received at 13:00 or later starts the next working day, is one HMPPS
service's practice (DOMAIN.md, "Working days"). It was applied to every working-day clock,
so a high-risk VAWG assessment on Friday afternoon had until Wednesday to reach MARAC. It is
now a policy's own setting: on for the early-release (probation) clocks, off for the
safeguarding and ASB ones.
"""

from __future__ import annotations

import pytest

from cases.models import CaseKind
from tests.personas import raise_referral
from tests.sla.support import deadline, frozen, go, london, vawg_case
from workflows.calendar import HMPPS_CUTOFF
from workflows.models import DurationUnit, SlaPolicy, SlaTrigger
from workflows.sla.policies import DEFAULT_POLICIES

pytestmark = pytest.mark.django_db


def test_only_the_early_release_defaults_carry_the_hmpps_cutoff() -> None:
    seeded = {
        p.code: p for p in SlaPolicy.objects.filter(code__in=[d["code"] for d in DEFAULT_POLICIES])
    }
    for code, policy in seeded.items():
        expected = HMPPS_CUTOFF if policy.kind == CaseKind.EARLY_RELEASE else None
        assert policy.working_day_cutoff == expected, code


def test_a_high_risk_assessment_on_friday_afternoon_counts_from_friday(people) -> None:
    # SafeLives: a high-risk victim is referred to MARAC without delay. The HMPPS cut-off
    # would have started this 2-working-day clock on Monday: due Wednesday, not Tuesday.
    with frozen(london(2026, 6, 12, 9)):
        case = vawg_case(people.officer, yes=15)
    with frozen(london(2026, 6, 12, 14)):  # Friday 14:00
        go(case, "assess_risk", people.idva)
    assert deadline(case, "vawg_marac_referral").due_at == london(2026, 6, 16, 17)


def test_an_early_release_working_day_clock_at_14_00_counts_from_the_next_working_day(
    people,
) -> None:
    # HMPPS practice: work received at 13:00 or later starts at 09:00 the next working day.
    # The early-release defaults are dated (not in working days), so a working-day clock
    # is declared here with the cut-off they carry.
    SlaPolicy.objects.create(
        code="release_notification_acknowledged",
        name="Release notification acknowledged within 2 working days",
        kind=CaseKind.EARLY_RELEASE,
        trigger=SlaTrigger.STATE,
        trigger_state="notified",
        duration_unit=DurationUnit.WORKING_DAYS,
        duration_value=2,
        working_day_cutoff=SlaPolicy.objects.get(
            code="release_first_appointment"
        ).working_day_cutoff,
        met_by=["start_planning"],
        source="Test: an HMPPS-style working-day clock.",
    )
    with frozen(london(2026, 6, 12, 14)):  # Friday 14:00: day 0 is Monday
        case = raise_referral(people.probation, "early_release").case
    assert deadline(case, "release_notification_acknowledged").due_at == london(2026, 6, 17, 17)
    with frozen(london(2026, 6, 15, 12, 59, 59)):  # Monday, just before the cut-off
        later = raise_referral(
            people.probation, "early_release", summary="Another release, Monday morning"
        ).case
    assert deadline(later, "release_notification_acknowledged").due_at == london(2026, 6, 17, 17)
