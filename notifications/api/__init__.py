"""The notifications app's endpoints: agencies' set-up, the inbox, deliveries."""

from __future__ import annotations

from django.urls import path

from notifications.api.agencies import (
    AgencyEndpointDetailView,
    AgencyEndpointRotateSecretView,
    AgencyEndpointsView,
    AgencySubscriptionDetailView,
    AgencySubscriptionsView,
)
from notifications.api.deliveries import DeliveryListView, DeliveryRetryView
from notifications.api.inbox import InboxItemReadView, InboxReadAllView, InboxView

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
