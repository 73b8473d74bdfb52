"""Working-day arithmetic: weekends, bank holidays, cut-offs and clock changes.

2026 fixes the scenarios: clocks go forward on Sunday 29 March and back on Sunday
25 October; Good Friday is 3 April; Christmas Day is a Friday, so Boxing Day is
observed on Monday 28 December.
"""

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import holidays
import pytest
import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from workflows.calendar import (
    HMPPS_CUTOFF,
    LONDON,
    WORKDAY_END,
    WorkingCalendar,
    england_and_wales_holidays,
    parse_govuk_bank_holidays,
)

SAMPLE = Path(__file__).parent / "data" / "bank-holidays.json"
SAMPLE_EW = parse_govuk_bank_holidays(SAMPLE.read_bytes())
CAL = WorkingCalendar(holidays=frozenset(SAMPLE_EW))


def london(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LONDON)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


# --- working days -------------------------------------------------------------------------


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    assert CAL.is_working_day(date(2026, 12, 24))
    assert not CAL.is_working_day(date(2026, 12, 25))  # Christmas, Friday
    assert not CAL.is_working_day(date(2026, 12, 26))  # Saturday
    assert not CAL.is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert CAL.is_working_day(date(2026, 12, 29))
    assert not WorkingCalendar().is_working_day(date(2026, 6, 13))  # Saturday, no holidays


def test_next_working_day_is_strictly_after_and_skips_closures() -> None:
    assert CAL.next_working_day(date(2026, 6, 8)) == date(2026, 6, 9)
    assert CAL.next_working_day(date(2026, 6, 12)) == date(2026, 6, 15)
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)  # Easter


def test_working_day_on_or_after_keeps_a_working_day() -> None:
    assert CAL.working_day_on_or_after(date(2026, 6, 8)) == date(2026, 6, 8)
    assert CAL.working_day_on_or_after(date(2026, 6, 13)) == date(2026, 6, 15)
    assert CAL.working_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 29)


def test_a_datetime_in_the_holiday_set_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        WorkingCalendar(holidays=frozenset({datetime(2026, 12, 25, tzinfo=UTC)}))


# --- add_working_days ---------------------------------------------------------------------


def test_two_working_days_from_monday_morning_is_wednesday_at_five() -> None:
    assert CAL.add_working_days(start=london(2026, 6, 8, 10), days=2) == london(2026, 6, 10, 17)


def test_zero_working_days_is_five_oclock_the_same_day() -> None:
    assert CAL.add_working_days(start=london(2026, 6, 8, 10), days=0) == london(2026, 6, 8, 17)


def test_deadline_is_returned_in_utc() -> None:
    due = CAL.add_working_days(start=london(2026, 6, 8, 10), days=2)
    assert due.tzinfo is UTC
    assert due == utc(2026, 6, 10, 16)


def test_working_days_skip_the_weekend() -> None:
    assert CAL.add_working_days(start=london(2026, 6, 11, 10), days=2) == london(2026, 6, 15, 17)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (london(2026, 6, 8, 12, 59), london(2026, 6, 10, 17)),
        (london(2026, 6, 8, 12, 59, 59), london(2026, 6, 10, 17)),
        # HMPPS's own deadline service (approved-premises-api, TaskDeadlineService: same day
        # only while the hour is below 13) starts work received at 13:00:00 the next day.
        (london(2026, 6, 8, 13, 0, 0), london(2026, 6, 11, 17)),
        (london(2026, 6, 8, 13, 0, 1), london(2026, 6, 11, 17)),
        (london(2026, 6, 8, 16, 30), london(2026, 6, 11, 17)),
        (london(2026, 6, 8, 7, 0), london(2026, 6, 10, 17)),
    ],
    ids=["12:59", "12:59:59", "13:00:00", "13:00:01", "16:30", "07:00"],
)
def test_work_received_from_the_hmpps_one_oclock_cutoff_starts_the_next_working_day(
    received: datetime, due: datetime
) -> None:
    assert CAL.add_working_days(start=received, days=2, cutoff=HMPPS_CUTOFF) == due


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (london(2026, 6, 12, 14), london(2026, 6, 16, 17)),  # Friday 14:00: Tuesday
        (london(2026, 6, 12, 16, 59, 59), london(2026, 6, 16, 17)),
        (london(2026, 6, 12, 17), london(2026, 6, 17, 17)),  # after the working day: Monday
        (london(2026, 6, 13, 10), london(2026, 6, 17, 17)),  # Saturday: from Monday
    ],
    ids=["Fri 14:00", "Fri 16:59:59", "Fri 17:00", "Sat 10:00"],
)
def test_without_a_cutoff_work_received_on_a_working_day_counts_that_day(
    received: datetime, due: datetime
) -> None:
    # Issue 13 item 7: the HMPPS cut-off is one service's practice, not a rule for every
    # clock. Without it a clock runs from the day the work arrives, until the day ends.
    assert CAL.add_working_days(start=received, days=2) == due


def test_zero_working_days_without_a_cutoff_is_never_before_the_work_arrived() -> None:
    assert CAL.add_working_days(start=london(2026, 6, 8, 16, 30), days=0) == london(2026, 6, 8, 17)
    assert CAL.add_working_days(start=london(2026, 6, 8, 17, 30), days=0) == london(2026, 6, 9, 17)


def test_a_cutoff_after_the_working_day_is_refused() -> None:
    with pytest.raises(ValueError, match="cutoff"):
        CAL.add_working_days(start=london(2026, 6, 8, 10), days=1, cutoff=time(18, 0))


def test_cutoff_is_read_on_the_london_clock_not_utc() -> None:
    # 12:30 UTC is 13:30 BST: after the cut-off although the UTC clock says before.
    summer = CAL.add_working_days(start=utc(2026, 6, 8, 12, 30), days=2, cutoff=HMPPS_CUTOFF)
    assert summer == london(2026, 6, 11, 17)
    # In winter the two clocks agree.
    winter = CAL.add_working_days(start=utc(2026, 1, 12, 12, 30), days=2, cutoff=HMPPS_CUTOFF)
    assert winter == london(2026, 1, 14, 17)


def test_work_received_on_a_saturday_starts_on_monday() -> None:
    saturday = london(2026, 6, 13, 10)
    assert CAL.clock_start(saturday) == london(2026, 6, 15, 9)
    assert CAL.add_working_days(start=saturday, days=0) == london(2026, 6, 15, 17)
    assert CAL.add_working_days(start=saturday, days=2) == london(2026, 6, 17, 17)


def test_clock_start_waits_for_nine_oclock_but_not_past_the_arrival() -> None:
    assert CAL.clock_start(london(2026, 6, 8, 7, 15)) == london(2026, 6, 8, 9)
    assert CAL.clock_start(london(2026, 6, 8, 11, 15)) == london(2026, 6, 8, 11, 15)
    assert CAL.clock_start(london(2026, 6, 8, 14)) == london(2026, 6, 8, 14)
    assert CAL.clock_start(london(2026, 6, 8, 17)) == london(2026, 6, 9, 9)
    hmpps = HMPPS_CUTOFF
    assert CAL.clock_start(london(2026, 6, 8, 12, 59, 59), cutoff=hmpps) == london(
        2026, 6, 8, 12, 59, 59
    )
    assert CAL.clock_start(london(2026, 6, 8, 13), cutoff=hmpps) == london(
        2026, 6, 9, 9
    )  # hour < 13
    assert CAL.clock_start(london(2026, 6, 8, 14), cutoff=hmpps) == london(2026, 6, 9, 9)


def test_christmas_and_the_boxing_day_substitute_are_skipped() -> None:
    # Thursday 24 Dec; Fri 25 Christmas, weekend, Mon 28 Boxing Day substitute.
    assert CAL.add_working_days(start=london(2026, 12, 24, 10), days=1) == london(2026, 12, 29, 17)
    assert CAL.add_working_days(start=london(2026, 12, 24, 14), days=1) == london(2026, 12, 29, 17)
    late = CAL.add_working_days(start=london(2026, 12, 24, 14), days=1, cutoff=HMPPS_CUTOFF)
    assert late == london(2026, 12, 30, 17)
    assert CAL.add_working_days(start=london(2026, 12, 25, 10), days=0) == utc(2026, 12, 29, 17)


def test_ten_working_days_over_easter() -> None:
    # ASB case review acknowledgement; Good Friday and Easter Monday do not count.
    assert CAL.add_working_days(start=london(2026, 3, 30, 10), days=10) == london(2026, 4, 15, 17)


def test_five_oclock_deadline_is_sixteen_utc_in_summer_and_seventeen_in_winter() -> None:
    # Friday before the spring change (GMT) to Monday after it (BST).
    assert CAL.add_working_days(start=london(2026, 3, 27, 10), days=1) == utc(2026, 3, 30, 16)
    # Friday before the autumn change (BST) to Monday after it (GMT).
    assert CAL.add_working_days(start=london(2026, 10, 23, 10), days=1) == utc(2026, 10, 26, 17)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(start=london(2026, 6, 8, 10), days=-1)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 6, 8, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_days(start=naive, days=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_hours(start=naive, hours=24)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.end_of_next_working_day(naive)


def test_deadline_from_the_moment_of_submission() -> None:
    # An officer submits at 13:30 BST on Monday; the service captures now() once.
    with time_machine.travel(utc(2026, 6, 8, 12, 30), tick=False):
        submitted = timezone.now()
        due = CAL.add_working_days(start=submitted, days=2, cutoff=HMPPS_CUTOFF)
    assert submitted == utc(2026, 6, 8, 12, 30)
    assert due == london(2026, 6, 11, 17)


# --- end_of_next_working_day --------------------------------------------------------------


def test_fgm_report_made_known_on_a_friday_is_due_monday_at_five() -> None:
    assert CAL.end_of_next_working_day(london(2026, 6, 12, 10)) == london(2026, 6, 15, 17)


def test_end_of_next_working_day_ignores_the_cutoff() -> None:
    assert CAL.end_of_next_working_day(london(2026, 6, 8, 16)) == london(2026, 6, 9, 17)


def test_end_of_next_working_day_before_bank_holidays() -> None:
    assert CAL.end_of_next_working_day(london(2026, 12, 24, 9)) == utc(2026, 12, 29, 17)
    assert CAL.end_of_next_working_day(london(2026, 4, 2, 9)) == utc(2026, 4, 7, 16)


def test_end_of_next_working_day_uses_the_london_date() -> None:
    # 23:30 UTC on Sunday is 00:30 BST on Monday, so the next working day is Tuesday.
    assert CAL.end_of_next_working_day(utc(2026, 6, 14, 23, 30)) == london(2026, 6, 16, 17)


def test_probation_first_appointment_after_a_friday_release_is_monday() -> None:
    with time_machine.travel(london(2026, 10, 23, 8, 30), tick=False):
        released = timezone.now()
    assert CAL.end_of_next_working_day(released) == utc(2026, 10, 26, 17)


# --- add_hours ----------------------------------------------------------------------------


def test_twenty_four_hours_across_the_spring_change_are_real_hours() -> None:
    due = CAL.add_hours(start=london(2026, 3, 28, 12), hours=24)
    assert due == utc(2026, 3, 29, 12)
    assert due.astimezone(LONDON).hour == 13
    assert due.tzinfo is UTC


def test_twenty_four_hours_across_the_autumn_change_are_real_hours() -> None:
    due = CAL.add_hours(start=london(2026, 10, 24, 12), hours=24)
    assert due == utc(2026, 10, 25, 11)
    assert due.astimezone(LONDON).hour == 11


def test_hours_count_weekends_and_holidays() -> None:
    assert CAL.add_hours(start=london(2026, 12, 24, 12), hours=72) == london(2026, 12, 27, 12)


# --- add_calendar_days --------------------------------------------------------------------


def test_calendar_days_keep_the_london_wall_clock_across_the_spring_change() -> None:
    due = CAL.add_calendar_days(start=london(2026, 3, 20, 10), days=14)
    assert due == utc(2026, 4, 3, 9)
    assert due.astimezone(LONDON) == london(2026, 4, 3, 10)
    assert due.tzinfo is UTC


def test_calendar_days_keep_the_london_wall_clock_across_the_autumn_change() -> None:
    # High-risk ASB review every 14 days.
    assert CAL.add_calendar_days(start=london(2026, 10, 20, 10), days=14) == utc(2026, 11, 3, 10)


def test_a_wall_time_skipped_in_march_moves_an_hour_later() -> None:
    assert CAL.add_calendar_days(start=london(2026, 3, 28, 1, 30), days=1) == london(
        2026, 3, 29, 2, 30
    )


def test_a_wall_time_that_occurs_twice_in_october_is_the_first_occurrence() -> None:
    assert CAL.add_calendar_days(start=london(2026, 10, 24, 1, 30), days=1) == utc(
        2026, 10, 25, 0, 30
    )


def test_a_second_occurrence_start_does_not_resolve_a_skipped_time_earlier() -> None:
    second = utc(2026, 10, 25, 1, 30)  # 01:30 GMT, the repeated hour
    assert second.astimezone(LONDON).fold == 1
    assert CAL.add_calendar_days(start=second, days=0) == second
    # 2027-03-28 01:30 does not exist in London; it must move forward, not back.
    assert CAL.add_calendar_days(start=second, days=154) == utc(2027, 3, 28, 1, 30)


# --- working_days_between -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 6, 8), date(2026, 6, 8), 0),
        (date(2026, 6, 8), date(2026, 6, 10), 2),
        (date(2026, 6, 12), date(2026, 6, 15), 1),
        (date(2026, 6, 13), date(2026, 6, 14), 0),
        (date(2026, 12, 24), date(2026, 12, 29), 1),
        (date(2026, 6, 10), date(2026, 6, 8), -2),
        # 261 weekdays in 2026 less 8 bank holidays (1 January among them).
        (date(2026, 1, 1), date(2026, 12, 31), 253),
    ],
)
def test_working_days_between_counts_days_after_a_up_to_b(a: date, b: date, expected: int) -> None:
    assert CAL.working_days_between(a=a, b=b) == expected


# --- warn_at ------------------------------------------------------------------------------


def test_warning_at_three_quarters_of_the_elapsed_time() -> None:
    start, due = utc(2026, 6, 8, 9), utc(2026, 6, 8, 17)
    assert CAL.warn_at(start=start, due=due, fraction=0.75) == utc(2026, 6, 8, 15)
    assert CAL.warn_at(start=start, due=due, fraction=0) == start
    assert CAL.warn_at(start=start, due=due, fraction=1) == due


def test_warning_is_elapsed_real_time_across_a_clock_change() -> None:
    start = london(2026, 3, 28, 12)
    warn = CAL.warn_at(start=start, due=CAL.add_hours(start=start, hours=24), fraction=0.5)
    assert warn == utc(2026, 3, 29, 0)
    assert warn.tzinfo is UTC


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_warning_fraction_outside_zero_to_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        CAL.warn_at(start=utc(2026, 6, 8, 9), due=utc(2026, 6, 8, 17), fraction=fraction)


def test_warning_for_a_deadline_before_its_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        CAL.warn_at(start=utc(2026, 6, 8, 17), due=utc(2026, 6, 8, 9), fraction=0.5)


# --- holiday sources ----------------------------------------------------------------------


def test_holidays_package_includes_every_england_and_wales_bank_holiday_in_2026() -> None:
    listed = england_and_wales_holidays([2026])
    assert listed[date(2026, 4, 6)] == "Easter Monday"
    assert date(2026, 5, 4) in listed  # early May
    assert date(2026, 5, 25) in listed  # spring
    assert date(2026, 8, 31) in listed  # summer
    assert listed[date(2026, 12, 28)] == "Boxing Day (observed)"


def test_holidays_package_drops_weekend_dates_that_gov_uk_does_not_list() -> None:
    raw = holidays.country_holidays("GB", subdiv="ENG", years=2026)
    assert date(2026, 12, 26) in raw  # Saturday, the package lists it
    assert date(2026, 12, 26) not in england_and_wales_holidays([2026])


def test_the_bare_uk_calendar_would_miss_easter_monday() -> None:
    # Why england_and_wales_holidays passes subdiv="ENG".
    assert date(2026, 4, 6) not in holidays.country_holidays("GB", years=2026)


@pytest.mark.parametrize("year", [2026, 2027])
def test_holidays_package_agrees_with_the_gov_uk_sample(year: int) -> None:
    from_sample = {d for d in SAMPLE_EW if d.year == year}
    assert set(england_and_wales_holidays([year])) == from_sample


def test_gov_uk_divisions_are_kept_apart() -> None:
    scotland = parse_govuk_bank_holidays(SAMPLE.read_text(encoding="utf-8"), division="scotland")
    assert date(2026, 1, 2) in scotland
    assert date(2026, 8, 3) in scotland
    assert date(2026, 4, 6) not in scotland
    assert date(2026, 1, 2) not in SAMPLE_EW
    northern_ireland = parse_govuk_bank_holidays(
        json.loads(SAMPLE.read_bytes()), division="northern-ireland"
    )
    assert date(2026, 3, 17) in northern_ireland


def test_gov_uk_titles_are_kept() -> None:
    assert SAMPLE_EW[date(2026, 5, 4)] == "Early May bank holiday"
    assert SAMPLE_EW[date(2026, 12, 28)] == "Boxing Day"


def _document(*events: object) -> dict[str, object]:
    return {"england-and-wales": {"division": "england-and-wales", "events": list(events)}}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"[]", "JSON object keyed by division"),
        ({"scotland": {"events": []}}, "unknown division 'england-and-wales'.*scotland"),
        ({"england-and-wales": []}, "'events' list"),
        ({"england-and-wales": {"division": "scotland", "events": []}}, "labelled 'scotland'"),
        (_document("2026-12-25"), "event 0 must be an object"),
        (_document({"date": "2026-12-25"}), "event 0 needs a non-empty 'title'"),
        (_document({"title": "Christmas Day"}), r"event 0 \(Christmas Day\) needs a 'date'"),
        (_document({"title": "Christmas Day", "date": "25/12/2026"}), "not an ISO date"),
        (_document({"title": "Christmas Day", "date": "20261225"}), "not an ISO date"),
        (_document({"title": "Christmas Day", "date": "2026-13-25"}), "not an ISO date"),
        (
            _document(
                {"title": "Christmas Day", "date": "2026-12-25"},
                {"title": "Boxing Day", "date": "2026-12-25"},
            ),
            r"event 1 \(Boxing Day\) repeats 2026-12-25 \(Christmas Day\)",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "unknown-division",
        "division-not-an-object",
        "mislabelled-division",
        "event-not-an-object",
        "no-title",
        "no-date",
        "uk-date-format",
        "basic-iso-format",
        "impossible-date",
        "duplicate-date",
    ],
)
def test_malformed_gov_uk_documents_are_rejected_with_a_clear_message(
    document: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_govuk_bank_holidays(document, division="england-and-wales")  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
working_days = st.integers(min_value=0, max_value=40)
cutoffs = st.sampled_from([HMPPS_CUTOFF, WORKDAY_END])
days_in_range = st.dates(min_value=date(2025, 12, 1), max_value=date(2028, 1, 31))


@given(start=instants, days=working_days, cutoff=cutoffs)
def test_deadline_is_five_oclock_on_a_working_day_and_never_before_start(
    start: datetime, days: int, cutoff: time
) -> None:
    due = CAL.add_working_days(start=start, days=days, cutoff=cutoff)
    local = due.astimezone(LONDON)
    assert due.tzinfo is UTC
    assert local.time() == WORKDAY_END
    assert CAL.is_working_day(local.date())
    assert due >= start


@given(start=instants, days=working_days, cutoff=cutoffs)
def test_working_days_between_inverts_add_working_days(
    start: datetime, days: int, cutoff: time
) -> None:
    day_zero = CAL.clock_start(start, cutoff=cutoff).astimezone(LONDON).date()
    due = CAL.add_working_days(start=start, days=days, cutoff=cutoff)
    due_day = due.astimezone(LONDON).date()
    assert CAL.working_days_between(a=day_zero, b=due_day) == days


@given(start=instants, days=st.integers(min_value=0, max_value=39))
def test_one_more_working_day_is_the_next_working_day(start: datetime, days: int) -> None:
    due = CAL.add_working_days(start=start, days=days).astimezone(LONDON).date()
    later = CAL.add_working_days(start=start, days=days + 1).astimezone(LONDON).date()
    assert later == CAL.next_working_day(due)


@given(start=instants, cutoff=cutoffs)
def test_same_day_clock_only_before_the_cutoff_on_a_working_day(
    start: datetime, cutoff: time
) -> None:
    local = start.astimezone(LONDON)
    clock = CAL.clock_start(start, cutoff=cutoff)
    same_day = CAL.is_working_day(local.date()) and local.time() < cutoff
    assert (clock.astimezone(LONDON).date() == local.date()) is same_day
    assert clock >= start


@given(a=days_in_range, b=days_in_range, c=days_in_range)
def test_working_days_between_matches_counting_day_by_day(a: date, b: date, c: date) -> None:
    lo, hi = min(a, b), max(a, b)
    counted = sum(
        1 for n in range(1, (hi - lo).days + 1) if CAL.is_working_day(lo + timedelta(days=n))
    )
    assert CAL.working_days_between(a=lo, b=hi) == counted
    assert CAL.working_days_between(a=a, b=b) == -CAL.working_days_between(a=b, b=a)
    assert CAL.working_days_between(a=a, b=b) + CAL.working_days_between(a=b, b=c) == (
        CAL.working_days_between(a=a, b=c)
    )


@given(start=instants, hours=st.integers(min_value=-1000, max_value=1000))
def test_add_hours_is_exact_elapsed_time(start: datetime, hours: int) -> None:
    assert CAL.add_hours(start=start, hours=hours) - start == timedelta(hours=hours)


@given(start=instants, days=st.integers(min_value=-400, max_value=400))
def test_calendar_days_keep_the_london_date_and_wall_clock(start: datetime, days: int) -> None:
    local = start.astimezone(LONDON)
    due = CAL.add_calendar_days(start=start, days=days).astimezone(LONDON)
    assert due.date() == local.date() + timedelta(days=days)
    # Only a wall time in the hour March skips may land elsewhere: one hour later.
    assert due.time() == local.time() or (
        due.month == 3 and (due.hour, due.minute) == (local.hour + 1, local.minute)
    )
