"""Notifications through the API: an agency's endpoints and subscriptions (its managers
only, secrets write-only, the SSRF guard), the inbox, and the delivery records."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from notifications.models import Delivery, DeliveryStatus, Endpoint, InboxItem, Subscription
from notifications.services import endpoint_update
from tests.api.conftest import PUBLIC_HOOK, Notified, token_client

pytestmark = pytest.mark.django_db

NOTIFY_KEY = f"casework-{uuid.uuid4()}-{uuid.uuid4()}"


def _endpoints_url(agency_id: int, endpoint_id: int | None = None, action: str = "") -> str:
    url = f"/api/v1/agencies/{agency_id}/endpoints/"
    if endpoint_id is not None:
        url += f"{endpoint_id}/"
    return url + (f"{action}/" if action else "")


def _fields(response: Any) -> list[str]:
    return sorted(e["field"] for e in response.json()["errors"])


# --- Endpoints --------------------------------------------------------------------------


def test_a_manager_lists_their_agencys_endpoints_without_any_secret(
    notified: Notified, as_user: Any
) -> None:
    response = as_user("manager").get(_endpoints_url(notified.asb_agency.pk))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["name"], r["channel"], r["has_secret"]) for r in rows] == [
        ("ASB team mailbox", "email", False),
        ("ASB case system", "webhook", True),
    ]
    assert all("secret" not in r and "notify_api_key" not in r for r in rows)


def test_a_new_webhook_endpoint_shows_its_secret_once(notified: Notified, as_user: Any) -> None:
    client = as_user("manager")
    created = client.post(
        _endpoints_url(notified.asb_agency.pk),
        {"channel": "webhook", "name": "Out of hours", "url": PUBLIC_HOOK + "/ooh"},
    )
    assert created.status_code == 201
    body = created.json()
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert body["secret"] == endpoint.secret
    assert body["secret"].startswith("whsec_")
    again = client.get(_endpoints_url(notified.asb_agency.pk, endpoint.pk)).json()
    assert "secret" not in again
    assert again["has_secret"] is True


def test_creating_an_endpoint_is_audited_as_the_manager(notified: Notified, as_user: Any):
    created = as_user("manager").post(
        _endpoints_url(notified.asb_agency.pk),
        {"channel": "email", "name": "Duty desk", "email_address": "duty@council.example"},
    )
    assert created.status_code == 201
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Endpoint),
        object_id=created.json()["id"],
        action=LogEntry.Action.CREATE,
    )
    assert entry.actor == notified.user("manager")


def test_a_notify_api_key_is_accepted_but_never_returned(notified: Notified, as_user: Any):
    created = as_user("manager").post(
        _endpoints_url(notified.asb_agency.pk),
        {
            "channel": "notify",
            "name": "Notify",
            "email_address": "asb-team@council.example",
            "notify_api_key": NOTIFY_KEY,
            "notify_template_id": str(uuid.uuid4()),
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert NOTIFY_KEY not in created.content.decode()
    assert (body["has_notify_api_key"], body["secret"]) == (True, None)
    assert Endpoint.objects.get(pk=body["id"]).notify_api_key == NOTIFY_KEY


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "ftp://93.184.216.34/hook",
    ],
)
def test_a_webhook_into_the_servers_own_network_is_refused_naming_url(
    notified: Notified, as_user: Any, url: str
) -> None:
    before = Endpoint.objects.count()
    response = as_user("manager").post(
        _endpoints_url(notified.asb_agency.pk),
        {"channel": "webhook", "name": "Sneaky", "url": url},
    )
    assert response.status_code == 400
    assert _fields(response) == ["url"]
    assert Endpoint.objects.count() == before


def test_a_manager_cannot_allow_private_addresses_that_is_the_admins_decision(
    notified: Notified, as_user: Any
) -> None:
    response = as_user("manager").post(
        _endpoints_url(notified.asb_agency.pk),
        {
            "channel": "webhook",
            "name": "Sneaky",
            "url": "http://127.0.0.1/",
            "allow_private": True,
            "colour": "red",
        },
    )
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {"allow_private": "This field is read-only.", "colour": "Unknown field."}


EMAIL = {"channel": "email", "email_address": "team@council.example"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**EMAIL, "name": "Box", "email_address": "not-an-address"}, ["email_address"]),
        ({**EMAIL, "name": "ASB team mailbox"}, ["name"]),  # taken
        ({**EMAIL, "name": "x" * 101}, ["name"]),
        ({**EMAIL, "name": "N", "channel": "notify"}, ["notify_api_key", "notify_template_id"]),
        ({"channel": "pigeon", "name": "Coo"}, ["channel"]),
    ],
)
def test_invalid_endpoints_are_400s_naming_each_field(
    notified: Notified, as_user: Any, body: dict[str, Any], fields: list[str]
) -> None:
    response = as_user("manager").post(_endpoints_url(notified.asb_agency.pk), body)
    assert response.status_code == 400
    assert _fields(response) == fields


def test_patching_an_endpoint_changes_what_is_sent_and_is_checked_the_same_way(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("manager")
    url = _endpoints_url(notified.asb_agency.pk, notified.asb_webhook.pk)
    moved = client.patch(url, {"url": PUBLIC_HOOK + "/v2", "is_active": False})
    assert moved.status_code == 200
    assert (moved.json()["url"], moved.json()["is_active"]) == (PUBLIC_HOOK + "/v2", False)
    assert "secret" not in moved.json()
    refused = client.patch(url, {"url": "http://192.168.1.1/"})
    assert (refused.status_code, _fields(refused)) == (400, ["url"])
    fixed = client.patch(url, {"channel": "email"})
    assert (fixed.status_code, _fields(fixed)) == (400, ["channel"])
    assert Endpoint.objects.get(pk=notified.asb_webhook.pk).url == PUBLIC_HOOK + "/v2"


def test_rotating_a_webhook_secret_returns_the_new_one_once(notified: Notified, as_user: Any):
    old = notified.asb_webhook.secret
    client = as_user("manager")
    response = client.post(
        _endpoints_url(notified.asb_agency.pk, notified.asb_webhook.pk, "rotate-secret")
    )
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    assert Endpoint.objects.get(pk=notified.asb_webhook.pk).secret == new
    mailbox = client.post(
        _endpoints_url(notified.asb_agency.pk, notified.asb_mailbox.pk, "rotate-secret")
    )
    assert (mailbox.status_code, _fields(mailbox)) == (400, ["channel"])


def test_another_agencys_endpoint_is_404_through_your_agency_and_403_through_its_own(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("manager")
    theirs = notified.probation_mailbox
    via_mine = _endpoints_url(notified.asb_agency.pk, theirs.pk)
    assert client.get(via_mine).status_code == 404
    assert client.patch(via_mine, {"name": "Hijacked"}).status_code == 404
    assert client.post(via_mine + "rotate-secret/").status_code == 404
    assert client.get(_endpoints_url(theirs.agency_id, theirs.pk)).status_code == 403
    assert client.get(_endpoints_url(999999)).status_code == 404
    assert Endpoint.objects.get(pk=theirs.pk).name == "PDU mailbox"


# --- Subscriptions ----------------------------------------------------------------------


def _subscriptions_url(agency_id: int, subscription_id: int | None = None) -> str:
    url = f"/api/v1/agencies/{agency_id}/subscriptions/"
    return url + (f"{subscription_id}/" if subscription_id is not None else "")


def test_a_manager_subscribes_an_endpoint_changes_and_removes_it(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("manager")
    agency = notified.asb_agency.pk
    created = client.post(
        _subscriptions_url(agency),
        {"endpoint": notified.asb_mailbox.pk, "event_types": ["deadline.breached"]},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["endpoint"], body["event_types"], body["kinds"]) == (
        notified.asb_mailbox.pk,
        ["deadline.breached"],
        [],
    )
    changed = client.patch(_subscriptions_url(agency, body["id"]), {"kinds": ["vawg", "asb"]})
    assert (changed.status_code, changed.json()["kinds"]) == (200, ["asb", "vawg"])
    assert client.delete(_subscriptions_url(agency, body["id"])).status_code == 204
    assert not Subscription.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "probation"}, "endpoint"),  # another agency's endpoint
        ({"endpoint": "asb_webhook"}, "endpoint"),  # already has one
        ({"endpoint": "asb_mailbox", "event_types": ["case.exploded"]}, "event_types.0"),
        ({"endpoint": "asb_mailbox", "kinds": ["burglary"]}, "kinds.0"),
    ],
)
def test_an_invalid_subscription_is_a_400_naming_the_field(
    notified: Notified, as_user: Any, body: dict[str, Any], field: str
) -> None:
    endpoints = {
        "probation": notified.probation_mailbox.pk,
        "asb_webhook": notified.asb_webhook.pk,
        "asb_mailbox": notified.asb_mailbox.pk,
    }
    before = Subscription.objects.count()
    response = as_user("manager").post(
        _subscriptions_url(notified.asb_agency.pk),
        {**body, "endpoint": endpoints[body["endpoint"]]},
    )
    assert response.status_code == 400
    assert _fields(response) == [field]
    assert Subscription.objects.count() == before


def test_another_agencys_subscription_is_404_through_your_agency(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("manager")
    url = _subscriptions_url(notified.asb_agency.pk, notified.probation_subscription.pk)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"is_active": False}).status_code == 404
    assert client.delete(url).status_code == 404
    assert Subscription.objects.get(pk=notified.probation_subscription.pk).is_active


# --- The inbox --------------------------------------------------------------------------


def test_the_inbox_lists_the_callers_notifications_newest_first_with_the_unread_count(
    notified: Notified, as_user: Any
) -> None:
    body = as_user("manager").get("/api/v1/notifications/").json()
    items = notified.inbox("manager")
    assert (body["count"], body["unread_count"]) == (len(items), len(items))
    assert [r["id"] for r in body["results"]] == sorted(
        (i.pk for i in items),
        key=lambda pk: (InboxItem.objects.get(pk=pk).created_at, pk),
        reverse=True,
    )
    types = {r["event"]["type"] for r in body["results"]}
    assert types == {"deadline.breached", "deadline.escalated"}
    assert {r["event"]["case_reference"] for r in body["results"]} == {notified.stale.reference}
    assert as_user("officer").get("/api/v1/notifications/").json()["count"] == 0


def test_reading_an_item_marks_it_once_and_lowers_the_unread_count(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("manager")
    first, *rest = notified.inbox("manager")
    read = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200
    read_at = read.json()["read_at"]
    assert read_at is not None
    assert client.post(f"/api/v1/notifications/{first.pk}/read/").json()["read_at"] == read_at
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert unread["unread_count"] == len(rest)
    assert {r["id"] for r in unread["results"]} == {i.pk for i in rest}


def test_reading_all_marks_every_unread_item(notified: Notified, as_user: Any) -> None:
    client = as_user("manager")
    response = client.post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": len(notified.inbox("manager")), "unread_count": 0}
    assert not InboxItem.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_inbox_item_is_404_and_stays_unread(notified: Notified, as_user: Any):
    item = notified.inbox("manager")[0]
    for persona in ("officer", "auditor", "asb_coordinator"):
        assert as_user(persona).post(f"/api/v1/notifications/{item.pk}/read/").status_code == 404
    assert InboxItem.objects.get(pk=item.pk).read_at is None


# --- Deliveries -------------------------------------------------------------------------


def _delivery_ids(client: Any, query: str = "") -> set[int]:
    response = client.get(f"/api/v1/deliveries/{query}")
    assert response.status_code == 200, response.json()
    return {r["id"] for r in response.json()["results"]}


def test_managers_see_their_agencys_dead_deliveries_and_auditors_every_agencys(
    notified: Notified, as_user: Any
) -> None:
    assert _delivery_ids(as_user("manager"), "?status=dead") == {notified.asb_dead.pk}
    assert _delivery_ids(as_user("auditor"), "?status=dead") == {
        notified.asb_dead.pk,
        notified.probation_dead.pk,
    }
    assert _delivery_ids(as_user("auditor"), "?status=dead&agency=probation") == {
        notified.probation_dead.pk
    }
    everything = _delivery_ids(as_user("manager"))
    assert everything == set(
        Delivery.objects.filter(endpoint__agency=notified.asb_agency).values_list("pk", flat=True)
    )


def test_a_dead_delivery_says_why_it_died(notified: Notified, as_user: Any) -> None:
    [row] = as_user("manager").get("/api/v1/deliveries/?status=dead").json()["results"]
    assert row["last_error"] == "The endpoint was deactivated"
    assert row["attempts"] == 1
    assert row["endpoint"]["name"] == "ASB team mailbox"
    assert row["event"]["case_reference"] == notified.stale.reference


def test_retrying_a_dead_delivery_sends_it_again_from_the_first_attempt(
    notified: Notified, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = as_user("manager").post(f"/api/v1/deliveries/{notified.asb_dead.pk}/retry/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    assert len(callbacks) == 1  # the delivery task, enqueued once the retry commits


def test_a_delivery_that_is_not_dead_or_whose_endpoint_is_off_cannot_be_retried(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("manager")
    pending = notified.asb_webhook.deliveries.filter(status=DeliveryStatus.PENDING).first()
    assert pending is not None
    response = client.post(f"/api/v1/deliveries/{pending.pk}/retry/")
    assert response.status_code == 409
    # The same problem type as a transition the case's state does not allow.
    assert response.json()["type"] == "urn:csp-casework:problem:conflict"
    endpoint_update(endpoint_id=notified.asb_mailbox.pk, by=None, changes={"is_active": False})
    response = client.post(f"/api/v1/deliveries/{notified.asb_dead.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["type"] == "urn:csp-casework:problem:conflict"
    assert "deactivated" in response.json()["detail"]
    assert Delivery.objects.get(pk=notified.asb_dead.pk).status == DeliveryStatus.DEAD


def test_another_agencys_delivery_is_404_and_an_auditor_may_look_but_not_retry(
    notified: Notified, as_user: Any
) -> None:
    assert (
        as_user("manager")
        .post(f"/api/v1/deliveries/{notified.probation_dead.pk}/retry/")
        .status_code
        == 404
    )
    assert (
        as_user("auditor").post(f"/api/v1/deliveries/{notified.asb_dead.pk}/retry/").status_code
        == 403
    )
    assert Delivery.objects.filter(status=DeliveryStatus.DEAD).count() == 2


def test_a_superuser_with_no_membership_may_not_read_an_agencys_endpoints_or_deliveries(
    notified: Notified, django_user_model: Any
) -> None:
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client = token_client(root)
    agency = notified.asb_mailbox.agency_id
    assert client.get(f"/api/v1/agencies/{agency}/endpoints/").status_code == 403
    assert client.get(f"/api/v1/agencies/{agency}/subscriptions/").status_code == 403
    assert client.get("/api/v1/deliveries/").status_code == 403
    assert client.post(f"/api/v1/deliveries/{notified.asb_dead.pk}/retry/").status_code == 403
