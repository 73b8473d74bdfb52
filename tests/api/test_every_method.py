"""Every method on every path under /api/ answers below 500, and every error is a problem.

Found by a newer schemathesis (issue 13, item 10): OPTIONS on the referrals list and on the
two reports answered 500, and a POST to an unknown path answered the CSRF failure page. The
routes are read from Django's URL resolver, so a route added later is walked too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from partners.tokens import token_issue
from tests.api.conftest import Notified
from tests.support.signin import confirmed_device

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# Methods without a body: OPTIONS and HEAD are answered by the framework for every route
# (RFC 9110 s9.3.7, s9.3.2); PUT, PATCH and DELETE are documented on few routes or none.
METHODS = ["OPTIONS", "HEAD", "GET", "PUT", "PATCH", "DELETE", "POST"]
MISSING = "999999999"
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def api_routes() -> list[str]:
    """Every path pattern under /api/ in Django's URL resolver (the catch-all aside)."""
    api = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and str(p.pattern) == "api/"
    )

    def walk(patterns: list[Any], prefix: str) -> list[str]:
        routes = []
        for p in patterns:
            if isinstance(p, URLResolver):
                routes += walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and not str(p.pattern).startswith("^"):
                routes.append(prefix + str(p.pattern))
        return routes

    return sorted(set(walk(api.url_patterns, "/api/")))


def _ids(demo: Notified) -> dict[str, dict[str, int]]:
    """Path parameters that exist and the manager may reach, by the route's first segment."""
    asb = demo.case("asb")
    return {
        "cases": {"pk": asb.pk, "deadline_id": demo.deadline("asb", "asb_triage").pk},
        "referrals": {"pk": demo.referrals["asb"].pk},
        "agencies": {
            "pk": demo.asb_agency.pk,
            "endpoint_id": demo.asb_mailbox.pk,
            "subscription_id": demo.asb_subscription.pk,
        },
        "notifications": {"pk": demo.inbox("manager")[0].pk},
        "deliveries": {"pk": demo.asb_dead.pk},
    }


def concrete(route: str, ids: dict[str, dict[str, int]] | None) -> str:
    """The route with real ids (``ids``) or ids that exist nowhere (``None``)."""
    segment = route.removeprefix("/api/v1/").split("/", 1)[0]
    known = (ids or {}).get(segment, {})
    return _CONVERTER.sub(lambda m: str(known.get(m[1], MISSING)), route)


def client_for(user: Any) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if user is not None:
        confirmed_device(user)
        # A fresh key for each path: DELETE /api/v1/auth/token/ revokes the last one.
        key = token_issue(user=user, two_factor=True).key
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_answer(response: Any, method: str, path: str) -> None:
    where = f"{method} {path} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.content[:300]!r}"
    if response.status_code < 400:
        if method == "OPTIONS":
            assert response.headers.get("Allow"), where
        return
    assert response.headers["Content-Type"] == PROBLEM, where
    if response.status_code == 405:
        # RFC 9110 s15.5.6: a 405 lists the methods the resource does support.
        assert response.headers.get("Allow"), where
    if method != "HEAD":  # a HEAD answer has no body to read
        body = response.json()
        assert body["status"] == response.status_code, where
        assert {"type", "title", "detail"} <= set(body), where


def test_the_walk_finds_every_documented_route() -> None:
    routes = api_routes()
    assert "/api/v1/referrals/" in routes
    assert "/api/v1/reports/sla-breaches/" in routes
    assert "/api/v1/cases/<id:pk>/deadlines/<id:deadline_id>/pause/" in routes
    assert "/api/schema/" in routes


@pytest.mark.parametrize("who", ["manager", "officer", None])
def test_every_method_on_every_api_route_answers_a_problem_or_success_never_a_500(
    notified: Notified, settings: Any, who: str | None
) -> None:
    settings.API_THROTTLE_RATES = {"sign_in": "100000/min", "write": "100000/min"}
    user = notified.user(who) if who else None
    ids = _ids(notified)
    for route in api_routes():
        for path in {concrete(route, ids), concrete(route, None)}:
            client = client_for(user)
            for method in METHODS:
                response = client.generic(method, path)
                assert_answer(response, method, path)


@pytest.mark.parametrize("accept", ["application/json", "text/csv", "*/*"])
@pytest.mark.parametrize(
    "path",
    ["/api/v1/referrals/", "/api/v1/reports/crime-types-by-ward/", "/api/v1/reports/sla-breaches/"],
)
def test_options_describes_the_endpoint_whatever_the_accept_header(
    notified: Notified, path: str, accept: str
) -> None:
    # The three OPTIONS answers that were 500s: the referrals list (DRF's metadata built a
    # serializer the view does not have) and the reports (their CSV renderer was chosen).
    response = client_for(notified.user("manager")).options(path, HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content
    assert response.headers["Content-Type"] == "application/json"
    assert "GET" in response.headers["Allow"]
    assert response.json()["renders"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("signed_in", [True, False])
def test_an_unknown_api_path_is_a_404_problem_for_every_method(
    notified: Notified, method: str, signed_in: bool
) -> None:
    # With CSRF checks on, as a browser session is: the catch-all writes nothing, so it must
    # not answer the CSRF failure page (403 HTML) to a POST.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if signed_in:
        client.force_login(notified.user("manager"))
    for path in ["/api/v1/nowhere/", "/api/nowhere", "/api/v2/cases/"]:
        response = client.generic(method, path)
        assert response.status_code == 404, (method, path, response.content[:200])
        assert response.headers["Content-Type"] == PROBLEM, (method, path)
        if method != "HEAD":
            assert response.json()["status"] == 404
