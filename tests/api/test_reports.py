"""GET /api/v1/reports/crime-types-by-ward/: one GROUP BY, small counts suppressed, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.reports import crime_types_by_ward
from tests.personas import OTHER_WARD, WARD, raise_referral

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/crime-types-by-ward/"


@pytest.fixture
def six_noise_reports(demo) -> None:
    """Six noise reports in the town centre in all (the demo has one), at separate places."""
    for i in range(5):
        raise_referral(demo.user("outsider"), "asb", location_text=f"{i} Mill Lane", subjects=[])


def _rows(response) -> dict[tuple[str, str], dict]:
    return {(r["ward_code"], r["category"]): r for r in response.json()["rows"]}


def test_counts_of_five_or_more_are_shown_and_smaller_ones_suppressed(
    demo, as_user, six_noise_reports
) -> None:
    rows = _rows(as_user("manager").get(URL))
    assert rows[(WARD, "noise")] == {
        "ward_code": WARD,
        "ward_name": "Kestrel Town Centre",
        "kind": "asb",
        "category": "noise",
        "category_label": "Noise",
        "police_uk_category": "anti-social-behaviour",
        "count": 6,
        "suppressed": False,
    }
    assert rows[(WARD, "domestic_abuse")]["count"] is None
    assert rows[(WARD, "domestic_abuse")]["suppressed"] is True
    # Early release is a person leaving prison, not a reported crime.
    assert (WARD, "sds40") not in rows


def test_the_suppression_threshold_is_configuration(demo, as_user, settings) -> None:
    settings.REPORT_SUPPRESSION_THRESHOLD = 1
    body = as_user("auditor").get(URL).json()
    assert body["suppression_threshold"] == 1
    assert all(not r["suppressed"] for r in body["rows"])


def test_the_report_filters_by_kind_and_by_local_day_inclusive(demo, as_user, settings) -> None:
    settings.REPORT_SUPPRESSION_THRESHOLD = 1
    client = as_user("manager")
    old = (timezone.now() - timedelta(days=40)).isoformat()
    raise_referral(demo.user("outsider"), "asb", ward=OTHER_WARD, occurred_at=old, subjects=[])
    old_day = timezone.localdate() - timedelta(days=40)
    only_old = _rows(client.get(f"{URL}?from={old_day}&to={old_day}"))
    assert set(only_old) == {(OTHER_WARD, "noise")}
    recent = _rows(client.get(f"{URL}?from={old_day + timedelta(days=1)}"))
    assert (OTHER_WARD, "noise") not in recent
    assert {r["kind"] for r in client.get(f"{URL}?kind=vawg").json()["rows"]} == {"vawg"}


def test_a_from_after_to_is_a_400_naming_to(demo, as_user) -> None:
    response = as_user("manager").get(f"{URL}?from=2026-05-02&to=2026-05-01")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "to", "message": "Must be on or after 'from'."}]


def test_the_csv_download_has_the_same_rows_with_suppressed_counts_as_less_than_five(
    demo, as_user, six_noise_reports
) -> None:
    response = as_user("manager").get(f"{URL}?format=csv&from=2026-01-01")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="crime-types-by-ward-2026-01-01-to-now.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_category = {r["category"]: r for r in rows}
    assert by_category["noise"]["count"] == "6"
    assert by_category["domestic_abuse"]["count"] == "<5"
    assert by_category["domestic_abuse"]["suppressed"] == "True"
    json_rows = as_user("manager").get(f"{URL}?from=2026-01-01").json()["rows"]
    assert [r["category"] for r in rows] == [r["category"] for r in json_rows]


def test_csv_cells_cannot_start_a_spreadsheet_formula(demo, as_user, settings) -> None:
    from partners.models import Ward

    settings.REPORT_SUPPRESSION_THRESHOLD = 1
    Ward.objects.filter(code=WARD).update(name="=HYPERLINK(1)")
    text = as_user("manager").get(f"{URL}?format=csv").content.decode()
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text


def test_the_report_is_one_grouped_query(demo, six_noise_reports) -> None:
    with CaptureQueriesContext(connection) as queries:
        crime_types_by_ward(occurred_from=None, occurred_to=None, kinds=["asb", "vawg"])
    assert len(queries) == 1
    assert "GROUP BY" in queries[0]["sql"]
