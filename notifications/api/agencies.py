"""An agency's notification set-up: its endpoints and subscriptions, for its managers only.

Thin: reads through ``notifications.selectors``, writes through ``notifications.services``
(which check every target, the SSRF guard included, and raise errors naming the field).
Secrets are write-only: a webhook's signing secret is in the response that creates or
rotates it and nowhere else; a Notify API key is never returned.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import AgencyRefSerializer
from cases.models import CaseKind
from notifications.events import EVENT_TYPES
from notifications.models import Channel, Endpoint, Subscription
from notifications.selectors import agency_endpoints, agency_subscriptions
from notifications.services import (
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from partners.models import Agency, Role
from partners.selectors import user_has_role
from web.api import StrictSerializer, service_errors
from web.idempotency import IdempotentCreateMixin


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
    addresses) and ``notify_base_url`` (where the Notify token is sent, GOV.UK Notify when
    blank) decide where the server connects: an administrator's decision, read-only here."""

    name = serializers.CharField(max_length=100)
    email_address = serializers.CharField(max_length=254, allow_blank=True, required=False)
    url = serializers.CharField(max_length=500, allow_blank=True, required=False)
    notify_api_key = serializers.CharField(
        max_length=200, allow_blank=True, required=False, write_only=True
    )
    notify_template_id = serializers.UUIDField(allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)
    allow_private = serializers.BooleanField(read_only=True)
    notify_base_url = serializers.CharField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)


class EndpointCreateSerializer(EndpointChangeSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)


class AgencyEndpointsView(IdempotentCreateMixin, generics.GenericAPIView[Endpoint]):
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
        description="Change any of the fields sent; the channel cannot change. A new URL "
        "withdraws an administrator's approval of private addresses (allow_private).",
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


class AgencySubscriptionsView(IdempotentCreateMixin, generics.GenericAPIView[Subscription]):
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
