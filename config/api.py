"""API sign-in: exchange a username and password (and TOTP code, once enrolled) for a token.

Failed attempts go through ``django.contrib.auth.authenticate`` with the request, so
django-axes counts them and locks the username at that address after AXES_FAILURE_LIMIT;
SignInRateThrottle limits attempts per address whatever the username. A right password
with a missing or wrong code gets the very answer a wrong password gets, and counts as a
failure the same way, so the reply never says which part was right.

Each sign-in issues a new key and revokes the old one; the key expires (idle and absolute
lifetimes) and stops working when the password changes (partners.tokens).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api_auth import ApiTokenAuthentication, TwoFactorSessionAuthentication
from partners.security import (
    SecondFactor,
    second_factor_message,
    second_factor_missing,
    totp_has_device,
    totp_verify,
)
from partners.tokens import token_issue, token_revoke
from web.api import StrictSerializer
from web.problems import ProblemResponse, problem_type
from web.rest import SignInRateThrottle, WriteRateThrottle


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.RegexField(
        r"^[0-9]{6,8}$",
        required=False,
        help_text="The current code from your authenticator app, once you have enrolled one.",
    )


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(
        help_text="When the token expires at the latest; it expires sooner if left unused."
    )


def _invalid_credentials() -> ProblemResponse:
    return ProblemResponse(
        400,
        type=problem_type("invalid-credentials"),
        title="Unable to sign in",
        detail="Unable to sign in with those details: check the username, the password and, "
        "if you use an authenticator app, its code.",
    )


class TokenView(APIView):
    """POST signs in and returns a new token (the old one stops working); DELETE revokes it."""

    throttle_classes = [SignInRateThrottle, WriteRateThrottle]

    def get_authenticators(self) -> list[BaseAuthentication]:
        # Signing in needs no prior credentials; a stale token header must not block it.
        if self.request is not None and self.request.method == "POST":
            return []
        # Signing out is allowed whatever the second factor (the sign-in policy's exception).
        return [
            ApiTokenAuthentication(two_factor_gate=False),
            TwoFactorSessionAuthentication(two_factor_gate=False),
        ]

    def get_permissions(self) -> list[BasePermission]:
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            403: OpenApiResponse(
                description="The password was right, but the role needs two-factor sign-in "
                "and no authenticator app is set up yet: set one up on the web pages."
            ),
            429: OpenApiResponse(description="Too many attempts, or signing in is locked."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response | ProblemResponse:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        # axes needs Django's own request: it marks a locked-out attempt on it, and its
        # middleware turns that mark into the 429 response (web.problems.lockout_response).
        django_request = request._request
        user = authenticate(
            django_request, username=username, password=body.validated_data["password"]
        )
        device = None
        if user is not None and totp_has_device(user):
            device = totp_verify(user=user, code=body.validated_data.get("otp", ""))
            if device is None:
                # Counted by axes like a wrong password, so codes cannot be guessed freely.
                user_login_failed.send(
                    sender=__name__, credentials={"username": username}, request=django_request
                )
                user = None
        if user is None:
            return _invalid_credentials()
        missing = second_factor_missing(user, verified=device is not None)
        if missing is SecondFactor.ENROL:
            return ProblemResponse(
                403,
                type=problem_type("two-factor-enrolment-required"),
                title="Set up two-factor sign-in first",
                detail=second_factor_message(missing),
            )
        issued = token_issue(user=user, two_factor=device is not None)
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        return Response({"token": issued.key, "expires_at": issued.expires_at})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=204)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
