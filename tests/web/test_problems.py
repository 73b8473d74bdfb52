"""The problem handler answers any domain error from what the error carries, naming none."""

from __future__ import annotations

import json

from web.problems import ProblemError, exception_handler


class ShelfFull(ProblemError):
    """An error of a kind the handler has never heard of."""

    status = 409
    problem_slug = "shelf-full"
    title = "The shelf is full"


class ShelfLabelsInvalid(ProblemError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("bad labels")
        self.errors = errors


def test_a_domain_error_is_answered_with_its_own_status_type_and_title() -> None:
    response = exception_handler(ShelfFull("No room for another box."), {})
    assert response is not None
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content) == {
        "type": "urn:csp-casework:problem:shelf-full",
        "title": "The shelf is full",
        "status": 409,
        "detail": "No room for another box.",
    }


def test_a_domain_error_without_a_title_takes_the_status_phrase() -> None:
    response = exception_handler(ProblemError("Nothing more to say."), {})
    assert response is not None
    body = json.loads(response.content)
    assert (body["status"], body["type"], body["title"]) == (
        400,
        "urn:csp-casework:problem:bad-request",
        "Bad Request",
    )


def test_a_domain_error_with_field_errors_is_a_validation_problem_naming_each_field() -> None:
    error = ShelfLabelsInvalid({"labels[0].colour": "Choose a colour.", "size": "Too big."})
    response = exception_handler(error, {})
    assert response is not None
    body = json.loads(response.content)
    assert response.status_code == 400
    assert body["type"] == "urn:csp-casework:problem:validation-error"
    assert body["errors"] == [
        {"field": "labels[0].colour", "message": "Choose a colour."},
        {"field": "size", "message": "Too big."},
    ]
    assert body["detail"] == "labels[0].colour: Choose a colour.; size: Too big."
