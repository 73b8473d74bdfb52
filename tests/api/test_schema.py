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
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config import api_urls
from partners.tokens import IssuedToken, token_issue
from tests.api.conftest import Demo, Notified
from tests.support.signin import confirmed_device
from workflows.actions import case_transition

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
    ("/api/v1/cases/{id}/duties/", "get"),
    ("/api/v1/cases/{id}/duties/{duty_id}/report/", "post"),
    ("/api/v1/cases/{id}/duties/{duty_id}/not-owed/", "post"),
    ("/api/v1/cases/{id}/fgm-discovery/", "post"),
    ("/api/v1/cases/{id}/safe-contact/", "get"),
    ("/api/v1/cases/{id}/people/{subject_id}/disclosure/", "post"),
    ("/api/v1/cases/{id}/case-reviews/", "get"),
    ("/api/v1/cases/{id}/case-reviews/", "post"),
    ("/api/v1/cases/{id}/case-reviews/{application_id}/threshold/", "post"),
    ("/api/v1/cases/{id}/case-reviews/{application_id}/decision-told/", "post"),
    ("/api/v1/cases/{id}/case-reviews/{application_id}/meeting/", "post"),
    ("/api/v1/cases/{id}/case-reviews/{application_id}/outcome/", "post"),
    ("/api/v1/cases/{id}/case-reviews/{application_id}/outcome-told/", "post"),
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


def _nullables(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Schema Object in the document that says ``nullable: true``, by JSON pointer."""
    if isinstance(node, dict):
        if node.get("nullable") is True:
            yield path, node
        for key, value in node.items():
            yield from _nullables(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nullables(value, f"{path}/{i}")


def test_every_nullable_has_a_type_beside_it(db: None) -> None:
    # OpenAPI 3.0.3, Schema Object: nullable true adds null to the allowed type "only if
    # type is explicitly defined within the same Schema Object", and never through allOf or
    # a $ref. The spec validator above does not check this: it is valid 3.0.3, and wrong.
    untyped = [path for path, schema in _nullables(_openapi()) if "type" not in schema]
    assert untyped == []


def _strict(document: dict[str, Any], component: str) -> Any:
    """A validator of ``component`` that reads the document as OpenAPI 3.0.3 says (the
    independent openapi-schema-validator, as strict clients and code generators do)."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return OAS30Validator(schema)


def test_a_strict_3_0_3_validator_accepts_null_wherever_the_schema_says_nullable(
    db: None,
) -> None:
    document = _openapi()
    refused = [
        path
        for path, schema in _nullables(document)
        if not OAS30Validator({**schema, "components": document["components"]}).is_valid(None)
    ]
    assert refused == []


def test_answers_with_null_fields_are_valid_to_a_strict_3_0_3_validator(
    notified: Notified, as_user: Any
) -> None:
    """The fields issue 13 found nullable without a type, each null in a real answer."""
    document = _openapi()
    stale = notified.stale  # breached and escalated: deliveries to endpoints and to people
    body = as_user("manager").get(f"/api/v1/cases/{stale.pk}/").json()
    assert body["assigned_officer"] is None
    assert body["deadlines"][0]["responsible_person"] is None
    assert [e.message for e in _strict(document, "CaseDetail").iter_errors(body)] == []
    history = as_user("manager").get(f"/api/v1/cases/{stale.pk}/history/").json()
    deliveries = [d for event in history["notifications"] for d in event["deliveries"]]
    assert {d["endpoint"] is None for d in deliveries} == {True, False}  # inbox, endpoint
    assert {d["recipient"] is None for d in deliveries} == {True, False}
    assert [e.message for e in _strict(document, "CaseHistory").iter_errors(history)] == []
    coordinator = notified.user("asb_coordinator")
    case_transition(case_id=stale.pk, name="triage", by=coordinator, reason="Seen")
    met = as_user("manager").get("/api/v1/deadlines/?status=met").json()["results"]
    assert met[0]["rag"] is None
    assert [e.message for e in _strict(document, "DeadlineListItem").iter_errors(met[0])] == []
    entry = as_user("auditor").get("/api/v1/audit/").json()["results"][0]
    assert [e.message for e in _strict(document, "AuditTrailEntry").iter_errors(entry)] == []
    assert _strict(document, "AuditTrailEntry").is_valid({**entry, "changes": None})


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
    settings.API_THROTTLE_RATES = {"sign_in": "100000/min", "write": "100000/min"}
    # Django's test client keeps the test's database connection open across requests; a
    # plain WSGI call would close it when the request starts and finishes, losing the data.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _known_ids(demo: Notified, path: str) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
    """Path parameters that exist, as coherent sets: those the manager may reach, and those
    in another agency or case or mismatched (another agency's endpoint under theirs)."""
    if path.startswith("/api/v1/agencies/"):
        asb, probation = demo.asb_agency.pk, demo.probation_agency.pk
        asb_sub, probation_sub = demo.asb_subscription.pk, demo.probation_subscription.pk
        return [
            {"id": asb, "endpoint_id": demo.asb_mailbox.pk, "subscription_id": asb_sub},
            {"id": asb, "endpoint_id": demo.asb_webhook.pk, "subscription_id": asb_sub},
        ], [
            {"id": probation, "endpoint_id": demo.probation_mailbox.pk},
            {"id": asb, "endpoint_id": demo.probation_mailbox.pk, "subscription_id": probation_sub},
        ]
    if path.startswith("/api/v1/notifications/"):
        return [{"id": item.pk} for item in demo.inbox("manager")], []
    if path.startswith("/api/v1/deliveries/"):
        return [{"id": demo.asb_dead.pk}], [{"id": demo.probation_dead.pk}]
    triage = demo.deadline("asb", "asb_triage").pk
    others = {
        "licensed": "asb_triage",
        "vawg": "vawg_high_risk_triage",
        "early_release": "release_pre_release_plan",
    }
    return [{"id": demo.case("asb").pk, "deadline_id": triage}], [
        *(
            {"id": demo.case(n).pk, "deadline_id": demo.deadline(n, c).pk}
            for n, c in others.items()
        ),
        {"id": demo.case("asb").pk, "deadline_id": demo.deadline("vawg", others["vawg"]).pk},
    ]


def _manager_token(notified: Notified) -> IssuedToken:
    """The manager's API token, issued with a second factor as a full sign-in would."""
    confirmed_device(notified.user("manager"))
    return token_issue(user=notified.user("manager"), two_factor=True)


@pytest.mark.parametrize(("path", "method"), sorted(ENDPOINTS))
def test_generated_requests_get_no_5xx_and_match_the_schema(
    notified: Notified, live_schema: Any, path: str, method: str
) -> None:
    operation = live_schema[path][method.upper()]
    token = _manager_token(notified)
    reachable, unreachable = _known_ids(notified, path)
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
    # pick 0-3 (Hypothesis favours 0) use ids the manager may reach, so that answers to
    # requests that get through are checked too; 4-6 ids they may not; 7-8 generated ones.
    @hypothesis.given(case=strategy, pick=hypothesis.strategies.integers(0, 8))
    def run(case: Any, pick: int) -> None:
        pool = reachable if pick <= 3 else unreachable or reachable
        if pick <= 6 and case.path_parameters:
            chosen = pool[pick % len(pool)]
            for name in set(case.path_parameters) & set(chosen):
                case.path_parameters[name] = str(chosen[name])
        if method == "delete" and path.endswith("/auth/token/"):
            token.token.save()  # keep the token the rest of the run signs in with
        case.call_and_validate(
            headers={"Authorization": f"Token {token.key}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()


def test_answers_to_requests_that_succeed_match_the_schema(
    notified: Notified, live_schema: Any
) -> None:
    """Generated requests mostly fail validation; these known-good ones, as the manager,
    check each success answer of the SLA and notification endpoints against the schema."""
    token = _manager_token(notified)
    asb, asb_agency = notified.case("asb").pk, notified.asb_agency.pk
    triage = notified.deadline("asb", "asb_triage").pk
    mailbox, webhook = notified.asb_mailbox.pk, notified.asb_webhook.pk
    subscription = notified.asb_subscription.pk
    item = notified.inbox("manager")[0].pk
    person = notified.case("asb").subjects.get().pk
    calls: list[tuple[str, str, dict[str, Any], Any, dict[str, str], int]] = [
        ("/api/v1/cases/{id}/", "GET", {"id": asb}, None, {}, 200),
        ("/api/v1/cases/{id}/history/", "GET", {"id": notified.stale.pk}, None, {}, 200),
        ("/api/v1/cases/", "GET", {}, None, {"breached": "true"}, 200),
        ("/api/v1/deadlines/", "GET", {}, None, {"status": "breached"}, 200),
        ("/api/v1/deadlines/", "GET", {}, None, {}, 200),
        (
            "/api/v1/cases/{id}/deadlines/{deadline_id}/pause/",
            "POST",
            {"id": asb, "deadline_id": triage},
            {"reason_code": "subject_unavailable", "reason": "In hospital"},
            {},
            200,
        ),
        (
            "/api/v1/cases/{id}/deadlines/{deadline_id}/resume/",
            "POST",
            {"id": asb, "deadline_id": triage},
            {},
            {},
            200,
        ),
        (
            "/api/v1/cases/{id}/milestones/",
            "POST",
            {"id": asb},
            {"milestone": "review_risk", "reason": "Reviewed"},
            {},
            200,
        ),
        ("/api/v1/cases/{id}/safe-contact/", "GET", {"id": asb}, None, {}, 200),
        (
            "/api/v1/cases/{id}/case-reviews/",
            "POST",
            {"id": asb},
            {
                "applicant_name": "Rita Applicant",
                "applicant_is_victim": False,
                "victim_consent": True,
                "received_at": "2026-01-05T10:00:00Z",
                "other_complaints": [
                    {"body": "Housing", "complained_on": "2026-01-02", "behaviour_on": "2026-01-01"}
                ],
            },
            {},
            201,
        ),
        ("/api/v1/cases/{id}/case-reviews/", "GET", {"id": asb}, None, {}, 200),
        (
            "/api/v1/cases/{id}/people/{subject_id}/disclosure/",
            "POST",
            {"id": asb, "subject_id": person},
            {"withhold": False, "reason": "The complainant agrees to be named"},
            {},
            200,
        ),
        ("/api/v1/reports/sla-breaches/", "GET", {}, None, {}, 200),
        ("/api/v1/agencies/{id}/endpoints/", "GET", {"id": asb_agency}, None, {}, 200),
        (
            "/api/v1/agencies/{id}/endpoints/",
            "POST",
            {"id": asb_agency},
            {"channel": "webhook", "name": "New hook", "url": "https://93.184.216.34/new"},
            {},
            201,
        ),
        (
            "/api/v1/agencies/{id}/endpoints/{endpoint_id}/",
            "PATCH",
            {"id": asb_agency, "endpoint_id": mailbox},
            {"name": "Renamed"},
            {},
            200,
        ),
        (
            "/api/v1/agencies/{id}/endpoints/{endpoint_id}/",
            "GET",
            {"id": asb_agency, "endpoint_id": mailbox},
            None,
            {},
            200,
        ),
        (
            "/api/v1/agencies/{id}/endpoints/{endpoint_id}/rotate-secret/",
            "POST",
            {"id": asb_agency, "endpoint_id": webhook},
            None,
            {},
            200,
        ),
        ("/api/v1/agencies/{id}/subscriptions/", "GET", {"id": asb_agency}, None, {}, 200),
        (
            "/api/v1/agencies/{id}/subscriptions/",
            "POST",
            {"id": asb_agency},
            {"endpoint": mailbox, "kinds": ["asb"]},
            {},
            201,
        ),
        (
            "/api/v1/agencies/{id}/subscriptions/{subscription_id}/",
            "PATCH",
            {"id": asb_agency, "subscription_id": subscription},
            {"event_types": ["deadline.breached"], "is_active": False},
            {},
            200,
        ),
        (
            "/api/v1/agencies/{id}/subscriptions/{subscription_id}/",
            "GET",
            {"id": asb_agency, "subscription_id": subscription},
            None,
            {},
            200,
        ),
        (
            "/api/v1/agencies/{id}/subscriptions/{subscription_id}/",
            "DELETE",
            {"id": asb_agency, "subscription_id": subscription},
            None,
            {},
            204,
        ),
        ("/api/v1/notifications/", "GET", {}, None, {"unread": "true"}, 200),
        ("/api/v1/notifications/{id}/read/", "POST", {"id": item}, None, {}, 200),
        ("/api/v1/notifications/read-all/", "POST", {}, None, {}, 200),
        ("/api/v1/deliveries/", "GET", {}, None, {"status": "dead"}, 200),
        ("/api/v1/deliveries/{id}/retry/", "POST", {"id": notified.asb_dead.pk}, None, {}, 200),
    ]
    for path, method, params, body, query, status in calls:
        operation = live_schema[path][method]
        kwargs: dict[str, Any] = {"path_parameters": params, "query": query}
        if body is not None:
            kwargs.update(body=body, media_type="application/json")
        response = operation.Case(**kwargs).call_and_validate(
            headers={"Authorization": f"Token {token.key}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
        assert response.status_code == status, (path, method, response.text)
