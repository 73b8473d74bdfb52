"""The audit trail endpoint, and the audit entry shape a case's history shares."""

from __future__ import annotations

import django_filters
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from cases.access import audit_scope, is_auditor
from cases.api import CanReadAuditTrail
from web.api import BoundedIsoDateTimeFilter
from workflows.history import action_name, audit_entries_for_user, audit_filter_case


# Typed, so that its nullable has a type beside it (OpenAPI 3.0.3): untyped, strict clients
# read the field as never null.
@extend_schema_field({"type": "object", "additionalProperties": {}})
class ChangesField(serializers.JSONField):
    """auditlog's ``changes``: each changed field's ``[old, new]`` values (an object for a
    many-to-many change); null when the entry records none."""


class AuditEntrySerializer(serializers.ModelSerializer[LogEntry]):
    at = serializers.DateTimeField(source="timestamp")
    changes = ChangesField(
        read_only=True,
        allow_null=True,
        help_text="Each changed field's [old, new] values; null when none were recorded.",
    )
    action = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField[User](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "at",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "actor",
            "changes",
        ]

    def get_action(self, entry: LogEntry) -> str:
        return action_name(entry)

    def get_object_type(self, entry: LogEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"


class AuditTrailEntrySerializer(AuditEntrySerializer):
    class Meta(AuditEntrySerializer.Meta):
        fields = [*AuditEntrySerializer.Meta.fields, "remote_addr"]


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username", max_length=150)
    case = django_filters.CharFilter(
        method="filter_case", max_length=24, help_text="id or reference"
    )
    since = BoundedIsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = BoundedIsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")

    class Meta:
        model = LogEntry
        fields = ["actor", "case", "since", "until"]

    def filter_case(
        self, queryset: QuerySet[LogEntry], name: str, value: str
    ) -> QuerySet[LogEntry]:
        return audit_filter_case(queryset, value)


class AuditTrailView(generics.ListAPIView[LogEntry]):
    """The audit trail: every entry for auditors; for managers, entries about the cases
    their agency leads or takes part in. Newest first."""

    permission_classes = [CanReadAuditTrail]
    serializer_class = AuditTrailEntrySerializer
    filterset_class = AuditFilter

    def get_queryset(self) -> QuerySet[LogEntry]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return LogEntry.objects.none()
        user = self.request.user
        return audit_entries_for_user(scope=audit_scope(user), everything=bool(is_auditor(user)))
