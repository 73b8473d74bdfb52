"""One sign-in policy: managers, auditors and admin users reach nothing beyond enrolment and
sign-out without a second factor, on pages, through the API (session or token) and in the
admin; the web sign-in asks for the code after the password and never tells a right
password from a wrong one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from notifications.models import Endpoint
from partners.models import Agency, ApiToken
from partners.tokens import token_issue
from tests.support.signin import (
    confirmed_device,
    force_login_password_only,
    fresh_code,
    totp_code,
    wrong_code,
)

pytestmark = pytest.mark.django_db

PASSWORD = "persona-pass-2026"
TWO_FACTOR = "urn:csp-casework:problem:two-factor-required"
ENROL = "urn:csp-casework:problem:two-factor-enrolment-required"


def _api_reads(agency: Agency) -> list[str]:
    return [
        "/api/v1/audit/",
        "/api/v1/deliveries/",
        f"/api/v1/agencies/{agency.pk}/endpoints/",
        "/api/v1/reports/sla-breaches/?format=csv",
    ]


def _create_endpoint(client: Client, agency: Agency) -> Any:
    return client.post(
        f"/api/v1/agencies/{agency.pk}/endpoints/",
        {"channel": "email", "name": "Duty desk", "email_address": "duty@council.example"},
        content_type="application/json",
    )


def _password(client: Client, username: str, password: str = PASSWORD, next_url: str = "/"):
    return client.post("/sign-in/", {"username": username, "password": password, "next": next_url})


def test_a_manager_with_a_device_who_gives_only_the_password_is_not_signed_in(
    personas: Any,
) -> None:
    confirmed_device(personas.manager)
    agency = Agency.objects.get(code="council-asb")
    client = Client()
    assert _password(client, "manager")["Location"] == "/sign-in/code/"
    for url in _api_reads(agency):
        assert client.get(url).status_code in (401, 403), url
    assert _create_endpoint(client, agency).status_code in (401, 403)
    assert client.get("/manage/audit/export/")["Location"].startswith("/sign-in/")
    assert not Endpoint.objects.filter(name="Duty desk").exists()


def test_a_password_only_session_of_an_enrolled_manager_gets_nothing_through_the_api(
    personas: Any,
) -> None:
    confirmed_device(personas.manager)
    agency = Agency.objects.get(code="council-asb")
    client = Client()
    force_login_password_only(client, personas.manager)
    for url in _api_reads(agency):
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert refused.json()["type"] == TWO_FACTOR
        assert "authenticator app" in refused.json()["detail"]
    created = _create_endpoint(client, agency)
    assert (created.status_code, created.json()["type"]) == (403, TWO_FACTOR)
    assert not Endpoint.objects.filter(name="Duty desk").exists()
    # On pages the session ends, to sign in again with the code.
    assert client.get("/manage/audit/export/")["Location"] == (
        "/sign-in/?next=/manage/audit/export/"
    )
    assert client.get("/api/v1/audit/").status_code == 401
    # The same manager, signed in with the code, gets all of it.
    verified = Client()
    verified.force_login(personas.manager)
    for url in _api_reads(agency):
        assert verified.get(url).status_code == 200, url
    assert _create_endpoint(verified, agency).status_code == 201
    assert verified.get("/manage/audit/export/").status_code == 200


def test_a_manager_without_a_device_is_sent_to_enrolment_and_refused_by_the_api(
    personas: Any,
) -> None:
    agency = Agency.objects.get(code="council-asb")
    client = Client()
    assert _password(client, "manager", next_url="/manage/")["Location"] == (
        "/sign-in/set-up/?next=%2Fmanage%2F"
    )
    for page in ("/", "/manage/", "/manage/audit/export/", "/inbox/", "/admin/"):
        assert client.get(page)["Location"].startswith("/sign-in/set-up/?next="), page
    for url in _api_reads(agency):
        refused = client.get(url)
        assert (refused.status_code, refused.json()["type"]) == (403, ENROL), url
        assert "not set up an authenticator app" in refused.json()["detail"]
    assert _create_endpoint(client, agency).json()["type"] == ENROL
    set_up = client.get("/sign-in/set-up/?next=/manage/").content.decode()
    assert "govuk-service-navigation__list" not in set_up  # nowhere else to go
    assert 'action="/sign-out/"' in set_up
    assert client.post("/sign-out/")["Location"] == "/sign-in/"
    assert client.get("/")["Location"] == "/sign-in/?next=/"


def test_enrolment_shows_a_qr_code_and_is_confirmed_with_a_code_from_the_app(
    personas: Any,
) -> None:
    client = Client()
    _password(client, "manager", next_url="/manage/")
    page = client.get("/sign-in/set-up/?next=/manage/").content.decode()
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code class="app-secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None
    # Reloading keeps the secret, so a QR code already scanned stays good.
    assert secret.group(0) in client.get("/sign-in/set-up/").content.decode()
    device = TOTPDevice.objects.get(user=personas.manager, confirmed=False)
    wrong = client.post("/sign-in/set-up/", {"code": wrong_code(device), "next": "/manage/"})
    assert wrong.status_code == 200
    assert "That code does not match" in wrong.content.decode()
    device.throttle_reset()
    done = client.post("/sign-in/set-up/", {"code": fresh_code(device), "next": "/manage/"})
    assert done["Location"] == "/manage/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/manage/").status_code == 200
    assert client.get("/api/v1/audit/").status_code == 200


def test_an_enrolled_manager_signs_in_with_the_password_then_the_code(personas: Any) -> None:
    device = confirmed_device(personas.manager)
    client = Client()
    assert _password(client, "manager", next_url="/manage/")["Location"] == "/sign-in/code/"
    step = client.get("/sign-in/code/").content.decode()
    assert 'autocomplete="one-time-code"' in step
    assert client.get("/manage/")["Location"].startswith("/sign-in/")  # not signed in yet
    signed_in = client.post("/sign-in/code/", {"code": totp_code(device)})
    assert signed_in["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200
    assert client.get("/api/v1/deliveries/").status_code == 200


def _normalised(response: Any, username: str) -> tuple[int, str, str]:
    body = response.content.decode().replace(f'value="{username}"', 'value="USERNAME"')
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'nonce="[^"]+"', "", body)
    return response.status_code, response.get("Location", ""), body


def _attempt(username: str, password: str, code: str) -> list[tuple[int, str, str]]:
    client = Client()
    responses = [
        _password(client, username, password),
        client.get("/sign-in/code/"),
        client.post("/sign-in/code/", {"code": ""}),
        client.post("/sign-in/code/", {"code": code}),
    ]
    return [_normalised(response, username) for response in responses]


def test_a_wrong_password_and_a_right_one_without_the_right_code_get_the_same_answers(
    personas: Any,
) -> None:
    device = confirmed_device(personas.manager)
    bad = wrong_code(device)
    wrong_password = _attempt("manager", "wrong-password-123", bad)
    assert wrong_password[0][:2] == (302, "/sign-in/code/")
    assert "Enter a correct username and password." in wrong_password[-1][2]
    assert _attempt("manager", PASSWORD, bad) == wrong_password
    assert _attempt("manager", "wrong-password-123", fresh_code(device)) == wrong_password
    assert _attempt("nobody-at-all", "wrong-password-123", bad) == wrong_password


def test_the_code_step_gives_one_try_per_password_and_expires(personas: Any) -> None:
    device = confirmed_device(personas.manager)
    client = Client()
    _password(client, "manager")
    client.post("/sign-in/code/", {"code": wrong_code(device)})
    device.throttle_reset()
    assert client.post("/sign-in/code/", {"code": totp_code(device)})["Location"] == "/sign-in/"
    assert client.get("/manage/")["Location"].startswith("/sign-in/")
    later = timezone.now() + timedelta(minutes=6)
    _password(client, "manager")
    with time_machine.travel(later, tick=False):
        expired = client.post("/sign-in/code/", {"code": totp_code(device)})
    assert expired["Location"] == "/sign-in/"


def test_wrong_codes_on_the_page_count_towards_the_lockout(personas: Any, settings: Any) -> None:
    device = confirmed_device(personas.manager)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _password(client, "manager")
        client.post("/sign-in/code/", {"code": wrong_code(device)})
    assert _password(client, "manager").status_code == 429


def test_a_token_issued_without_a_second_factor_is_refused_once_the_role_needs_one(
    personas: Any,
) -> None:
    key = token_issue(user=personas.manager, two_factor=False).key
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    refused = client.get("/api/v1/cases/")
    assert (refused.status_code, refused.json()["type"]) == (403, ENROL)
    confirmed_device(personas.manager)
    assert client.get("/api/v1/cases/").json()["type"] == TWO_FACTOR
    # Signing out is still allowed.
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not ApiToken.objects.filter(user=personas.manager).exists()


def test_the_roles_that_need_a_second_factor_come_from_settings(
    personas: Any, settings: Any
) -> None:
    settings.SIGN_IN_TWO_FACTOR_ROLES = ["auditor"]
    manager, auditor = Client(), Client()
    force_login_password_only(manager, personas.manager)
    force_login_password_only(auditor, personas.auditor)
    assert manager.get("/manage/").status_code == 200
    assert manager.get("/api/v1/audit/").status_code == 200
    assert auditor.get("/manage/")["Location"].startswith("/sign-in/set-up/")
    assert auditor.get("/api/v1/audit/").json()["type"] == ENROL
