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

from tests.browser.helpers import sign_in
from tests.pages import formdata
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

    page.context.clear_cookies()
    sign_in(page, "probation")
    page.goto("/early-release/")
    shots.append(_shoot(page, folder, "early-release-tracker"))

    for shot in shots:
        assert shot.read_bytes()[:8] == PNG_SIGNATURE, shot
        assert shot.stat().st_size > 10_000, shot  # a rendered page, not a blank image
