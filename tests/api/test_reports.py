"""GET /api/v1/reports/crime-types-by-ward/: one GROUP BY, whole months or quarters only,
every figure rounded to base 5, VAWG only for those whose work it is, FGM never by ward."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import Agency, Membership, Role
from referrals.reports import crime_types_by_ward
from tests.personas import OTHER_WARD, WARD, raise_referral
from web.reports import LONDON, ReportPeriod, latest_month, month, periods_offered, rounded

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/crime-types-by-ward/"


def _at(period: ReportPeriod, day: int = 10) -> str:
    return datetime.combine(period.first + timedelta(days=day), time(12), tzinfo=LONDON).isoformat()


def _raise(demo: Any, n: int, period: ReportPeriod, kind: str = "asb", **overrides: Any) -> None:
    for i in range(n):
        raise_referral(
            demo.user("officer"),
            kind,
            occurred_at=_at(period),
            location_text=f"{i} Report Street",
            **overrides,
        )


def _rows(response: Any) -> dict[tuple[str, str], int]:
    assert response.status_code == 200, response.json()
    return {(r["ward_code"], r["category"]): r["count"] for r in response.json()["rows"]}


@pytest.fixture
def last_month() -> ReportPeriod:
    return latest_month(timezone.localdate())


@pytest.fixture
def vawg_manager(demo: Any) -> Any:
    """A manager at the IDVA service, which VAWG referrals are routed to."""
    user = User.objects.create_user("vawg_manager")
    Membership.objects.create(
        user=user, agency=Agency.objects.get(code="victim-services"), role=Role.MANAGER
    )
    return user


def test_rounding_is_to_the_nearest_five_halves_up() -> None:
    assert [rounded(n, 5) for n in range(13)] == [0, 0, 0, 5, 5, 5, 5, 5, 10, 10, 10, 10, 10]
    assert rounded(5, 10) == 10


def test_every_figure_is_rounded_to_5_and_figures_that_round_to_0_are_left_out(
    demo, as_user, last_month
) -> None:
    _raise(demo, 6, last_month)  # noise in the town centre
    _raise(demo, 3, last_month, category="dangerous_dogs", ward=OTHER_WARD)
    _raise(demo, 2, last_month, category="criminal_damage")
    body = as_user("manager").get(URL).json()  # the last whole month by default
    assert body["period"] == last_month.code
    assert (body["from"], body["to"]) == (str(last_month.first), str(last_month.last))
    assert body["rounding_base"] == 5
    assert {(r["ward_code"], r["category"]): r["count"] for r in body["rows"]} == {
        (WARD, "noise"): 5,
        (OTHER_WARD, "dangerous_dogs"): 5,
    }
    assert next(r for r in body["rows"] if r["category"] == "noise") == {
        "ward_code": WARD,
        "ward_name": "Kestrel Town Centre",
        "kind": "asb",
        "category": "noise",
        "category_label": "Noise",
        "police_uk_category": "anti-social-behaviour",
        "count": 5,
    }
    # Totals are rounded from their own true values (8, 3 and 11), not summed from rows.
    assert {t["ward_code"]: t["count"] for t in body["ward_totals"]} == {
        WARD: 10,
        OTHER_WARD: 5,
    }
    assert body["total"] == 10


def test_free_date_ranges_are_refused_naming_the_field_in_json_and_csv(demo, as_user) -> None:
    client = as_user("auditor")
    today = timezone.localdate()
    for query, fields in [
        (f"?from={today}&to={today}", ["from", "to"]),  # the one-day window of issue 12
        ("?from=2026-01-01&format=csv", ["from"]),
        ("?to=2026-01-31", ["to"]),
    ]:
        response = client.get(URL + query)
        assert response.status_code == 400, query
        assert response.headers["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == fields, query


@pytest.mark.parametrize(
    "period", ["2026-13", "2026-Q5", "26-01", "2026-1", "1999-12", "next-month"]
)
def test_a_malformed_or_too_early_period_is_a_400_naming_period(demo, as_user, period) -> None:
    response = as_user("auditor").get(URL, {"period": period})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["period"]


def test_a_period_that_has_not_ended_is_refused(demo, as_user) -> None:
    today = timezone.localdate()
    running = [f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}"]
    for period in running:
        response = as_user("auditor").get(URL, {"period": period})
        assert response.status_code == 400, period
        assert "has not ended" in response.json()["errors"][0]["message"]


def test_differencing_a_quarter_and_its_months_recovers_no_single_incident(demo, as_user) -> None:
    quarter = next(p for p in periods_offered(timezone.localdate()) if p.is_quarter)
    first = month(quarter.first.year, quarter.first.month)
    second = month(quarter.first.year, quarter.first.month + 1)
    _raise(demo, 5, first)
    _raise(demo, 1, second)  # the one incident an attacker wants to find
    client = as_user("auditor")
    by_quarter = _rows(client.get(URL, {"period": quarter.code}))
    by_first = _rows(client.get(URL, {"period": first.code}))
    by_second = _rows(client.get(URL, {"period": second.code}))
    assert by_quarter[(WARD, "noise")] == by_first[(WARD, "noise")] == 5
    assert (WARD, "noise") not in by_second
    # Quarter minus its months: 5 - 5 - 0 = 0, not the 1 that happened.


def test_a_manager_with_no_vawg_work_sees_no_vawg_figures(demo, as_user, last_month) -> None:
    _raise(demo, 6, last_month, kind="vawg")
    body = as_user("manager").get(URL).json()
    assert body["kinds"] == ["asb"]
    assert not [r for r in body["rows"] if r["kind"] == "vawg"]
    assert body["total"] == 0
    refused = as_user("manager").get(URL, {"kind": "vawg"})
    assert refused.status_code == 403
    csv_refused = as_user("manager").get(URL, {"kind": "vawg", "format": "csv"})
    assert csv_refused.status_code == 403
    assert _rows(as_user("auditor").get(URL)) == {(WARD, "domestic_abuse"): 5}


def test_a_manager_of_an_agency_vawg_is_routed_to_sees_vawg_figures(
    demo, last_month, vawg_manager
) -> None:
    from tests.api.conftest import token_client

    _raise(demo, 6, last_month, kind="vawg")
    client = token_client(vawg_manager)
    assert client.get(URL).json()["kinds"] == ["asb", "vawg"]
    assert _rows(client.get(URL, {"kind": "vawg"})) == {(WARD, "domestic_abuse"): 5}


def test_fgm_is_published_for_all_wards_together_never_by_ward(demo, as_user, last_month) -> None:
    found = last_month.first.isoformat()
    fgm = {
        "category": "fgm",
        "details": {
            "victim_age": 30,
            "fgm_known": True,
            "fgm_discovered_on": found,
            "fgm_discovered_how": "disclosed",
        },
    }
    _raise(demo, 2, last_month, kind="vawg", **fgm)
    _raise(demo, 2, last_month, kind="vawg", ward=OTHER_WARD, **fgm)
    body = as_user("auditor").get(URL).json()
    assert [r for r in body["rows"] if r["category"] == "fgm"] == [
        {
            "ward_code": "",
            "ward_name": "All wards",
            "kind": "vawg",
            "category": "fgm",
            "category_label": "Female genital mutilation (FGM)",
            "police_uk_category": "violent-crime",
            "count": 5,
        }
    ]
    assert body["ward_totals"] == []  # 2 in each ward, and FGM is not in a ward's total
    assert body["total"] == 5


def test_the_csv_download_has_the_same_rounded_rows(demo, as_user, last_month) -> None:
    _raise(demo, 6, last_month)
    _raise(demo, 7, last_month, category="dangerous_dogs", ward=OTHER_WARD)
    response = as_user("manager").get(URL, {"format": "csv", "period": last_month.code})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="crime-types-by-ward-{last_month.code}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["category"]: r["count"] for r in rows} == {"noise": "5", "dangerous_dogs": "5"}
    json_rows = as_user("manager").get(URL, {"period": last_month.code}).json()["rows"]
    assert [r["category"] for r in rows] == [r["category"] for r in json_rows]


def test_csv_cells_cannot_start_a_spreadsheet_formula(demo, as_user, last_month) -> None:
    from partners.models import Ward

    _raise(demo, 5, last_month)
    Ward.objects.filter(code=WARD).update(name="=HYPERLINK(1)")
    text = as_user("manager").get(URL, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text


def test_the_report_is_one_grouped_query(demo, last_month) -> None:
    _raise(demo, 6, last_month)
    with CaptureQueriesContext(connection) as queries:
        crime_types_by_ward(period=last_month, kinds=["asb", "vawg"])
    assert len(queries) == 1
    assert "GROUP BY" in queries[0]["sql"]
