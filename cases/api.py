"""API support every app's endpoints share: strict input, need-to-know case lookup, role gates.

It lives in ``cases`` because each app with endpoints (referrals, workflows, notifications)
may import it; the endpoints themselves live in the app whose data they show. Errors become
RFC 9457 problem details in ``config.problems``; paging, parsing and rate limits are set in
``settings.REST_FRAMEWORK``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import register_converter
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from cases.access import (
    RAISE_REFUSED,
    Visibility,
    can_raise_referrals,
    can_read_audit_trail,
    can_read_reports,
    case_visibility,
)
from cases.models import Case
from partners.models import Agency, Ward


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


def visible_case_or_404(user: Any, pk: int) -> tuple[Case, Visibility]:
    """The case and how much of it the user may see; 404 when they may see none of it.

    A case the caller may not see is always a 404, never a 403: a 403 would confirm it exists.
    """
    case = (
        Case.objects.for_user(user)
        .select_related("ward", "responsible_agency", "assigned_officer")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound()
    return case, case_visibility(user, case)


class CanRaiseReferrals(BasePermission):
    message = RAISE_REFUSED

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or bool(can_raise_referrals(request.user))


class CanReadAuditTrail(BasePermission):
    message = "The audit trail is open to managers (their agency's cases) and auditors."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(can_read_audit_trail(request.user))


class CanReadReports(BasePermission):
    message = "Reports are open to managers and auditors."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(can_read_reports(request.user))


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


class DateRangeQuery(forms.Form):
    """``?from=&to=`` for a report: London dates, both optional, both inclusive."""

    # "from" is a Python keyword, so both fields are added by name.
    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["from"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
        self.fields["to"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "Must be on or after 'from'.")
        if end and end >= date.max:
            self.add_error("to", "Enter a date before 9999-12-31.")
        return cleaned


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


class AgencyRefSerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "code", "name"]


class WardRefSerializer(serializers.ModelSerializer[Ward]):
    class Meta:
        model = Ward
        fields = ["code", "name"]


class PersonSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class CaseRefSerializer(serializers.ModelSerializer[Case]):
    """A case as the referrer of a VAWG case sees it: reference and state, nothing more."""

    visibility = constant_field(Visibility.OUTLINE.value)

    class Meta:
        model = Case
        fields = ["id", "reference", "kind", "state", "visibility"]


class CaseSummarySerializer(serializers.ModelSerializer[Case]):
    """A case in a list, for a caller who may see it in full."""

    ward = WardRefSerializer()
    responsible_agency = AgencyRefSerializer()
    visibility = constant_field(Visibility.FULL.value)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "kind",
            "category",
            "state",
            "risk",
            "ward",
            "responsible_agency",
            "opened_at",
            "updated_at",
            "closed_at",
            "version",
            "visibility",
        ]


def case_rows(cases: list[Case], *, full_ids: set[int]) -> list[dict[str, Any]]:
    """Each case in full or in outline, by what the caller may see."""
    return [
        CaseSummarySerializer(c).data if c.pk in full_ids else CaseRefSerializer(c).data
        for c in cases
    ]


def csv_cell(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell."""
    # Formula injection: text starting with = + - @ would run as a formula.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


class CsvRenderer(BaseRenderer):
    """Renders ``data[rows_key]`` (a list of dicts) as CSV with ``columns`` in order; a
    subclass may adjust each row's cells in ``cells``. Errors never reach a renderer: they
    are problem documents (config.problems)."""

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


register_converter(IdConverter, "id")
