"""Signing tests in under the sign-in policy: TOTP devices and codes, verified sessions and
tokens for the personas whose roles need a second factor.

tests/conftest.py makes the test client's ``force_login`` stand for a completed sign-in,
second factor included (``force_login_verified``); ``force_login_password_only`` is the
plain one, for tests of what a password alone reaches.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import User
from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import ApiToken
from partners.security import two_factor_required
from partners.tokens import token_digest, token_issue

TEST_DEVICE = "test authenticator"
# Keys token_for issued, by user id: signing in again would revoke a client's key, so a
# test that makes two clients for one person gets the same key for both.
_issued: dict[int, str] = {}
_plain_force_login = ClientMixin.force_login


def confirmed_device(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device, created if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TEST_DEVICE, confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The device's code at ``at`` (now by default; time_machine moves it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device will accept now, even if this time step's code was used already
    (django-otp refuses a code twice): the device forgets its last use and any throttle."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return totp_code(device)


def wrong_code(device: TOTPDevice) -> str:
    right = int(totp_code(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def force_login_password_only(client: Any, user: User, backend: str | None = None) -> None:
    """Django's own force_login: a session signed in with a password alone."""
    _plain_force_login(client, user, backend)


def force_login_verified(client: Any, user: User, backend: str | None = None) -> None:
    """force_login, and for a role that needs a second factor, a confirmed device marked
    as used by this session (what django_otp.login does after a right code)."""
    _plain_force_login(client, user, backend)
    if two_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
        session.save()


def token_for(user: User) -> str:
    """The user's API token key, issued as a full sign-in would (with a second factor, and
    a confirmed device, when their role needs one) unless the key issued earlier in this
    test still stands."""
    key = _issued.get(user.pk)
    if key and ApiToken.objects.filter(user=user, digest=token_digest(key)).exists():
        return key
    two_factor = two_factor_required(user)
    if two_factor:
        confirmed_device(user)
    key = token_issue(user=user, two_factor=two_factor).key
    _issued[user.pk] = key
    return key
