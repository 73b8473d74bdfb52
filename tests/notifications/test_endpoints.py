"""Agencies' endpoints and subscriptions: checked before saving, by whoever may change them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Channel, Endpoint, Subscription
from notifications.services import (
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from notifications.signing import webhook_secret_key
from partners.models import Agency

pytestmark = pytest.mark.django_db

TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
NOTIFY_KEY = f"csp_live-{uuid.uuid4()}-{uuid.uuid4()}"


@pytest.fixture
def asb(people: Any) -> Agency:
    return Agency.objects.get(code="council-asb")


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_a_webhook_endpoint_gets_its_own_signing_secret_which_the_audit_log_hides(
    people: Any, asb: Agency
) -> None:
    endpoint = endpoint_create(
        agency=asb,
        channel=Channel.WEBHOOK,
        name="Case system",
        by=people.manager,
        url="https://93.184.216.34/hooks",
    )
    other = endpoint_create(
        agency=asb,
        channel=Channel.WEBHOOK,
        name="Other",
        by=people.manager,
        url="https://93.184.216.34/other",
    )

    assert endpoint.secret.startswith("whsec_")
    assert len(webhook_secret_key(endpoint.secret)) == 32
    assert endpoint.secret != other.secret
    [entry] = LogEntry.objects.get_for_object(endpoint)
    assert entry.actor == people.manager
    assert endpoint.secret not in str(entry.changes)
    assert entry.changes_dict["secret"][1] == "********"


def test_a_webhook_to_a_private_address_is_refused_unless_an_admin_allows_it(
    people: Any, asb: Agency, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as exc:
        endpoint_create(
            agency=asb, channel=Channel.WEBHOOK, name="Hook", by=None, url="http://10.1.2.3/h"
        )
    assert errors_of(exc) == {
        "url": [
            "10.1.2.3 is a private address; the server connects only to public internet addresses."
        ]
    }
    endpoint = endpoint_create(
        agency=asb,
        channel=Channel.WEBHOOK,
        name="Hook",
        by=None,
        url="http://10.1.2.3/h",
        allow_private=True,
    )
    assert endpoint.allow_private


@pytest.mark.parametrize(
    ("channel", "values", "field"),
    [
        (Channel.EMAIL, {"email_address": "not an address"}, "email_address"),
        (Channel.EMAIL, {"email_address": ""}, "email_address"),
        (Channel.WEBHOOK, {"url": "ftp://example.org/x"}, "url"),
        (
            Channel.NOTIFY,
            {
                "email_address": "a@b.example",
                "notify_api_key": "short",
                "notify_template_id": TEMPLATE,
            },
            "notify_api_key",
        ),
        (
            Channel.NOTIFY,
            {
                "email_address": "a@b.example",
                "notify_api_key": NOTIFY_KEY,
                "notify_template_id": "x",
            },
            "notify_template_id",
        ),
        (
            Channel.NOTIFY,
            {
                "email_address": "a@b.example",
                "notify_api_key": NOTIFY_KEY,
                "notify_template_id": TEMPLATE,
                "notify_base_url": "not a url",
            },
            "notify_base_url",
        ),
    ],
)
def test_an_incomplete_target_is_refused_naming_the_field(
    asb: Agency, channel: str, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        endpoint_create(agency=asb, channel=channel, name="X", by=None, **values)
    assert list(errors_of(exc)) == [field]
    assert not Endpoint.objects.exists()


def test_a_notify_endpoint_keeps_its_key_and_template(asb: Agency) -> None:
    endpoint = endpoint_create(
        agency=asb,
        channel=Channel.NOTIFY,
        name="Notify",
        by=None,
        email_address="duty@council.example.gov.uk",
        notify_api_key=NOTIFY_KEY,
        notify_template_id=TEMPLATE,
    )
    assert endpoint.notify_template_id == uuid.UUID(TEMPLATE)
    assert endpoint.notify_base_url == ""
    assert endpoint.secret == ""


def test_names_are_unique_within_an_agency(asb: Agency) -> None:
    endpoint_create(agency=asb, channel=Channel.EMAIL, name="Team", by=None, email_address="a@x.uk")
    with pytest.raises(ValidationError) as exc:
        endpoint_create(
            agency=asb, channel=Channel.EMAIL, name=" Team ", by=None, email_address="b@x.uk"
        )
    assert list(errors_of(exc)) == ["name"]


def test_only_the_agencys_managers_or_staff_may_change_its_endpoints(
    people: Any, asb: Agency
) -> None:
    for person in (people.outsider, people.asb_coordinator, people.officer):
        with pytest.raises(PermissionDenied):
            endpoint_create(
                agency=asb, channel=Channel.EMAIL, name="T", by=person, email_address="a@x.uk"
            )
    endpoint = endpoint_create(
        agency=asb, channel=Channel.EMAIL, name="T", by=people.manager, email_address="a@x.uk"
    )
    with pytest.raises(PermissionDenied):
        endpoint_update(endpoint_id=endpoint.pk, by=people.outsider, changes={"is_active": False})


def test_an_update_changes_the_target_but_never_the_channel(people: Any, asb: Agency) -> None:
    endpoint = endpoint_create(
        agency=asb, channel=Channel.EMAIL, name="T", by=None, email_address="a@x.uk"
    )
    updated = endpoint_update(
        endpoint_id=endpoint.pk,
        by=people.manager,
        changes={"email_address": " team@x.uk ", "is_active": False},
    )
    assert (updated.email_address, updated.is_active) == ("team@x.uk", False)

    with pytest.raises(ValidationError) as exc:
        endpoint_update(endpoint_id=endpoint.pk, by=None, changes={"channel": "webhook"})
    assert errors_of(exc) == {"channel": ["This field cannot be changed."]}
    with pytest.raises(ValidationError) as exc:
        endpoint_update(endpoint_id=endpoint.pk, by=None, changes={"email_address": "nope"})
    assert list(errors_of(exc)) == ["email_address"]


def test_rotating_a_webhook_secret_replaces_it(people: Any, asb: Agency) -> None:
    hook = endpoint_create(
        agency=asb,
        channel=Channel.WEBHOOK,
        name="Hook",
        by=None,
        url="http://127.0.0.1:9/h",
        allow_private=True,
    )
    rotated = endpoint_rotate_secret(endpoint_id=hook.pk, by=people.manager)
    assert rotated.secret.startswith("whsec_")
    assert rotated.secret != hook.secret

    mailbox = endpoint_create(
        agency=asb, channel=Channel.EMAIL, name="Mail", by=None, email_address="a@x.uk"
    )
    with pytest.raises(ValidationError):
        endpoint_rotate_secret(endpoint_id=mailbox.pk, by=people.manager)


def test_the_database_refuses_an_incomplete_webhook_whatever_path_writes_it(asb: Agency) -> None:
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Endpoint.objects.create(
            agency=asb,
            channel="webhook",
            name="Raw",
            url="http://x",
            created_at=now,
            updated_at=now,
        )


def test_a_subscription_names_known_event_types_and_kinds(people: Any) -> None:
    police = Agency.objects.get(code="kestrel-police")
    endpoint = endpoint_create(
        agency=police, channel=Channel.EMAIL, name="Watch", by=None, email_address="w@x.uk"
    )
    with pytest.raises(ValidationError) as exc:
        subscription_create(endpoint=endpoint, by=None, event_types=["case.exploded"])
    assert errors_of(exc) == {"event_types": ["Unknown: case.exploded."]}
    with pytest.raises(ValidationError) as exc:
        subscription_create(endpoint=endpoint, by=None, kinds=["burglary"])
    assert errors_of(exc) == {"kinds": ["Unknown: burglary."]}

    subscription = subscription_create(
        endpoint=endpoint,
        by=None,
        event_types=["deadline.breached", "case.transitioned", "case.transitioned"],
        kinds=["vawg"],
    )
    assert subscription.agency == police
    assert subscription.event_types == ["case.transitioned", "deadline.breached"]
    assert subscription.matches(type="case.transitioned", kind="vawg")
    assert not subscription.matches(type="case.transitioned", kind="asb")
    assert not subscription.matches(type="referral.raised", kind="vawg")

    with pytest.raises(ValidationError) as exc:
        subscription_create(endpoint=endpoint, by=None)
    assert list(errors_of(exc)) == ["endpoint"]


def test_a_subscription_is_changed_and_removed_by_the_agency_only(people: Any) -> None:
    asb = Agency.objects.get(code="council-asb")
    endpoint = endpoint_create(
        agency=asb, channel=Channel.EMAIL, name="Watch", by=None, email_address="w@x.uk"
    )
    subscription = subscription_create(endpoint=endpoint, by=people.manager)
    assert subscription.matches(type="duty.recorded", kind="early_release")  # empty: all

    with pytest.raises(PermissionDenied):
        subscription_update(subscription_id=subscription.pk, by=people.outsider, kinds=["asb"])
    updated = subscription_update(
        subscription_id=subscription.pk, by=people.manager, kinds=["asb"], is_active=False
    )
    assert (updated.kinds, updated.event_types, updated.is_active) == (["asb"], [], False)
    with pytest.raises(PermissionDenied):
        subscription_delete(subscription_id=subscription.pk, by=people.outsider)
    subscription_delete(subscription_id=subscription.pk, by=people.manager)
    assert not Subscription.objects.exists()
    assert LogEntry.objects.get_for_model(Subscription).count() == 3


# --- An approval of a private address is for the URL the administrator saw ---------------

PRIVATE_HOOK = "http://10.1.2.3/hooks"
PUBLIC_HOOK = "https://93.184.216.34/hooks"  # an address literal: no DNS lookup


@pytest.fixture
def approved_hook(asb: Agency, settings: Any) -> Endpoint:
    """A webhook an administrator allowed to reach a private address."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    return endpoint_create(
        agency=asb,
        channel=Channel.WEBHOOK,
        name="Case system",
        by=None,
        url=PRIVATE_HOOK,
        allow_private=True,
    )


def test_a_manager_moving_an_approved_webhook_to_another_private_address_is_refused(
    people: Any, approved_hook: Endpoint
) -> None:
    with pytest.raises(ValidationError) as exc:
        endpoint_update(
            endpoint_id=approved_hook.pk,
            by=people.manager,
            changes={"url": "http://10.9.9.9:6379/"},
        )

    assert list(errors_of(exc)) == ["url"]
    approved_hook.refresh_from_db()
    assert (approved_hook.url, approved_hook.allow_private) == (PRIVATE_HOOK, True)


def test_a_manager_moving_an_approved_webhook_to_a_public_address_loses_the_approval(
    people: Any, approved_hook: Endpoint
) -> None:
    moved = endpoint_update(
        endpoint_id=approved_hook.pk, by=people.manager, changes={"url": PUBLIC_HOOK}
    )

    assert (moved.url, moved.allow_private) == (PUBLIC_HOOK, False)
    moved.refresh_from_db()
    assert not moved.allow_private
    with pytest.raises(ValidationError):  # and cannot move it back without an administrator
        endpoint_update(endpoint_id=moved.pk, by=people.manager, changes={"url": PRIVATE_HOOK})


def test_a_manager_renaming_an_approved_webhook_keeps_the_approval(
    people: Any, approved_hook: Endpoint
) -> None:
    renamed = endpoint_update(
        endpoint_id=approved_hook.pk,
        by=people.manager,
        changes={"name": "Case system (live)", "url": PRIVATE_HOOK},  # the same URL
    )

    assert (renamed.name, renamed.allow_private) == ("Case system (live)", True)


def test_a_manager_cannot_approve_a_private_address_or_set_notifys_address(
    people: Any, asb: Agency, approved_hook: Endpoint
) -> None:
    with pytest.raises(ValidationError) as exc:
        endpoint_update(
            endpoint_id=approved_hook.pk,
            by=people.manager,
            changes={"url": "http://10.9.9.9/", "allow_private": True},
        )
    assert errors_of(exc) == {"allow_private": ["Only an administrator may set this."]}

    with pytest.raises(ValidationError) as exc:
        endpoint_create(
            agency=asb,
            channel=Channel.NOTIFY,
            name="Notify",
            by=people.manager,
            email_address="duty@council.example.gov.uk",
            notify_api_key=NOTIFY_KEY,
            notify_template_id=TEMPLATE,
            notify_base_url=PUBLIC_HOOK,
        )
    assert errors_of(exc) == {"notify_base_url": ["Only an administrator may set this."]}


def test_an_administrator_may_move_an_approved_webhook_and_approve_again(
    admin_user: Any, approved_hook: Endpoint
) -> None:
    moved = endpoint_update(
        endpoint_id=approved_hook.pk,
        by=admin_user,
        changes={"url": "http://10.9.9.9/hooks", "allow_private": True},
    )

    assert (moved.url, moved.allow_private) == ("http://10.9.9.9/hooks", True)


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:6379", "http://[2002:7f00:1::]", "http://[64:ff9b::a00:1]", "ftp://x.uk"],
)
def test_a_notify_base_url_is_guarded_like_a_webhook_url(
    asb: Agency, settings: Any, base_url: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as exc:
        endpoint_create(
            agency=asb,
            channel=Channel.NOTIFY,
            name="Notify",
            by=None,
            email_address="duty@council.example.gov.uk",
            notify_api_key=NOTIFY_KEY,
            notify_template_id=TEMPLATE,
            notify_base_url=base_url,
        )
    assert list(errors_of(exc)) == ["notify_base_url"]


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_through_the_api_a_new_url_withdraws_the_admins_approval(
    people: Any, approved_hook: Endpoint
) -> None:
    url = f"/api/v1/agencies/{approved_hook.agency_id}/endpoints/{approved_hook.pk}/"
    client = _api(people.manager)

    refused = client.patch(url, {"url": "http://10.9.9.9:6379/"}, format="json")
    moved = client.patch(url, {"url": PUBLIC_HOOK}, format="json")

    assert refused.status_code == 400, refused.content
    assert [e["field"] for e in refused.json()["errors"]] == ["url"]
    assert moved.status_code == 200, moved.content
    assert (moved.json()["url"], moved.json()["allow_private"]) == (PUBLIC_HOOK, False)


def test_through_the_api_a_manager_may_not_set_notifys_address(people: Any, asb: Agency) -> None:
    response = _api(people.manager).post(
        f"/api/v1/agencies/{asb.pk}/endpoints/",
        {
            "channel": "notify",
            "name": "Notify",
            "email_address": "duty@council.example.gov.uk",
            "notify_api_key": NOTIFY_KEY,
            "notify_template_id": TEMPLATE,
            "notify_base_url": "http://127.0.0.1:6379",
        },
        format="json",
    )

    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {"notify_base_url": "This field is read-only."}
    assert not Endpoint.objects.filter(channel=Channel.NOTIFY).exists()
