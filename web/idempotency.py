"""Idempotent creation: a retried or doubled create gets the first one's answer.

API clients send an ``Idempotency-Key`` header on a POST (the IETF httpapi draft
"The Idempotency-Key HTTP Header Field"); pages send a one-time form token (``web.pages``).
Both land here, keyed by (user, key):

- the first request under a key runs; if it succeeds its response is stored;
- the same key and the same request again replays the stored response (marked
  ``Idempotent-Replayed: true``) and writes nothing;
- the same key with another body (or another endpoint) is refused with 422 naming the header;
- concurrent requests under one key queue on a PostgreSQL advisory lock held while the first
  runs, then replay its answer; one still waiting after ``IDEMPOTENCY_WAIT_SECONDS`` gets
  409 and may retry;
- a key expires ``IDEMPOTENCY_KEY_TTL_SECONDS`` after its create (a day by default), after
  which it may be used again.

Failed requests (4xx, 5xx) are not stored: the client may correct the body and retry under
the same key.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from web.locks import advisory_lock_id
from web.models import IdempotencyKey
from web.problems import ProblemResponse, problem_type

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# How often a request waiting for a key held by another polls for it.
POLL_SECONDS = 0.05


def _lock_id(user_id: int, key: str) -> int:
    """A signed 64-bit advisory lock id for (user, key). A collision only makes two unrelated
    requests take turns; it never mixes their answers, which are looked up by the key itself."""
    return advisory_lock_id(f"web.idempotency:{user_id}:{key}")


@contextmanager
def key_held(user_id: int, key: str, *, wait: float | None = None) -> Iterator[bool]:
    """Hold (user, key) for the block: True once held, False if another request held it for
    longer than ``wait`` seconds.

    A session-level advisory lock, not a row lock: the create it guards commits in
    transactions of its own (``referral_raise`` is durable), so the lock must outlive them.
    If the process dies, PostgreSQL drops the lock with the connection.
    """
    if connection.vendor != "postgresql":  # SQLite serialises writers itself
        yield True
        return
    lock_id = _lock_id(user_id, key)
    deadline = time.monotonic() + (settings.IDEMPOTENCY_WAIT_SECONDS if wait is None else wait)
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(POLL_SECONDS)
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def stored_outcome(*, user_id: int, key: str, now: datetime) -> IdempotencyKey | None:
    """The stored answer under (user, key), unless it has expired (then it is forgotten)."""
    row = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if row is not None and row.expires_at <= now:
        row.delete()
        return None
    return row


def outcome_record(
    *,
    user_id: int,
    key: str,
    fingerprint: str,
    status: int,
    now: datetime,
    content_type: str = "",
    body: str = "",
    location: str = "",
) -> IdempotencyKey:
    """Store a successful create's answer; the caller holds (user, key). The user's expired
    keys go at the same time, so the table holds about a day's creates per user."""
    IdempotencyKey.objects.filter(user_id=user_id, expires_at__lte=now).delete()
    return IdempotencyKey.objects.create(
        user_id=user_id,
        key=key,
        fingerprint=fingerprint,
        response_status=status,
        response_content_type=content_type,
        response_body=body,
        response_location=location,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS),
    )


def problem(
    status: int, *, slug: str, title: str, detail: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """An RFC 9457 problem document naming the header."""
    return ProblemResponse(
        status,
        type=problem_type(slug),
        title=title,
        detail=detail,
        errors=[{"field": HEADER, "message": detail}],
        headers=headers,
    )


def key_reused() -> HttpResponse:
    return problem(
        422,
        slug="idempotency-key-reused",
        title="Idempotency-Key used for another request",
        detail=f"This {HEADER} was already used with a different request body or endpoint. "
        "Use a new key for a new request.",
    )


def key_busy() -> HttpResponse:
    return problem(
        409,
        slug="idempotency-key-in-use",
        title="A request with this Idempotency-Key is in progress",
        detail=f"A request with this {HEADER} is still being processed. Retry it shortly: "
        "you will get its answer.",
        headers={"Retry-After": "1"},
    )


def _request_key(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(" " < c <= "~" for c in key):
        raise exceptions.ValidationError(
            {HEADER: f"Send 1 to {MAX_KEY_LENGTH} visible ASCII characters, e.g. a UUID."}
        )
    return key


def _request_fingerprint(request: Request) -> str:
    data: Any = request.data
    if hasattr(data, "lists"):  # a QueryDict
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return fingerprint(request.method or "", request.get_full_path(), body)


class _Answered(Exception):
    """Carries the answer decided before the handler ran (a replay, 409 or 422)."""

    def __init__(self, response: HttpResponseBase) -> None:
        super().__init__()
        self.response = response


class IdempotentCreateMixin(APIView):
    """Put first in the bases of an API view whose POST creates something: an
    ``Idempotency-Key`` header then makes the POST safe to retry (see the module's doc).

    Checked after authentication, permissions and throttling, so a key is always some
    signed-in user's and is looked at only for requests that may create.
    """

    _idempotency: tuple[int, str, str] | None = None
    _replayed = False
    _stack: ExitStack

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self._idempotency, self._replayed = None, False
        with ExitStack() as stack:
            # initial() enters the key's lock here, so it is held until the answer is stored.
            self._stack = stack
            response = super().dispatch(request, *args, **kwargs)
            if self._idempotency is not None and not self._replayed:
                self._record(response)
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method != "POST" or not request.user.is_authenticated:
            return
        key = _request_key(request)
        if key is None:
            return
        signature = _request_fingerprint(request)
        if not self._stack.enter_context(key_held(request.user.pk, key)):
            raise _Answered(key_busy())
        self._idempotency = (request.user.pk, key, signature)
        row = stored_outcome(user_id=request.user.pk, key=key, now=timezone.now())
        if row is None:
            return
        self._replayed = True
        if row.fingerprint != signature:
            raise _Answered(key_reused())
        replay = HttpResponse(
            row.response_body, status=row.response_status, content_type=row.response_content_type
        )
        replay[REPLAYED_HEADER] = "true"
        if row.response_location:
            replay["Location"] = row.response_location
        raise _Answered(replay)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Answered):
            return exc.response  # type: ignore[return-value]
        return super().handle_exception(exc)

    def _record(self, response: HttpResponseBase) -> None:
        if not 200 <= response.status_code < 300:
            return
        assert self._idempotency is not None
        user_id, key, signature = self._idempotency
        if isinstance(response, Response):
            response.render()
        content = getattr(response, "content", b"")
        outcome_record(
            user_id=user_id,
            key=key,
            fingerprint=signature,
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=content.decode(response.charset or "utf-8"),
            location=response.get("Location", ""),
            now=timezone.now(),
        )
