"""The admin site, which asks for a TOTP code as well when ADMIN_REQUIRE_2FA is on.

``config.urls`` swaps the default site's class for this one (django-otp's documented way),
so every ``@admin.register`` in the apps keeps working. The setting is read per request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class CaseworkAdminSite(OTPAdminSite):
    site_header = "CSP Casework administration"
    site_title = "CSP Casework"

    @property
    def login_form(self) -> type[AdminAuthenticationForm]:
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_2FA else AdminAuthenticationForm

    @property
    def login_template(self) -> str | None:
        return OTPAdminSite.login_template if settings.ADMIN_REQUIRE_2FA else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_REQUIRE_2FA:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
