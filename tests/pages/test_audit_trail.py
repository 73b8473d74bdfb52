"""The audit trail search (actor, case, dates) and its CSV export: managers see the
entries of their agency's cases, auditors all of them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from tests.personas import raise_referral
from web.csv_export import csv_cell
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(people):
    """An ASB case the council ASB team leads (the manager's agency), triaged by the
    coordinator, and an early-release case only probation is part of."""
    asb = raise_referral(people.officer, "asb").case
    case_transition(case_id=asb.pk, name="triage", by=people.asb_coordinator, reason="ok")
    release = raise_referral(people.probation, "early_release").case
    return asb, release


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_a_manager_finds_the_entries_of_their_agencys_cases_only(people, client_for, cases) -> None:
    asb, release = cases
    html = client_for("manager").get("/manage/audit/").content.decode()
    assert f"case: {asb.reference}" in html
    assert release.reference not in html
    assert "Cases your agency leads or takes part in" in html


def test_an_auditor_finds_every_entry(people, client_for, cases) -> None:
    _asb, release = cases
    html = client_for("auditor").get("/manage/audit/").content.decode()
    assert f"{LogEntry.objects.count()} entries" in html
    assert release.reference in html


def test_search_by_actor_and_case(people, client_for, cases) -> None:
    asb, release = cases
    client = client_for("auditor")
    by_actor = client.get("/manage/audit/", {"actor": "ASB_COORDINATOR"}).content.decode()
    expected = LogEntry.objects.filter(actor=people.asb_coordinator).count()
    assert expected > 0
    assert f"{expected} entr" in by_actor
    assert "Tom Hughes" in by_actor
    assert "Daniel Reid" not in by_actor
    by_case = client.get("/manage/audit/", {"case": release.reference.lower()}).content.decode()
    assert release.reference in by_case
    assert f"case: {asb.reference}" not in by_case


def test_search_by_dates_is_inclusive_in_london_time(people, client_for, cases) -> None:
    today = timezone.localdate()
    client = client_for("auditor")
    on_the_day = {
        "from_day": today.day,
        "from_month": today.month,
        "from_year": today.year,
        "to_day": today.day,
        "to_month": today.month,
        "to_year": today.year,
    }
    html = client.get("/manage/audit/", on_the_day).content.decode()
    assert f"{LogEntry.objects.count()} entries" in html
    tomorrow = today + timedelta(days=1)
    later = {"from_day": tomorrow.day, "from_month": tomorrow.month, "from_year": tomorrow.year}
    assert (
        "No audit entries match your search."
        in client.get("/manage/audit/", later).content.decode()
    )


def test_a_bad_date_is_an_error_linked_to_its_day_box(people, client_for, cases) -> None:
    response = client_for("manager").get(
        "/manage/audit/", {"from_day": "31", "from_month": "2", "from_year": "2026", "to_day": "3"}
    )
    html = response.content.decode()
    assert '<a href="#from_day">The date from must be a real date</a>' in html
    assert '<a href="#to_day">The date to must include a month and year</a>' in html
    assert "<title>Error: Audit trail" in html
    assert "entries</h2>" not in html


def test_the_csv_export_has_a_header_and_a_row_per_entry(people, client_for, cases) -> None:
    asb, _release = cases
    response = client_for("manager").get("/manage/audit/export/", {"case": asb.reference})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = _csv(response)
    assert rows[0] == [
        "id",
        "at",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "actor",
        "changes",
        "remote_addr",
    ]
    body = rows[1:]
    assert len(body) == int(
        client_for("manager")
        .get("/manage/audit/", {"case": asb.reference})
        .content.decode()
        .split(" entr", 1)[0]
        .rsplit(">", 1)[1]
    )
    triage = [r for r in body if r[6] == "asb_coordinator" and r[3] == "cases.case"]
    assert triage, body
    assert triage[0][2] == "update"
    assert triage[0][5] == asb.reference
    assert '"state"' in triage[0][7]


def test_the_csv_export_keeps_to_the_managers_scope(people, client_for, cases) -> None:
    asb, release = cases
    rows = _csv(client_for("manager").get("/manage/audit/export/"))
    reprs = {r[5] for r in rows[1:]}
    assert asb.reference in reprs
    assert release.reference not in reprs
    assert (
        _csv(client_for("manager").get("/manage/audit/export/", {"case": release.reference}))[1:]
        == []
    )


def test_a_bad_search_exports_nothing(people, client_for, cases) -> None:
    response = client_for("manager").get("/manage/audit/export/", {"from_day": "99"})
    assert response.status_code == 400
    assert "must include a month and year" in response.content.decode()


def test_the_audit_trail_is_for_managers_and_auditors_only(people, client_for, cases) -> None:
    for persona in ("officer", "idva", "probation", "outsider"):
        client = client_for(persona)
        assert client.get("/manage/audit/").status_code == 403, persona
        assert client.get("/manage/audit/export/").status_code == 403, persona
    assert Client().get("/manage/audit/export/").status_code == 302


def test_spreadsheet_formulas_in_a_cell_are_made_inert() -> None:
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_cell("+44 1234") == "'+44 1234"
    assert csv_cell("ASB-2026-000001") == "ASB-2026-000001"
    assert csv_cell(-5) == -5
