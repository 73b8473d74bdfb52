"""Form helpers shared by every app's pages: errors shaped for the GOV.UK error summary."""

from __future__ import annotations

from typing import Any


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
