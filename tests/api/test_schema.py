"""The OpenAPI document: valid, complete, and true to what the API answers (schemathesis)."""

from __future__ import annotations

import re
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
from tests.api.conftest import Demo, Notified

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
    ("/api/v1/cases/{id}/deadlines/{deadline_id}/pause/", "post"),
    ("/api/v1/cases/{id}/deadlines/{deadline_id}/resume/", "post"),
    ("/api/v1/cases/{id}/milestones/", "post"),
    ("/api/v1/deadlines/", "get"),
    ("/api/v1/audit/", "get"),
    ("/api/v1/reports/crime-types-by-ward/", "get"),
    ("/api/v1/reports/sla-breaches/", "get"),
    ("/api/v1/agencies/{id}/endpoints/", "get"),
    ("/api/v1/agencies/{id}/endpoints/", "post"),
    ("/api/v1/agencies/{id}/endpoints/{endpoint_id}/", "get"),
    ("/api/v1/agencies/{id}/endpoints/{endpoint_id}/", "patch"),
    ("/api/v1/agencies/{id}/endpoints/{endpoint_id}/rotate-secret/", "post"),
    ("/api/v1/agencies/{id}/subscriptions/", "get"),
    ("/api/v1/agencies/{id}/subscriptions/", "post"),
    ("/api/v1/agencies/{id}/subscriptions/{subscription_id}/", "get"),
    ("/api/v1/agencies/{id}/subscriptions/{subscription_id}/", "patch"),
    ("/api/v1/agencies/{id}/subscriptions/{subscription_id}/", "delete"),
    ("/api/v1/notifications/", "get"),
    ("/api/v1/notifications/{id}/read/", "post"),
    ("/api/v1/notifications/read-all/", "post"),
    ("/api/v1/deliveries/", "get"),
    ("/api/v1/deliveries/{id}/retry/", "post"),
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
    routes = {
        re.sub(r"<id:(\w+)>", lambda m: "{" + ("id" if m[1] == "pk" else m[1]) + "}", r)
        for r in _routes(api_urls.v1, "/api/v1/")
    }
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
def live_schema(notified: Demo, settings: Any) -> Iterator[Any]:
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


def _known_ids(demo: Notified, path: str) -> dict[str, list[int]]:
    """For each path parameter, ids that exist: some the manager may reach, some not."""
    cases = [demo.case(name) for name in ("asb", "licensed", "vawg", "early_release")]
    if path.startswith("/api/v1/agencies/"):
        return {
            "id": [demo.asb_agency.pk, demo.probation_agency.pk],
            "endpoint_id": [demo.asb_mailbox.pk, demo.asb_webhook.pk, demo.probation_mailbox.pk],
            "subscription_id": [demo.asb_subscription.pk, demo.probation_subscription.pk],
        }
    if path.startswith("/api/v1/notifications/"):
        return {"id": [item.pk for item in demo.inbox("manager")[:2]]}
    if path.startswith("/api/v1/deliveries/"):
        return {"id": [demo.asb_dead.pk, demo.probation_dead.pk]}
    return {
        "id": [c.pk for c in cases],
        "deadline_id": [
            demo.deadline("asb", "asb_triage").pk,
            demo.deadline("vawg", "vawg_high_risk_triage").pk,
        ],
    }


@pytest.mark.parametrize(("path", "method"), sorted(ENDPOINTS))
def test_generated_requests_get_no_5xx_and_match_the_schema(
    notified: Notified, live_schema: Any, path: str, method: str
) -> None:
    operation = live_schema[path][method.upper()]
    token, _ = Token.objects.get_or_create(user=notified.user("manager"))
    # Besides whatever ids are generated, ids that exist: some the manager may reach, some not.
    known = _known_ids(notified, path)
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
        for name, ids in known.items():
            if pick and case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = str(ids[(pick - 1) % len(ids)])
        if method == "delete" and path.endswith("/auth/token/"):
            token.save()  # keep the token the rest of the run signs in with
        case.call_and_validate(
            headers={"Authorization": f"Token {token.key}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()
