"""A manager finds a breach, opens its case and downloads the audit trail as CSV; the
committee report prints as a clean A4 page."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, sign_in
from tests.pages.support import breached_asb_case
from tests.personas import OTHER_WARD, raise_referral
from web.reports import LONDON, latest_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_finds_a_breach_opens_its_case_and_downloads_the_audit_csv(
    page: Any, people: Any
) -> None:
    case = breached_asb_case(people.officer, opened_at=timezone.now() - timedelta(days=20))
    sign_in(page, "manager")
    page.get_by_role("link", name="Management").click()
    page.get_by_role("link", name="SLA breaches").click()
    expect(page.get_by_role("heading", name="SLA breaches", level=1)).to_be_visible()
    assert_accessible(page)
    breaches = page.locator("#open-breaches + p + table")
    expect(breaches).to_contain_text("ASB report triaged within 2 working days")

    breaches.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", name=case.reference, level=1)).to_be_visible()
    deadlines = page.locator('table[aria-labelledby="deadlines"]')
    expect(deadlines).to_contain_text("Breached")
    expect(deadlines).to_contain_text("overdue")

    page.get_by_role("link", name="Management").click()
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Case reference").fill(case.reference)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("entries")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these entries as CSV").click()
    assert download.value.suggested_filename.startswith("audit-trail-")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0][:3] == ["id", "at", "action"]
    assert rows[0][5:7] == ["object_repr", "actor"]
    opened = [r for r in rows[1:] if r[3] == "cases.case" and r[2] == "create"]
    assert [(r[5], r[6]) for r in opened] == [(case.reference, "officer")]


def test_the_crime_types_report_prints_as_a_clean_a4_page(page: Any, people: Any) -> None:
    last_month = latest_month(timezone.localdate())
    when = datetime.combine(last_month.first, time(12), tzinfo=LONDON).isoformat()
    for i in range(6):
        raise_referral(people.officer, "asb", occurred_at=when, location_text=f"{i} Quay Street")
    raise_referral(people.officer, "asb", category="dangerous_dogs", ward=OTHER_WARD)
    sign_in(page, "manager")
    page.goto("/reports/crime-types-by-ward/")
    page.get_by_label("Month or quarter").select_option(last_month.code)
    page.get_by_role("button", name="Update the report").click()
    expect(page.locator("#crime-types")).to_contain_text("Noise")
    expect(page.locator("#crime-types")).not_to_contain_text("Dangerous dogs")
    assert_accessible(page)

    # Chromium prints with the print stylesheet, as a person's "Print" would.
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert 1 <= len(reader.pages) <= 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    # A4 is 595 x 842 points; Chromium rounds its paper size to whole hundredths of an inch.
    assert abs(float(width) - 595) < 2
    assert abs(float(height) - 842) < 2
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Crime types by ward" in text
    assert last_month.label in text
    assert "Referrals by ward and category" in text
    assert "Kestrel Town Centre" in text
    # The service around the report is not printed: no menus, form or download link.
    for absent in ("Sign out", "Update the report", "Download as CSV", "Beta"):
        assert absent not in text, absent
