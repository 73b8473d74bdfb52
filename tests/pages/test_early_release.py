from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.personas import raise_referral
from workflows.calendar import LONDON

pytestmark = pytest.mark.django_db

# Friday 4 December 2026: releases up to Friday 18th (14 days on) are listed, not the 19th.
TODAY = datetime(2026, 12, 4, 10, 0, tzinfo=LONDON)


def _release(people, on: date, name: str) -> str:
    details = {
        "prison_number": "A1234BC",
        "probation_case_reference": "X123456",
        "expected_release_date": on.isoformat(),
        "needs": [
            {"need": "accommodation", "status": "referred", "agency": "housing"},
            {"need": "substance_misuse", "status": "identified"},
        ],
    }
    subjects = [{"role": "offender", "full_name": name}]
    referral = raise_referral(people.probation, "early_release", details=details, subjects=subjects)
    return referral.case.reference


@time_machine.travel(TODAY, tick=False)
def test_the_tracker_lists_releases_in_the_next_fourteen_days_with_needs(
    people, client_for
) -> None:
    soon = _release(people, date(2026, 12, 11), "Dan Soon")
    later = _release(people, date(2026, 12, 18), "Lee Later")
    beyond = _release(people, date(2026, 12, 19), "Beyond Range")
    page = client_for("probation").get("/early-release/").content.decode()
    assert soon in page
    assert later in page
    assert beyond not in page
    assert page.index("Dan Soon") < page.index("Lee Later")
    assert "Accommodation: <strong>Referred</strong> (Kestrel Vale Housing Options)" in page
    assert "Substance misuse: <strong>Identified</strong>" in page
    assert "Notified" in page


@time_machine.travel(TODAY, tick=False)
def test_the_first_appointment_is_the_release_day_or_the_next_working_day(
    people, client_for
) -> None:
    _release(people, date(2026, 12, 11), "Friday Release")  # a working day: the same day
    _release(people, date(2026, 12, 12), "Saturday Release")  # the weekend: Monday
    page = client_for("probation").get("/early-release/").content.decode()
    friday = page.split("Friday Release", 1)[1]
    saturday = page.split("Saturday Release", 1)[1]
    assert (
        'First appointment due</dt><dd class="govuk-summary-list__value">Friday 11 December 2026'
        in friday
    )
    assert (
        'First appointment due</dt><dd class="govuk-summary-list__value">Monday 14 December 2026'
        in saturday
    )


def test_a_release_on_a_bank_holiday_moves_the_appointment_past_it(people, client_for) -> None:
    # Christmas Day 2026 is a Friday: the appointment falls on Tuesday 29th, after
    # Boxing Day's substitute holiday on Monday 28th.
    with time_machine.travel(datetime(2026, 12, 20, 9, 0, tzinfo=LONDON), tick=False):
        _release(people, date(2026, 12, 25), "Christmas Release")
        page = client_for("probation").get("/early-release/").content.decode()
    assert "Tuesday 29 December 2026" in page.split("Christmas Release", 1)[1]


def test_the_tracker_is_for_probation_and_managers_only(people, client_for) -> None:
    assert client_for("officer").get("/early-release/").status_code == 403
    assert client_for("asb_coordinator").get("/early-release/").status_code == 403
    assert client_for("probation").get("/early-release/").status_code == 200
    assert client_for("manager").get("/early-release/").status_code == 200


def test_managers_see_only_the_releases_their_agency_takes_part_in(people, client_for) -> None:
    reference = _release(people, timezone.localdate() + timedelta(days=3), "Kept Private")
    page = client_for("manager").get("/early-release/").content.decode()
    assert reference not in page
    assert "No releases are due in the next 14 days." in page
