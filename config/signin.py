"""Web sign-in: password, then the authenticator code; enrolment; and the policy's gate.

The policy (partners.security): a person whose role needs two-factor sign-in reaches
nothing but enrolment and sign-out until this session has used a TOTP code. The API
applies it in its authentication classes (partners.api_auth), the admin in its site
(config.admin_site), and pages in TwoFactorMiddleware here.

After a password, anyone with a confirmed device is asked for its code. A wrong password
goes to the same "enter your code" step, and a wrong or missing code ends in the same
"enter a correct username and password" answer, so the pages never tell a right password
from a wrong one for an enrolled account. Attempts are limited per address
(SignInRateThrottle, shared with the API) as well as per username (django-axes).
"""

from __future__ import annotations

import math
from base64 import b32encode
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from config.forms import INVALID_SIGN_IN, SignInCodeForm, SignInForm, TwoFactorSetupForm
from partners.security import (
    SecondFactor,
    TwoFactorError,
    second_factor_missing,
    session_verified,
    totp_device_confirm,
    totp_device_enrol,
    totp_has_device,
    totp_verify,
    two_factor_required,
)
from web.problems import is_api
from web.rest import SignInRateThrottle

# The session key holding a sign-in between its password and its code.
PENDING = "csp_sign_in_pending"
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def allowed_before_second_factor(view: View) -> View:
    """Mark a page as open to people who still need a second factor (sign-out, sign-in)."""
    view.allowed_before_second_factor = True  # type: ignore[attr-defined]
    return view


class TwoFactorMiddleware:
    """Pages only (the API refuses in partners.api_auth): send a signed-in person whose role needs
    a second factor to enrolment if they have no device, or back to sign-in (signed out) if
    this session did not use it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        user = request.user
        if not user.is_authenticated or is_api(request):
            return None
        if getattr(view, "allowed_before_second_factor", False):
            return None
        missing = second_factor_missing(user, verified=session_verified(user))
        if missing is None:
            return None
        if missing is SecondFactor.ENROL:
            if getattr(view, "two_factor_enrolment", False):
                return None
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor_setup')}?{query}")
        # A device exists but this session never used it: sign in again, with its code.
        auth_logout(request)
        return redirect_to_login(request.get_full_path())


def _limited(request: HttpRequest, wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 60))
    response = render(
        request,
        "registration/sign_in_limited.html",
        {"minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class SignInView(auth_views.LoginView):
    """The password step. Anyone with a device, and any wrong password, goes on to the code
    step; a right password for someone without a device signs them in."""

    template_name = "registration/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = SignInRateThrottle()
        if not throttle.allow_request(request, self):
            return _limited(request, throttle.wait())
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["error_summary"] = context["form"].error_summary()
        return context

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if totp_has_device(user):
            return self._to_code_step(form, user)
        auth_login(self.request, user)
        if two_factor_required(user):
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{reverse('two_factor_setup')}?{query}")
        return redirect(self.get_success_url())

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        if form.has_error("__all__", "invalid_login"):
            # The same next step as a right password for an enrolled account.
            return self._to_code_step(form, None)
        return super().form_invalid(form)

    def _to_code_step(self, form: SignInForm, user: Any) -> HttpResponse:
        self.request.session[PENDING] = {
            "user": user.pk if user is not None else None,
            "backend": getattr(user, "backend", ""),
            "username": form.data.get("username", "")[:150],
            "next": self.get_success_url(),
            "at": timezone.now().timestamp(),
        }
        return redirect("sign_in_code")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending: dict[str, Any] | None = request.session.get(PENDING)
    if pending is None:
        return None
    age = timezone.now().timestamp() - float(pending["at"])
    if age > settings.SIGN_IN_CODE_TIMEOUT.total_seconds():
        del request.session[PENDING]
        return None
    return pending


def _sign_in_failed(request: HttpRequest, pending: dict[str, Any]) -> HttpResponse:
    """The sign-in page again, with the one answer every failed sign-in gets."""
    form = SignInForm(request, initial={"username": pending["username"]})
    return render(
        request,
        "registration/sign_in.html",
        {
            "form": form,
            "next": pending["next"],
            "error_summary": [{"href": "#username", "text": INVALID_SIGN_IN}],
        },
    )


@allowed_before_second_factor
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The code step: one try per password; then signed in, or back to the password."""
    if request.user.is_authenticated:
        return redirect("home")
    pending = _pending(request)
    if pending is None:
        return redirect("login")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        del request.session[PENDING]
        user = None
        if pending["user"] is not None:
            user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        device = totp_verify(user=user, code=form.cleaned_data["code"])
        if user is not None and device is not None:
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(_safe_next(request, pending["next"]))
        if user is not None:
            # Counted by axes like a wrong password (one failure per attempt either way).
            user_login_failed.send(
                sender=__name__, credentials={"username": pending["username"]}, request=request
            )
        return _sign_in_failed(request, pending)
    return render(
        request,
        "registration/sign_in_code.html",
        {"form": form, "error_summary": form.error_summary()},
    )


def _grouped(secret: bytes) -> str:
    text = b32encode(secret).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@sensitive_post_parameters("code")
@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: a QR code for an authenticator app, confirmed with a code from it."""
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if not two_factor_required(user) or totp_has_device(user):
        return redirect(next_url)
    device = totp_device_enrol(user=user)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except TwoFactorError as exc:
            form.add_error("code", str(exc))
        else:
            otp_login(request, device)
            request.session.cycle_key()
            messages.success(request, "Your authenticator app is set up.")
            return redirect(next_url)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "error_summary": form.error_summary(),
            "next": next_url,
            "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            "secret": _grouped(device.bin_key),
        },
    )


two_factor_setup.two_factor_enrolment = True  # type: ignore[attr-defined]
sign_out = allowed_before_second_factor(auth_views.LogoutView.as_view())
