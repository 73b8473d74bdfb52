"""Errors raised by the workflow services. Each carries its own HTTP answer (status and
problem type), which the API's problem handler (``web.problems``) reads."""

from __future__ import annotations

from web.problems import ProblemError


class WorkflowError(ProblemError):
    status = 400
    problem_slug = "bad-request"


class UnknownTransition(WorkflowError):
    """No transition of that name exists for this kind of case (400, naming ``transition``)."""

    errors: dict[str, str]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errors = {"transition": message}


class TransitionNotAvailable(WorkflowError):
    """The transition exists but not from the current state, or its guard fails (409)."""

    status = 409
    problem_slug = "conflict"


class ConcurrentChange(WorkflowError):
    """The case changed since the caller read it (409, or 412 for a stale If-Match)."""

    status = 409
    problem_slug = "conflict"


class TransitionForbidden(WorkflowError):
    """The caller's role and agency do not allow this transition on this case (403)."""

    status = 403
    problem_slug = "forbidden"


class InvalidTransitionData(WorkflowError):
    """Missing reason or invalid data; ``errors`` maps each field to its message (400)."""

    errors: dict[str, str]

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
