"""The admin writes through the same services as the API, and can retry the dead."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from notifications import services
from notifications.models import Delivery, DeliveryStatus, Endpoint, OutboxEvent, Subscription
from notifications.services import delivery_attempt, event_relay
from partners.models import Agency
from tests.notifications.conftest import notify_endpoint, webhook_endpoint
from tests.personas import raise_referral
from tests.support import FakeNotify, WebhookReceiver

pytestmark = pytest.mark.django_db


def test_an_endpoint_added_in_the_admin_gets_a_secret_and_an_audit_row(
    people: Any, admin_client: Client, admin_user: Any
) -> None:
    asb = Agency.objects.get(code="council-asb")
    response = admin_client.post(
        reverse("admin:notifications_endpoint_add"),
        {
            "agency": asb.pk,
            "channel": "webhook",
            "name": "Case system",
            "url": "http://127.0.0.1:9/hooks",
            "allow_private": "on",
            "is_active": "on",
        },
    )

    endpoint = Endpoint.objects.get(name="Case system")
    assert endpoint.secret.startswith("whsec_")
    assert LogEntry.objects.get_for_object(endpoint).get().actor == admin_user
    # Shown once, to the person who added it, to give the partner; never on its page.
    assert response.status_code == 200
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = admin_client.get(reverse("admin:notifications_endpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()


def test_the_admin_shows_the_services_refusal_on_the_field(
    people: Any, admin_client: Client, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post(
        reverse("admin:notifications_endpoint_add"),
        {
            "agency": Agency.objects.get(code="council-asb").pk,
            "channel": "webhook",
            "name": "Sneaky",
            "url": "http://127.0.0.1:9/hooks",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "loopback address" in str(response.context["adminform"].form.errors["url"])
    assert not Endpoint.objects.exists()


def test_saving_a_notify_endpoint_with_the_key_left_blank_keeps_the_key(
    people: Any, admin_client: Client, fake_notify: FakeNotify
) -> None:
    endpoint = notify_endpoint("council-asb", fake_notify, "duty@council.example.gov.uk")
    url = reverse("admin:notifications_endpoint_change", args=[endpoint.pk])
    page = admin_client.get(url)
    assert fake_notify.api_key not in page.content.decode()

    response = admin_client.post(
        url,
        {
            "name": "Notify duty",
            "email_address": "duty@council.example.gov.uk",
            "notify_api_key": "",
            "notify_template_id": str(endpoint.notify_template_id),
            "notify_base_url": fake_notify.base_url,
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint.refresh_from_db()
    assert endpoint.name == "Notify duty"
    assert endpoint.notify_api_key == fake_notify.api_key


def test_a_subscription_added_in_the_admin_takes_the_endpoints_agency(
    people: Any, admin_client: Client, webhook_receiver: WebhookReceiver
) -> None:
    hook = webhook_endpoint("kestrel-police", webhook_receiver)
    response = admin_client.post(
        reverse("admin:notifications_subscription_add"),
        {
            "endpoint": hook.pk,
            "event_types": ["case.transitioned"],
            "kinds": ["asb"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get()
    assert subscription.agency.code == "kestrel-police"
    assert (subscription.event_types, subscription.kinds) == (["case.transitioned"], ["asb"])


def test_the_retry_action_requeues_dead_deliveries_and_leaves_the_rest(
    people: Any, admin_client: Client, webhook_secret: str
) -> None:
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=404) as receiver:
        hook = webhook_endpoint("council-asb", receiver)
        raise_referral(people.officer, "asb")
        raise_referral(people.officer, "vawg")  # led elsewhere: no delivery to this hook
        raise_referral(people.officer, "asb")
        for event in OutboxEvent.objects.all():
            event_relay(event_id=event.pk)
        dead, alive = Delivery.objects.filter(endpoint=hook).order_by("pk")
        delivery_attempt(delivery_id=dead.pk)
        delivery_attempt(delivery_id=alive.pk)

    changelist = reverse("admin:notifications_delivery_changelist")
    assert admin_client.get(changelist, {"status__exact": "dead"}).status_code == 200
    response = admin_client.post(
        changelist, {"action": "retry", "_selected_action": [dead.pk, alive.pk]}
    )

    assert response.status_code == 302
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)
    assert alive.status == DeliveryStatus.DELIVERED
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "Queued 1 dead deliveries to be sent again.",
        "Left 1 that were not dead alone.",
    ]


def test_the_outbox_and_inbox_lists_are_read_only(people: Any, admin_client: Client) -> None:
    raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get()
    assert (
        admin_client.get(reverse("admin:notifications_outboxevent_changelist")).status_code == 200
    )
    page = admin_client.get(reverse("admin:notifications_outboxevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:notifications_outboxevent_add")).status_code == 403
    assert admin_client.get(reverse("admin:notifications_inboxitem_changelist")).status_code == 200


# --- Secrets on the admin's pages ------------------------------------------------------


@pytest.fixture
def endpoint_viewer(db: None) -> User:
    """Staff who may look at endpoints (say, a service desk analyst) but not change them."""
    viewer = User.objects.create_user("service.desk", password="x", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_endpoint", content_type__app_label="notifications")
    )
    return viewer


def test_someone_who_may_only_view_endpoints_sees_no_secret_or_key(
    people: Any,
    client: Client,
    endpoint_viewer: User,
    webhook_receiver: WebhookReceiver,
    fake_notify: FakeNotify,
) -> None:
    hook = webhook_endpoint("council-asb", webhook_receiver)
    notify = notify_endpoint("council-asb", fake_notify, "duty@council.example.gov.uk")
    client.force_login(endpoint_viewer)

    pages = [
        client.get(reverse("admin:notifications_endpoint_change", args=[endpoint.pk]))
        for endpoint in (hook, notify)
    ]
    listing = client.get(reverse("admin:notifications_endpoint_changelist"))

    assert [page.status_code for page in pages] == [200, 200]
    assert 'name="_save"' not in pages[0].content.decode()  # really a read-only view
    text = "".join(page.content.decode() for page in [*pages, listing])
    assert hook.secret not in text
    assert hook.secret.removeprefix("whsec_") not in text
    assert fake_notify.api_key not in text
    assert "Set (never shown)" in pages[1].content.decode()


def test_someone_who_may_only_view_endpoints_cannot_rotate_a_secret_to_read_it(
    people: Any, client: Client, endpoint_viewer: User, webhook_receiver: WebhookReceiver
) -> None:
    hook = webhook_endpoint("council-asb", webhook_receiver)
    client.force_login(endpoint_viewer)

    response = client.post(
        reverse("admin:notifications_endpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [hook.pk]},
    )

    assert hook.secret not in response.content.decode()
    hook.refresh_from_db()
    assert hook.secret == webhook_receiver.secret


def test_rotating_shows_the_new_secret_once_to_whoever_rotated_it(
    people: Any, admin_client: Client, webhook_receiver: WebhookReceiver
) -> None:
    hook = webhook_endpoint("council-asb", webhook_receiver)

    response = admin_client.post(
        reverse("admin:notifications_endpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [hook.pk]},
    )

    hook.refresh_from_db()
    assert hook.secret != webhook_receiver.secret
    assert response.status_code == 200
    assert hook.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_an_admin_moving_an_approved_webhook_with_the_box_ticked_keeps_the_approval(
    people: Any, admin_client: Client, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    hook = services.endpoint_create(
        agency=Agency.objects.get(code="council-asb"),
        channel="webhook",
        name="Internal",
        by=None,
        url="http://10.1.2.3/hooks",
        allow_private=True,
    )
    form = {"name": "Internal", "url": "http://10.9.9.9/hooks", "is_active": "on"}
    url = reverse("admin:notifications_endpoint_change", args=[hook.pk])

    unticked = admin_client.post(url, form)
    ticked = admin_client.post(url, {**form, "allow_private": "on"})

    assert unticked.status_code == 200  # the form again, with the refusal on it
    assert "private address" in str(unticked.context["adminform"].form.errors)
    assert ticked.status_code == 302, ticked.content.decode()[:2000]
    hook.refresh_from_db()
    assert (hook.url, hook.allow_private) == ("http://10.9.9.9/hooks", True)
