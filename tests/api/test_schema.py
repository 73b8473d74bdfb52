"""The OpenAPI document: valid, complete, and true to what the API answers (schemathesis)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver
from hypothesis import HealthCheck
from openapi_spec_validator import validate
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config import api_urls
from tests.api.conftest import Demo

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/?format=json"
MAX_EXAMPLES = 30
ENDPOINTS = {
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/auth/token/", "delete"),
    ("/api/v1/meta/", "get"),
    ("/api/v1/referrals/", "get"),
    ("/api/v1/referrals/", "post"),
    ("/api/v1/referrals/{id}/", "get"),
    ("/api/v1/referrals/duplicates/", "post"),
    ("/api/v1/cases/", "get"),
    ("/api/v1/cases/{id}/", "get"),
    ("/api/v1/cases/{id}/transitions/", "post"),
    ("/api/v1/cases/{id}/history/", "get"),
    ("/api/v1/audit/", "get"),
    ("/api/v1/reports/crime-types-by-ward/", "get"),
}


def _openapi() -> dict[str, Any]:
    response = APIClient().get(SCHEMA_URL)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_openapi_document_is_valid_openapi_3(db: None) -> None:
    document = _openapi()
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_document_describes_every_endpoint_and_no_other(db: None) -> None:
    paths = _openapi()["paths"]
    described = {(path, method) for path, ops in paths.items() for method in ops}
    assert described == ENDPOINTS


def _routes(patterns: list[Any], prefix: str) -> set[str]:
    routes = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            routes |= _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and not str(p.pattern).startswith("^"):
            routes.add(prefix + str(p.pattern))
    return routes


def test_every_v1_route_is_in_the_document(db: None) -> None:
    # Holds for routes added later: a new endpoint without a schema fails here.
    routes = {r.replace("<id:pk>", "{id}") for r in _routes(api_urls.v1, "/api/v1/")}
    assert routes == {path for path, _ in ENDPOINTS}


def test_every_operation_documents_its_problem_responses(db: None) -> None:
    for path, operations in _openapi()["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "400" in responses, (path, method)
            assert "429" in responses, (path, method)
            problem = responses["404"]["content"]["application/problem+json"]["schema"]
            assert problem == {"$ref": "#/components/schemas/Problem"}


# --- schemathesis: generated requests against the live schema, as the demo manager -----
# Driven through schemathesis' Python API (operation.as_strategy) under a plain Hypothesis
# test: its pytest plugin does not run under pytest 9.2 (it sets Node._nodeid).


@pytest.fixture
def live_schema(demo: Demo, settings: Any) -> Iterator[Any]:
    # Generous rate limits: the run sends hundreds of writes as one user from one address.
    settings.API_THROTTLE_RATES = {"token": "100000/min", "write": "100000/min"}
    # Django's test client keeps the test's database connection open across requests; a
    # plain WSGI call would close it when the request starts and finishes, losing the data.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("path", "method"), sorted(ENDPOINTS))
def test_generated_requests_get_no_5xx_and_match_the_schema(
    demo: Demo, live_schema: Any, path: str, method: str
) -> None:
    operation = live_schema[path][method.upper()]
    token, _ = Token.objects.get_or_create(user=demo.user("manager"))
    # One case the manager sees and three they do not, besides whatever id is generated.
    case_ids = [demo.case(name).pk for name in ("asb", "licensed", "vawg", "early_release")]
    strategy = hypothesis.strategies.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.seed(20261129)
    @hypothesis.given(case=strategy, pick=hypothesis.strategies.integers(0, 4))
    def run(case: Any, pick: int) -> None:
        if pick and case.path_parameters and "id" in case.path_parameters:
            case.path_parameters["id"] = str(case_ids[pick - 1])
        if method == "delete":  # keep the token the rest of the run signs in with
            token.save()
        case.call_and_validate(
            headers={"Authorization": f"Token {token.key}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()
