"""A coordinator triages and assigns from the case page; errors link to their fields; and
axe-core finds no serious or critical accessibility violations on the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from notifications.models import Delivery
from tests.browser.helpers import assert_accessible, axe_violations, sign_in
from tests.pages.support import (
    asb_triage_deadline,
    breached_asb_case,
    email_endpoint,
    make_dead,
    relay_all,
)
from tests.personas import raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_triages_and_assigns_an_asb_case(page: Any, people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    sign_in(page, "asb_coordinator")
    awaiting = page.get_by_role("table", name="Cases awaiting your action")
    awaiting.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", name=case.reference, level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Triage").click()
    assert_accessible(page)
    page.get_by_label("Medium").check()
    page.get_by_label("Reason").fill("Repeat noise affecting a family with young children.")
    page.get_by_role("button", name="Triage").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Triage: done")
    expect(page.locator("#main-content .govuk-tag").first).to_have_text("Triaged")

    page.get_by_role("button", name="Assign").click()
    page.get_by_label("Lead agency").select_option("housing")
    # htmx narrows the officer list to the chosen agency's people.
    officer = page.get_by_label("Officer")
    expect(officer.locator("option", has_text="Priya Shah")).to_have_count(0)
    officer.select_option(label="Aisha Begum")
    assert_accessible(page)
    page.get_by_label("Reason").fill("Tenancy issue: housing to lead.")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Assign: done")

    case.refresh_from_db()
    assert case.state == "assigned"
    assert case.responsible_agency.code == "housing"
    assert case.assigned_officer == people.caseworker
    assert case.risk == "medium"


def test_the_error_summary_links_each_error_to_its_field(page: Any, people: Any) -> None:
    sign_in(page, "officer")
    page.goto("/referrals/new/")
    page.get_by_label("Anti-social behaviour").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    summary.get_by_role("link", name="Select the ward").click()
    expect(page.locator("#ward")).to_be_focused()
    summary.get_by_role("link", name="Enter when it happened").click()
    expect(page.locator("#occurred_at_day")).to_be_focused()
    expect(page.locator("#ward")).to_have_class("govuk-select govuk-select--error")


def test_every_page_has_no_serious_or_critical_accessibility_violations(
    page: Any, people: Any
) -> None:
    asb = raise_referral(people.officer, "asb").case
    vawg = raise_referral(people.officer, "vawg").case
    release = raise_referral(
        people.probation,
        "early_release",
        details={
            "prison_number": "A1234BC",
            "probation_case_reference": "X123456",
            "expected_release_date": (timezone.localdate() + timedelta(days=4)).isoformat(),
            "needs": [{"need": "accommodation", "status": "referred", "agency": "housing"}],
        },
    ).case
    breached = breached_asb_case(people.officer, opened_at=timezone.now() - timedelta(days=20))
    email_endpoint("council-asb")
    relay_all()
    make_dead(Delivery.objects.filter(endpoint__isnull=False).earliest("pk"))
    triage = asb_triage_deadline(asb)
    page.goto("/sign-in/")
    assert_accessible(page)
    page.goto("/accessibility/")
    assert_accessible(page)
    pages = {
        "officer": [
            "/",
            "/inbox/",
            f"/cases/{asb.reference}/",
            f"/cases/{vawg.reference}/",
            "/nowhere/",
        ],
        "asb_coordinator": [
            "/",
            f"/cases/{breached.reference}/",
            f"/cases/{asb.reference}/actions/triage/",
            f"/cases/{asb.reference}/actions/close/",
            f"/cases/{asb.reference}/deadlines/{triage.pk}/pause/",
            f"/cases/{asb.reference}/milestones/review_risk/",
        ],
        "idva": [f"/cases/{vawg.reference}/", f"/cases/{vawg.reference}/actions/assess_risk/"],
        "probation": [
            "/",
            "/early-release/",
            f"/cases/{release.reference}/",
            "/referrals/new/vawg/",
            "/referrals/new/early_release/",
        ],
        "manager": [
            "/",
            "/inbox/",
            "/manage/",
            "/manage/breaches/",
            "/manage/breaches/?kind=asb",
            "/manage/audit/",
            "/manage/audit/?from_day=31&from_month=2&from_year=2026",
            "/manage/notifications/",
            "/reports/crime-types-by-ward/",
            "/reports/crime-types-by-ward/?to_day=1&to_month=1&to_year=1999&from_day=2",
        ],
        "auditor": ["/manage/breaches/", "/manage/notifications/", f"/cases/{vawg.reference}/"],
    }
    for persona, urls in pages.items():
        page.context.clear_cookies()
        sign_in(page, persona)
        for url in urls:
            page.goto(url)
            assert_accessible(page)
    assert Case.objects.count() == 4


def test_the_accessibility_check_catches_real_violations(page: Any, people: Any) -> None:
    page.goto("/accessibility/")
    page.set_content(
        '<html lang="en"><body><main><input type="text"><img src="x.png"></main></body></html>'
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found
