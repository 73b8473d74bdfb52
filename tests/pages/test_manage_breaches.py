"""The SLA breaches page: open breaches by agency, kind and ward, each linked to its case,
and the monthly trend as a chart with the same figures in a table. Managers see their
agency; auditors every agency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.pages.support import asb_triage_deadline, breached_asb_case
from tests.personas import OTHER_WARD, raise_referral
from workflows.actions import deadlines_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def breaches(people):
    """A breached ASB triage (council ASB team) and a breached early-release plan (probation)."""
    asb = breached_asb_case(people.officer, opened_at=timezone.now() - timedelta(days=20))
    release = raise_referral(
        people.probation,
        "early_release",
        details={
            "prison_number": "A1234BC",
            "probation_case_reference": "X123456",
            "expected_release_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "needs": [],
        },
    ).case
    deadlines_scan()  # the pre-release plan was due seven days before release
    return asb, release


def test_a_manager_sees_their_agencys_breaches_linked_to_the_case(
    people, client_for, breaches
) -> None:
    asb, release = breaches
    html = client_for("manager").get("/manage/breaches/").content.decode()
    counts = html.split('id="counts"', 1)[1].split('id="open-breaches"', 1)[0]
    assert "Kestrel Vale Council ASB Team" in counts
    assert "Anti-social behaviour" in counts
    assert "Kestrel Town Centre" in counts
    assert f'href="/cases/{asb.reference}/#deadlines"' in html
    assert release.reference not in html
    assert "Probation Service" not in counts


def test_an_auditor_sees_every_agencys_breaches(people, client_for, breaches) -> None:
    asb, release = breaches
    html = client_for("auditor").get("/manage/breaches/").content.decode()
    assert asb.reference in html
    assert release.reference in html
    assert "Every agency" in html


def test_filters_narrow_the_breaches_by_kind_and_ward(people, client_for, breaches) -> None:
    asb, release = breaches
    client = client_for("auditor")
    by_kind = client.get("/manage/breaches/", {"kind": "early_release"}).content.decode()
    assert release.reference in by_kind
    assert asb.reference not in by_kind
    elsewhere = client.get("/manage/breaches/", {"ward": OTHER_WARD}).content.decode()
    assert asb.reference not in elsewhere
    assert "There are no open breaches that match." in elsewhere


def test_the_trend_chart_and_its_table_give_the_same_figures(people, client_for, breaches) -> None:
    html = client_for("manager").get("/manage/breaches/").content.decode()
    chart = html.split('id="breach-trend-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in html
    assert '<title id="breach-trend-chart-title">' in chart
    table = html.split('id="trend-table"', 1)[1].split("</table>", 1)[0]
    month = timezone.localdate().strftime("%B %Y")
    due_month = timezone.localtime(asb_triage_deadline(breaches[0]).due_at).strftime("%B %Y")
    assert month in table
    row = table.split(due_month, 1)[1].split("</tr>", 1)[0]
    assert row.count('govuk-table__cell--numeric">1</td>') == 2  # decided 1, breached 1
    assert "100%" in row
    # Twelve months, each a pair of columns (decided, breached) and their figures.
    assert chart.count('class="app-chart__bar app-chart__bar--breached"') >= 2  # bar + legend
    assert chart.count('class="app-chart__label"') == 12


def test_breaches_are_for_managers_and_auditors_only(people, client_for, breaches) -> None:
    for persona in ("officer", "asb_coordinator", "probation", "outsider"):
        assert client_for(persona).get("/manage/breaches/").status_code == 403, persona
    response = Client().get("/manage/breaches/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_the_management_page_counts_what_needs_looking_at(people, client_for, breaches) -> None:
    html = client_for("manager").get("/manage/").content.decode()
    assert "<strong>1</strong> open breach." in html
    assert 'href="/manage/audit/"' in html
    assert 'href="/reports/crime-types-by-ward/"' in html
    assert (
        "<strong>2</strong> open breaches" in client_for("auditor").get("/manage/").content.decode()
    )
    assert client_for("officer").get("/manage/").status_code == 403


def test_management_is_in_the_navigation_of_managers_and_auditors_only(people, client_for) -> None:
    assert 'href="/manage/"' in client_for("manager").get("/").content.decode()
    assert 'href="/manage/"' in client_for("auditor").get("/").content.decode()
    assert 'href="/manage/"' not in client_for("officer").get("/").content.decode()
