"""One-time form tokens: a page form that creates something does so once, however many
times its button is pressed.

The page puts ``form_token_issue(request)`` in a hidden ``form_token`` field. The token is
signed, names the signed-in user and a random nonce, and lasts as long as an idempotency key
(``IDEMPOTENCY_KEY_TTL_SECONDS``), so it can never outlive the record of its use. The POST
goes through ``submit_once``: the first submission runs; the others (a double click, four
clicks racing, the back button and Send again) wait for it and are sent where it went.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from web.idempotency import fingerprint, key_held, outcome_record, stored_outcome

FORM_TOKEN_FIELD = "form_token"  # noqa: S105 (a field name, not a secret)
_SALT = "web.pages.form-token"


def form_token_issue(request: HttpRequest) -> str:
    """A fresh token for one rendering of a create form."""
    return signing.dumps({"u": request.user.pk, "n": secrets.token_urlsafe(18)}, salt=_SALT)


def _form_key(request: HttpRequest) -> str | None:
    raw = request.POST.get(FORM_TOKEN_FIELD, "")
    try:
        value: Any = signing.loads(raw, salt=_SALT, max_age=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(value, dict) or value.get("u") != request.user.pk:
        return None
    return f"form:{value.get('n')}"


def submit_once(
    request: HttpRequest,
    action: Callable[[], HttpResponse],
    *,
    refused: Callable[[], HttpResponse],
) -> HttpResponse:
    """Run ``action`` (a create that answers with a redirect) at most once per form token.

    A submission whose token was already used is redirected where the first one went. A
    missing, forged, expired or another user's token, or one issued for another page, gets
    ``refused()`` (typically the form again, with a fresh token). Only a redirect is
    remembered: a form shown again with errors leaves the token usable.
    """
    key = _form_key(request)
    if key is None:
        return refused()
    page = fingerprint("page", request.path)
    user_id = request.user.pk
    assert user_id is not None  # _form_key matched the token to this signed-in user
    with key_held(user_id, key) as held:
        if not held:
            return refused()
        done = stored_outcome(user_id=user_id, key=key, now=timezone.now())
        if done is not None:
            if done.fingerprint != page:
                return refused()
            return HttpResponseRedirect(done.response_location)
        response = action()
        if 300 <= response.status_code < 400 and response.get("Location"):
            outcome_record(
                user_id=user_id,
                key=key,
                fingerprint=page,
                status=response.status_code,
                location=response["Location"],
                now=timezone.now(),
            )
        return response
