"""The committee report "Crime types by ward": a whole month or quarter, every figure
rounded to base 5, table, bar chart, totals, kind filter, CSV download."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from partners.models import Agency, Membership, Role
from tests.personas import OTHER_WARD, raise_referral
from web.reports import LONDON, ReportPeriod, latest_month

pytestmark = pytest.mark.django_db

URL = "/reports/crime-types-by-ward/"


def _at(period: ReportPeriod) -> str:
    return datetime.combine(period.first + timedelta(days=9), time(12), tzinfo=LONDON).isoformat()


@pytest.fixture
def last_month() -> ReportPeriod:
    return latest_month(timezone.localdate())


@pytest.fixture
def referrals(people, last_month) -> None:
    """Last month: six noise reports in the town centre (published as 5), two dog reports
    elsewhere (round to 0: left out) and six domestic-abuse referrals (5, VAWG)."""
    when = _at(last_month)
    for i in range(6):
        raise_referral(people.officer, "asb", occurred_at=when, location_text=f"{i} Quay Street")
    for i in range(2):
        raise_referral(
            people.officer,
            "asb",
            category="dangerous_dogs",
            ward=OTHER_WARD,
            occurred_at=when,
            location_text=f"{i}",
        )
    for i in range(6):
        raise_referral(people.officer, "vawg", occurred_at=when, location_text=f"{i} Flat")


def _table(html: str, table_id: str = "crime-types") -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def test_the_report_publishes_last_months_figures_rounded_to_5(
    people, client_for, referrals, last_month
) -> None:
    html = client_for("auditor").get(URL).content.decode()
    table = _table(html)
    noise = table.split("Kestrel Town Centre", 1)[1].split("</tr>", 1)[0]
    assert "Noise" in noise
    assert 'govuk-table__cell--numeric">5</td>' in noise
    assert "Dangerous dogs" not in table  # 2 rounds to 0: not even "fewer than 5"
    assert "Domestic abuse" in table
    assert 'id="grand-total">15</td>' in html  # 14, rounded on its own
    assert last_month.label in html


def test_a_manager_with_no_vawg_work_is_shown_no_vawg_figures_or_choice(
    people, client_for, referrals
) -> None:
    html = client_for("manager").get(URL).content.decode()
    assert "Domestic abuse" not in html
    assert 'name="kind"' not in html
    refused = client_for("manager").get(URL, {"kind": "vawg"})
    assert refused.status_code == 400
    assert "VAWG figures are shown only to" in refused.content.decode()


def test_a_vawg_agencys_manager_chooses_the_kind(people, client_for, referrals) -> None:
    manager = User.objects.create_user("vawg_manager")
    Membership.objects.create(
        user=manager, agency=Agency.objects.get(code="victim-services"), role=Role.MANAGER
    )
    client = client_for("manager")
    client.force_login(manager)
    only_vawg = client.get(URL, {"kind": "vawg"}).content.decode()
    assert "Domestic abuse" in _table(only_vawg)
    assert "Noise" not in _table(only_vawg)
    assert "Violence against women and girls." in only_vawg


def test_the_chart_draws_the_published_rounded_figures(people, client_for, referrals) -> None:
    html = client_for("manager").get(URL).content.decode()
    chart = html.split('id="crime-types-chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="app-chart__bar app-chart__bar--count"') == 1
    assert "Kestrel Town Centre: Noise" in chart
    assert ">5</text>" in chart


def test_a_date_range_is_refused_with_a_400_naming_the_period(people, client_for) -> None:
    today = timezone.localdate()
    for query in (
        {"from_day": today.day, "from_month": today.month, "from_year": today.year},
        {"to_day": "1", "to_month": "1", "to_year": "2026", "format": "csv"},
    ):
        response = client_for("manager").get(URL, query)
        assert response.status_code == 400
        html = response.content.decode()
        assert '<a href="#period">Choose a month or a quarter' in html
        assert 'id="crime-types"' not in html
        assert "Download as CSV" not in html


def test_only_the_months_and_quarters_offered_may_be_chosen(people, client_for) -> None:
    running = f"{timezone.localdate():%Y-%m}"
    response = client_for("manager").get(URL, {"period": running})
    assert response.status_code == 400
    assert "Select a month or a quarter from the list" in response.content.decode()


def test_the_csv_download_has_the_same_rounded_rows(
    people, client_for, referrals, last_month
) -> None:
    response = client_for("auditor").get(URL, {"period": last_month.code, "format": "csv"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="crime-types-by-ward-{last_month.code}.csv"'
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
    ]
    by_category = {r[3]: r for r in rows[1:]}
    assert by_category["noise"][5:] == ["anti-social-behaviour", "5"]
    assert by_category["domestic_abuse"][6] == "5"
    assert len(rows) == 3


def test_the_page_links_to_its_csv_with_the_same_choices(
    people, client_for, referrals, last_month
) -> None:
    html = client_for("manager").get(URL, {"period": last_month.code}).content.decode()
    assert f'href="/reports/crime-types-by-ward/?period={last_month.code}&amp;format=csv"' in html


def test_reports_are_for_managers_and_auditors_only(people, client_for, referrals) -> None:
    for persona in ("officer", "idva", "probation", "outsider"):
        client = client_for(persona)
        assert client.get(URL).status_code == 403, persona
        assert client.get(URL, {"format": "csv"}).status_code == 403, persona
