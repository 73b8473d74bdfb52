"""ASB case review (Community Trigger): 3 reports about one victim or place in 6 months.

ASB, Crime and Policing Act 2014; the threshold (3) and window (183 days) are settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from cases.models import Case
from notifications.models import OutboxEvent
from referrals.models import Referral
from tests.personas import OTHER_WARD, raise_referral
from tests.workflows.flows import step
from workflows.models import TransitionLog
from workflows.policy import available_transitions

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-11-28T12:00:00+00:00")
PLACE = {"location_text": "Bus station, Quay Street"}


def _victim(name: str) -> dict[str, Any]:
    return {"subjects": [{"role": "victim", "full_name": name}]}


def _report_at(people, days_ago: float, **overrides: Any) -> Case:
    """An ASB report raised ``days_ago`` before NOW (it happened two hours before that)."""
    overrides = {**PLACE, **_victim(f"Victim {days_ago}"), **overrides}
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        return raise_referral(people.officer, "asb", **overrides).case


def test_the_third_report_about_a_place_in_six_months_flags_its_case(people) -> None:
    first = _report_at(people, 170)
    second = _report_at(people, 60)
    assert first.case_review_flagged_at is second.case_review_flagged_at is None
    third = _report_at(people, 0)
    assert third.case_review_flagged_at == NOW
    assert Case.objects.filter(case_review_flagged_at__isnull=False).get() == third

    log = TransitionLog.objects.get(case=third, transition="flag_case_review")
    assert log.data == {"reports": 3}
    assert (log.source, log.target, log.at) == ("reported", "reported", NOW)
    assert "3 qualifying reports" in log.reason
    assert "threshold may be met" in log.reason
    event = OutboxEvent.objects.get(type="case.review_threshold_met")
    assert (event.case, event.data) == (third, {"reports": 3})

    with time_machine.travel(NOW, tick=False):
        assert "request_case_review" not in available_transitions(
            case=third, user=people.asb_coordinator
        )
        third = step(third, "triage", people.asb_coordinator)
        assert "request_case_review" in available_transitions(
            case=third, user=people.asb_coordinator
        )
        assert step(third, "request_case_review", people.asb_coordinator).state == "case_review"


def test_the_third_report_about_the_same_victim_in_different_places_flags(people) -> None:
    for days_ago, place in ((100, "Park"), (50, "Shop"), (1, "Home")):
        case = _report_at(people, days_ago, location_text=place, **_victim("Vera Victim"))
    assert case.is_case_review_flagged


def test_a_report_older_than_183_days_does_not_count(people) -> None:
    _report_at(people, 183.1)  # happened 183 days and 2 hours ago
    _report_at(people, 90)
    third = _report_at(people, 0)
    assert not third.is_case_review_flagged
    assert not TransitionLog.objects.filter(transition="flag_case_review").exists()
    # At another time of day: the same place at the same time would be the third report's
    # incident again, which counts once (s104: each incident counts once).
    earlier = (NOW - timedelta(hours=8)).isoformat()
    fourth = _report_at(people, 0, occurred_at=earlier, **_victim("Another victim"))
    assert fourth.is_case_review_flagged


def test_a_report_just_inside_the_window_counts(people) -> None:
    _report_at(people, 182.9)
    _report_at(people, 90)
    assert _report_at(people, 0).is_case_review_flagged


def test_reports_elsewhere_or_of_another_kind_do_not_count(people) -> None:
    _report_at(people, 30, ward=OTHER_WARD)
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        raise_referral(people.officer, "vawg", location_text=PLACE["location_text"])
    _report_at(people, 10)
    assert not _report_at(people, 0).is_case_review_flagged


def test_reports_joined_to_one_case_flag_it_once(people) -> None:
    case = _report_at(people, 40)
    for n, days_ago in enumerate((20, 0, 0)):
        with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
            summary = f"Report {n}: music again."  # three reports, not one sent twice
            raise_referral(people.officer, "asb", join_case=case.pk, summary=summary, **PLACE)
    case.refresh_from_db()
    assert case.case_review_flagged_at == NOW
    assert Referral.objects.filter(case=case).count() == 4
    assert TransitionLog.objects.filter(case=case, transition="flag_case_review").count() == 1
    assert OutboxEvent.objects.filter(type="case.review_threshold_met").count() == 1
