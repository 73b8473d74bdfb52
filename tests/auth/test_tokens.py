"""API tokens expire (idle and absolute), rotate on sign-in and 2FA enrolment, and stop
working when the password changes, whoever changes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from partners.models import ApiToken
from partners.security import totp_device_confirm, totp_device_enrol
from partners.tokens import token_issue
from tests.support.signin import fresh_code

pytestmark = pytest.mark.django_db

PASSWORD = "persona-pass-2026"
TOKEN_URL = "/api/v1/auth/token/"


def _sign_in(username: str) -> str:
    response = Client().post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _get(key: str, url: str = "/api/v1/cases/") -> Any:
    return Client(HTTP_AUTHORIZATION=f"Token {key}").get(url)


def test_a_token_expires_after_going_unused_for_the_idle_time(people: Any, settings: Any):
    settings.API_TOKEN_IDLE_TIMEOUT = timedelta(minutes=60)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = _sign_in("officer")
    # Each use restarts the idle clock.
    for minutes in (59, 118, 177):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert _get(key).status_code == 200, minutes
    with time_machine.travel(start + timedelta(minutes=177 + 60), tick=False):
        expired = _get(key)
    assert expired.status_code == 401
    assert "unused" in expired.json()["detail"]
    assert not ApiToken.objects.filter(user=people.officer).exists()


def test_a_token_expires_at_its_absolute_lifetime_however_often_it_is_used(
    people: Any, settings: Any
) -> None:
    settings.API_TOKEN_IDLE_TIMEOUT = timedelta(minutes=60)
    settings.API_TOKEN_MAX_AGE = timedelta(hours=8)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = Client().post(
            TOKEN_URL,
            {"username": "officer", "password": PASSWORD},
            content_type="application/json",
        )
    key = response.json()["token"]
    assert datetime.fromisoformat(response.json()["expires_at"]) == start + timedelta(hours=8)
    for half_hours in range(1, 16):
        with time_machine.travel(start + timedelta(minutes=30 * half_hours), tick=False):
            assert _get(key).status_code == 200
    with time_machine.travel(start + timedelta(hours=8), tick=False):
        expired = _get(key)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "The token has expired; sign in again for a new one."


def test_each_sign_in_issues_a_new_key_and_revokes_the_old_one(people: Any) -> None:
    first = _sign_in("officer")
    second = _sign_in("officer")
    assert first != second
    assert _get(first).status_code == 401
    assert _get(second).status_code == 200
    assert ApiToken.objects.filter(user=people.officer).count() == 1


def test_changing_the_password_revokes_the_token(people: Any) -> None:
    key = _sign_in("officer")
    people.officer.set_password("a-brand-new-pass-2026")
    people.officer.save()
    refused = _get(key)
    assert refused.status_code == 401
    assert "password changed" in refused.json()["detail"]


def test_an_admin_changing_someones_password_revokes_their_token(
    people: Any, django_user_model: Any
) -> None:
    key = _sign_in("officer")
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 16)
    client = Client()
    client.force_login(admin)  # with a second factor, as the policy asks of admin users
    changed = client.post(
        f"/admin/auth/user/{people.officer.pk}/password/",
        {"password1": "Another-pass-2026!", "password2": "Another-pass-2026!"},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert _get(key).status_code == 401


def test_enrolling_a_second_factor_revokes_the_token(people: Any) -> None:
    key = token_issue(user=people.manager, two_factor=False).key
    device = totp_device_enrol(user=people.manager)
    totp_device_confirm(user=people.manager, code=fresh_code(device))
    assert not ApiToken.objects.filter(user=people.manager).exists()
    assert _get(key).status_code == 401


def test_enrolling_on_the_web_page_revokes_the_token_too(people: Any) -> None:
    key = token_issue(user=people.manager, two_factor=False).key
    client = Client()
    client.post("/sign-in/", {"username": "manager", "password": PASSWORD})
    client.get("/sign-in/set-up/")
    device = people.manager.totpdevice_set.get(confirmed=False)
    assert client.post("/sign-in/set-up/", {"code": fresh_code(device)}).status_code == 302
    assert _get(key).status_code == 401


def test_a_deactivated_persons_token_stops_working(people: Any) -> None:
    key = _sign_in("officer")
    people.officer.is_active = False
    people.officer.save()
    assert _get(key).status_code == 401
