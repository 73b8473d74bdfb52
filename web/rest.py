"""REST framework plumbing shared by every endpoint: parsing, paging, rate limits, schema.

Named by dotted path in settings.REST_FRAMEWORK / MIDDLEWARE / SPECTACULAR_SETTINGS (and
imported by the sign-in views for their throttles). Authentication applies the sign-in
policy, so it lives with it in ``partners.api_auth``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.metadata import BaseMetadata
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from web.forms import unstorable
from web.problems import ProblemResponse, RequestTooLarge, is_api, problem_type

MAX_JSON_DEPTH = 32
NUL = "\x00"


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class Metadata(BaseMetadata):
    """What OPTIONS answers: the endpoint's name, description and media types; its methods
    are in the Allow header. Not DRF's ``actions``: the OpenAPI document is the one
    description of request bodies, and building ``actions`` instantiated a serializer that
    views reading through selectors do not declare (OPTIONS answered 500)."""

    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [r.media_type for r in view.renderer_classes],
            "parses": [p.media_type for p in view.parser_classes],
        }


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that OPTIONS always answers JSON: a report's CSV renderer
    or the API docs' HTML renderer cannot render the description (OPTIONS answered 500).
    RFC 9110 s12.5.1 lets a server disregard Accept rather than answer 406."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        if request.method == "OPTIONS":
            return JSONRenderer(), JSONRenderer.media_type
        return super().select_renderer(request, renderers, format_suffix)


class LimitedJSONParser(JSONParser):
    """JSON bodies only, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes and 32 levels deep.

    DRF reads the WSGI stream directly, which bypasses Django's own size check; so the
    limit is enforced here. Text may not hold NUL characters or unpaired surrogates
    (``"\\ud800"``): PostgreSQL cannot store them, and a 400 naming the field, before any
    view has reserved a reference or written a row, beats a 500 from the database.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            codecs.lookup(encoding)
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"The body is not valid {encoding} text.") from exc
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from exc
        _check_values(data)
        return data


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _check_values(data: Any) -> None:
    """Reject over-deep nesting and unstorable text, naming the first offending field."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"The body is nested more than {MAX_JSON_DEPTH} deep.")
        if isinstance(value, str):
            problem = unstorable(value)
            if problem:
                raise exceptions.ValidationError({path or "body": problem})
        elif isinstance(value, dict):
            for key, item in value.items():
                if unstorable(key):
                    # Not echoed back: the name itself is what cannot be encoded.
                    raise exceptions.ValidationError(
                        {"body": "Field names may not contain NUL or unpaired surrogates."}
                    )
                child = f"{path}.{key}" if path else str(key)
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


class _SettingsRateThrottle(SimpleRateThrottle):
    """Rates come from settings.API_THROTTLE_RATES when the request is made (DRF reads its
    own rates once, at import), so tests and operators can change them."""

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATES.get(self.scope or "")
        return rate


class WriteRateThrottle(_SettingsRateThrottle):
    """Every POST, PUT, PATCH and DELETE, per user (per address before sign-in)."""

    scope = "write"

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SignInRateThrottle(_SettingsRateThrottle):
    """Sign-in attempts per client address, whatever the username (password spraying).

    The web sign-in page uses it too (config.signin), so both count against one budget.
    """

    scope = "sign_in"

    def allow_request(self, request: Request | HttpRequest, view: Any) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)  # type: ignore[arg-type]

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiGuardMiddleware:
    """Refuse, before any view runs, API requests that could only cause trouble later:
    a declared body over the size limit (413) and NUL characters in the query string."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return ProblemResponse(
                413, type=problem_type("request-too-large"), detail=RequestTooLarge.default_detail
            )
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in v for v in values):
                return ProblemResponse(
                    400,
                    type=problem_type("validation-error"),
                    title="Your request has invalid fields",
                    detail=f"{key.replace(NUL, '')}: Text may not contain NUL.",
                    errors=[
                        {"field": key.replace(NUL, ""), "message": "Text may not contain NUL."}
                    ],
                )
        return None


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}
VALIDATION_PROBLEM_SCHEMA = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "properties": {
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                        "required": ["field", "message"],
                    },
                }
            },
        },
    ]
}
_ERRORS = {
    "400": ("ValidationProblem", "Invalid input; `errors` names each field."),
    "401": ("Problem", "Not signed in."),
    "403": ("Problem", "Signed in, but your role does not allow this."),
    "404": ("Problem", "No such resource, or none that you may see."),
    "429": ("Problem", "Too many requests; see Retry-After."),
}
_BODY_ERRORS = {
    "413": ("Problem", "The body is too large."),
    "415": ("Problem", "Send application/json."),
}


def problem_responses_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing: document the problem responses every operation can
    give, so clients and schemathesis know their shape."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ValidationProblem"] = VALIDATION_PROBLEM_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            public = {} in operation.get("security", [{}])
            errors = dict(_ERRORS)
            if public:
                errors.pop("401")
                errors.pop("403")
            if "requestBody" in operation:
                errors.update(_BODY_ERRORS)
            for status, (_, description) in errors.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith("4") and "content" not in response:
                    component = errors.get(status, ("Problem", ""))[0]
                    response["content"] = {
                        "application/problem+json": {
                            "schema": {"$ref": f"#/components/schemas/{component}"}
                        }
                    }
    return result


def nullable_types_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing: give every ``nullable`` a ``type`` beside it.

    OpenAPI 3.0.3 (Schema Object, ``nullable``): true "adds null to the allowed type ...
    only if type is explicitly defined within the same Schema Object", and it does not reach
    through ``allOf``. drf-spectacular writes a nullable nested serializer as ``{allOf:
    [$ref], nullable}`` and a nullable choice as ``{oneOf: [XEnum, NullEnum], nullable}``,
    which strict 3.0.3 clients read as never null (the first even refuses null: the
    component's own ``type`` vetoes it). Rewritten here as ``{type, nullable, oneOf: [$ref,
    null]}`` and ``{type, nullable, oneOf: [...]}``. Run after the enum hook, which writes
    the second form. A nullable with no type to give stays, and the schema tests fail on it.
    """
    schemas = result.get("components", {}).get("schemas", {})

    def component_type(branch: Any) -> str | None:
        ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
        found = schemas.get(ref.rsplit("/", 1)[-1], {}).get("type") if ref else None
        return found if isinstance(found, str) else None

    def fix(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                fix(item)
            return
        if not isinstance(node, dict):
            return
        for value in node.values():
            fix(value)
        if node.get("nullable") is not True or "type" in node:
            return
        if len(node.get("allOf", ())) == 1 and (kind := component_type(node["allOf"][0])):
            node["type"] = kind
            node["oneOf"] = [node.pop("allOf")[0], {"type": kind, "nullable": True, "enum": [None]}]
        elif "oneOf" in node:
            kinds = {component_type(branch) for branch in node["oneOf"]} - {None}
            if len(kinds) == 1:
                node["type"] = kinds.pop()

    fix(result)
    return result
