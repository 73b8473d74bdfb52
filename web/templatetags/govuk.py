"""The ``govuk`` template library: GOV.UK Frontend form components drawn from a bound
Django form, and small filters every page uses (``get_item``, ``time_left``).

Each tag takes the form and a field name and renders the Design System's markup, with the
field's value, its error message (linked from the error summary by the field's id) and
``aria-describedby`` for hint and error. Field ids are the field names, so an error
summary links to ``#<name>``; a radio group's first input and a date's day input carry
that id, as the Design System's error summary pattern expects.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms, template

register = template.Library()


def _error(form: forms.BaseForm, *names: str) -> str:
    for name in names:
        errors = form.errors.get(name)
        if errors:
            return str(errors[0])
    return ""


def _value(form: forms.BaseForm, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


def _asked(form: forms.BaseForm, name: str, label: str, hint: str) -> tuple[str, str]:
    """The label and hint given in the template, else the field's own (a form whose fields
    follow a declared shape carries its questions on the fields)."""
    field = form.fields.get(name)
    if field is None:  # date boxes: the form's questions (and hints), by prefix
        question, own_hint = getattr(form, "questions", {}).get(name, ("", ""))
        return label or question, hint or own_hint
    return label or str(field.label or ""), hint or str(field.help_text or "")


def _described_by(name: str, hint: str, error: str) -> str:
    ids = ([f"{name}-hint"] if hint else []) + ([f"{name}-error"] if error else [])
    return " ".join(ids)


def _flat_items(choices: Any) -> list[dict[str, Any]]:
    """Choices as groups of items; ungrouped choices form one group with no heading."""
    groups: list[dict[str, Any]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            groups.append(
                {"heading": value, "items": [{"value": v, "label": lb} for v, lb in label]}
            )
        else:
            if not groups or groups[-1]["heading"]:
                groups.append({"heading": "", "items": []})
            groups[-1]["items"].append({"value": value, "label": label})
    return groups


@register.inclusion_tag("govuk/input.html")
def govuk_input(
    form: forms.BaseForm,
    name: str,
    label: str = "",
    hint: str = "",
    width: str = "",
    input_type: str = "text",
    autocomplete: str = "",
    inputmode: str = "",
    heading: bool = False,
) -> dict[str, Any]:
    label, hint = _asked(form, name, label, hint)
    error = _error(form, name)
    return {
        "name": name,
        "label": label,
        "hint": hint,
        "error": error,
        "value": _value(form, name),
        "width": width,
        "input_type": input_type,
        "autocomplete": autocomplete,
        "inputmode": inputmode,
        "heading": heading,
        "described_by": _described_by(name, hint, error),
    }


@register.inclusion_tag("govuk/textarea.html")
def govuk_textarea(
    form: forms.BaseForm,
    name: str,
    label: str = "",
    hint: str = "",
    rows: int = 5,
    heading: bool = False,
) -> dict[str, Any]:
    label, hint = _asked(form, name, label, hint)
    error = _error(form, name)
    return {
        "name": name,
        "label": label,
        "hint": hint,
        "error": error,
        "value": _value(form, name),
        "rows": rows,
        "heading": heading,
        "described_by": _described_by(name, hint, error),
    }


@register.inclusion_tag("govuk/select.html")
def govuk_select(
    form: forms.BaseForm, name: str, label: str = "", hint: str = "", htmx_url: str = ""
) -> dict[str, Any]:
    label, hint = _asked(form, name, label, hint)
    error = _error(form, name)
    field = form.fields[name]
    return {
        "name": name,
        "label": label,
        "hint": hint,
        "error": error,
        "value": _value(form, name),
        "groups": _flat_items(getattr(field, "choices", [])),
        "htmx_url": htmx_url,
        "described_by": _described_by(name, hint, error),
    }


@register.inclusion_tag("govuk/radios.html")
def govuk_radios(
    form: forms.BaseForm,
    name: str,
    legend: str = "",
    hint: str = "",
    inline: bool = False,
    small: bool = False,
    legend_size: str = "m",
    heading: bool = False,
) -> dict[str, Any]:
    legend, hint = _asked(form, name, legend, hint)
    error = _error(form, name)
    field = form.fields[name]
    groups = _flat_items(getattr(field, "choices", []))
    # The first radio carries the group's id (the error summary's target); the rest -2, -3...
    n = 0
    for group in groups:
        for item in group["items"]:
            n += 1
            item["id"] = name if n == 1 else f"{name}-{n}"
    return {
        "name": name,
        "legend": legend,
        "hint": hint,
        "error": error,
        "value": _value(form, name),
        "groups": groups,
        "inline": inline,
        "small": small,
        "legend_size": legend_size,
        "heading": heading,
        "described_by": _described_by(name, hint, error),
    }


@register.inclusion_tag("govuk/date.html")
def govuk_date(
    form: forms.BaseForm,
    prefix: str,
    legend: str = "",
    hint: str = "",
    with_time: bool = False,
    legend_size: str = "m",
) -> dict[str, Any]:
    legend, hint = _asked(form, prefix, legend, hint)
    parts = [("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)]
    if with_time:
        parts += [("hour", "Hour", 2), ("minute", "Minute", 2)]
    names = [f"{prefix}_{part}" for part, _, _ in parts]
    error = _error(form, *names)
    return {
        "prefix": prefix,
        "legend": legend,
        "hint": hint,
        "error": error,
        "legend_size": legend_size,
        "items": [
            {
                "name": f"{prefix}_{part}",
                "label": label,
                "width": width,
                "value": _value(form, f"{prefix}_{part}"),
                "invalid": bool(error),
            }
            for part, label, width in parts
        ],
        "described_by": _described_by(prefix, hint, error),
    }


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"errors": errors}


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping|get_item:key``: a dictionary lookup with a variable key."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return ""


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def duration_words(delta: timedelta) -> str:
    """A length of time in words, to the two largest units: "2 days 3 hours", "40 minutes"."""
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    return _plural(minutes, "minute") if minutes else "less than a minute"


@register.filter
def time_left(due: datetime, now: datetime) -> str:
    """``due|time_left:now``: "3 days 2 hours left" or "5 hours overdue"."""
    if not isinstance(due, datetime) or not isinstance(now, datetime):
        return ""
    delta = due - now
    return f"{duration_words(delta)} {'left' if delta.total_seconds() > 0 else 'overdue'}"
