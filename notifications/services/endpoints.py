"""Agencies' notification set-up: endpoints (where to send) and subscriptions (what to hear).

Every check lives here, so the admin and the API refuse the same things with the same
field-named messages (django.core.exceptions.ValidationError with a dict).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from cases.audit import acting_as
from cases.models import CaseKind
from notifications.events import EVENT_TYPES
from notifications.models import Channel, Endpoint, Subscription
from notifications.outbound import validate_url
from notifications.services.permissions import may_choose_where_to_connect, may_manage
from notifications.signing import generate_webhook_secret
from notifications.transports import validate_notify_api_key
from partners.models import Agency

# What endpoint_update may change; the channel is fixed once deliveries refer to it.
ENDPOINT_FIELDS = frozenset(
    {
        "name",
        "email_address",
        "url",
        "allow_private",
        "notify_api_key",
        "notify_template_id",
        "notify_base_url",
        "is_active",
    }
)
# Fields that decide where the server connects beyond a public webhook URL: an
# administrator's decision (``may_choose_where_to_connect``), never an agency manager's.
ADMIN_ONLY_FIELDS = {"allow_private": False, "notify_base_url": ""}
# An approval of a private address is for the URL the administrator saw: changing either of
# these without approving again withdraws it.
DESTINATION_FIELDS = ("url", "notify_base_url")


def _check(by: Any | None, agency_id: int, perm: str) -> None:
    """``by=None`` is the system itself (demo seeding, data migrations)."""
    if by is not None and not may_manage(by, agency_id=agency_id, perm=perm):
        raise PermissionDenied("you may not change this agency's notification set-up")


def _check_admin_only(by: Any | None, changed: Mapping[str, Any]) -> None:
    """Refuse, naming the field, an admin-only field set by someone who may not set it."""
    if may_choose_where_to_connect(by):
        return
    errors = {
        key: "Only an administrator may set this."
        for key, default in ADMIN_ONLY_FIELDS.items()
        if key in changed and (changed[key] or default) != default
    }
    if errors:
        raise ValidationError(errors)


def endpoint_validate(*, channel: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean an endpoint's target for its channel; raise ValidationError naming each field."""
    errors: dict[str, str] = {}
    clean = {key: values.get(key) for key in ENDPOINT_FIELDS if key in values}
    if channel not in Channel.values:
        raise ValidationError({"channel": f"Choose one of {', '.join(Channel.values)}."})
    if not str(values.get("name") or "").strip():
        errors["name"] = "Give the endpoint a name."
    address = str(values.get("email_address") or "").strip()
    if channel in (Channel.EMAIL, Channel.NOTIFY):
        try:
            validate_email(address)
        except ValidationError:
            errors["email_address"] = "Give the email address to send to."
    allow_private = bool(values.get("allow_private"))
    if channel == Channel.WEBHOOK:
        try:
            validate_url(str(values.get("url") or ""), allow_private=allow_private)
        except ValueError as exc:
            errors["url"] = str(exc)
    if channel == Channel.NOTIFY:
        try:
            validate_notify_api_key(str(values.get("notify_api_key") or ""))
        except ValueError as exc:
            errors["notify_api_key"] = str(exc)
        try:
            clean["notify_template_id"] = uuid.UUID(str(values.get("notify_template_id")))
        except ValueError:
            errors["notify_template_id"] = "Give the Notify template's id (a UUID)."
        base_url = str(values.get("notify_base_url") or "")
        if base_url:
            # The worker sends a signed Notify token there: guarded as a webhook URL is.
            try:
                validate_url(base_url, allow_private=allow_private)
            except ValueError as exc:
                errors["notify_base_url"] = f"{exc} Leave blank for GOV.UK Notify."
    if errors:
        raise ValidationError(errors)
    if "name" in clean:
        clean["name"] = str(clean["name"]).strip()
    if "email_address" in clean:
        clean["email_address"] = address
    if channel != Channel.NOTIFY and "notify_template_id" in clean:
        clean["notify_template_id"] = None
    return clean


@transaction.atomic
def endpoint_create(
    *,
    agency: Agency,
    channel: str,
    name: str,
    by: Any | None,
    email_address: str = "",
    url: str = "",
    allow_private: bool = False,
    notify_api_key: str = "",
    notify_template_id: uuid.UUID | str | None = None,
    notify_base_url: str = "",
    is_active: bool = True,
) -> Endpoint:
    """Add an endpoint; a webhook gets a fresh ``whsec_`` secret to give the partner."""
    now = timezone.now()
    _check(by, agency.pk, "add_endpoint")
    _check_admin_only(by, {"allow_private": allow_private, "notify_base_url": notify_base_url})
    values = endpoint_validate(
        channel=channel,
        values={
            "name": name,
            "email_address": email_address,
            "url": url,
            "allow_private": allow_private,
            "notify_api_key": notify_api_key,
            "notify_template_id": notify_template_id,
            "notify_base_url": notify_base_url,
            "is_active": is_active,
        },
    )
    if Endpoint.objects.filter(agency=agency, name=values["name"]).exists():
        raise ValidationError({"name": f"{agency.name} already has an endpoint called that."})
    with acting_as(by) if by is not None else nullcontext():
        return Endpoint.objects.create(
            agency=agency,
            channel=channel,
            secret=generate_webhook_secret() if channel == Channel.WEBHOOK else "",
            created_at=now,
            updated_at=now,
            **values,
        )


@transaction.atomic
def endpoint_update(*, endpoint_id: int, by: Any | None, changes: Mapping[str, Any]) -> Endpoint:
    """Change an endpoint's name, target or active flag; the channel stays as it was.

    Changing the URL (or the Notify base URL) withdraws an approval of private addresses
    unless the same change approves again (``allow_private``, an administrator's field).
    """
    now = timezone.now()
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    _check(by, endpoint.agency_id, "change_endpoint")
    unknown = set(changes) - ENDPOINT_FIELDS
    if unknown:
        raise ValidationError({key: "This field cannot be changed." for key in sorted(unknown)})
    current = {key: getattr(endpoint, key) for key in ENDPOINT_FIELDS}
    changed = {key: value for key, value in changes.items() if value != current[key]}
    if current["allow_private"] and any(key in changed for key in DESTINATION_FIELDS):
        # The stored approval does not carry over; only one given with the move does.
        changed["allow_private"] = bool(changes.get("allow_private", False))
    _check_admin_only(by, changed)
    values = endpoint_validate(channel=endpoint.channel, values={**current, **changed})
    if (
        Endpoint.objects.filter(agency_id=endpoint.agency_id, name=values["name"])
        .exclude(pk=endpoint.pk)
        .exists()
    ):
        raise ValidationError({"name": "This agency already has an endpoint called that."})
    with acting_as(by) if by is not None else nullcontext():
        for key in changed:
            setattr(endpoint, key, values[key])
        endpoint.updated_at = now
        endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint_id: int, by: Any | None) -> Endpoint:
    """Give a webhook endpoint a new signing secret; the old one stops working at once."""
    now = timezone.now()
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    _check(by, endpoint.agency_id, "change_endpoint")
    if endpoint.channel != Channel.WEBHOOK:
        raise ValidationError({"channel": "Only webhook endpoints have a signing secret."})
    with acting_as(by) if by is not None else nullcontext():
        endpoint.secret = generate_webhook_secret()
        endpoint.updated_at = now
        endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def _choices(field: str, values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """A sorted, de-duplicated list of known values; an empty list means all of them."""
    values = list(values)
    if not all(isinstance(v, str) for v in values):
        raise ValidationError({field: "Give a list of names."})
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError({field: f"Unknown: {', '.join(unknown)}."})
    return sorted(set(values))


@transaction.atomic
def subscription_create(
    *,
    endpoint: Endpoint,
    by: Any | None,
    event_types: Iterable[str] = (),
    kinds: Iterable[str] = (),
    is_active: bool = True,
) -> Subscription:
    """Let an agency hear events of cases it takes part in (but does not lead)."""
    now = timezone.now()
    _check(by, endpoint.agency_id, "add_subscription")
    types = _choices("event_types", event_types, EVENT_TYPES)
    kind_list = _choices("kinds", kinds, CaseKind.values)
    if Subscription.objects.filter(endpoint=endpoint).exists():
        raise ValidationError({"endpoint": "This endpoint already has a subscription."})
    with acting_as(by) if by is not None else nullcontext():
        return Subscription.objects.create(
            agency_id=endpoint.agency_id,
            endpoint=endpoint,
            event_types=types,
            kinds=kind_list,
            is_active=is_active,
            created_at=now,
            updated_at=now,
        )


@transaction.atomic
def subscription_update(
    *,
    subscription_id: int,
    by: Any | None,
    event_types: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> Subscription:
    """Change what a subscription hears, or switch it off; ``None`` leaves a field alone."""
    now = timezone.now()
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    _check(by, subscription.agency_id, "change_subscription")
    with acting_as(by) if by is not None else nullcontext():
        if event_types is not None:
            subscription.event_types = _choices("event_types", event_types, EVENT_TYPES)
        if kinds is not None:
            subscription.kinds = _choices("kinds", kinds, CaseKind.values)
        if is_active is not None:
            subscription.is_active = is_active
        subscription.updated_at = now
        subscription.save()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription_id: int, by: Any | None) -> None:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    _check(by, subscription.agency_id, "delete_subscription")
    with acting_as(by) if by is not None else nullcontext():
        subscription.delete()
