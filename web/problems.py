"""RFC 9457 problem details for everything under /api/.

Every error the API returns is ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail``; validation errors add ``errors: [{"field", "message"}]`` with
field paths such as ``subjects[0].full_name`` or ``data.agency``. The DRF exception handler,
the 404/500 handlers and the sign-in lockout response all build it here, so the shape
cannot drift between them.

While the database cannot be reached (PostgreSQL restarting, a failover, the network), any
request that needs it answers 503 with Retry-After: a problem document under /api/ and the
"service unavailable" page elsewhere, never a 500. Nothing is half-written: PostgreSQL rolls
back a transaction whose connection is lost before it commits. Django reconnects on the next
request (CONN_HEALTH_CHECKS), so the service recovers without a restart.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"
TYPE_PREFIX = "urn:csp-casework:problem:"
# What Django raises when the database cannot be reached or drops the connection: refused or
# reset connections, "the database system is shutting down", a connection closed mid-request.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# A PostgreSQL restart or failover takes seconds; clients should not retry in a tight loop.
DATABASE_RETRY_AFTER_SECONDS = 5


def problem_type(slug: str) -> str:
    """A stable, non-resolvable identifier for a kind of problem (RFC 9457 section 3.1.1)."""
    return TYPE_PREFIX + slug


class ProblemResponse(HttpResponse):
    def __init__(
        self,
        status: int,
        *,
        detail: str,
        title: str | None = None,
        type: str = "about:blank",
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        body: dict[str, Any] = {
            "type": type,
            "title": title or HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
        }
        if errors is not None:
            body["errors"] = errors
        super().__init__(
            json.dumps(body), status=status, content_type=CONTENT_TYPE, headers=headers
        )


class ProblemError(Exception):
    """An error a domain app raises that the API answers as a problem document, without the
    handler here naming the app: the exception carries what the answer needs.

    ``status`` and ``problem_slug`` (the last part of the problem ``type``) set the answer;
    ``title`` defaults to the status phrase; ``str(exc)`` is the ``detail``. ``errors``, when
    set, maps each field path to its message and makes the answer a validation problem
    listing them (``{"field", "message"}``), as DRF's own validation errors are.
    """

    status: int = 400
    problem_slug: str = "bad-request"
    title: str | None = None
    errors: Mapping[str, str] | None = None


# Problems the API raises itself.
class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is larger than this service accepts."
    default_code = "request_too_large"


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure as a flat list of ``{"field", "message"}``."""
    if isinstance(detail, Mapping):
        out = []
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix or "body"
            elif prefix:
                path = f"{prefix}.{key}"
            else:
                path = str(key)
            out.extend(flatten_errors(value, path))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": prefix or "body", "message": str(item)} for item in detail]
        out = []
        for i, item in enumerate(detail):
            if item:  # DRF keeps an empty entry for each valid item of a list field
                out.extend(flatten_errors(item, f"{prefix}[{i}]"))
        return out
    return [{"field": prefix or "body", "message": str(detail)}]


def _field_errors(errors: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"field": field, "message": message} for field, message in errors.items()]


def validation_problem(
    errors: list[dict[str, str]], detail: str = "", *, status: int = 400
) -> ProblemResponse:
    return ProblemResponse(
        status,
        title="Your request has invalid fields",
        type=problem_type("validation-error"),
        detail=detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        errors=errors,
    )


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse | None:
    """DRF's EXCEPTION_HANDLER: every handled error becomes a problem response."""
    # Imported here: rest_framework.views reads REST_FRAMEWORK at import, which names
    # web.rest, which imports this module.
    from rest_framework.views import set_rollback

    request = context.get("request")
    if isinstance(exc, DATABASE_UNAVAILABLE) and request is not None:
        return database_unavailable(request, exc)
    response = _problem_for(exc)
    if response is not None:
        set_rollback()
    return response


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 while the database is unreachable: problem details under /api/, a page elsewhere."""
    logger.warning("%s %s: database unavailable: %s", request.method, request.path, exc)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    if is_api(request):
        return ProblemResponse(
            503,
            type=problem_type("database-unavailable"),
            title="Service temporarily unavailable",
            detail="The service cannot reach its database. Try again in a few seconds; if you "
            "were saving something, check whether it was saved before you send it again.",
            headers=headers,
        )
    # Rendered without the request, as Django's own 500 page is: context processors would
    # query the database that just failed.
    page = loader.get_template("503.html").render()
    return HttpResponse(page, status=503, headers=headers)


def _problem_for(exc: Exception) -> HttpResponse | None:
    if isinstance(exc, ProblemError):
        if exc.errors is not None:
            return validation_problem(_field_errors(exc.errors), status=exc.status)
        return ProblemResponse(
            exc.status, type=problem_type(exc.problem_slug), title=exc.title, detail=str(exc)
        )
    if isinstance(exc, Http404):
        # Never echo the lookup: the same answer whether or not the object exists.
        return ProblemResponse(404, detail="Not found.")
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    challenge = getattr(exc, "auth_header", None)  # set by APIView for 401s
    if challenge:
        headers["WWW-Authenticate"] = str(challenge)
    wait = getattr(exc, "wait", None)  # set by Throttled
    if wait:
        headers["Retry-After"] = str(math.ceil(wait))
    if isinstance(exc, exceptions.ValidationError):
        return validation_problem(flatten_errors(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return ProblemResponse(
            400, type=problem_type("malformed-body"), detail=str(exc.detail), headers=headers
        )
    if isinstance(exc, exceptions.NotFound):
        return ProblemResponse(404, detail="Not found.")
    status_slug: str | None = {
        401: "not-authenticated",
        403: "forbidden",
        409: "conflict",  # the resource's state forbids it now, as for a transition
        412: "stale-version",
        413: "request-too-large",
        415: "unsupported-media-type",
        429: "too-many-requests",
    }.get(exc.status_code)
    # An exception may name its own kind of problem (partners.api_auth.SecondFactorRequired).
    status_slug = getattr(exc, "problem_slug", None) or status_slug
    return ProblemResponse(
        exc.status_code,
        type=problem_type(status_slug) if status_slug else "about:blank",
        detail=str(exc.detail)
        if isinstance(exc.detail, str)
        else HTTPStatus(exc.status_code).phrase,
        headers=headers,
    )


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


# Django's error handlers (config.urls): problem details under /api/, the usual pages elsewhere.
def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return defaults.bad_request(request, exception)  # type: ignore[arg-type]
    if isinstance(exception, RequestDataTooBig):
        return ProblemResponse(
            413, type=problem_type("request-too-large"), detail=RequestTooLarge.default_detail
        )
    return ProblemResponse(
        400, type=problem_type("bad-request"), detail="The request is malformed."
    )


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return defaults.permission_denied(request, exception)  # type: ignore[arg-type]
    return ProblemResponse(403, type=problem_type("forbidden"), detail="Permission denied.")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return ProblemResponse(404, detail="Not found.")


def handler500(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so sys.exc_info() still holds it.
    # A database outage raised outside a DRF view (middleware, pages) lands here.
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable(request, exc)
    if not is_api(request):
        return defaults.server_error(request)
    # The traceback goes to the log (django.request); the client gets no internals.
    return ProblemResponse(500, detail="Something went wrong on our side; it has been logged.")


# Exempt from CSRF: it writes nothing, and the check would answer an unsafe method from a
# browser session with Django's CSRF failure page (403 HTML) instead of this 404 problem.
@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Catch-all for unknown /api/ paths, so they are problems even with DEBUG on, for
    every method."""
    detail = "There is no such endpoint."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail = f"There is no such endpoint; did you mean {request.path}/ (with a slash)?"
    return ProblemResponse(404, detail=detail)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: too many failed sign-ins for this username here."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = f"Too many failed sign-ins. Try again in {minutes} minutes."
    if is_api(request):
        return ProblemResponse(
            429,
            type=problem_type("locked-out"),
            title="Signing in is locked",
            detail=detail,
            headers={"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))},
        )
    return HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
