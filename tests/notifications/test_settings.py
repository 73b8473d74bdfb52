"""Notification settings fail loudly at start when they would break delivery."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NOTIFICATIONS_RETRY_MAX_SECONDS", "3600", "well under RabbitMQ's 30-minute consumer"),
        ("NOTIFICATIONS_RETRY_BASE_SECONDS", "0", "NOTIFICATIONS_RETRY_BASE_SECONDS more than 0"),
        ("NOTIFICATIONS_DELIVERY_MAX_RETRIES", "-1", "MAX_RETRIES must be 0 or more"),
        ("NOTIFICATIONS_DELIVERY_MAX_RETRIES", "many", "invalid literal for int()"),
    ],
)
def test_a_bad_retry_setting_stops_the_service_starting(
    name: str, value: str, message: str
) -> None:
    result = _check(**{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_defaults_start() -> None:
    result = _check()
    assert result.returncode == 0, result.stderr
