"""The sign-in policy and TOTP two-factor devices.

People holding a role in ``SIGN_IN_TWO_FACTOR_ROLES`` (managers, auditors and admin-site
users by default) must sign in with a TOTP code as well as their password; until they have,
they reach nothing but enrolment and sign-out. Pages, the API (session or token) and the
admin all ask ``second_factor_missing``. Anyone with a confirmed device is asked for its
code when signing in, whatever their role.
"""

from __future__ import annotations

import enum
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import Role
from partners.selectors import user_has_role
from partners.tokens import token_revoke

# The pseudo-role in SIGN_IN_TWO_FACTOR_ROLES for admin-site users.
STAFF = "staff"


class TwoFactorError(Exception):
    pass


class SecondFactor(enum.StrEnum):
    """What a signed-in person still lacks before they may go further."""

    # Their role needs a second factor and they have no confirmed device yet.
    ENROL = "enrol"
    # They have a device, but this session or token was not signed in with its code.
    VERIFY = "verify"


def two_factor_roles() -> list[str]:
    return list(settings.SIGN_IN_TWO_FACTOR_ROLES)


def check_two_factor_roles(names: list[str]) -> None:
    """Raise ValueError naming any entry that is neither a role nor ``staff``."""
    unknown = sorted(set(names) - {*Role.values, STAFF})
    if unknown:
        raise ValueError(
            f"SIGN_IN_TWO_FACTOR_ROLES has unknown names {unknown}; "
            f"use {sorted(Role.values)} or {STAFF!r}."
        )


def demo_exempt(user: Any) -> bool:
    """Development only: the demo's admin account, with DEBUG on, signs in with its
    password alone (``SIGN_IN_TWO_FACTOR_DEMO_EXEMPT``, empty whenever DEBUG is off)."""
    return bool(settings.DEBUG) and user.get_username() in settings.SIGN_IN_TWO_FACTOR_DEMO_EXEMPT


def two_factor_required(user: Any) -> bool:
    """True if the user's roles require a second factor at sign-in."""
    if not user.is_authenticated or demo_exempt(user):
        return False
    roles = two_factor_roles()
    if STAFF in roles and (user.is_staff or user.is_superuser):
        return True
    return user_has_role(user, *roles)


def totp_has_device(user: Any) -> bool:
    """The user has a confirmed device, so a sign-in must include its code."""
    return bool(user_has_device(user, confirmed=True))


def session_verified(user: Any) -> bool:
    """True if this request's session was signed in with a TOTP code (django_otp's
    OTPMiddleware installs ``is_verified``; a user without it has not)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_factor_missing(user: Any, *, verified: bool) -> SecondFactor | None:
    """What stops ``user`` going beyond enrolment, or None.

    ``verified`` says whether this session or token was signed in with a TOTP code.
    """
    if verified or not two_factor_required(user):
        return None
    return SecondFactor.VERIFY if totp_has_device(user) else SecondFactor.ENROL


def second_factor_message(missing: SecondFactor) -> str:
    if missing is SecondFactor.ENROL:
        return (
            "Your role needs two-factor sign-in and you have not set up an authenticator "
            "app yet: sign in on the web pages to set one up, then sign in again."
        )
    return (
        "Your role needs two-factor sign-in: sign in again with the code from your "
        "authenticator app."
    )


@transaction.atomic
def totp_verify(*, user: Any, code: str) -> TOTPDevice | None:
    """The confirmed device on which ``code`` is current, or None. ``user`` may be None (a
    sign-in whose password was wrong): the same query runs, so the answer takes as long.

    Rows are locked so one code cannot be used twice by concurrent requests; failures slow
    the device down (django-otp's throttling).
    """
    devices = TOTPDevice.objects.filter(
        user_id=getattr(user, "pk", None), confirmed=True
    ).select_for_update()
    for device in devices:
        if code and device.verify_token(code):
            return device
    return None


@transaction.atomic
def totp_device_enrol(*, user: Any, name: str = "authenticator") -> TOTPDevice:
    """The user's device waiting for confirmation, created if there is none; it counts
    once confirmed with a code from it. Asking again returns the same device (and secret),
    so reloading the enrolment page does not invalidate a QR code already scanned."""
    if not two_factor_required(user):
        raise TwoFactorError(
            f"Two-factor sign-in is for {', '.join(two_factor_roles())} "
            f"(SIGN_IN_TWO_FACTOR_ROLES); {user.get_username()} is none of these."
        )
    pending = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
    device = pending.order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: Any, code: str) -> TOTPDevice:
    """Switch the waiting device on with a code from it. The person's API token is revoked:
    it was issued without this device, so they sign in again with its code."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise TwoFactorError(f"{user.get_username()} has no device waiting for confirmation.")
    if not device.verify_token(code):
        raise TwoFactorError("That code does not match; check the device's clock and try again.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    token_revoke(user=user)
    return device
