"""Response headers every page, API answer and download gets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with Django's other never-cache headers) on every
    response but static assets.

    Pages, API answers and CSVs carry victims' details; a browser's back button on a shared
    computer, or a caching proxy, must not replay them. Deciding per view would leave the
    next view to forget it, so the rule is one: nothing is stored unless it is a static
    asset. WhiteNoise answers for those before this runs (it sits above this in MIDDLEWARE);
    the path check covers static files served any other way. Health checks say
    ``never_cache`` themselves and are treated like everything else.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        static = "/" + str(settings.STATIC_URL or "").lstrip("/")
        if static != "/" and request.path.startswith(static):
            return response
        add_never_cache_headers(response)
        return response
