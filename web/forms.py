"""Form helpers shared by every app's pages: errors shaped for the GOV.UK error summary,
dates read from GOV.UK date boxes, and a service's errors put on the fields they name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict

SURROGATE_MESSAGE = "Text may not contain unpaired surrogate characters."
DATE_PARTS = ("day", "month", "year")
TIME_PARTS = ("hour", "minute")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None.

    NUL is refused by PostgreSQL. A lone UTF-16 surrogate (JSON's ``\\ud800``, or a form
    posted as multipart with ``charset=unicode_escape``) cannot be encoded as UTF-8 at all.
    Either would otherwise fail deep inside a write, as a 500.
    """
    if "\x00" in text:
        return "Text may not contain NUL."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _shown(value: Any) -> Any:
    """``value`` with NUL and lone surrogates replaced by U+FFFD, safe to show back."""
    if not isinstance(value, str):
        return value
    return "".join("\ufffd" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in value)


class GovukFormMixin:
    """Errors as the GOV.UK error summary lists them: in page order, each linked to its field.

    A field's anchor is its name (the templates give inputs their names as ids); errors not
    tied to a field link to ``non_field_anchor`` when one is set. A date is typed in boxes
    named ``<prefix>_day``, ``_month``, ``_year`` (and ``_hour``, ``_minute``), read by
    ``date_from_boxes``; its errors go on the day box, which carries the date's id.
    """

    non_field_anchor = ""

    def full_clean(self) -> None:
        """Refuse unstorable text on its field before any clean method sees it: one may
        query the database with it, or the view may go on to reserve a reference. The
        refused value is shown back with U+FFFD in place of what cannot be encoded (the
        page itself could not be sent otherwise)."""
        form: Any = self
        refused = self._unstorable_fields() if form.is_bound else {}
        if not refused:
            super().full_clean()  # type: ignore[misc]
            return
        data = form.data.copy()
        for key, _ in refused.values():
            if hasattr(data, "setlist"):
                data.setlist(key, [_shown(v) for v in data.getlist(key)])
            else:
                data[key] = _shown(data[key])
        form.data = data
        form._errors = ErrorDict(renderer=form.renderer)
        form.cleaned_data = {}
        for name, (_, problem) in refused.items():
            form.add_error(name, problem)

    def _unstorable_fields(self) -> dict[str, tuple[str, str]]:
        """field name -> (its key in the data, why its text cannot be stored)."""
        form: Any = self
        getlist = getattr(form.data, "getlist", None)
        refused = {}
        for name in form.fields:
            key = form.add_prefix(name)
            values = getlist(key) if getlist else [form.data.get(key)]
            for value in values:
                problem = unstorable(value) if isinstance(value, str) else None
                if problem:
                    refused[name] = (key, problem)
                    break
        return refused

    def date_from_boxes(
        self, prefix: str, label: str, *, with_time: bool = False
    ) -> date | datetime | None:
        """The date (a London date and time when ``with_time``) in ``prefix``'s boxes, from
        ``cleaned_data``. None when every box is blank, or when what was typed is not a real
        date: then the error, beginning with ``label``, is on the day box."""
        form: Any = self
        parts = DATE_PARTS + (TIME_PARTS if with_time else ())
        raw = {p: str(form.cleaned_data.get(f"{prefix}_{p}") or "") for p in parts}
        if not any(raw.values()):
            return None
        anchor = f"{prefix}_day"
        missing = [p for p in parts if not raw[p]]
        if missing:
            form.add_error(anchor, f"{label} must include a {' and '.join(missing)}")
            return None
        try:
            if not all(v.isdigit() for v in raw.values()) or len(raw["year"]) != 4:
                raise ValueError(prefix)
            day = date(int(raw["year"]), int(raw["month"]), int(raw["day"]))
            if not with_time:
                return day
            return datetime(
                day.year,
                day.month,
                day.day,
                int(raw["hour"]),
                int(raw["minute"]),
                tzinfo=ZoneInfo(settings.TIME_ZONE),
            )
        except ValueError:
            form.add_error(
                anchor, f"{label} must be a real date" + (" and time" if with_time else "")
            )
            return None

    def date_text(self, prefix: str, label: str, *, with_time: bool = False) -> str | None:
        """``date_from_boxes`` as ISO 8601 text, as the API and the services take it."""
        when = self.date_from_boxes(prefix, label, with_time=with_time)
        return when.isoformat() if when else None

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """Put the errors a service or validator gave (payload path -> message) on the
        fields they name (``field_for_path``), in the page's words (``reword``). A field
        that already has an error keeps it: it explains what was typed better than a
        complaint about the value read from it. A path with no field is a form error."""
        form: Any = self
        for path, message in errors.items():
            field = self.field_for_path(path)
            if field is not None and field in form.errors:
                continue
            form.add_error(field, self.reword(path, message))

    def field_for_path(self, path: str) -> str | None:
        """The field a payload path's error belongs to, or None for the whole form."""
        form: Any = self
        return path if path in form.fields else None

    def reword(self, path: str, message: str) -> str:
        """The page's words for a service's message about ``path``."""
        return message

    def error_summary(self) -> list[dict[str, str]]:
        form: Any = self
        if not form.is_bound or not form.errors:
            return []
        href = f"#{self.non_field_anchor}" if self.non_field_anchor else ""
        summary = [{"href": href, "text": str(e)} for e in form.non_field_errors()]
        for name in form.fields:
            errors = form.errors.get(name)
            if errors:
                summary.append({"href": f"#{name}", "text": str(errors[0])})
        return summary


def _date_part() -> forms.CharField:
    return forms.CharField(required=False, strip=True, max_length=4)


class DateRangeForm(GovukFormMixin, forms.Form):
    """A search or report period as two GOV.UK date inputs, ``from`` and ``to`` (both
    optional, inclusive). ``cleaned_data`` gains ``since`` and ``until`` (dates or None)."""

    from_day = _date_part()
    from_month = _date_part()
    from_year = _date_part()
    to_day = _date_part()
    to_month = _date_part()
    to_year = _date_part()
    date_labels = {"from": "The start date", "to": "The end date"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since = self.date_from_boxes("from", self.date_labels["from"])
        until = self.date_from_boxes("to", self.date_labels["to"])
        cleaned["since"], cleaned["until"] = since, until
        if since and until and until < since:
            self.add_error("to_day", "The end date must be the same as or after the start date")
        return cleaned
