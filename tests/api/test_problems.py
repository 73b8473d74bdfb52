"""Errors under /api/ are RFC 9457 problem details; bad input never causes a 500."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.test import Client, override_settings
from rest_framework import exceptions

from tests.personas import payload
from web.problems import exception_handler
from workflows.errors import TransitionNotAvailable

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert "Traceback" not in response.content.decode()
    return body


def test_a_validation_problem_lists_each_field_with_its_message(demo, as_user) -> None:
    body = payload("asb", ward="E05999999", category="unicorns", summary="")
    body["details"] = {"victim_vulnerable": "yes"}
    problem = assert_problem(
        as_user("officer").post("/api/v1/referrals/", body, format="json"), 400
    )
    assert problem["type"] == "urn:csp-casework:problem:validation-error"
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields["ward"] == "No ward with code 'E05999999'."
    assert set(fields) == {
        "ward",
        "category",
        "summary",
        "details.victim_vulnerable",
        "details.repeat_incident",
    }


def test_unknown_fields_are_rejected_not_ignored(demo, as_user) -> None:
    body = {**payload("asb"), "priority": "urgent"}
    body["subjects"][0]["shoe_size"] = 9
    problem = assert_problem(
        as_user("officer").post("/api/v1/referrals/", body, format="json"), 400
    )
    assert {e["field"] for e in problem["errors"]} == {"priority", "subjects[0].shoe_size"}


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"kind": "asb",}',
        b"[1, 2",
        b'{"latitude": NaN}',
        b'{"x": Infinity}',
        b"\xff\xfe\x00",
        b"[" * 5000 + b"]" * 5000,
        b"[" * 40 + b"]" * 40,
    ],
)
def test_malformed_json_is_a_400_problem(demo, as_user, raw) -> None:
    response = as_user("officer").post("/api/v1/referrals/", raw, content_type="application/json")
    assert_problem(response, 400)


def test_an_unknown_charset_is_a_400_problem(demo, as_user) -> None:
    response = as_user("officer").post(
        "/api/v1/referrals/", b"{}", content_type="application/json; charset=klingon"
    )
    assert_problem(response, 400)


def test_text_with_nul_characters_is_refused_naming_the_field(demo, as_user) -> None:
    body = payload("asb", summary="noise\x00")
    problem = assert_problem(
        as_user("officer").post("/api/v1/referrals/", body, format="json"), 400
    )
    assert problem["errors"] == [{"field": "summary", "message": "Text may not contain NUL."}]
    problem = assert_problem(as_user("officer").get("/api/v1/cases/?q=AS%00B"), 400)
    assert problem["errors"][0]["field"] == "q"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_at": "2026-02-30T10:00:00Z"}, "occurred_at"),
        ({"occurred_at": "2026-01-01T10:00:00+99:00"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
        ({"reported_at": "2026-13-01T00:00:00Z"}, "reported_at"),
        ({"latitude": 10**400, "longitude": 1}, "latitude"),
        ({"latitude": "1e999999", "longitude": 1}, "latitude"),
        ({"join_case": 10**30}, "join_case"),
        (
            {"subjects": [{"role": "victim", "full_name": "A", "date_of_birth": "2026-02-31"}]},
            "subjects[0].date_of_birth",
        ),
        ({"subjects": [{"role": "victim", "full_name": "A", "age": 10**20}]}, "subjects[0].age"),
        ({"kind": ["asb"]}, "kind"),
        ({"ward": 7}, "ward"),
        ({"summary": {"text": "x"}}, "summary"),
        ({"subjects": "Jane"}, "subjects"),
        ({"details": [1]}, "details"),
    ],
)
def test_wrong_types_impossible_dates_and_huge_numbers_are_400_not_500(
    demo, as_user, overrides, field
) -> None:
    body = payload("vawg")
    body.update(overrides)
    problem = assert_problem(
        as_user("officer").post("/api/v1/referrals/", body, format="json"), 400
    )
    assert field in {e["field"] for e in problem["errors"]}


def test_a_body_that_is_not_an_object_is_a_400_problem(demo, as_user) -> None:
    for body in ([1, 2], "text", 12, None):
        response = as_user("officer").post(
            "/api/v1/referrals/", json.dumps(body), content_type="application/json"
        )
        assert_problem(response, 400)


def test_an_impossible_release_date_in_transition_data_is_400(demo, as_user) -> None:
    client = as_user("probation")
    case = demo.case("early_release")
    url = f"/api/v1/cases/{case.pk}/transitions/"
    client.post(url, {"transition": "start_planning", "reason": "ok"}, format="json")
    response = client.post(
        url,
        {
            "transition": "record_release",
            "reason": "ok",
            "data": {"actual_release_date": "2026-02-30"},
        },
        format="json",
    )
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["field"] == "data.actual_release_date"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_a_413_problem(demo, as_user) -> None:
    body = payload("asb", summary="x" * 2000)
    problem = assert_problem(
        as_user("officer").post("/api/v1/referrals/", body, format="json"), 413
    )
    assert problem["type"] == "urn:csp-casework:problem:request-too-large"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_the_json_parser_itself_refuses_a_body_over_the_limit() -> None:
    # Behind ApiGuardMiddleware's Content-Length check, in case a body arrives without one.
    from io import BytesIO

    from web.problems import RequestTooLarge
    from web.rest import LimitedJSONParser

    with pytest.raises(RequestTooLarge):
        LimitedJSONParser().parse(BytesIO(b'{"summary": "' + b"x" * 2000 + b'"}'))
    assert LimitedJSONParser().parse(BytesIO(b'{"summary": "short"}')) == {"summary": "short"}


def test_a_form_encoded_body_is_a_415_problem(demo, as_user) -> None:
    response = as_user("officer").post(
        "/api/v1/referrals/", "kind=asb", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415)


def test_not_signed_in_is_401_with_a_token_challenge(demo) -> None:
    response = Client().get("/api/v1/cases/")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Token"
    bad = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_problem(bad, 401)


def test_unknown_api_paths_and_absurd_ids_are_404_problems(demo, as_user) -> None:
    client = as_user("auditor")
    assert_problem(client.get("/api/v1/nothing-here/"), 404)
    assert_problem(client.get("/api/v1/cases/99999999999999999999999/"), 404)
    assert_problem(client.get("/api/v1/cases/-1/"), 404)
    assert_problem(client.get("/api/v1/cases/?page=999"), 404)
    hint = assert_problem(client.get("/api/v1/cases"), 404)
    assert "/api/v1/cases/" in hint["detail"]


@override_settings(DEBUG=True)
def test_unknown_api_paths_are_problems_even_with_debug_on(demo, as_user) -> None:
    assert_problem(as_user("auditor").get("/api/v2/cases/"), 404)


def test_a_wrong_method_is_a_405_problem(demo, as_user) -> None:
    assert_problem(as_user("auditor").delete("/api/v1/cases/"), 405)


def test_invalid_filters_are_400_problems_naming_the_filter(demo, as_user) -> None:
    client = as_user("auditor")
    problem = assert_problem(client.get("/api/v1/cases/?kind=dragons"), 400)
    assert problem["errors"][0]["field"] == "kind"
    problem = assert_problem(client.get("/api/v1/audit/?since=yesterday"), 400)
    assert problem["errors"][0]["field"] == "since"
    problem = assert_problem(client.get("/api/v1/audit/?since=0001-01-01T00:00:00%2B14:00"), 400)
    assert problem["errors"][0]["field"] == "since"
    problem = assert_problem(
        client.get("/api/v1/reports/crime-types-by-ward/?from=2026-02-30"), 400
    )
    assert problem["errors"][0]["field"] == "from"


def test_an_unexpected_error_is_a_500_problem_without_internals(demo, as_user) -> None:
    client = as_user("auditor")
    client.raise_request_exception = False
    with mock.patch(
        "workflows.api.cases.case_history", autospec=True, side_effect=RuntimeError("db secret")
    ):
        response = client.get(f"/api/v1/cases/{demo.case('asb').pk}/history/")
    problem = assert_problem(response, 500)
    assert "db secret" not in response.content.decode()
    assert problem["type"] == "about:blank"


def test_every_409_the_api_raises_is_a_conflict_problem() -> None:
    # DRF's own 409 and the workflows' state conflicts name the same problem type.
    class Clash(exceptions.APIException):
        status_code = 409

    for exc in (Clash("busy"), TransitionNotAvailable("case ASB-2026-000001 is closed")):
        response = exception_handler(exc, {})
        assert response is not None
        assert response.status_code == 409
        assert json.loads(response.content)["type"] == "urn:csp-casework:problem:conflict"


def test_pages_outside_the_api_keep_djangos_own_error_pages(db) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
