"""The committee report "Crime types by ward": table, bar chart, date and kind filters,
small-number suppression, CSV download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.personas import OTHER_WARD, raise_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(people) -> None:
    """Six noise reports in the town centre (published), two dog reports elsewhere and one
    domestic-abuse referral (both withheld as under 5)."""
    for i in range(6):
        raise_referral(people.officer, "asb", location_text=f"{i} Quay Street")
    for i in range(2):
        raise_referral(
            people.officer, "asb", category="dangerous_dogs", ward=OTHER_WARD, location_text=f"{i}"
        )
    raise_referral(people.officer, "vawg")


def _dates(day) -> dict[str, int]:
    return {
        "from_day": day.day,
        "from_month": day.month,
        "from_year": day.year,
        "to_day": day.day,
        "to_month": day.month,
        "to_year": day.year,
    }


def _table(html: str) -> str:
    return html.split('id="crime-types"', 1)[1].split("</table>", 1)[0]


def test_the_report_publishes_large_counts_and_withholds_small_ones(
    people, client_for, referrals
) -> None:
    html = client_for("manager").get("/reports/crime-types-by-ward/").content.decode()
    table = _table(html)
    assert "Referrals by ward and category" in table
    noise = table.split("Kestrel Town Centre", 1)[1].split("</tr>", 1)[0]
    assert "Noise" in noise
    assert 'govuk-table__cell--numeric">6</td>' in noise
    dogs = table.split("Dangerous dogs", 1)[1].split("</tr>", 1)[0]
    assert "&lt;5" in dogs
    assert "2</td>" not in dogs
    assert "Domestic abuse" in table
    assert "All dates" in html


def test_the_chart_draws_only_published_counts(people, client_for, referrals) -> None:
    html = client_for("manager").get("/reports/crime-types-by-ward/").content.decode()
    chart = html.split('id="crime-types-chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="app-chart__bar app-chart__bar--count"') == 1
    assert "Kestrel Town Centre: Noise" in chart
    assert "Dangerous dogs" not in chart
    assert ">6</text>" in chart
    assert "Counts under 5 are not charted" in chart


def test_the_date_range_and_kind_filter_the_report(people, client_for, referrals) -> None:
    client = client_for("manager")
    today = timezone.localdate()
    only_vawg = client.get(
        "/reports/crime-types-by-ward/", {**_dates(today), "kind": "vawg"}
    ).content.decode()
    assert "Domestic abuse" in _table(only_vawg)
    assert "Noise" not in _table(only_vawg)
    assert f"{today:%-d %B %Y} to {today:%-d %B %Y}" in only_vawg
    assert "Violence against women and girls." in only_vawg
    last_week = client.get(
        "/reports/crime-types-by-ward/", _dates(today - timedelta(days=7))
    ).content.decode()
    assert "No referrals in this period." in last_week


def test_bad_dates_are_errors_linked_to_their_boxes(people, client_for, referrals) -> None:
    today = timezone.localdate()
    backwards = {
        **_dates(today),
        "from_year": today.year + 1,
    }
    html = client_for("manager").get("/reports/crime-types-by-ward/", backwards).content.decode()
    assert '<a href="#to_day">The end date must be the same as or after the start date</a>' in html
    assert 'id="crime-types"' not in html
    assert "Download as CSV" not in html
    bad_kind = client_for("manager").get("/reports/crime-types-by-ward/", {"kind": "early_release"})
    assert "Select anti-social behaviour, VAWG or both" in bad_kind.content.decode()


def test_the_csv_download_has_the_same_rows_with_small_numbers_withheld(
    people, client_for, referrals
) -> None:
    today = timezone.localdate()
    response = client_for("auditor").get(
        "/reports/crime-types-by-ward/", {**_dates(today), "format": "csv"}
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="crime-types-by-ward-{today}-to-{today}.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "ward_code",
        "ward_name",
        "kind",
        "category",
        "category_label",
        "police_uk_category",
        "count",
        "suppressed",
    ]
    by_category = {r[3]: r for r in rows[1:]}
    assert by_category["noise"][6:] == ["6", "false"]
    assert by_category["dangerous_dogs"][6:] == ["<5", "true"]
    assert by_category["noise"][5] == "anti-social-behaviour"
    assert len(rows) == 4


def test_the_page_links_to_its_csv_with_the_same_filters(people, client_for, referrals) -> None:
    html = (
        client_for("manager").get("/reports/crime-types-by-ward/", {"kind": "asb"}).content.decode()
    )
    assert 'href="/reports/crime-types-by-ward/?kind=asb&amp;format=csv"' in html


def test_reports_are_for_managers_and_auditors_only(people, client_for, referrals) -> None:
    for persona in ("officer", "idva", "probation", "outsider"):
        client = client_for(persona)
        assert client.get("/reports/crime-types-by-ward/").status_code == 403, persona
        assert client.get("/reports/crime-types-by-ward/", {"format": "csv"}).status_code == 403, (
            persona
        )
