from django.contrib import admin
from django.urls import include, path

from config import health, signin, views
from config.admin_site import CaseworkAdminSite
from config.signin import allowed_before_second_factor

# The admin under the one sign-in policy, in place of the default site (see the class).
admin.site.__class__ = CaseworkAdminSite

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", allowed_before_second_factor(views.favicon), name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", views.home, name="home"),
    path("sign-in/", allowed_before_second_factor(signin.SignInView.as_view()), name="login"),
    path("sign-in/code/", signin.sign_in_code, name="sign_in_code"),
    path("sign-in/set-up/", signin.two_factor_setup, name="two_factor_setup"),
    path("sign-out/", signin.sign_out, name="logout"),
    path("accessibility/", allowed_before_second_factor(views.accessibility), name="accessibility"),
    path("referrals/", include("referrals.urls")),
    path("", include("workflows.urls")),
    path("", include("notifications.urls")),
    path("manage/", views.manage, name="manage"),
    path("reports/", include("referrals.report_urls")),
]

# Problem details (RFC 9457) under /api/, Django's usual pages elsewhere.
handler400 = "web.problems.handler400"
handler403 = "web.problems.handler403"
handler404 = "web.problems.handler404"
handler500 = "web.problems.handler500"
