"""What the web kit stores: the outcome of each create sent with an idempotency key."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """A create a user asked for under a key (an API ``Idempotency-Key`` header, or a page's
    one-time form token), and the answer it got, so that a retry gets the same answer.

    Rows are written only for successful creates and are purged once they expire
    (``settings.IDEMPOTENCY_KEY_TTL_SECONDS``); the key is the user's, so two users may use
    the same key without meeting.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    # sha256 of the method, path and canonical body: the same key with another body is a
    # client error, not a replay.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_content_type = models.CharField(max_length=100, blank=True)
    response_body = models.TextField(blank=True)
    response_location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]
        indexes = [
            # idempotency_keys_purge: DELETE ... WHERE user_id = %s AND expires_at <= now.
            models.Index(fields=["user", "expires_at"], name="idempotency_key_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
