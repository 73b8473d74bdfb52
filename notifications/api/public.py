"""What other apps' endpoints may use of the notifications API: a case's notifications,
each with who was told, in the shape its history shows them. Other apps import this module,
never the serializers, selectors or models behind it (``pyproject.toml`` holds workflows to
that)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case
from notifications.api.deliveries import CaseDeliverySerializer
from notifications.models import Delivery
from notifications.selectors import case_events, deliveries_by_event


class NotificationEventSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    type = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    agencies = serializers.ListField(child=serializers.CharField())
    data = serializers.JSONField()  # type: ignore[assignment]
    published_at = serializers.DateTimeField(allow_null=True)
    deliveries = serializers.SerializerMethodField()

    @extend_schema_field(CaseDeliverySerializer(many=True))
    def get_deliveries(self, event: Any) -> Any:
        """Who was told, how, and when: one row per endpoint or inbox."""
        rows: list[Delivery] = self.context["deliveries"].get(event.id, [])
        return CaseDeliverySerializer(rows, many=True).data


def case_notification_rows(*, case: Case, user: Any) -> list[dict[str, Any]]:
    """The events about ``case`` that ``user`` may read on its record
    (``notifications.selectors.case_events``), oldest first, each with its deliveries."""
    events = list(case_events(case=case, user=user).order_by("occurred_at", "id"))
    deliveries = deliveries_by_event(event_ids=[event.id for event in events])
    context = {"deliveries": deliveries}
    return NotificationEventSerializer(events, many=True, context=context).data  # type: ignore[return-value]
