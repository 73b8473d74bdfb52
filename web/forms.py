"""Form helpers shared by every app's pages: errors shaped for the GOV.UK error summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

SURROGATE_MESSAGE = "Text may not contain unpaired surrogate characters."


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
    tied to a field link to ``non_field_anchor`` when one is set.
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
        cleaned["since"] = self._date("from", cleaned)
        cleaned["until"] = self._date("to", cleaned)
        since, until = cleaned["since"], cleaned["until"]
        if since and until and until < since:
            self.add_error("to_day", "The end date must be the same as or after the start date")
        return cleaned

    def _date(self, prefix: str, cleaned: dict[str, Any]) -> date | None:
        label = self.date_labels[prefix]
        parts = {p: cleaned.get(f"{prefix}_{p}") or "" for p in ("day", "month", "year")}
        if not any(parts.values()):
            return None
        missing = [p for p, v in parts.items() if not v]
        if missing:
            self.add_error(f"{prefix}_day", f"{label} must include a {' and '.join(missing)}")
            return None
        try:
            if not all(v.isdigit() for v in parts.values()) or len(parts["year"]) != 4:
                raise ValueError(prefix)
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            self.add_error(f"{prefix}_day", f"{label} must be a real date")
            return None
