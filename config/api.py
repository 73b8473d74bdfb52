"""API sign-in: exchange a username and password (and TOTP code, once enrolled) for a token.

Failed attempts go through ``django.contrib.auth.authenticate`` with the request, so
django-axes counts them and locks the username at that address after AXES_FAILURE_LIMIT;
SignInRateThrottle limits attempts per address whatever the username.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import StrictSerializer
from config.problems import ProblemResponse, problem_type
from config.rest import SignInRateThrottle, WriteRateThrottle
from partners.security import token_issue, token_revoke, totp_required, totp_verify


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


def _invalid_credentials() -> ProblemResponse:
    return ProblemResponse(
        400,
        type=problem_type("invalid-credentials"),
        title="Unable to sign in",
        detail="Unable to sign in with that username and password.",
    )


class TokenView(APIView):
    """POST signs in and returns the caller's token; DELETE revokes it."""

    throttle_classes = [SignInRateThrottle, WriteRateThrottle]

    def get_authenticators(self) -> list[BaseAuthentication]:
        # Signing in needs no prior credentials; a stale token header must not block it.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(description="Too many attempts, or signing in is locked."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response | ProblemResponse:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        # axes needs Django's own request: it marks a locked-out attempt on it, and its
        # middleware turns that mark into the 429 response (config.problems.lockout_response).
        django_request = request._request
        user = authenticate(
            django_request, username=username, password=body.validated_data["password"]
        )
        if user is None:
            return _invalid_credentials()
        if totp_required(user):
            code = body.validated_data.get("otp")
            if not code:
                raise exceptions.ValidationError(
                    {"otp": "Enter the code from your authenticator app."}
                )
            if not totp_verify(user=user, code=code):
                # Counted by axes like a wrong password, so codes cannot be guessed freely.
                user_login_failed.send(
                    sender=__name__, credentials={"username": username}, request=django_request
                )
                return _invalid_credentials()
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        return Response({"token": token_issue(user=user).key})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=204)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
