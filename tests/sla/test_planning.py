"""Each default policy plans the right deadline for its trigger, in the same transaction.

2026 fixes the scenarios: clocks go forward on Sunday 29 March and back on Sunday
25 October; Good Friday is 3 April, Easter Monday 6 April; Christmas Day is a Friday and
Boxing Day is observed on Monday 28 December.
"""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from cases.models import Case, PersonalDuty, RiskLevel
from partners.models import Role
from tests.factories import member
from tests.personas import raise_referral
from tests.sla.support import (
    asb_case,
    codes,
    deadline,
    fgm_case,
    frozen,
    go,
    london,
    utc,
    vawg_case,
)
from workflows.actions import case_set_risk
from workflows.errors import TransitionNotAvailable
from workflows.models import Deadline, DeadlineStatus, TransitionLog

pytestmark = pytest.mark.django_db


def _warn_is_three_quarters(d: Deadline) -> None:
    assert d.warn_at == d.started_at + (d.due_at - d.started_at) * 0.75


# --- ASB triage: 2 working days ---------------------------------------------------------


def test_asb_triage_is_due_at_five_on_the_second_working_day(people) -> None:
    with frozen(london(2026, 6, 8, 10)):  # Monday
        case = asb_case(people.officer)
    d = deadline(case, "asb_triage")
    assert d.status == DeadlineStatus.OPEN
    assert d.started_at == london(2026, 6, 8, 10)
    assert d.due_at == london(2026, 6, 10, 17)  # Wednesday 17:00 BST
    assert d.responsible_agency.code == "council-asb"
    assert d.responsible_user is None
    _warn_is_three_quarters(d)


def test_asb_triage_raised_on_friday_afternoon_runs_from_friday(people) -> None:
    # The ASB triage standard is local; the HMPPS 13:00 cut-off (issue 13 item 7) is not
    # its rule, so Friday 14:00 is day 0 (with the cut-off it was Monday: due Wednesday).
    with frozen(london(2026, 6, 12, 14)):
        case = asb_case(people.officer)
    assert deadline(case, "asb_triage").due_at == london(2026, 6, 16, 17)


def test_asb_triage_raised_after_the_working_day_runs_from_the_next(people) -> None:
    with frozen(london(2026, 6, 12, 17, 30)):  # Friday after 17:00: day 0 is Monday
        case = asb_case(people.officer)
    assert deadline(case, "asb_triage").due_at == london(2026, 6, 17, 17)


def test_asb_triage_skips_christmas_and_the_boxing_day_substitute(people) -> None:
    with frozen(london(2026, 12, 24, 10)):  # Thursday; Fri 25 and Mon 28 are holidays
        case = asb_case(people.officer)
    assert deadline(case, "asb_triage").due_at == london(2026, 12, 30, 17)


def test_asb_triage_is_met_by_the_triage_transition_in_its_transaction(people) -> None:
    with frozen(london(2026, 6, 8, 10)):
        case = asb_case(people.officer)
    with frozen(london(2026, 6, 9, 11)):
        go(case, "triage", people.asb_coordinator, risk="standard")
    d = deadline(case, "asb_triage")
    assert (d.status, d.met_at, d.met_by) == ("met", london(2026, 6, 9, 11), "triage")
    assert d.breached_at is None


def test_no_further_action_at_triage_meets_the_triage_clock(people) -> None:
    case = asb_case(people.officer)
    go(case, "no_further_action", people.asb_coordinator)
    assert deadline(case, "asb_triage").met_by == "no_further_action"


def test_a_failed_transition_leaves_the_deadlines_untouched(people) -> None:
    case = asb_case(people.officer)
    with pytest.raises(TransitionNotAvailable):
        go(case, "close", people.asb_coordinator)
    assert deadline(case, "asb_triage").status == DeadlineStatus.OPEN


# --- ASB risk reviews: every 14 days (high), 28 days (medium) ---------------------------


def test_a_medium_risk_asb_case_gets_a_28_day_risk_review(people) -> None:
    with frozen(london(2026, 6, 8, 10)):
        case = asb_case(people.officer, vulnerable=True)
    assert case.risk == RiskLevel.MEDIUM
    assert codes(case) == ["asb_risk_review_medium", "asb_triage"]
    assert deadline(case, "asb_risk_review_medium").due_at == london(2026, 7, 6, 10)


def test_a_risk_change_re_plans_the_review(people) -> None:
    with frozen(london(2026, 6, 8, 10)):
        case = asb_case(people.officer, vulnerable=True)
    with frozen(london(2026, 6, 9, 10)):
        go(case, "triage", people.asb_coordinator, risk="high")
    medium = deadline(case, "asb_risk_review_medium")
    high = deadline(case, "asb_risk_review_high")
    assert (medium.status, medium.cancel_reason) == ("cancelled", "risk_changed")
    assert high.status == DeadlineStatus.OPEN
    assert high.due_at == london(2026, 6, 23, 10)
    # Lowering the risk is itself a review: it meets the high clock and starts the medium one.
    with frozen(london(2026, 6, 12, 10)):
        case_set_risk(case_id=case.pk, risk="medium", by=people.manager, reason="Threat receded")
    high.refresh_from_db()
    assert (high.status, high.met_by) == ("met", "set_risk")
    assert deadline(case, "asb_risk_review_medium").due_at == london(2026, 7, 10, 10)
    assert codes(case, "open") == ["asb_risk_review_medium"]


def test_a_fourteen_day_review_across_the_spring_clock_change_keeps_the_wall_time(people) -> None:
    with frozen(london(2026, 3, 20, 10)):  # GMT
        case = asb_case(people.officer)
        go(case, "triage", people.asb_coordinator, risk="high")
    due = deadline(case, "asb_risk_review_high").due_at
    assert due == london(2026, 4, 3, 10)  # BST: 09:00 UTC
    assert due == utc(2026, 4, 3, 9)


def test_a_recorded_review_meets_the_clock_and_starts_the_next(people) -> None:
    from workflows.actions import case_milestone_record

    with frozen(london(2026, 6, 8, 10)):
        case = asb_case(people.officer)
        go(case, "triage", people.asb_coordinator, risk="high")
    with frozen(london(2026, 6, 20, 10)):
        case_milestone_record(
            case_id=case.pk, milestone="review_risk", by=people.asb_coordinator, reason="Reviewed"
        )
    reviews = Deadline.objects.filter(case=case, policy__code="asb_risk_review_high")
    assert list(reviews.order_by("pk").values_list("status", flat=True)) == ["met", "open"]
    assert reviews.get(status="open").due_at == london(2026, 7, 4, 10)


# --- ASB case review (Community Trigger): acknowledged within 10 working days -------------


def test_crossing_the_case_review_threshold_starts_a_10_working_day_clock(people) -> None:
    with frozen(london(2026, 11, 9, 10)):  # Monday; no holidays in the next fortnight
        # Three reports of separate incidents, not one sent three times (that is one referral:
        # a double submission) nor one incident reported three times (it counts once, s104).
        cases = [
            asb_case(
                people.officer,
                summary=f"Report {n}: loud music again.",
                occurred_at=(timezone.now() - timedelta(days=2 - n, hours=2)).isoformat(),
            )
            for n in range(3)
        ]
    flagged = [c for c in cases if c.case_review_flagged_at is not None]
    assert len(flagged) == 1
    case = flagged[0]
    d = deadline(case, "asb_case_review_acknowledged")
    assert d.due_at == london(2026, 11, 23, 17)
    assert [c for c in cases if "asb_case_review_acknowledged" in codes(c)] == [case]
    go(case, "triage", people.asb_coordinator)
    go(case, "request_case_review", people.asb_coordinator)
    d.refresh_from_db()
    assert (d.status, d.met_by) == ("met", "request_case_review")


# --- VAWG: high-risk triage in 24 hours, MARAC in 2 working days ---------------------------


def test_high_risk_vawg_triage_is_24_real_hours_across_the_spring_clock_change(people) -> None:
    with frozen(london(2026, 3, 28, 12)):  # Saturday noon GMT
        case = vawg_case(people.officer, yes=15)
    d = deadline(case, "vawg_high_risk_triage")
    assert d.due_at == utc(2026, 3, 29, 12)  # 13:00 BST on the wall clock
    assert d.due_at == london(2026, 3, 29, 13)
    assert d.responsible_agency.code == "victim-services"


def test_standard_risk_vawg_has_no_high_risk_triage_clock(people) -> None:
    case = vawg_case(people.officer, yes=3)
    assert codes(case) == ["vawg_first_contact"]  # every VAWG referral has that one


def test_marac_referral_is_due_two_working_days_after_assessment_across_the_autumn_change(
    people,
) -> None:
    with frozen(london(2026, 10, 22, 9)):
        case = vawg_case(people.officer, yes=15)
    with frozen(london(2026, 10, 23, 10)):  # Friday BST; clocks go back on Sunday
        go(case, "assess_risk", people.idva)
    assert deadline(case, "vawg_high_risk_triage").status == DeadlineStatus.MET
    d = deadline(case, "vawg_marac_referral")
    assert d.due_at == london(2026, 10, 27, 17)  # Tuesday 17:00 GMT
    assert d.due_at == utc(2026, 10, 27, 17)
    go(case, "refer_to_marac", people.idva)
    d.refresh_from_db()
    assert (d.status, d.met_by) == ("met", "refer_to_marac")


def test_lowering_risk_after_assessment_leaves_the_marac_clock_running(people) -> None:
    # Issue 13 (SafeLives): a MARAC referral owed ends by being made or by a recorded
    # decision; lowering the risk must not cancel it out of the breach figures.
    case = vawg_case(people.officer, yes=11)
    go(case, "assess_risk", people.idva)
    case_set_risk(case_id=case.pk, risk="high", by=people.idva, reason="Threats to kill")
    manager = member(Role.MANAGER, agency="victim-services", username="vs_manager")
    case_set_risk(case_id=case.pk, risk="medium", by=manager, reason="New information")
    assert deadline(case, "vawg_marac_referral").status == "open"


def test_raising_risk_after_assessment_starts_the_marac_clock(people) -> None:
    case = vawg_case(people.officer, yes=11)
    go(case, "assess_risk", people.idva)
    assert codes(case, "open") == []
    with frozen(london(2026, 6, 8, 10)):
        case_set_risk(case_id=case.pk, risk="high", by=people.idva, reason="Threats to kill")
    assert deadline(case, "vawg_marac_referral").due_at == london(2026, 6, 10, 17)


# --- FGM: a personal duty, end of next working day, one-month hard limit ------------------


def test_known_fgm_in_a_girl_is_owed_personally_by_the_referrer_over_easter(people) -> None:
    with frozen(london(2026, 4, 2, 15)):  # Thursday before Good Friday
        case = fgm_case(people.nurse, age=15)
    # The clocks run from the start of the day she told the nurse (FGM Act 2003 s5B(5)(c)).
    assert PersonalDuty.objects.get(case=case).owed_by == people.nurse
    report = deadline(case, "vawg_fgm_police_report")
    assert report.due_at == london(2026, 4, 7, 17)  # Tuesday after Easter Monday
    assert report.responsible_user == people.nurse
    assert report.responsible_agency.code == "public-health"
    limit = deadline(case, "vawg_fgm_police_report_limit")
    assert limit.due_at == london(2026, 5, 2, 0)
    assert limit.responsible_user == people.nurse


def test_fgm_in_an_adult_starts_no_duty_clock(people) -> None:
    case = fgm_case(people.nurse, age=30)
    assert [c for c in codes(case) if c.startswith("vawg_fgm")] == []


# --- Early release ------------------------------------------------------------------------


def test_early_release_plans_the_pre_release_plan_and_accommodation_from_the_release_date(
    people,
) -> None:
    with frozen(london(2026, 6, 1, 10)):  # expected release: Thursday 11 June
        case = raise_referral(people.probation, "early_release").case
    assert case.expected_release_date == date(2026, 6, 11)
    plan = deadline(case, "release_pre_release_plan")
    assert plan.due_at == london(2026, 6, 4, 17)
    assert plan.responsible_agency.code == "probation"
    accommodation = deadline(case, "release_accommodation_confirmed")
    assert accommodation.due_at == london(2026, 6, 11, 9)
    _warn_is_three_quarters(accommodation)
    assert "release_first_appointment" not in codes(case)


def test_recording_release_starts_the_first_appointment_clock(people) -> None:
    with frozen(london(2026, 6, 1, 10)):
        case = raise_referral(people.probation, "early_release").case
        go(case, "start_planning", people.probation)
    with frozen(london(2026, 6, 12, 16)):  # released on Friday
        go(case, "record_release", people.probation, actual_release_date="2026-06-12")
    first = deadline(case, "release_first_appointment")
    assert first.due_at == london(2026, 6, 15, 17)  # end of Monday
    with frozen(london(2026, 6, 15, 11)):
        go(case, "start_supervision", people.probation)
    first.refresh_from_db()
    assert (first.status, first.met_at) == ("met", london(2026, 6, 15, 11))


def test_a_release_date_recorded_late_plans_a_clock_that_is_already_due(people) -> None:
    with frozen(london(2026, 6, 1, 10)):
        case = raise_referral(people.probation, "early_release").case
        go(case, "start_planning", people.probation)
    with frozen(london(2026, 6, 22, 10)):
        go(case, "record_release", people.probation, actual_release_date="2026-06-12")
    first = deadline(case, "release_first_appointment")
    assert first.due_at == london(2026, 6, 15, 17)
    assert first.warn_at == first.due_at


def test_milestones_meet_the_pre_release_deadlines(people) -> None:
    from workflows.actions import case_milestone_record

    case = raise_referral(people.probation, "early_release").case
    for name in ("complete_pre_release_plan", "confirm_accommodation"):
        case_milestone_record(case_id=case.pk, milestone=name, by=people.probation, reason="Done")
    assert codes(case, "met") == ["release_accommodation_confirmed", "release_pre_release_plan"]
    logged = TransitionLog.objects.filter(case=case).values_list("transition", flat=True)
    assert {"complete_pre_release_plan", "confirm_accommodation"} <= set(logged)


# --- Whole-case rules -----------------------------------------------------------------------


def test_closing_a_case_cancels_its_open_deadlines(people) -> None:
    case = asb_case(people.officer, vulnerable=True)
    go(case, "triage", people.asb_coordinator)
    go(case, "no_further_action", people.asb_coordinator)
    review = deadline(case, "asb_risk_review_medium")
    assert (review.status, review.cancel_reason) == ("cancelled", "case_closed")
    assert codes(case, "open", "breached") == []


def test_assigning_the_case_to_another_agency_moves_its_clocks(people) -> None:
    case = asb_case(people.officer, vulnerable=True)
    go(case, "triage", people.asb_coordinator)
    go(case, "assign", people.asb_coordinator, agency="council-licensing")
    assert deadline(case, "asb_risk_review_medium").responsible_agency.code == "council-licensing"


def test_an_inactive_policy_plans_nothing(people) -> None:
    from workflows.models import SlaPolicy

    SlaPolicy.objects.filter(code="asb_triage").update(is_active=False)
    case = asb_case(people.officer)
    assert "asb_triage" not in codes(case)


def test_a_failure_planning_the_deadline_rolls_back_the_referral_and_case(people) -> None:
    cases_before = Case.objects.count()
    with (
        mock.patch(
            "workflows.sla.planning.deadline_plan", autospec=True, side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError, match="boom"),
    ):
        asb_case(people.officer)
    assert Case.objects.count() == cases_before
    assert not Deadline.objects.exists()


def test_a_clock_planned_now_never_warns_after_it_is_due(people) -> None:
    with frozen(london(2026, 6, 8, 10)):
        case = vawg_case(people.officer, yes=15)
    d = deadline(case, "vawg_high_risk_triage")
    assert d.warn_at == london(2026, 6, 8, 10) + timedelta(hours=18)
