"""The admin site under the one sign-in policy (partners.security).

Its own login form is not used: signing in happens on the service's pages, which ask for
the TOTP code (or enrolment) as the policy requires, and then come back here. Admin users
are in SIGN_IN_TWO_FACTOR_ROLES by default ("staff"). ``config.urls`` swaps the default
site's class for this one, so every ``@admin.register`` in the apps keeps working.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from partners.security import second_factor_missing, session_verified


class CaseworkAdminSite(AdminSite):
    site_header = "CSP Casework administration"
    site_title = "CSP Casework"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user: Any = request.user
        return second_factor_missing(user, verified=session_verified(user)) is None

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if self.has_permission(request):
            return redirect(next_url)
        # Signed in, but not an admin user (the policy's middleware deals with a missing
        # second factor before this is reached).
        raise PermissionDenied("The admin is for the partnership's administrators.")
