"""Dates that make sense (issue 14, item 5): a MARAC hearing scheduled then heard, and the
first probation appointment, shown on the case page (and the appointment on the tracker);
a "heard" date in the future is refused on the page, on its day box."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.personas import raise_referral
from tests.workflows.flows import case_in, step
from workflows.calendar import LONDON
from workflows.models import MaracReferral

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=LONDON)


def _summary_links(response: Any) -> list[tuple[str, str]]:
    html = response.content.decode()
    summary = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return [
        (href, unescape(text).strip())
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)
    ]


def _row(html: str, key: str) -> str:
    match = re.search(
        rf'<dt class="govuk-summary-list__key">{key}</dt><dd class="govuk-summary-list__value">'
        r"(.*?)</dd>",
        html,
        re.S,
    )
    assert match, f"no {key!r} row"
    return unescape(match.group(1)).strip()


@time_machine.travel(NOW, tick=False)
def test_the_case_page_shows_the_scheduled_hearing_then_when_it_was_heard(
    people, client_for
) -> None:
    case = case_in(
        people,
        "vawg",
        "marac_referred",
        path=[
            ("assess_risk", {}),
            ("refer_to_marac", {"hearing_scheduled_for": "2026-12-17T10:30:00+00:00"}),
        ],
    )
    page = client_for("idva").get(f"/cases/{case.reference}/").content.decode()
    assert _row(page, "MARAC hearing") == "Scheduled for Thursday 17 December 2026, 10:30"
    step(case, "record_marac_hearing", people.idva, {"heard_at": "2026-12-03T14:00:00+00:00"})
    page = client_for("idva").get(f"/cases/{case.reference}/").content.decode()
    assert _row(page, "MARAC hearing") == "Heard on Thursday 3 December 2026, 14:00"


@time_machine.travel(NOW, tick=False)
def test_the_hearing_form_refuses_a_future_heard_date_on_its_day_box(people, client_for) -> None:
    case = case_in(people, "vawg", "marac_referred")
    response = client_for("idva").post(
        f"/cases/{case.reference}/actions/record_marac_hearing/",
        {
            "version": case.version,
            "reason": "Heard",
            "heard_at_day": "11",
            "heard_at_month": "12",
            "heard_at_year": "2026",
            "heard_at_hour": "10",
            "heard_at_minute": "00",
        },
    )
    assert _summary_links(response) == [
        ("#heard_at_day", "The hearing date must be today or in the past")
    ]
    case.refresh_from_db()
    assert case.state == "marac_referred"
    assert MaracReferral.objects.get(case=case).heard_at is None


@time_machine.travel(NOW, tick=False)
def test_the_referral_form_records_a_scheduled_hearing(people, client_for) -> None:
    case = case_in(people, "vawg", "risk_assessed")
    response = client_for("idva").post(
        f"/cases/{case.reference}/actions/refer_to_marac/",
        {
            "version": case.version,
            "reason": "DASH 14+",
            "hearing_scheduled_for_day": "17",
            "hearing_scheduled_for_month": "12",
            "hearing_scheduled_for_year": "2026",
            "hearing_scheduled_for_hour": "10",
            "hearing_scheduled_for_minute": "30",
        },
    )
    assert response.status_code == 302
    scheduled = MaracReferral.objects.get(case=case).hearing_scheduled_for
    assert scheduled == datetime(2026, 12, 17, 10, 30, tzinfo=LONDON)


@time_machine.travel(NOW, tick=False)
def test_the_first_appointment_shows_on_the_case_page_and_the_tracker(people, client_for) -> None:
    details = {
        "prison_number": "A1234BC",
        "probation_case_reference": "X123456",
        "expected_release_date": date(2026, 12, 4).isoformat(),
    }
    case = raise_referral(people.probation, "early_release", details=details).case
    step(case, "start_planning", people.probation)
    step(case, "record_release", people.probation, {"actual_release_date": "2026-12-04"})
    client = client_for("probation")
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert '<dt class="govuk-summary-list__key">First probation appointment</dt>' not in page
    tracker = client.get("/early-release/").content.decode()
    assert "First appointment booked" in tracker
    first = timezone.now() + timedelta(hours=5)  # 15:00 in London
    step(case, "start_supervision", people.probation, {"first_appointment_at": first.isoformat()})
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert _row(page, "First probation appointment") == "Friday 4 December 2026, 15:00"
    tracker = client.get("/early-release/").content.decode()
    assert _row(tracker, "First appointment booked") == "Friday 4 December 2026, 15:00"
