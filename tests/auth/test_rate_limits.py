"""Sign-in is limited per address on the pages and the API together (password spraying),
counted in a cache every web process shares; the settings refuse what would undo either."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.test import Client

from web.rest import SignInRateThrottle

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "persona-pass-2026"


def _page_sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/sign-in/", {"username": username, "password": password})


@pytest.mark.django_db
def test_spraying_many_usernames_from_one_address_on_the_web_is_limited(
    people: Any, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "5/min"}
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    answers = [_page_sign_in(sprayer, f"user-{n}", "Summer2026!") for n in range(6)]
    assert [a.status_code for a in answers] == [302] * 5 + [429]
    limited = answers[-1]
    assert int(limited["Retry-After"]) > 0
    assert "Too many sign-in attempts" in limited.content.decode()
    # Even the right password waits; another address does not.
    assert _page_sign_in(sprayer, "officer").status_code == 429
    assert _page_sign_in(Client(REMOTE_ADDR="198.51.100.7"), "officer")["Location"] == "/"


@pytest.mark.django_db
def test_the_pages_and_the_api_count_against_one_budget_per_address(
    people: Any, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "3/min"}
    client = Client()
    for username in ("a", "b", "c"):
        _page_sign_in(client, username, "Summer2026!")
    api = client.post(
        "/api/v1/auth/token/",
        {"username": "officer", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429


@pytest.mark.django_db
def test_sign_in_counts_live_in_the_database_cache_every_process_shares(
    people: Any, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "3/min"}
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    client = Client(REMOTE_ADDR="203.0.113.20")
    for username in ("a", "b"):
        _page_sign_in(client, username, "Summer2026!")
    # A cache object of its own, as another gunicorn process would have, sees the count.
    other_process = DatabaseCache(settings.CACHES["default"]["LOCATION"], {})
    key = SignInRateThrottle.cache_format % {"scope": "sign_in", "ident": "203.0.113.20"}
    assert len(other_process.get(key, [])) == 2


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CACHE_URL"}}
    clean.update(
        {
            "DEBUG": "false",
            "CSP_TESTING": "false",
            "SECRET_KEY": "k3-" + "x9Qz!r7Lm@p2Vb#t5Nw$e8Yc^u1Hd&j4Gf*s6Ka" * 2,
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_a_per_process_cache_unless_told_there_is_one_process() -> None:
    refused = _check(CACHE_URL="locmemcache://")
    assert refused.returncode != 0
    assert "per-process cache" in refused.stderr
    allowed = _check(CACHE_URL="locmemcache://", CACHE_ALLOW_PER_PROCESS="true")
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"API_TOKEN_IDLE_MINUTES": "an hour"}, "API_TOKEN_IDLE_MINUTES must be a whole number"),
        ({"API_TOKEN_MAX_AGE_HOURS": "0"}, "API_TOKEN_MAX_AGE_HOURS must be a whole number"),
        (
            {"API_TOKEN_IDLE_MINUTES": "600", "API_TOKEN_MAX_AGE_HOURS": "1"},
            "must not be longer than",
        ),
        ({"SIGN_IN_TWO_FACTOR_ROLES": "manager,auditr"}, "unknown names ['auditr']"),
    ],
)
def test_bad_sign_in_settings_stop_the_service_at_start(env: dict[str, str], message: str):
    result = _check(**env)
    assert result.returncode != 0
    assert message in result.stderr
