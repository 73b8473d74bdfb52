"""The caller's in-app inbox: list, mark one read, mark all read."""

from __future__ import annotations

from typing import Any

from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from notifications.models import InboxItem, OutboxEvent
from notifications.selectors import inbox_items, inbox_unread_count
from notifications.services import inbox_mark_all_read, inbox_mark_read
from web.api import valid_query


class EventRefSerializer(serializers.ModelSerializer[OutboxEvent]):
    """An event as partners receive it: ids and codes, never personal data."""

    case = serializers.IntegerField(source="case_id", allow_null=True)

    class Meta:
        model = OutboxEvent
        fields = ["id", "type", "occurred_at", "case", "case_reference", "kind", "data"]


class InboxItemSerializer(serializers.ModelSerializer[InboxItem]):
    event = EventRefSerializer()

    class Meta:
        model = InboxItem
        fields = ["id", "event", "created_at", "read_at"]


class InboxPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unread_count = serializers.IntegerField(help_text="Unread items in the whole inbox.")
    results = InboxItemSerializer(many=True)


class InboxQuery(forms.Form):
    unread = forms.NullBooleanField(required=False)


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="A page number within the results."),
    OpenApiParameter("page_size", int, description="Results per page (at most 200)."),
]


class InboxView(generics.GenericAPIView[InboxItem]):
    """The caller's own notifications, newest first."""

    serializer_class = InboxItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="true: unread items only."),
            *PAGE_PARAMETERS,
        ],
        responses=InboxPageSerializer,
    )
    def get(self, request: Request) -> Response:
        unread = valid_query(InboxQuery(request.query_params))["unread"]
        items = inbox_items(user=request.user, unread_only=bool(unread))
        page = self.paginate_queryset(items.order_by("-created_at", "-pk")) or []
        response = self.get_paginated_response(InboxItemSerializer(page, many=True).data)
        response.data["unread_count"] = inbox_unread_count(request.user)
        return response


class InboxItemReadView(generics.GenericAPIView[InboxItem]):
    serializer_class = InboxItemSerializer

    @extend_schema(request=None, responses=InboxItemSerializer)
    def post(self, request: Request, pk: int) -> Response:
        try:
            item = inbox_mark_read(item_id=pk, user=request.user)
        except InboxItem.DoesNotExist as exc:
            raise exceptions.NotFound() from exc  # someone else's item is as good as none
        return Response(InboxItemSerializer(item).data)


class ReadAllSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(help_text="Items that were unread.")
    unread_count = serializers.IntegerField()


class InboxReadAllView(generics.GenericAPIView[InboxItem]):
    serializer_class = ReadAllSerializer

    @extend_schema(request=None, responses=ReadAllSerializer)
    def post(self, request: Request) -> Response:
        marked = inbox_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread_count": inbox_unread_count(request.user)})
