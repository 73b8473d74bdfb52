"""Manager queries: open breaches, breach rate per agency per month, time to triage."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from partners.models import Agency, Ward
from tests.personas import OTHER_WARD, WARD
from tests.sla.support import asb_case, deadline, frozen, go, london, vawg_case
from workflows.actions import deadlines_scan
from workflows.selectors import (
    breach_rate_by_agency_month,
    open_breach_counts,
    open_breaches,
)

pytestmark = pytest.mark.django_db


def test_open_breaches_are_counted_by_agency_kind_and_ward(people: Any) -> None:
    with frozen(london(2026, 6, 8, 10)):
        town = [asb_case(people.officer, location_text=f"{n} High St") for n in range(2)]
        other = asb_case(people.officer, ward=OTHER_WARD, location_text="1 Elm Row")
        vawg = vawg_case(people.officer, yes=15)
        met = asb_case(people.officer, location_text="9 Met Lane")
        go(met, "triage", people.asb_coordinator)
    deadlines_scan(now=london(2026, 6, 11, 9))
    counts = {(c.agency_code, c.kind, c.ward_code): c.count for c in open_breach_counts()}
    assert counts == {
        ("council-asb", "asb", WARD): 2,
        ("council-asb", "asb", OTHER_WARD): 1,
        # The high-risk triage clock and the first-contact clock (issue 13 item 4).
        ("victim-services", "vawg", WARD): 2,
    }
    asb_agency = Agency.objects.get(code="council-asb")
    assert [b.case_id for b in open_breaches(agency_ids=[asb_agency.pk], kind="asb")] == sorted(
        [c.pk for c in (*town, other)]
    )
    ward = Ward.objects.get(code=OTHER_WARD)
    assert [b.case_id for b in open_breaches(ward_id=ward.pk)] == [other.pk]
    assert [b.case_id for b in open_breaches(kind="vawg")] == [vawg.pk, vawg.pk]


def test_breach_rate_per_agency_per_month_counts_decided_deadlines(people: Any) -> None:
    # June: two ASB triage clocks, one met in time, one breached (and later met late).
    with frozen(london(2026, 6, 8, 10)):
        on_time = asb_case(people.officer, location_text="1 June Rd")
        late = asb_case(people.officer, location_text="2 June Rd")
        go(on_time, "triage", people.asb_coordinator)
    deadlines_scan(now=london(2026, 6, 11, 9))
    with frozen(london(2026, 6, 11, 10)):
        go(late, "triage", people.asb_coordinator)
    # July: one breached and still open; one cancelled before it fell due (left out).
    with frozen(london(2026, 7, 6, 10)):
        asb_case(people.officer, location_text="3 July Rd")
        dropped = asb_case(people.officer, location_text="4 July Rd")
        go(dropped, "no_further_action", people.asb_coordinator)
    deadlines_scan(now=london(2026, 7, 9, 9))
    # An open, undecided clock in July is left out too.
    with frozen(london(2026, 7, 28, 10)):
        asb_case(people.officer, location_text="5 July Rd")
    rates = breach_rate_by_agency_month(since=date(2026, 6, 1), until=date(2026, 8, 1))
    table = {(r.agency_code, r.month): (r.decided, r.breached, r.rate) for r in rates}
    assert table == {
        ("council-asb", date(2026, 6, 1)): (2, 1, 0.5),
        ("council-asb", date(2026, 7, 1)): (2, 1, 0.5),
    }
    assert deadline(late, "asb_triage").status == "met"


def test_breach_months_are_london_months(people: Any) -> None:
    # Due 17:00 BST on 30 June is still June in London (16:00 UTC); a clock due at 00:30 BST
    # on 1 July (23:30 UTC on 30 June) belongs to July.
    with frozen(london(2026, 6, 29, 10)):
        case = vawg_case(people.officer, yes=15)
    triage = deadline(case, "vawg_high_risk_triage")
    triage.due_at = london(2026, 7, 1, 0, 30)
    triage.warn_at = triage.due_at
    triage.save()
    deadlines_scan(now=london(2026, 7, 1, 1))
    [rate] = breach_rate_by_agency_month(since=date(2026, 6, 1), until=date(2026, 8, 1))
    assert (rate.agency_code, rate.month, rate.breached) == ("victim-services", date(2026, 7, 1), 1)
