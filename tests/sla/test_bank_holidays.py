"""The bank-holiday table, the calendar built from it, and recomputing open deadlines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.sla.support import asb_case, deadline, frozen, go, london, vawg_case
from workflows.actions import deadline_pause, deadline_resume, deadlines_scan
from workflows.calendar import england_and_wales_holidays
from workflows.models import BankHoliday, DeadlineStatus, HolidaySource
from workflows.sla import (
    bank_holiday_delete,
    bank_holiday_save,
    bank_holidays_load,
    current_calendar,
    seed_bank_holidays,
)

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent.parent / "workflows" / "data" / "bank-holidays.json"
EXTRA = date(2026, 6, 12)  # a Friday made a one-off bank holiday

# An ASB report raised Thursday 11 June 2026 10:00: triage due Monday 15 June 17:00, or
# Tuesday 16 June 17:00 once Friday 12 June is a holiday.
RAISED = london(2026, 6, 11, 10)
DUE = london(2026, 6, 15, 17)
DUE_WITH_EXTRA = london(2026, 6, 16, 17)


@pytest.fixture
def triage(people: Any) -> Any:
    with frozen(RAISED):
        case = asb_case(people.officer)
    d = deadline(case, "asb_triage")
    assert d.due_at == DUE
    return d


def _extra() -> BankHoliday:
    return BankHoliday(date=EXTRA, title="Extra bank holiday", source=HolidaySource.ADMIN)


def test_the_migration_seeds_england_and_wales_holidays_from_the_package() -> None:
    seeded = dict(BankHoliday.objects.filter(date__year=2026).values_list("date", "title"))
    assert seeded == england_and_wales_holidays([2026])
    assert date(2026, 4, 6) in seeded  # Easter Monday: England and Wales only


def test_seeding_again_changes_nothing() -> None:
    before = BankHoliday.objects.count()
    assert seed_bank_holidays(years=range(2025, 2029)) == 0
    assert BankHoliday.objects.count() == before


def test_the_calendar_sees_a_holiday_written_by_another_process() -> None:
    assert current_calendar().is_working_day(EXTRA)
    # Written straight to the table, as another process would: no cache reset here.
    BankHoliday.objects.create(
        date=EXTRA, title="Extra", source=HolidaySource.ADMIN, updated_at=timezone.now()
    )
    assert not current_calendar().is_working_day(EXTRA)
    BankHoliday.objects.filter(date=EXTRA).delete()
    assert current_calendar().is_working_day(EXTRA)


def test_adding_a_holiday_recomputes_open_working_day_deadlines(triage: Any) -> None:
    assert bank_holiday_save(holiday=_extra(), now=timezone.now()) == 1
    triage.refresh_from_db()
    assert triage.due_at == DUE_WITH_EXTRA
    assert triage.warn_at == triage.started_at + (DUE_WITH_EXTRA - triage.started_at) * 0.75


def test_removing_the_holiday_moves_the_deadline_back(triage: Any) -> None:
    bank_holiday_save(holiday=_extra(), now=timezone.now())
    holiday = BankHoliday.objects.get(date=EXTRA)
    assert bank_holiday_delete(holidays=[holiday], now=timezone.now()) == 1
    triage.refresh_from_db()
    assert triage.due_at == DUE


def test_a_recompute_keeps_the_pause_already_credited(triage: Any, people: Any) -> None:
    with frozen(london(2026, 6, 11, 11)):
        deadline_pause(deadline_id=triage.pk, reason="awaiting_victim_contact", by=people.manager)
    with frozen(london(2026, 6, 11, 15)):
        deadline_resume(deadline_id=triage.pk, by=people.manager)
    bank_holiday_save(holiday=_extra(), now=timezone.now())
    triage.refresh_from_db()
    assert triage.due_at == DUE_WITH_EXTRA + timedelta(hours=4)


def test_met_breached_and_elapsed_hour_clocks_are_not_recomputed(triage: Any, people: Any) -> None:
    with frozen(RAISED):
        met_case = asb_case(people.officer, location_text="2 Abbey Road")
        go(met_case, "triage", people.asb_coordinator)
        vawg = vawg_case(people.officer, yes=15)
    hours_due = deadline(vawg, "vawg_high_risk_triage").due_at
    met_due = deadline(met_case, "asb_triage").due_at
    deadlines_scan(now=DUE + timedelta(minutes=1))  # breaches the first triage clock
    assert bank_holiday_save(holiday=_extra(), now=timezone.now()) == 0
    triage.refresh_from_db()
    assert (triage.status, triage.due_at) == (DeadlineStatus.BREACHED, DUE)
    assert deadline(met_case, "asb_triage").due_at == met_due
    assert deadline(vawg, "vawg_high_risk_triage").due_at == hours_due


def test_loading_a_year_replaces_that_year_and_recomputes(triage: Any) -> None:
    year = {d: t for d, t in england_and_wales_holidays([2026]).items() if d.month != 12}
    year[EXTRA] = "Extra bank holiday"
    result = bank_holidays_load(holidays=year, source=HolidaySource.GOVUK, now=timezone.now())
    assert (result.created, result.removed, result.recomputed) == (1, 2, 1)
    assert not BankHoliday.objects.filter(date__year=2026, date__month=12).exists()
    assert BankHoliday.objects.filter(date__year=2027).exists()  # other years untouched
    assert set(BankHoliday.objects.filter(date__year=2026).values_list("source", flat=True)) == {
        HolidaySource.GOVUK
    }
    triage.refresh_from_db()
    assert triage.due_at == DUE_WITH_EXTRA


def test_loading_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        bank_holidays_load(holidays={}, source=HolidaySource.GOVUK, now=timezone.now())


# --- manage.py load_bank_holidays ------------------------------------------------------------


def _govuk_file(tmp_path: Path, *, extra: bool) -> Path:
    document = json.loads(SAMPLE.read_text())
    if extra:
        document["england-and-wales"]["events"].append(
            {"title": "Extra bank holiday", "date": EXTRA.isoformat(), "notes": "", "bunting": True}
        )
    path = tmp_path / "bank-holidays.json"
    path.write_text(json.dumps(document))
    return path


def test_the_command_loads_govuk_json_and_recomputes(triage: Any, tmp_path: Path, capsys) -> None:
    call_command("load_bank_holidays", str(_govuk_file(tmp_path, extra=True)))
    out = capsys.readouterr().out
    assert "Loaded 17 bank holidays for 2026-2027" in out
    assert "1 open deadlines recomputed" in out
    triage.refresh_from_db()
    assert triage.due_at == DUE_WITH_EXTRA
    assert BankHoliday.objects.get(date=EXTRA).source == HolidaySource.GOVUK


def test_the_command_names_the_fault_in_a_bad_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_bank_holidays", str(missing))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_bank_holidays", str(broken))
    with pytest.raises(CommandError, match="unknown division 'wales'"):
        call_command(
            "load_bank_holidays", str(_govuk_file(tmp_path, extra=False)), division="wales"
        )


# --- the admin goes through the same service ------------------------------------------------


@pytest.fixture
def admin_client_(client: Any, django_user_model: Any) -> Any:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client.force_login(admin)
    return client


def test_adding_a_holiday_in_the_admin_recomputes(triage: Any, admin_client_: Any) -> None:
    response = admin_client_.post(
        "/admin/workflows/bankholiday/add/",
        {"date": EXTRA.isoformat(), "title": "Extra bank holiday"},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 open working-day deadlines recomputed." in response.content.decode()
    assert BankHoliday.objects.get(date=EXTRA).source == HolidaySource.ADMIN
    triage.refresh_from_db()
    assert triage.due_at == DUE_WITH_EXTRA


def test_deleting_holidays_in_the_admin_recomputes(triage: Any, admin_client_: Any) -> None:
    bank_holiday_save(holiday=_extra(), now=timezone.now())
    holiday = BankHoliday.objects.get(date=EXTRA)
    response = admin_client_.post(
        "/admin/workflows/bankholiday/",
        {"action": "delete_selected", "_selected_action": [holiday.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert not BankHoliday.objects.filter(date=EXTRA).exists()
    triage.refresh_from_db()
    assert triage.due_at == DUE
