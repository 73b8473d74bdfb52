"""Response headers every page, API answer and download gets, and the one log line each
request leaves."""

from __future__ import annotations

import logging
import time
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


request_log = logging.getLogger("csp.requests")


class RequestLogMiddleware:
    """One line per request: method, path, status and time taken, at INFO.

    Never the query string: a search may carry a person's name. Static files are answered
    by WhiteNoise above this and are not logged. With this line, Django's own
    ``django.request`` record of a 4xx says nothing more (``QuietClientErrors`` drops it);
    a 5xx still logs its traceback at ERROR there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        request_log.info(
            "%s %s %s %dms",
            request.method,
            # As Django escapes paths it logs: a newline in a URL cannot forge a log line.
            request.path.encode("unicode_escape").decode("ascii"),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response


class QuietClientErrors(logging.Filter):
    """For ``django.request``: drop the records of 4xx answers (a 403 from PermissionDenied,
    a 404 from Http404...), which Django logs at WARNING, with a full traceback for a
    PermissionDenied. They are expected answers, and ``RequestLogMiddleware`` has already
    logged the request in one line. 5xx records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return not (isinstance(status, int) and 400 <= status < 500)
