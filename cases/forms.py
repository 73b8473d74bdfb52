"""Form helpers shared by every app's pages: errors shaped for the GOV.UK error summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms


class GovukFormMixin:
    """Errors as the GOV.UK error summary lists them: in page order, each linked to its field.

    A field's anchor is its name (the templates give inputs their names as ids); errors not
    tied to a field link to ``non_field_anchor`` when one is set.
    """

    non_field_anchor = ""

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
