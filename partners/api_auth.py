"""The API's authentication: the sign-in policy (``partners.security``) for tokens and
sessions. Named in settings.REST_FRAMEWORK; the sign-in endpoint (config.api) uses the
classes without the second-factor gate, so a person can still enrol or sign in.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request

from partners.security import (
    SecondFactor,
    second_factor_message,
    second_factor_missing,
    session_verified,
)
from partners.tokens import TokenRejected, token_authenticate


class SecondFactorRequired(exceptions.PermissionDenied):
    """403: signed in, but the person's role needs a second factor this sign-in lacked."""

    def __init__(self, missing: SecondFactor) -> None:
        super().__init__(second_factor_message(missing))
        # The problem type names the reason (web.problems reads it).
        self.problem_slug = (
            "two-factor-enrolment-required"
            if missing is SecondFactor.ENROL
            else "two-factor-required"
        )


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, checked against partners.tokens: stored as a digest,
    expiring (idle and absolute), revoked by a password change; and refused (403) for a
    role that needs a second factor when the token was issued without one."""

    def __init__(self, *, two_factor_gate: bool = True) -> None:
        self.two_factor_gate = two_factor_gate

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            token = token_authenticate(key=key)
        except TokenRejected as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        if self.two_factor_gate:
            missing = second_factor_missing(token.user, verified=token.two_factor)
            if missing:
                raise SecondFactorRequired(missing)
        return token.user, token


class TwoFactorSessionAuthentication(SessionAuthentication):
    """Django's session (with its CSRF check), refused (403) for a role that needs a second
    factor when the session was signed in without one (django_otp's is_verified)."""

    def __init__(self, *, two_factor_gate: bool = True) -> None:
        self.two_factor_gate = two_factor_gate

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not self.two_factor_gate:
            return result
        user = result[0]
        missing = second_factor_missing(user, verified=session_verified(user))
        if missing:
            raise SecondFactorRequired(missing)
        return result


class TwoFactorSessionScheme(SessionScheme):
    """The session scheme in the OpenAPI document (drf-spectacular matches exact classes)."""

    target_class = "partners.api_auth.TwoFactorSessionAuthentication"
