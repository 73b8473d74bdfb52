"""Every route under /api/. Each app's ``api.py`` lists its own routes; add an app here."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from web.problems import api_not_found

v1 = [
    path("", include("config.api")),
    path("", include("referrals.api")),
    path("", include("workflows.api")),
    path("", include("notifications.api")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script from a URL, so the page needs no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # Last: any other /api/ path is a problem+json 404, with DEBUG on or off.
    re_path(r"^.*$", api_not_found),
]
