"""Every VAWG referral starts a first-contact clock (issue 13 item 4).

Before, only a high-risk referral (a DASH of 14 or more) had a clock in "reported": a
referral of FGM, forced marriage, honour-based abuse, virginity testing or hymenoplasty,
or any referral without a DASH, could sit there for ever. No law or national guidance sets
a time for first contact, so the durations are local defaults (workflows/sla/policies.py):
1 working day with no DASH or for a harmful practice, 2 otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cases.catalogue import VAWG_CATEGORIES
from notifications.models import Channel
from notifications.routing import event_recipients
from notifications.services import endpoint_create
from partners.models import Agency
from tests.personas import dash, raise_referral
from tests.sla.support import codes, deadline, events, frozen, go, london
from workflows.actions import case_milestone_record, case_set_risk, deadlines_scan
from workflows.errors import TransitionForbidden
from workflows.models import DeadlineStatus, SlaCondition, SlaPolicy

pytestmark = pytest.mark.django_db

URGENT, ROUTINE = "vawg_first_contact_urgent", "vawg_first_contact"
HARMFUL_PRACTICES = [c.code for c in VAWG_CATEGORIES if c.group == "harmful_practice"]
MONDAY = london(2026, 6, 8, 10)


def vawg(by: Any, *, category: str = "domestic_abuse", dash_yes: int | None = 3) -> Any:
    details: dict[str, Any] = {} if dash_yes is None else {"dash": dash(dash_yes)}
    if category == "fgm":  # an adult, so no mandatory-reporting duty is recorded
        details.update(fgm_known=False, victim_age=30)
    summary = f"First-contact test: {category}, DASH {dash_yes}"
    return raise_referral(by, "vawg", category=category, details=details, summary=summary).case


def test_the_harmful_practices_are_the_five_the_issue_names() -> None:
    assert sorted(HARMFUL_PRACTICES) == sorted(
        ["fgm", "forced_marriage", "honour_based_abuse", "virginity_testing", "hymenoplasty"]
    )


@pytest.mark.parametrize("category", HARMFUL_PRACTICES)
def test_a_harmful_practice_gets_the_one_working_day_clock_dash_or_not(
    people: Any, category: str
) -> None:
    # Local default: a harmful practice's risk is not what the DASH measures, and the
    # victim may give one chance (forced marriage statutory guidance).
    with frozen(MONDAY):
        case = vawg(people.officer, category=category)
    assert codes(case) == [URGENT]
    d = deadline(case, URGENT)
    assert d.due_at == london(2026, 6, 9, 17)  # Tuesday 17:00
    assert d.responsible_agency.code == "victim-services"


def test_a_referral_without_a_dash_gets_the_one_working_day_clock(people: Any) -> None:
    with frozen(MONDAY):
        case = vawg(people.officer, dash_yes=None)
    assert codes(case) == [URGENT]


def test_a_police_dash_grading_counts_as_a_dash(people: Any) -> None:
    # A force's own DASH version or DARA gives a grading, not SafeLives answers (item 8).
    case = raise_referral(
        people.officer,
        "vawg",
        details={"risk_tool": "police_dash", "tool_grading": "standard"},
        summary="First-contact test: a police DASH grading",
    ).case
    assert codes(case) == [ROUTINE]


def test_a_referral_with_a_dash_gets_the_two_working_day_clock(people: Any) -> None:
    with frozen(MONDAY):
        case = vawg(people.officer)
    assert codes(case) == [ROUTINE]
    assert deadline(case, ROUTINE).due_at == london(2026, 6, 10, 17)  # Wednesday 17:00


def test_a_high_risk_referral_has_its_24_hour_triage_clock_as_well(people: Any) -> None:
    case = vawg(people.officer, dash_yes=15)
    assert codes(case) == [ROUTINE, "vawg_high_risk_triage"]


def test_a_harmful_practice_raised_on_friday_afternoon_is_due_monday(people: Any) -> None:
    # A safeguarding clock: no HMPPS 13:00 cut-off (item 7), so Friday is day 0.
    with frozen(london(2026, 6, 12, 14)):
        case = vawg(people.officer, category="forced_marriage")
    assert deadline(case, URGENT).due_at == london(2026, 6, 15, 17)


def test_first_contact_recorded_by_the_idva_meets_the_clock_and_it_does_not_restart(
    people: Any,
) -> None:
    with frozen(MONDAY):
        case = vawg(people.officer, category="honour_based_abuse")
    with frozen(MONDAY + timedelta(hours=3)):
        case_milestone_record(
            case_id=case.pk, milestone="make_first_contact", by=people.idva, reason="Spoke safely"
        )
    d = deadline(case, URGENT)
    assert (d.status, d.met_by, d.met_at) == (
        "met",
        "make_first_contact",
        MONDAY + timedelta(hours=3),
    )
    case.refresh_from_db()
    assert case.state == "reported"  # a milestone, not a step: the assessment is still due
    case_set_risk(case_id=case.pk, risk="high", by=people.idva, reason="Threat of removal abroad")
    assert codes(case, "open") == ["vawg_high_risk_triage"]


def test_a_referral_straight_to_marac_still_owes_first_contact(people: Any) -> None:
    # A high-risk case may go to MARAC on the referral's DASH (SafeLives) before the IDVA
    # service has reached the victim: leaving "reported" does not end the clock.
    case = vawg(people.officer, dash_yes=15)
    go(case, "refer_to_marac", people.idva)
    assert deadline(case, ROUTINE).status == DeadlineStatus.OPEN
    case_milestone_record(
        case_id=case.pk, milestone="make_first_contact", by=people.idva, reason="Spoke safely"
    )
    assert deadline(case, ROUTINE).met_by == "make_first_contact"


def test_the_referrer_may_not_record_first_contact(people: Any) -> None:
    case = vawg(people.officer)
    with pytest.raises(TransitionForbidden):
        case_milestone_record(
            case_id=case.pk, milestone="make_first_contact", by=people.officer, reason="Called"
        )
    assert deadline(case, ROUTINE).status == DeadlineStatus.OPEN


def test_the_risk_assessment_meets_the_clock(people: Any) -> None:
    case = vawg(people.officer, dash_yes=None)
    go(case, "assess_risk", people.idva, dash=dash(4))
    d = deadline(case, URGENT)
    assert (d.status, d.met_by) == ("met", "assess_risk")


def test_an_unanswered_referral_breaches_escalates_and_is_routed_like_any_clock(
    people: Any,
) -> None:
    mailbox = endpoint_create(
        agency=Agency.objects.get(code="victim-services"),
        channel=Channel.EMAIL,
        name="IDVA duty inbox",
        email_address="idva-duty@victims.example.org.uk",
        by=None,
    )
    with frozen(MONDAY):
        case = vawg(people.officer, category="fgm")
    due = london(2026, 6, 9, 17)
    deadlines_scan(now=due + timedelta(hours=5))  # the managers' rung is 4 hours after
    d = deadline(case, URGENT)
    assert (d.status, d.breached_at) == (DeadlineStatus.BREACHED, due)
    [breached] = events("deadline.breached")
    assert (breached.case_id, breached.data["policy"]) == (case.pk, URGENT)
    assert breached.agencies == ["victim-services"]
    [escalated] = events("deadline.escalated")
    assert escalated.occurred_at == due + timedelta(hours=4)
    assert event_recipients(breached).endpoints == [mailbox]


def test_a_condition_for_one_kind_is_refused_on_another() -> None:
    policy = SlaPolicy.objects.get(code="asb_triage")
    policy.condition = SlaCondition.VAWG_URGENT_FIRST_CONTACT
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert set(exc.value.message_dict) == {"condition"}
