"""Notification endpoints: an agency's endpoints and subscriptions (its managers only), the
caller's in-app inbox, and the delivery records managers and auditors review.

Thin: reads through ``notifications.selectors``, writes through ``notifications.services``
(which check every target, the SSRF guard included, and raise errors naming the field).
Secrets are write-only: a webhook's signing secret is in the response that creates or
rotates it and nowhere else; a Notify API key is never returned.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
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

from cases.api import AgencyRefSerializer, StrictSerializer, service_errors, valid_query
from cases.models import CaseKind
from notifications.events import EVENT_TYPES
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Endpoint,
    InboxItem,
    OutboxEvent,
    Subscription,
)
from notifications.selectors import (
    agency_endpoints,
    agency_subscriptions,
    endpoint_deliveries_for_oversight,
    inbox_items,
    inbox_unread_count,
)
from notifications.services import (
    delivery_retry,
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
    inbox_mark_all_read,
    inbox_mark_read,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from partners.models import Agency, Role
from partners.selectors import user_has_role


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def managed_agency(user: Any, agency_id: int) -> Agency:
    """The agency, if ``user`` is one of its managers: 404 for no such agency; 403 for
    anyone else (agencies are public within the service: /api/v1/meta/ lists them)."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise exceptions.NotFound()
    if not user_has_role(user, Role.MANAGER, agency=agency):
        raise exceptions.PermissionDenied(
            "Only the agency's managers look after its notification set-up."
        )
    return agency


# --- Endpoints --------------------------------------------------------------------------


class EndpointSerializer(serializers.ModelSerializer[Endpoint]):
    agency = AgencyRefSerializer()
    has_secret = serializers.SerializerMethodField(
        help_text="A webhook's signing secret is set (it is shown only on create and rotate)."
    )
    has_notify_api_key = serializers.SerializerMethodField()

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "agency",
            "channel",
            "name",
            "email_address",
            "url",
            "allow_private",
            "notify_template_id",
            "notify_base_url",
            "has_notify_api_key",
            "has_secret",
            "is_active",
            "created_at",
            "updated_at",
        ]

    def get_has_secret(self, endpoint: Endpoint) -> bool:
        return bool(endpoint.secret)

    def get_has_notify_api_key(self, endpoint: Endpoint) -> bool:
        return bool(endpoint.notify_api_key)


class EndpointWithSecretSerializer(EndpointSerializer):
    """An endpoint just created or given a new secret: the only time the secret is shown."""

    secret = serializers.SerializerMethodField(
        help_text="The webhook's Standard Webhooks signing secret (whsec_...): give it to the "
        "receiver now, it is not shown again. null for email and Notify."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]

    def get_secret(self, endpoint: Endpoint) -> str | None:
        return endpoint.secret or None


class EndpointChangeSerializer(StrictSerializer):
    """What a manager may set on an endpoint. ``allow_private`` (webhooks to private
    addresses) is an administrator's decision, so it is read-only here."""

    name = serializers.CharField(max_length=100)
    email_address = serializers.CharField(max_length=254, allow_blank=True, required=False)
    url = serializers.CharField(max_length=500, allow_blank=True, required=False)
    notify_api_key = serializers.CharField(
        max_length=200, allow_blank=True, required=False, write_only=True
    )
    notify_template_id = serializers.UUIDField(allow_null=True, required=False)
    notify_base_url = serializers.CharField(max_length=200, allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False)
    allow_private = serializers.BooleanField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)


class EndpointCreateSerializer(EndpointChangeSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)


class AgencyEndpointsView(generics.GenericAPIView[Endpoint]):
    """The agency's notification endpoints (its managers only)."""

    queryset = Endpoint.objects.none()  # the schema's model; rows come from a selector
    serializer_class = EndpointSerializer

    @extend_schema(responses=EndpointSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        managed_agency(request.user, pk)
        page = self.paginate_queryset(agency_endpoints(agency_id=pk)) or []
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    @extend_schema(
        request=EndpointCreateSerializer,
        responses={201: EndpointWithSecretSerializer},
        description="A webhook URL must resolve to public addresses only. The response "
        "carries the webhook's signing secret, once.",
    )
    def post(self, request: Request, pk: int) -> Response:
        agency = managed_agency(request.user, pk)
        body = EndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            endpoint = endpoint_create(agency=agency, by=request.user, **body.validated_data)
        return Response(EndpointWithSecretSerializer(endpoint).data, status=201)


def _agency_endpoint(request: Request, pk: int, endpoint_id: int) -> Endpoint:
    managed_agency(request.user, pk)
    endpoint = agency_endpoints(agency_id=pk).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise exceptions.NotFound()
    return endpoint


class AgencyEndpointDetailView(generics.GenericAPIView[Endpoint]):
    serializer_class = EndpointSerializer

    @extend_schema(responses=EndpointSerializer)
    def get(self, request: Request, pk: int, endpoint_id: int) -> Response:
        return Response(EndpointSerializer(_agency_endpoint(request, pk, endpoint_id)).data)

    @extend_schema(
        request=EndpointChangeSerializer,
        responses=EndpointSerializer,
        description="Change any of the fields sent; the channel cannot change.",
    )
    def patch(self, request: Request, pk: int, endpoint_id: int) -> Response:
        endpoint = _agency_endpoint(request, pk, endpoint_id)
        body = EndpointChangeSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with service_errors():
            endpoint = endpoint_update(
                endpoint_id=endpoint.pk, by=request.user, changes=body.validated_data
            )
        return Response(EndpointSerializer(endpoint).data)


class AgencyEndpointRotateSecretView(generics.GenericAPIView[Endpoint]):
    serializer_class = EndpointWithSecretSerializer

    @extend_schema(
        request=None,
        responses=EndpointWithSecretSerializer,
        description="Give a webhook endpoint a new signing secret; the old one stops "
        "working at once. The response carries the new secret, once.",
    )
    def post(self, request: Request, pk: int, endpoint_id: int) -> Response:
        endpoint = _agency_endpoint(request, pk, endpoint_id)
        with service_errors():
            endpoint = endpoint_rotate_secret(endpoint_id=endpoint.pk, by=request.user)
        return Response(EndpointWithSecretSerializer(endpoint).data)


# --- Subscriptions ----------------------------------------------------------------------


class SubscriptionSerializer(serializers.ModelSerializer[Subscription]):
    agency = AgencyRefSerializer()
    endpoint = serializers.PrimaryKeyRelatedField[Endpoint](read_only=True)
    event_types = serializers.ListField(child=serializers.CharField())
    kinds = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Subscription
        fields = [
            "id",
            "agency",
            "endpoint",
            "event_types",
            "kinds",
            "is_active",
            "created_at",
            "updated_at",
        ]


class SubscriptionChangeSerializer(StrictSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        max_length=len(EVENT_TYPES),
        required=False,
        help_text="Event types to hear; empty: all of them.",
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=CaseKind.choices),
        max_length=len(CaseKind.values),
        required=False,
        help_text="Kinds of case to hear about; empty: all of them.",
    )
    is_active = serializers.BooleanField(required=False)
    endpoint = serializers.IntegerField(read_only=True)


class SubscriptionCreateSerializer(SubscriptionChangeSerializer):
    endpoint = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="One of this agency's endpoints (one subscription each).",
    )


class AgencySubscriptionsView(generics.GenericAPIView[Subscription]):
    """What the agency hears of cases it takes part in but does not lead."""

    queryset = Subscription.objects.none()  # the schema's model; rows come from a selector
    serializer_class = SubscriptionSerializer

    @extend_schema(responses=SubscriptionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        managed_agency(request.user, pk)
        page = self.paginate_queryset(agency_subscriptions(agency_id=pk)) or []
        return self.get_paginated_response(SubscriptionSerializer(page, many=True).data)

    @extend_schema(request=SubscriptionCreateSerializer, responses={201: SubscriptionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        managed_agency(request.user, pk)
        body = SubscriptionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        endpoint = agency_endpoints(agency_id=pk).filter(pk=values.pop("endpoint")).first()
        if endpoint is None:
            raise exceptions.ValidationError({"endpoint": "This agency has no such endpoint."})
        with service_errors():
            subscription = subscription_create(endpoint=endpoint, by=request.user, **values)
        return Response(SubscriptionSerializer(subscription).data, status=201)


def _agency_subscription(request: Request, pk: int, subscription_id: int) -> Subscription:
    managed_agency(request.user, pk)
    subscription = agency_subscriptions(agency_id=pk).filter(pk=subscription_id).first()
    if subscription is None:
        raise exceptions.NotFound()
    return subscription


class AgencySubscriptionDetailView(generics.GenericAPIView[Subscription]):
    serializer_class = SubscriptionSerializer

    @extend_schema(responses=SubscriptionSerializer)
    def get(self, request: Request, pk: int, subscription_id: int) -> Response:
        subscription = _agency_subscription(request, pk, subscription_id)
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(request=SubscriptionChangeSerializer, responses=SubscriptionSerializer)
    def patch(self, request: Request, pk: int, subscription_id: int) -> Response:
        subscription = _agency_subscription(request, pk, subscription_id)
        body = SubscriptionChangeSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with service_errors():
            subscription = subscription_update(
                subscription_id=subscription.pk, by=request.user, **body.validated_data
            )
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, subscription_id: int) -> Response:
        subscription = _agency_subscription(request, pk, subscription_id)
        subscription_delete(subscription_id=subscription.pk, by=request.user)
        return Response(status=204)


# --- The inbox --------------------------------------------------------------------------


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


# --- Deliveries -------------------------------------------------------------------------


class DeliveryEndpointSerializer(serializers.ModelSerializer[Endpoint]):
    agency = AgencyRefSerializer()

    class Meta:
        model = Endpoint
        fields = ["id", "name", "channel", "agency"]


class RecipientSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


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
    recipient = RecipientSerializer(source="user", allow_null=True)
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
        deliveries = endpoint_deliveries_for_oversight(
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
        delivery = endpoint_deliveries_for_oversight(user=request.user).filter(pk=pk).first()
        if delivery is None:
            raise exceptions.NotFound()
        try:
            delivery_retry(delivery_id=delivery.pk, by=request.user)
        except DjangoValidationError as exc:
            # The row's state, not the request, is at fault: a conflict, as for transitions.
            raise Conflict(" ".join(exc.messages)) from exc
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)


urlpatterns = [
    path("agencies/<id:pk>/endpoints/", AgencyEndpointsView.as_view(), name="api-endpoints"),
    path(
        "agencies/<id:pk>/endpoints/<id:endpoint_id>/",
        AgencyEndpointDetailView.as_view(),
        name="api-endpoint",
    ),
    path(
        "agencies/<id:pk>/endpoints/<id:endpoint_id>/rotate-secret/",
        AgencyEndpointRotateSecretView.as_view(),
        name="api-endpoint-rotate-secret",
    ),
    path(
        "agencies/<id:pk>/subscriptions/",
        AgencySubscriptionsView.as_view(),
        name="api-subscriptions",
    ),
    path(
        "agencies/<id:pk>/subscriptions/<id:subscription_id>/",
        AgencySubscriptionDetailView.as_view(),
        name="api-subscription",
    ),
    path("notifications/", InboxView.as_view(), name="api-inbox"),
    path("notifications/read-all/", InboxReadAllView.as_view(), name="api-inbox-read-all"),
    path("notifications/<id:pk>/read/", InboxItemReadView.as_view(), name="api-inbox-read"),
    path("deliveries/", DeliveryListView.as_view(), name="api-deliveries"),
    path("deliveries/<id:pk>/retry/", DeliveryRetryView.as_view(), name="api-delivery-retry"),
]
