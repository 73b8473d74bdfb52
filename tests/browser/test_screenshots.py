"""Screenshots of each main page as the demo personas see it.

``make screenshots`` sets CSP_SCREENSHOT_DIR=docs/screenshots; otherwise they go to a
temporary folder, and the test still checks that every page renders as a real image.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import Delivery
from tests.browser.helpers import sign_in
from tests.pages import formdata
from tests.pages.support import (
    asb_triage_deadline,
    email_endpoint,
    make_dead,
    relay_all,
    seed_breach_history,
)
from tests.personas import raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shoot(page: Any, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the DASH score box is sticky: shoot from the top
    page.screenshot(path=str(path), full_page=True)
    return path


def test_screenshots_of_each_main_page(page: Any, people: Any, tmp_path: Path) -> None:
    folder = Path(os.environ.get("CSP_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    asb = raise_referral(people.officer, "asb").case
    raise_referral(people.officer, "asb", category="dangerous_dogs", location_text="Mill Lane")
    for days, name in ((2, "Carl Released"), (6, "Dee Home")):
        raise_referral(
            people.probation,
            "early_release",
            subjects=[{"role": "offender", "full_name": name}],
            details={
                "prison_number": "A1234BC",
                "probation_case_reference": "X123456",
                "expected_release_date": (timezone.localdate() + timedelta(days=days)).isoformat(),
                "mappa_category": 2,
                "mappa_level": 1,
                "needs": [
                    {"need": "accommodation", "status": "referred", "agency": "housing"},
                    {
                        "need": "substance_misuse",
                        "status": "in_progress",
                        "agency": "public-health",
                    },
                ],
            },
        )
    # A history for the manager pages: months of triage deadlines, some breached; a
    # notification a partner refused; a referral mix for the committee report.
    seed_breach_history(people)
    for i in range(5):
        raise_referral(people.officer, "asb", location_text=f"{i} Castle Walk")
    email_endpoint("council-asb")
    relay_all()
    make_dead(Delivery.objects.filter(endpoint__agency__code="council-asb").earliest("pk"))
    page.goto("/sign-in/")
    shots = [_shoot(page, folder, "sign-in")]

    sign_in(page, "officer")
    page.goto("/referrals/new/")
    shots.append(_shoot(page, folder, "raise-referral-kind"))
    page.get_by_label("Violence against women and girls").check()
    page.get_by_role("button", name="Continue").click()
    for field, value in formdata.vawg(yes=15).items():
        target = page.locator(f'[name="{field}"]')
        if target.first.get_attribute("type") == "radio":
            page.locator(f'[name="{field}"][value="{value}"]').check()
        elif target.first.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    shots.append(_shoot(page, folder, "raise-referral-vawg-dash"))
    page.get_by_role("button", name="Continue").click()
    shots.append(_shoot(page, folder, "check-your-answers"))
    page.get_by_role("button", name="Send referral").click()
    shots.append(_shoot(page, folder, "confirmation"))

    page.goto("/referrals/new/asb/")
    page.get_by_role("button", name="Continue").click()
    shots.append(_shoot(page, folder, "error-summary"))

    page.context.clear_cookies()
    sign_in(page, "asb_coordinator")
    shots.append(_shoot(page, folder, "home-coordinator"))
    page.goto(f"/cases/{asb.reference}/")
    shots.append(_shoot(page, folder, "case-page"))
    page.goto(f"/cases/{asb.reference}/actions/triage/")
    shots.append(_shoot(page, folder, "triage-reason-form"))
    page.goto(f"/cases/{asb.reference}/deadlines/{asb_triage_deadline(asb).pk}/pause/")
    shots.append(_shoot(page, folder, "pause-clock"))

    page.context.clear_cookies()
    sign_in(page, "officer")
    page.goto("/inbox/")
    shots.append(_shoot(page, folder, "inbox"))

    page.context.clear_cookies()
    sign_in(page, "manager")
    shots.append(_shoot(page, folder, "home-manager"))
    page.goto("/manage/")
    shots.append(_shoot(page, folder, "management"))
    page.goto("/manage/breaches/")
    shots.append(_shoot(page, folder, "sla-breaches"))
    page.goto("/manage/audit/")
    shots.append(_shoot(page, folder, "audit-trail"))
    page.goto("/manage/notifications/")
    shots.append(_shoot(page, folder, "failed-notifications"))
    page.goto("/reports/crime-types-by-ward/?kind=asb")
    shots.append(_shoot(page, folder, "crime-types-report"))
    # The print layout (A4, no menus or form), as the committee's paper copy looks.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    shots.append(_shoot(page, folder, "crime-types-report-print"))
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.context.clear_cookies()
    sign_in(page, "probation")
    page.goto("/early-release/")
    shots.append(_shoot(page, folder, "early-release-tracker"))

    for shot in shots:
        assert shot.read_bytes()[:8] == PNG_SIGNATURE, shot
        assert shot.stat().st_size > 10_000, shot  # a rendered page, not a blank image
