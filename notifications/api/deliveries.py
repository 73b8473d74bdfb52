"""Delivery records: the list managers and auditors review, retrying a dead one, and the
shape a case's history shows its deliveries in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import AgencyRefSerializer, PersonSerializer
from notifications.api.inbox import EventRefSerializer
from notifications.models import Delivery, DeliveryStatus, Endpoint
from notifications.selectors import deliveries_for_user
from notifications.services import delivery_retry
from partners.models import Role
from partners.selectors import user_has_role
from web.api import valid_query


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class DeliveryEndpointSerializer(serializers.ModelSerializer[Endpoint]):
    agency = AgencyRefSerializer()

    class Meta:
        model = Endpoint
        fields = ["id", "name", "channel", "agency"]


@extend_schema_field(
    {"type": "number", "nullable": True, "description": "Seconds from event to delivery."}
)
class LatencyField(serializers.Field[Any, Any, Any, Any]):
    def to_representation(self, value: Any) -> float:
        return round(value.total_seconds(), 3)


class CaseDeliverySerializer(serializers.ModelSerializer[Delivery]):
    """One delivery of a case's event, as its history shows it: to an agency's endpoint
    (name and agency, never the address) or to a person's inbox."""

    endpoint = DeliveryEndpointSerializer(allow_null=True)
    recipient = PersonSerializer(source="user", allow_null=True)
    latency = LatencyField(allow_null=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "endpoint",
            "recipient",
            "status",
            "attempts",
            "created_at",
            "delivered_at",
            "latency",
        ]


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    """A delivery to an agency's endpoint, with what went wrong, for managers and auditors."""

    event = EventRefSerializer()
    endpoint = DeliveryEndpointSerializer()
    latency = LatencyField(allow_null=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "endpoint",
            "channel",
            "status",
            "attempts",
            "last_error",
            "reference",
            "created_at",
            "next_attempt_at",
            "sent_at",
            "failed_at",
            "delivered_at",
            "latency",
        ]


class DeliveryQuery(forms.Form):
    status = forms.ChoiceField(choices=DeliveryStatus.choices, required=False)
    agency = forms.CharField(max_length=50, required=False)


class CanReviewDeliveries(BasePermission):
    message = "Deliveries are open to managers (their agency's) and auditors."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_has_role(request.user, Role.MANAGER, Role.AUDITOR)


class DeliveryListView(generics.GenericAPIView[Delivery]):
    """Deliveries to agencies' endpoints, newest first: managers see their agency's,
    auditors every agency's. ``?status=dead`` is the dead-letter list."""

    permission_classes = [IsAuthenticated, CanReviewDeliveries]
    queryset = Delivery.objects.none()  # the schema's model; rows come from a selector
    serializer_class = DeliverySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("agency", str, description="Agency code of the endpoint."),
        ],
        responses=DeliverySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = valid_query(DeliveryQuery(request.query_params))
        deliveries = deliveries_for_user(
            user=request.user,
            status=params["status"] or None,
            agency_code=params["agency"].strip() or None,
        )
        page = self.paginate_queryset(deliveries) or []
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryRetryView(generics.GenericAPIView[Delivery]):
    permission_classes = [IsAuthenticated, CanReviewDeliveries]
    serializer_class = DeliverySerializer

    @extend_schema(
        request=None,
        responses={
            200: DeliverySerializer,
            409: OpenApiResponse(description="Not dead, or its endpoint is deactivated."),
        },
        description="Send a dead delivery again from its first attempt: managers of the "
        "endpoint's agency (an auditor may see it but not retry it: 403).",
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = deliveries_for_user(user=request.user).filter(pk=pk).first()
        if delivery is None:
            raise exceptions.NotFound()
        try:
            delivery_retry(delivery_id=delivery.pk, by=request.user)
        except DjangoValidationError as exc:
            # The row's state, not the request, is at fault: a conflict, as for transitions.
            raise Conflict(" ".join(exc.messages)) from exc
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)
