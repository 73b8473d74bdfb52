"""While the database cannot be reached, requests answer 503 with Retry-After, never 500.

The outage is simulated here by making every query fail as psycopg does when PostgreSQL
refuses or drops the connection; tests/faults/ cuts a real connection between gunicorn and
PostgreSQL for the end-to-end version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, RequestFactory

from tests.personas import payload
from web.problems import handler500

pytestmark = pytest.mark.django_db

REFUSED = OperationalError(
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


@contextmanager
def database_unreachable(error: Exception = REFUSED) -> Iterator[None]:
    with mock.patch.object(CursorWrapper, "execute", autospec=True, side_effect=error):
        yield


def test_the_api_answers_503_with_a_problem_and_retry_after_while_the_database_is_down(
    demo, as_user
) -> None:
    client = as_user("officer")
    client.raise_request_exception = False
    with database_unreachable():
        response = client.post("/api/v1/referrals/", payload("asb"), format="json")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    problem = response.json()
    assert problem["type"] == "urn:csp-casework:problem:database-unavailable"
    assert problem["status"] == 503
    assert problem["title"] == "Service temporarily unavailable"
    assert "Connection refused" not in response.content.decode()


def test_a_connection_closed_mid_request_is_a_503_too(demo, as_user) -> None:
    client = as_user("asb_coordinator")
    client.raise_request_exception = False
    case = demo.case("asb")
    with database_unreachable(InterfaceError("connection already closed")):
        response = client.post(
            f"/api/v1/cases/{case.pk}/transitions/",
            {"transition": "triage", "reason": "Seen today."},
            format="json",
        )
    assert response.status_code == 503
    assert response.json()["type"] == "urn:csp-casework:problem:database-unavailable"


def test_a_page_shows_the_service_unavailable_page_not_the_error_page(people) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(people.officer)
    with database_unreachable():
        response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Sorry, the service is unavailable" in html
    assert "govuk-footer" in html
    assert "Sorry, there is a problem with the service" not in html


def test_a_database_error_outside_a_drf_view_is_a_503_problem_under_the_api() -> None:
    request = RequestFactory().get("/api/v1/cases/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = handler500(request)
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"


def test_any_other_server_error_is_still_a_500() -> None:
    request = RequestFactory().get("/api/v1/cases/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = handler500(request)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
