"""Standard Webhooks signatures: secrets, signing and verification.

The scheme (https://www.standardwebhooks.com/) signs ``"{webhook-id}.{webhook-timestamp}.{body}"``
with HMAC-SHA256 and sends ``v1,<base64 digest>`` in ``webhook-signature``. Partners can
verify our calls with any Standard Webhooks library; ``verify_webhook_signature`` is the
same check for our own receivers and tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from django.utils import timezone

SECRET_PREFIX = "whsec_"  # noqa: S105  (the format's marker, not a secret)
SIGNATURE_VERSION = "v1"
# The spec recommends keys of 24 to 64 bytes; 32 matches the HMAC-SHA256 block of output.
SECRET_BYTES = 32


class WebhookSignatureError(ValueError):
    """A webhook request that must not be trusted; the message says why."""


def generate_webhook_secret() -> str:
    """A new signing secret in the ``whsec_<base64>`` form partners paste into their code."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_secret_key(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_`` secret. Raises ValueError when it is not base64."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise ValueError("The webhook secret is not valid base64 after 'whsec_'.") from exc
    if not key:
        raise ValueError("The webhook secret is empty.")
    return key


def sign_webhook(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for these exact bytes."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(webhook_secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def verify_webhook_signature(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int = 300,
    now: int | None = None,
) -> None:
    """Check a received webhook; return quietly when it is genuine and fresh.

    Raises WebhookSignatureError naming the first problem found. ``headers`` may be any
    mapping (header names are compared case-insensitively); ``body`` must be the raw bytes
    as received, before any JSON parsing, since re-serialising changes what was signed.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and raw_timestamp and signatures):
        raise WebhookSignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookSignatureError("webhook-timestamp is not an integer") from None
    current = int(timezone.now().timestamp()) if now is None else now
    # Both directions: an old timestamp is a replay, a future one a forged or skewed clock.
    if abs(current - timestamp) > tolerance:
        raise WebhookSignatureError("webhook-timestamp is outside the tolerance window")
    expected = sign_webhook(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
    # The header may carry several space-separated signatures (key rotation); any v1 match
    # will do. compare_digest keeps the comparison constant-time.
    for candidate in signatures.split(" "):
        if candidate.startswith(f"{SIGNATURE_VERSION},") and hmac.compare_digest(
            candidate.encode(), expected.encode()
        ):
            return
    raise WebhookSignatureError("no webhook-signature matches")
