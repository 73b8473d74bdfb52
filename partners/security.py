"""Account security writes: API tokens and TOTP two-factor devices.

TOTP is offered to managers, auditors and admin-site users; once a user has a confirmed
device, signing in for an API token needs its code too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from partners.models import Role
from partners.selectors import user_has_role


class TwoFactorError(Exception):
    pass


def token_issue(*, user: Any) -> Token:
    """The user's API token, created on first sign-in (one per user; revoking deletes it)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: Any) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


def totp_offered_to(user: Any) -> bool:
    return bool(user.is_staff or user_has_role(user, Role.MANAGER, Role.AUDITOR))


def totp_required(user: Any) -> bool:
    """The user has a confirmed device, so a sign-in must include its code."""
    return bool(user_has_device(user, confirmed=True))


@transaction.atomic
def totp_verify(*, user: Any, code: str) -> bool:
    """True if ``code`` is current on one of the user's confirmed devices. Rows are locked
    so one code cannot be used twice by concurrent requests; failures slow the device down
    (django-otp's throttling)."""
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
    return any(device.verify_token(code) for device in devices)


@transaction.atomic
def totp_device_enrol(*, user: Any, name: str = "authenticator") -> TOTPDevice:
    """A new, unconfirmed TOTP device; it counts once confirmed with a code from it.

    Enrolling again replaces any device still waiting for confirmation.
    """
    if not totp_offered_to(user):
        raise TwoFactorError(
            f"Two-factor sign-in is offered to managers, auditors and admin users; "
            f"{user.get_username()} is none of these."
        )
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=name, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: Any, code: str) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise TwoFactorError(f"{user.get_username()} has no device waiting for confirmation.")
    if not device.verify_token(code):
        raise TwoFactorError("That code does not match; check the device's clock and try again.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def totp_issuer() -> str:
    return str(settings.OTP_TOTP_ISSUER)
