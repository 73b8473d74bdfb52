"""Errors raised by the workflow services. Each maps to one HTTP status in the API."""

from __future__ import annotations


class WorkflowError(Exception):
    status = 400


class UnknownTransition(WorkflowError):
    """No transition of that name exists for this kind of case (400)."""


class TransitionNotAvailable(WorkflowError):
    """The transition exists but not from the current state, or its guard fails (409)."""

    status = 409


class ConcurrentChange(WorkflowError):
    """The case changed since the caller read it (409, or 412 for a stale If-Match)."""

    status = 409


class TransitionForbidden(WorkflowError):
    """The caller's role and agency do not allow this transition on this case (403)."""

    status = 403


class InvalidTransitionData(WorkflowError):
    """Missing reason or invalid data; ``errors`` maps each field to its message (400)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
