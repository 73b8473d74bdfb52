"""API tokens: issued at sign-in, stored as digests, expiring, bound to the password.

A token is refused once it has gone unused for ``API_TOKEN_IDLE_TIMEOUT`` (sliding), once
``API_TOKEN_MAX_AGE`` has passed since sign-in (absolute), or once the password has changed.
Each sign-in issues a new key and the old one stops working at once (one row per person).
Whether a token is enough for the person's role (two-factor) is partners.security's call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from partners.models import ApiToken

# last_used_at is written at most this often, not on every request; the idle timeout is
# minutes long, so a minute's granularity costs nothing.
TOUCH_INTERVAL = timedelta(minutes=1)
PREFIX_LENGTH = 8


class TokenRejected(Exception):
    """The key names no token, or one that has expired or been revoked; ``str`` says which,
    for the holder of the key."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # The key in clear: it exists only here, to be shown once to the person signing in.
    key: str

    @property
    def expires_at(self) -> datetime:
        return token_expires_at(self.token)


def token_digest(key: str) -> str:
    # Keys are 256 random bits, so a plain SHA-256 cannot be reversed by guessing (unlike a
    # password, which needs a slow hash).
    return hashlib.sha256(key.encode()).hexdigest()


def _fingerprint(user: Any) -> str:
    # Django's HMAC of the password hash, the value that ends sessions on a password change.
    return str(user.get_session_auth_hash())


def token_expires_at(token: ApiToken) -> datetime:
    """When the token expires at the latest, however often it is used."""
    expires: datetime = token.created_at + settings.API_TOKEN_MAX_AGE
    return expires


def token_issue(*, user: Any, two_factor: bool, now: datetime | None = None) -> IssuedToken:
    """A new key for ``user``, replacing (and so revoking) any key they had.

    ``two_factor`` records that this sign-in included a verified TOTP code; the caller
    decides whether the person's role needed one (partners.security.second_factor_missing).
    """
    now = now or timezone.now()
    key = secrets.token_urlsafe(32)
    # update_or_create locks the row, so two sign-ins at once leave one working key.
    token, _ = ApiToken.objects.update_or_create(
        user=user,
        defaults={
            "digest": token_digest(key),
            "prefix": key[:PREFIX_LENGTH],
            "password_fingerprint": _fingerprint(user),
            "two_factor": two_factor,
            "created_at": now,
            "last_used_at": now,
        },
    )
    return IssuedToken(token=token, key=key)


def token_revoke(*, user: Any) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted > 0


def token_authenticate(*, key: str, now: datetime | None = None) -> ApiToken:
    """The live token for ``key`` (with its user), its idle clock restarted; or
    TokenRejected. An expired or revoked token is deleted on sight."""
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
    if token is None:
        raise TokenRejected("Invalid token.")
    reason = _rejection(token, now)
    if reason:
        token.delete()
        raise TokenRejected(reason)
    if now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _rejection(token: ApiToken, now: datetime) -> str:
    user = token.user
    if not user.is_active:
        return "User inactive or deleted."
    if now >= token_expires_at(token):
        return "The token has expired; sign in again for a new one."
    if now - token.last_used_at >= settings.API_TOKEN_IDLE_TIMEOUT:
        return "The token has expired after going unused; sign in again for a new one."
    if not constant_time_compare(token.password_fingerprint, _fingerprint(user)):
        return "The token was revoked when the password changed; sign in again."
    return ""
