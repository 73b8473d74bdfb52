"""The one GOV.UK form base: date boxes read once, a service's errors put on their fields."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import forms

from web.forms import GovukFormMixin

LONDON = ZoneInfo("Europe/London")


def _box() -> forms.CharField:
    return forms.CharField(required=False, strip=True)


class VisitForm(GovukFormMixin, forms.Form):
    note = _box()
    seen_on_day = _box()
    seen_on_month = _box()
    seen_on_year = _box()
    visit_at_day = _box()
    visit_at_month = _box()
    visit_at_year = _box()
    visit_at_hour = _box()
    visit_at_minute = _box()

    def field_for_path(self, path: str) -> str | None:
        return {"details.seen_on": "seen_on_day"}.get(path) or super().field_for_path(path)

    def reword(self, path: str, message: str) -> str:
        return "Enter a note" if path == "note" else message


def _read(data: dict[str, str], prefix: str = "seen_on", *, with_time: bool = False) -> tuple:
    form = VisitForm(data)
    assert form.is_valid()
    return form.date_from_boxes(prefix, "The visit", with_time=with_time), form.error_summary()


def test_a_date_is_read_from_its_boxes_and_blank_boxes_are_no_date() -> None:
    assert _read({"seen_on_day": "3", "seen_on_month": "11", "seen_on_year": "2026"}) == (
        date(2026, 11, 3),
        [],
    )
    assert _read({}) == (None, [])


def test_a_date_and_time_is_london_time() -> None:
    boxes = {
        "visit_at_day": "29",
        "visit_at_month": "3",
        "visit_at_year": "2026",
        "visit_at_hour": "9",
        "visit_at_minute": "30",
    }
    when, errors = _read(boxes, "visit_at", with_time=True)
    assert (when, errors) == (datetime(2026, 3, 29, 9, 30, tzinfo=LONDON), [])


def test_missing_parts_are_named_on_the_day_box() -> None:
    assert _read({"seen_on_day": "3"}) == (
        None,
        [{"href": "#seen_on_day", "text": "The visit must include a month and year"}],
    )


def test_a_date_that_does_not_exist_is_not_a_real_date() -> None:
    assert _read({"seen_on_day": "30", "seen_on_month": "2", "seen_on_year": "2026"}) == (
        None,
        [{"href": "#seen_on_day", "text": "The visit must be a real date"}],
    )
    boxes = {
        "visit_at_day": "1",
        "visit_at_month": "3",
        "visit_at_year": "2026",
        "visit_at_hour": "25",
        "visit_at_minute": "0",
    }
    assert _read(boxes, "visit_at", with_time=True) == (
        None,
        [{"href": "#visit_at_day", "text": "The visit must be a real date and time"}],
    )


def test_service_errors_land_on_their_fields_in_the_pages_words() -> None:
    form = VisitForm({"seen_on_day": "x"})
    assert form.is_valid()
    form.add_error("seen_on_day", "The visit must be a real date")
    form.add_service_errors(
        {
            "note": "This field is required.",
            "details.seen_on": "Enter a date.",  # already explained on its field: kept
            "summary": "Too long.",  # no field on this page: an error of the whole form
        }
    )
    assert form.error_summary() == [
        {"href": "", "text": "Too long."},
        {"href": "#note", "text": "Enter a note"},
        {"href": "#seen_on_day", "text": "The visit must be a real date"},
    ]
