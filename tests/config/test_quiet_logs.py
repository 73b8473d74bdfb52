"""Quiet, useful logs (issue 14, item 9): one line per request, no traceback for an
expected 4xx, never the query string (a search may hold a person's name), emails at INFO."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name in ("django.request", "csp.requests")]


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("officer", "/manage/", 403),  # PermissionDenied: Django logs it with a traceback
        ("officer", "/cases/NO-SUCH-000001/", 404),  # Http404
        ("officer", "/api/v1/audit/", 403),  # the API's problem answer
    ],
)
def test_an_expected_4xx_is_one_line_without_a_traceback(
    people: Any, caplog: pytest.LogCaptureFixture, who: str, path: str, status: int
) -> None:
    client = Client()
    client.force_login(people.user(who))
    with caplog.at_level(logging.INFO):
        response = client.get(path)
    assert response.status_code == status
    [line] = _records(caplog)
    assert line.name == "csp.requests"
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith(f"GET {path} {status} ")
    assert not any(r.exc_info for r in caplog.records)
    assert "Traceback" not in caplog.text


def test_a_request_line_never_carries_the_query_string(
    people: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    client.force_login(people.asb_coordinator)
    with caplog.at_level(logging.INFO):
        assert client.get("/cases/?q=Jane+Quietly").status_code == 200
    [line] = _records(caplog)
    assert line.getMessage().startswith("GET /cases/ 200 ")
    assert "Jane" not in caplog.text


def test_a_server_error_still_logs_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    from config.middleware import QuietClientErrors

    quiet = QuietClientErrors()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.status_code = 500
    assert quiet.filter(record)
    record.status_code = 403
    assert not quiet.filter(record)


def test_emails_the_worker_prints_are_logged_at_info_not_warning() -> None:
    # The console email backend prints each email; the worker logs what tasks print.
    assert celery_app.conf.worker_redirect_stdouts_level == "INFO"
    # Sweeps and heartbeats every few seconds log nothing unless something goes wrong.
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat", "httpx"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
