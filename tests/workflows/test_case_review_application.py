"""The ASB case review (Community Trigger) as an application with its own workflow:
ASB, Crime and Policing Act 2014 s104 and Schedule 4 (issue 13 item 6)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from cases.models import Case, CaseAgency, CaseAgencyRole
from notifications.models import OutboxEvent
from partners.models import Agency
from tests.personas import raise_referral
from tests.sla.support import codes, deadline, frozen, london
from tests.workflows.flows import case_in, new_case, step
from workflows.actions import (
    ReliedOn,
    case_review_application_record,
    case_review_decision_told,
    case_review_meeting_record,
    case_review_outcome_record,
    case_review_outcome_told,
    case_review_threshold_decide,
)
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import TransitionLog
from workflows.review.checks import check_case_review_settings
from workflows.review.models import CaseReviewApplication
from workflows.review.selectors import case_review_counts
from workflows.review.threshold import Complaint, assess, qualifying_by

pytestmark = pytest.mark.django_db

NOW = london(2026, 11, 16, 10)  # a Monday; no bank holidays in the weeks after


def other(key: str, behaviour: date, complained: date, **kw: Any) -> ReliedOn:
    body = kw.pop("body", "Kestrel Homes")
    return ReliedOn(Complaint(key, body, complained, behaviour, **kw), source="other_body")


def three_incidents() -> list[ReliedOn]:
    return [
        other("H-1", date(2026, 9, 1), date(2026, 9, 2)),
        other("H-2", date(2026, 10, 1), date(2026, 10, 1)),
        other("H-3", date(2026, 11, 1), date(2026, 11, 3)),
    ]


def record(case: Case, by: Any, relied: list[ReliedOn] | None = None, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "applicant_name": "Rita Applicant",
        "applicant_is_victim": True,
        "victim_consent": False,
        "received_at": timezone.now() - timedelta(hours=1),
        "received_by": case.responsible_agency,
        "relied_on": three_incidents() if relied is None else relied,
    }
    return case_review_application_record(case_id=case.pk, by=by, **(args | kw))


# --- The threshold calculator -------------------------------------------------------------


def test_a_complaint_made_more_than_a_month_after_the_behaviour_does_not_count() -> None:
    # s104: a qualifying complaint is made within one month beginning with the behaviour.
    assert qualifying_by(date(2026, 3, 3), 1) == date(2026, 4, 2)
    assert qualifying_by(date(2026, 1, 31), 1) == date(2026, 2, 27)
    result = assess(
        [
            Complaint("late", "Council", date(2026, 10, 3), date(2026, 9, 2)),
            Complaint("in-time", "Police", date(2026, 9, 19), date(2026, 8, 20)),
        ],
        at=NOW,
    )
    by_key = {c.complaint.key: c for c in result.complaints}
    late, in_time = by_key["late"], by_key["in-time"]
    assert not late.counts
    assert "more than one month after the behaviour" in late.why
    assert in_time.counts


def test_the_same_incident_from_three_bodies_counts_once_and_says_which() -> None:
    # s104 guidance: each incident counts once, however many bodies were told of it.
    at = datetime(2026, 11, 1, 22, 0, tzinfo=london(2026, 1, 1).tzinfo)
    same = [
        Complaint("POL-1", "Police", date(2026, 11, 1), date(2026, 11, 1), at),
        Complaint(
            "COU-1", "Council", date(2026, 11, 2), date(2026, 11, 1), at + timedelta(hours=1)
        ),
        Complaint("HOU-1", "Housing", date(2026, 11, 3), date(2026, 11, 1)),  # date only
        Complaint("HOU-2", "Housing", date(2026, 11, 3), date(2026, 10, 20)),
    ]
    result = assess(same, at=NOW)
    assert result.counted == 2
    assert not result.met
    why = {c.complaint.key: c.why for c in result.complaints if not c.counts}
    assert why == {
        "COU-1": "the same incident as POL-1, counted once",
        "HOU-1": "the same incident as POL-1, counted once",
    }


def test_a_linked_complaint_is_the_incident_it_names_even_days_apart() -> None:
    result = assess(
        [
            Complaint("A", "Police", date(2026, 11, 1), date(2026, 11, 1)),
            Complaint("B", "Council", date(2026, 11, 4), date(2026, 11, 3), same_incident_as="A"),
        ],
        at=NOW,
    )
    assert [c.counts for c in result.complaints] == [True, False]
    assert "linked" in result.complaints[1].why


def test_one_hate_incident_meets_the_local_hate_threshold() -> None:
    # Local (many areas' Community Trigger procedures): one hate incident; s104(4) caps 3.
    hate = [Complaint("A", "Police", date(2026, 11, 1), date(2026, 11, 1), category="hate_related")]
    assert assess(hate, at=NOW).met
    noise = [Complaint("A", "Police", date(2026, 11, 1), date(2026, 11, 1), category="noise")]
    assert not assess(noise, at=NOW).met
    with override_settings(CASE_REVIEW_CATEGORY_THRESHOLDS={}):
        assert not assess(hate, at=NOW).met


def test_behaviour_outside_the_six_months_does_not_count() -> None:
    old = Complaint("A", "Police", date(2026, 5, 1), date(2026, 5, 1))
    [counted] = assess([old], at=NOW).complaints
    assert not counted.counts
    assert "outside the 183 days" in counted.why


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("CASE_REVIEW_THRESHOLD", 4, "CASE_REVIEW_THRESHOLD is 4"),
        ("CASE_REVIEW_CATEGORY_THRESHOLDS", {"hate_related": 5}, "['hate_related'] is 5"),
        ("CASE_REVIEW_CATEGORY_THRESHOLDS", {"hat": 1}, "names 'hat'"),
        ("CASE_REVIEW_WINDOW_DAYS", 365, "CASE_REVIEW_WINDOW_DAYS is 365"),
    ],
)
def test_a_local_threshold_above_three_is_refused_at_check_time(
    setting: str, value: Any, named: str
) -> None:
    # s104(4): the threshold may be no more than three complaints in six months.
    assert check_case_review_settings() == []
    with override_settings(**{setting: value}):
        [error] = check_case_review_settings()
    assert named in error.msg
    assert str(error.id).startswith("workflows.E10")


# --- Intake's prompt uses the same counting -----------------------------------------------

PLACE = {"location_text": "Stairwell, Gull Court"}


def test_intake_does_not_count_a_stale_report(people: Any) -> None:
    # s104: a report made more than a month after the behaviour is not a qualifying complaint.
    with frozen(NOW):
        for days in (90, 60):
            occurred = (timezone.now() - timedelta(days=days)).isoformat()
            raise_referral(people.officer, "asb", occurred_at=occurred, **PLACE)
        stale = (timezone.now() - timedelta(days=40)).isoformat()
        case = raise_referral(people.officer, "asb", occurred_at=stale, **PLACE).case
    assert case.case_review_flagged_at is None  # two qualifying complaints, not three


def test_intake_counts_the_same_incident_from_three_agencies_once(people: Any) -> None:
    # s104: each incident counts once (police, council and landlord told of the same night).
    with frozen(NOW):
        at = timezone.now() - timedelta(hours=3)
        for n, by in enumerate((people.officer, people.asb_coordinator, people.caseworker)):
            when = (at + timedelta(minutes=20 * n)).isoformat()
            case = raise_referral(by, "asb", occurred_at=when, summary=f"Report {n}", **PLACE).case
    assert case.case_review_flagged_at is None


# --- The application's workflow -------------------------------------------------------------


def test_an_application_is_recorded_on_the_chain_with_an_event_and_its_assessment(
    people: Any,
) -> None:
    case = new_case(people, "asb")
    version = case.version
    application = record(case, people.asb_coordinator)

    assert application.state == "received"
    assert application.calculated_met
    assert "3 qualifying complaint(s)" in application.calculation
    assert [c.counted for c in application.complaints.all()] == [True, True, True]
    log = TransitionLog.objects.filter(case=case).latest("seq")
    assert log.transition == "record_case_review_application"
    assert log.data == {
        "application": application.pk,
        "complaints": 3,
        "counted": 3,
        "calculated_met": True,
    }
    assert "Rita" not in log.reason
    event = OutboxEvent.objects.get(type="case_review.received")
    assert event.data == {"application": application.pk}
    assert "Rita" not in str(event.data)
    case.refresh_from_db()
    assert case.version == version  # the case record itself did not change


@pytest.mark.parametrize("state", ["closed", "no_further_action"])
def test_an_application_is_taken_on_a_closed_or_nfa_case_which_stays_closed(
    people: Any, state: str
) -> None:
    # s104: a review is available whatever became of the case, after NFA or closure.
    case = case_in(people, "asb", state)
    application = record(case, people.asb_coordinator)
    case_review_threshold_decide(
        application_id=application.pk, met=True, reasons="Three incidents", by=people.manager
    )
    case.refresh_from_db()
    assert case.state == state
    assert case.closed_at is not None
    assert application.__class__.objects.get(pk=application.pk).state == "threshold_met"


def test_on_behalf_of_the_victim_needs_their_consent(people: Any) -> None:
    # s104: an application may be made on the victim's behalf, with their consent.
    case = new_case(people, "asb")
    with pytest.raises(InvalidTransitionData) as refused:
        record(case, people.asb_coordinator, applicant_is_victim=False)
    assert set(refused.value.errors) == {"victim_consent"}
    application = record(
        case, people.asb_coordinator, applicant_is_victim=False, victim_consent=True
    )
    assert application.victim_consent_recorded_at is not None


def test_the_threshold_decision_needs_reasons(people: Any) -> None:
    # s104(6): the applicant is told the decision *and the reasons*.
    case = new_case(people, "asb")
    application = record(case, people.asb_coordinator)
    logged = TransitionLog.objects.filter(case=case).count()
    with pytest.raises(InvalidTransitionData) as refused:
        case_review_threshold_decide(
            application_id=application.pk, met=False, reasons="  ", by=people.asb_coordinator
        )
    assert set(refused.value.errors) == {"reasons"}
    assert TransitionLog.objects.filter(case=case).count() == logged
    application.refresh_from_db()
    assert application.state == "received"


def test_the_meeting_date_cannot_be_in_the_future(people: Any) -> None:
    case = new_case(people, "asb")
    application = record(case, people.asb_coordinator)
    case_review_threshold_decide(
        application_id=application.pk, met=True, reasons="Met", by=people.asb_coordinator
    )
    council = Agency.objects.get(code="council-asb")
    with pytest.raises(InvalidTransitionData) as refused:
        case_review_meeting_record(
            application_id=application.pk,
            meeting_on=timezone.localdate() + timedelta(days=1),
            agencies=[council],
            by=people.asb_coordinator,
        )
    assert set(refused.value.errors) == {"meeting_on"}
    with pytest.raises(InvalidTransitionData) as refused:
        case_review_meeting_record(
            application_id=application.pk,
            meeting_on=timezone.localdate(),
            agencies=[],
            by=people.asb_coordinator,
        )
    assert set(refused.value.errors) == {"agencies"}


def test_the_whole_review_each_step_on_the_chain_with_its_event(people: Any) -> None:
    # s104(6)-(8): decision told with reasons; outcome and recommendations told.
    case = new_case(people, "asb")
    application = record(case, people.asb_coordinator)
    pk = application.pk
    coordinator = people.asb_coordinator
    case_review_threshold_decide(application_id=pk, met=True, reasons="Met", by=coordinator)
    case_review_decision_told(application_id=pk, by=coordinator)
    with pytest.raises(TransitionNotAvailable):
        case_review_decision_told(application_id=pk, by=coordinator)
    with pytest.raises(TransitionNotAvailable):
        case_review_outcome_record(application_id=pk, recommendations="", by=coordinator)
    present = Agency.objects.filter(code__in=["council-asb", "kestrel-police"])
    case_review_meeting_record(
        application_id=pk, meeting_on=timezone.localdate(), agencies=present, by=coordinator
    )
    case_review_outcome_record(application_id=pk, recommendations="", by=coordinator)
    case_review_outcome_told(application_id=pk, by=coordinator)

    application.refresh_from_db()
    assert application.state == "outcome_recorded"
    assert not application.has_recommendations
    assert application.outcome_told_at is not None
    steps = list(
        TransitionLog.objects.filter(case=case, data__application=pk)
        .order_by("seq")
        .values_list("transition", flat=True)
    )
    assert steps == [
        "record_case_review_application",
        "case_review_threshold_met",
        "tell_case_review_decision",
        "record_case_review_meeting",
        "record_case_review_outcome",
        "tell_case_review_outcome",
    ]
    types = sorted(
        OutboxEvent.objects.filter(case=case, type__startswith="case_review.").values_list(
            "type", flat=True
        )
    )
    assert types == sorted(
        [
            "case_review.received",
            "case_review.threshold_decided",
            "case_review.applicant_told",
            "case_review.meeting_held",
            "case_review.outcome_recorded",
            "case_review.applicant_told",
        ]
    )
    # A new application may follow once this one is done; not two at once.
    second = record(case, coordinator)
    with pytest.raises(TransitionNotAvailable):
        record(case, coordinator)
    assert second.state == "received"


def test_only_the_lead_agencys_working_roles_move_an_application(people: Any) -> None:
    case = new_case(people, "asb")
    CaseAgency.objects.create(
        case=case,
        agency=Agency.objects.get(code="housing"),
        role=CaseAgencyRole.PARTICIPANT,
        added_at=timezone.now(),
    )
    for user in (people.caseworker, people.officer, people.auditor, people.outsider):
        with pytest.raises(TransitionForbidden):
            record(case, user)
    application = record(case, people.asb_coordinator)
    for user in (people.caseworker, people.officer, people.auditor, people.outsider):
        with pytest.raises(TransitionForbidden):
            case_review_threshold_decide(
                application_id=application.pk, met=True, reasons="x", by=user
            )


def test_a_vawg_case_takes_no_asb_case_review(people: Any) -> None:
    case = new_case(people, "vawg")
    with pytest.raises(TransitionForbidden):
        record(case, people.idva)


# --- Clocks ---------------------------------------------------------------------------------


def test_the_clocks_are_planned_met_and_keep_running_after_closure(people: Any) -> None:
    # Local timescales (published Community Trigger procedures): decision in 10 working
    # days, meeting in 25 of the decision, outcome told in 5 of the meeting.
    with frozen(NOW):
        case = case_in(people, "asb", "resolved")
        application = record(case, people.asb_coordinator, received_at=timezone.now())
        decision = deadline(case, "asb_case_review_threshold_decision")
        assert decision.due_at == london(2026, 11, 30, 17)
        assert decision.responsible_agency_id == case.responsible_agency_id
        # Closing the case does not stop the applicant's clock (s104: after closure too).
        step(case, "close", people.asb_coordinator)
    decision.refresh_from_db()
    assert decision.status == "open"
    with frozen(london(2026, 11, 18, 10)):
        case_review_threshold_decide(
            application_id=application.pk, met=True, reasons="Met", by=people.asb_coordinator
        )
    decision.refresh_from_db()
    assert (decision.status, decision.met_by) == ("met", "case_review_threshold_met")
    meeting = deadline(case, "asb_case_review_meeting")
    assert meeting.status == "open"
    assert meeting.due_at == london(2026, 12, 23, 17)
    with frozen(london(2026, 12, 1, 10)):
        case_review_meeting_record(
            application_id=application.pk,
            meeting_on=date(2026, 12, 1),
            agencies=[case.responsible_agency],
            by=people.asb_coordinator,
        )
    outcome = deadline(case, "asb_case_review_outcome_told")
    assert outcome.status == "open"
    assert outcome.due_at == london(2026, 12, 8, 17)
    assert "asb_case_review_meeting" not in codes(case, "open")
    with frozen(london(2026, 12, 2, 10)):
        case_review_outcome_record(
            application_id=application.pk, recommendations="Joint visit", by=people.manager
        )
        case_review_outcome_told(application_id=application.pk, by=people.manager)
    outcome.refresh_from_db()
    assert (outcome.status, outcome.met_by) == ("met", "tell_case_review_outcome")
    case.refresh_from_db()
    assert case.state == "closed"


def test_a_threshold_not_met_starts_no_meeting_clock(people: Any) -> None:
    case = new_case(people, "asb")
    application = record(case, people.asb_coordinator, relied=[])
    assert not application.calculated_met
    case_review_threshold_decide(
        application_id=application.pk, met=False, reasons="No complaints", by=people.manager
    )
    assert "asb_case_review_meeting" not in codes(case)
    assert codes(case, "met") == ["asb_case_review_threshold_decision"]


# --- The annual publication counts ----------------------------------------------------------


def test_the_four_publication_counts_for_a_period(people: Any) -> None:
    # s104(10)-(11): applications, threshold not met, reviews carried out, and reviews
    # resulting in recommendations, published for each period.
    coordinator = people.asb_coordinator
    with frozen(london(2026, 11, 16, 10)):
        first = record(new_case(people, "asb"), coordinator)
        not_met = record(new_case(people, "asb"), coordinator, relied=[])
        case_review_threshold_decide(
            application_id=not_met.pk, met=False, reasons="None", by=coordinator
        )
        case_review_threshold_decide(
            application_id=first.pk, met=True, reasons="Met", by=coordinator
        )
        case_review_meeting_record(
            application_id=first.pk,
            meeting_on=date(2026, 11, 16),
            agencies=[first.case.responsible_agency],
            by=coordinator,
        )
        case_review_outcome_record(
            application_id=first.pk, recommendations="Mediation offered", by=coordinator
        )
    with frozen(london(2027, 1, 5, 10)):
        record(new_case(people, "asb"), coordinator)  # next year's
    counts = case_review_counts(start=london(2026, 4, 1), end=london(2027, 1, 1))
    assert (
        counts.applications,
        counts.threshold_not_met,
        counts.reviews_carried_out,
        counts.reviews_with_recommendations,
    ) == (2, 1, 1, 1)
    assert CaseReviewApplication.objects.count() == 3


def test_an_open_case_may_enter_its_review_state_once_an_applications_threshold_is_met(
    people: Any,
) -> None:
    # The case_review state is now gated by the application (s104: application-led), or
    # the intake prompt as before.
    case = case_in(people, "asb", "in_progress")
    assert case.case_review_flagged_at is None
    with pytest.raises(TransitionNotAvailable):
        step(case, "request_case_review", people.asb_coordinator)
    application = record(case, people.asb_coordinator)
    with pytest.raises(TransitionNotAvailable):
        step(case, "request_case_review", people.asb_coordinator)  # received, not decided
    case_review_threshold_decide(
        application_id=application.pk, met=True, reasons="Met", by=people.asb_coordinator
    )
    assert step(case, "request_case_review", people.asb_coordinator).state == "case_review"
