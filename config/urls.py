from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import health, views
from config.admin_site import CaseworkAdminSite

# django-otp's way to put a two-factor admin in place of the default site (see the class).
admin.site.__class__ = CaseworkAdminSite

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("referrals/", include("referrals.urls")),
    path("", include("workflows.urls")),
    path("", include("notifications.urls")),
    path("manage/", views.manage, name="manage"),
    path("reports/", include("referrals.report_urls")),
]

# Problem details (RFC 9457) under /api/, Django's usual pages elsewhere.
handler400 = "config.problems.handler400"
handler403 = "config.problems.handler403"
handler404 = "config.problems.handler404"
handler500 = "config.problems.handler500"
