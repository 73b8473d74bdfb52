"""An officer raises one referral of each kind, end to end, in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser.helpers import assert_accessible, sign_in
from tests.personas import WARD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_when(page: Any, legend: str, at: Any, *, with_time: bool = True) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(at.day))
    group.get_by_label("Month").fill(str(at.month))
    group.get_by_label("Year").fill(str(at.year))
    if with_time:
        group.get_by_label("Hour").fill(f"{at.hour:02d}")
        group.get_by_label("Minute").fill(f"{at.minute:02d}")


def _start(page: Any, kind_label: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Raise a referral").click()
    assert_accessible(page)
    page.get_by_label(kind_label).check()
    page.get_by_role("button", name="Continue").click()


def _send_and_read_panel(page: Any) -> str:
    expect(page.get_by_role("heading", name="Check your answers before sending")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send referral").click()
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("Referral sent")
    assert_accessible(page)
    return panel.locator("strong").inner_text().strip()


def test_an_officer_raises_an_asb_referral(page: Any, people: Any) -> None:
    sign_in(page, "officer")
    _start(page, "Anti-social behaviour")
    assert_accessible(page)
    page.get_by_label("Noise").check()
    page.get_by_label("Ward").select_option(WARD)
    _fill_when(page, "When did it happen?", timezone.localtime() - timedelta(hours=3))
    page.get_by_label("Where did it happen?").fill("14 Quay Street")
    page.get_by_label("What happened?").fill("Loud music after midnight, every night.")
    person = page.get_by_role("group", name="Person 1")
    person.get_by_label("Role").select_option("complainant")
    person.get_by_label("Full name").fill("Jane Resident")
    page.get_by_role("group", name="Is the victim vulnerable?").get_by_label("No").check()
    page.get_by_role("group", name="Has this happened before?").get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()
    reference = _send_and_read_panel(page)
    referral = Referral.objects.get(reference=reference)
    assert (referral.kind, referral.raised_by) == ("asb", people.officer)
    assert page.get_by_role("link", name=referral.case.reference).is_visible()


def test_an_officer_raises_a_vawg_referral_watching_the_dash_score(page: Any, people: Any) -> None:
    sign_in(page, "officer")
    _start(page, "Violence against women and girls")
    page.get_by_label("Domestic abuse").check()
    page.get_by_label("Ward").select_option(WARD)
    _fill_when(page, "When did it happen?", timezone.localtime() - timedelta(hours=1))
    page.get_by_label("What happened?").fill("Disclosed threats and controlling behaviour.")
    page.get_by_label("Victim's full name").fill("Alice Victim")
    page.get_by_label("Victim's age").fill("34")
    page.get_by_role("group", name="Is it safe to phone the victim?").get_by_label("No").check()
    score = page.locator("[data-dash-score]")
    expect(score).to_contain_text("DASH score: 0 of 24")
    for number in range(1, 25):
        question = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        question.get_by_label("Yes" if number <= 14 else "No", exact=True).check()
        if number == 13:
            expect(score).to_contain_text("Below the MARAC threshold.")
    expect(score).to_contain_text("DASH score: 14 of 24")
    expect(score).to_contain_text("This meets the MARAC threshold.")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("14 of 24: meets the MARAC threshold of 14")).to_be_visible()
    reference = _send_and_read_panel(page)
    case = Referral.objects.get(reference=reference).case
    assert (case.kind, case.risk) == ("vawg", "high")


def test_a_probation_practitioner_raises_an_early_release_referral(page: Any, people: Any) -> None:
    sign_in(page, "probation")
    _start(page, "Early release")
    page.get_by_label("Full name").fill("Carl Released")
    page.get_by_label("Prison number").fill("A1234BC")
    page.get_by_label("Case reference number (CRN)").fill("X123456")
    page.get_by_label("SDS40").check()
    page.get_by_label("Ward").select_option(WARD)
    release = timezone.localdate() + timedelta(days=9)
    _fill_when(page, "Expected release date", release, with_time=False)
    page.get_by_label("MAPPA category").select_option("2")
    page.get_by_label("MAPPA level").select_option("1")
    page.get_by_label("Summary").fill("No fixed abode on release.")
    accommodation = page.get_by_role("group", name="Accommodation")
    accommodation.get_by_label("Status").select_option("referred")
    accommodation.get_by_label("Agency").select_option("housing")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    reference = _send_and_read_panel(page)
    case = Referral.objects.get(reference=reference).case
    assert case.expected_release_date == release
    need = case.needs.get()
    assert (need.need, need.status) == ("accommodation", "referred")
    assert need.agency is not None
    assert need.agency.code == "housing"
