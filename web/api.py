"""API building blocks every app's endpoints share: strict input, service errors as 400s,
bounded date-time filters, query-string forms, constant fields, CSV rendering, path ids.

Errors become RFC 9457 problem details in ``web.problems``; paging, parsing and rate limits
are set in ``settings.REST_FRAMEWORK`` (``web.rest``). Need-to-know lookups and role gates
are the domain's: ``cases.api``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import register_converter
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from web.csv_export import csv_cell


class StrictSerializer(serializers.Serializer):
    """Rejects any field it does not declare: a typo must fail loudly, not be ignored."""

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, Any] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {
                str(key): ["This field is read-only." if key in self.fields else "Unknown field."]
                for key in data
                if key not in writable
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Report every problem at once: the unknown fields and the invalid known ones.
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update(unknown)
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


@contextmanager
def service_errors() -> Iterator[None]:
    """Run a service call, turning the ``django.core.exceptions.ValidationError`` it raises
    (a dict naming each field, as services do) into the API's 400 naming the same fields."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise serializers.ValidationError(exc.message_dict) from exc
        raise serializers.ValidationError({"body": exc.messages}) from exc


class _BoundedIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        result: datetime | None = super().to_python(value)
        if result is not None:
            try:
                # In UTC: PostgreSQL refuses offsets beyond +-15:59 such as -18:01.
                result = result.astimezone(UTC)
            except OverflowError as exc:
                # e.g. 0001-01-01T00:00+01:00 is before the first representable instant.
                raise forms.ValidationError("Enter a date and time within years 1-9999.") from exc
        return result


class BoundedIsoDateTimeFilter(IsoDateTimeFilter):
    """An ISO 8601 filter that refuses instants the database cannot represent."""

    field_class = _BoundedIsoDateTimeField


def valid_query(form: forms.Form) -> dict[str, Any]:
    """A query-string form's cleaned values, or a 400 naming each bad parameter."""
    if not form.is_valid():
        raise serializers.ValidationError(
            {field: [str(e) for e in errors] for field, errors in form.errors.items()}
        )
    return form.cleaned_data


def constant_field(value: str) -> serializers.SerializerMethodField:
    """A read-only field that always holds ``value`` (documented as a one-value enum, so a
    response matches exactly one branch of a oneOf)."""

    @extend_schema_field({"type": "string", "enum": [value]})
    class _Constant(serializers.SerializerMethodField):
        def to_representation(self, instance: Any) -> str:
            return value

    return _Constant()


class CsvRenderer(BaseRenderer):
    """Renders ``data[rows_key]`` (a list of dicts) as CSV with ``columns`` in order; a
    subclass may adjust each row's cells in ``cells``. Errors never reach a renderer: they
    are problem documents (web.problems). Cells go through ``web.csv_export.csv_cell``, the
    one guard against spreadsheet formulas."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    columns: list[str] = []
    rows_key = "rows"

    def cells(self, row: dict[str, Any], data: Any) -> dict[str, Any]:
        return row

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        for row in data[self.rows_key]:
            cells = self.cells(dict(row), data)
            writer.writerow([csv_cell(cells[c]) for c in self.columns])
        return out.getvalue().encode("utf-8")


class IdConverter:
    """Path ids: digits that fit a bigint, so an absurd id is a 404, not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# Registered on import: every API module with an ``<id:...>`` path imports this module.
register_converter(IdConverter, "id")
