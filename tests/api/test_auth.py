"""Sign-in: tokens, lockout after failed attempts, rate limits, TOTP, CSRF, the admin's 2FA."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from partners.security import totp_device_enrol
from tests.personas import payload

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "persona-pass-2026"


def _sign_in(client: APIClient, username: str, password: str = PASSWORD, **extra: str):
    return client.post(
        TOKEN_URL, {"username": username, "password": password, **extra}, format="json"
    )


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def _confirmed_device(user) -> TOTPDevice:
    device = totp_device_enrol(user=user)
    device.confirmed = True
    device.save()
    return device


def test_a_token_from_sign_in_authenticates_and_revoking_it_ends_it(demo) -> None:
    response = _sign_in(APIClient(), "idva")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=demo.user("idva")).key == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(user=demo.user("idva")).exists()
    assert client.get("/api/v1/cases/").status_code == 401


def test_signing_in_records_the_last_login(demo) -> None:
    assert demo.user("idva").last_login is None
    _sign_in(APIClient(), "idva")
    demo.user("idva").refresh_from_db()
    assert demo.user("idva").last_login is not None


def test_a_wrong_password_is_a_400_that_does_not_say_which_part_was_wrong(demo) -> None:
    for username in ("idva", "nobody-at-all"):
        response = _sign_in(APIClient(), username, "wrong-password-123")
        assert response.status_code == 400
        assert response.json()["type"] == "urn:csp-casework:problem:invalid-credentials"
        assert response.json()["detail"] == "Unable to sign in with that username and password."


def test_sign_in_rejects_unknown_fields_and_missing_ones(demo) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "idva", "pin": "1"}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"pin", "password"}


def test_repeated_failures_lock_the_username_at_that_address_even_with_the_right_password(
    demo, settings
) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "manager", "guess-123456").status_code == 400
    locked = _sign_in(client, "manager", "guess-123456")
    assert locked.status_code == 429
    assert locked.json()["type"] == "urn:csp-casework:problem:locked-out"
    assert int(locked.headers["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert _sign_in(client, "manager").status_code == 429
    # Another address, or another user at this one, is not locked.
    assert _sign_in(APIClient(REMOTE_ADDR="10.9.8.7"), "manager").status_code == 200
    assert _sign_in(client, "idva").status_code == 200


def test_a_successful_sign_in_resets_the_failure_count(demo, settings) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "manager", "guess-123456")
    assert _sign_in(client, "manager").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "manager", "guess-123456").status_code == 400


def test_sign_in_attempts_are_rate_limited_per_address(demo, settings) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "3/min"}
    client = APIClient()
    for username in ("officer", "idva", "probation"):
        assert _sign_in(client, username).status_code == 200
    limited = _sign_in(client, "manager")
    assert limited.status_code == 429
    assert limited.json()["type"] == "urn:csp-casework:problem:too-many-requests"
    assert int(limited.headers["Retry-After"]) > 0


def test_writes_are_rate_limited_per_user_and_reads_are_not(demo, as_user, settings) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "write": "2/min"}
    client = as_user("outsider")
    for _ in range(2):
        assert (
            client.post("/api/v1/referrals/duplicates/", payload("asb"), format="json").status_code
            == 200
        )
    assert client.post("/api/v1/referrals/", payload("asb"), format="json").status_code == 429
    assert client.get("/api/v1/cases/").status_code == 200
    other = as_user("officer")
    assert (
        other.post("/api/v1/referrals/duplicates/", payload("asb"), format="json").status_code
        == 200
    )


def test_an_enrolled_user_needs_a_current_totp_code_to_get_a_token(demo) -> None:
    device = _confirmed_device(demo.user("manager"))
    missing = _sign_in(APIClient(), "manager")
    assert missing.status_code == 400
    assert missing.json()["errors"] == [
        {"field": "otp", "message": "Enter the code from your authenticator app."}
    ]
    code = _code(device)
    assert _sign_in(APIClient(), "manager", otp=code).status_code == 200
    # A code works once, and a wrong one never.
    assert _sign_in(APIClient(), "manager", otp=code).status_code == 400
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert _sign_in(APIClient(), "manager", otp=wrong).status_code == 400


def test_wrong_totp_codes_count_towards_the_lockout(demo, settings) -> None:
    device = _confirmed_device(demo.user("manager"))
    client = APIClient()
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = _sign_in(client, "manager", otp=wrong)
    assert last.status_code == 429


def test_session_writes_need_the_csrf_token(demo) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.user("officer"))
    refused = client.post("/api/v1/referrals/", payload("asb"), content_type="application/json")
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "CSRF" in refused.json()["detail"]
    secret = "k" * 32
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        "/api/v1/referrals/",
        payload("asb"),
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert accepted.status_code == 201
    # Reads need no token.
    assert client.get("/api/v1/cases/").status_code == 200


def _staff(demo):
    user = demo.user("auditor")
    user.is_staff = True
    user.save()
    return user


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_the_admin_requires_a_verified_totp_device_when_enabled(demo) -> None:
    user = _staff(demo)
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302  # signed in, but not verified
    login = client.get("/admin/login/")
    assert b'name="otp_token"' in login.content
    device = _confirmed_device(user)
    without = Client().post("/admin/login/", {"username": "auditor", "password": PASSWORD})
    assert without.status_code == 200  # the form again, with an error
    verified = Client()
    response = verified.post(
        "/admin/login/",
        {
            "username": "auditor",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": _code(device),
        },
    )
    assert response.status_code == 302
    assert verified.get("/admin/").status_code == 200


@override_settings(ADMIN_REQUIRE_2FA=False)
def test_the_admin_takes_a_password_alone_when_2fa_is_off(demo) -> None:
    client = Client()
    client.force_login(_staff(demo))
    assert client.get("/admin/").status_code == 200
    assert b'name="otp_token"' not in Client().get("/admin/login/").content


def test_totp_enrolment_by_command_then_confirmation_with_a_code(demo) -> None:
    from io import StringIO

    out = StringIO()
    call_command("totp_enrol", "manager", stdout=out)
    assert (
        "otpauth://totp/CSP%20Casework:manager?" in out.getvalue()
        or "otpauth://totp/" in out.getvalue()
    )
    device = TOTPDevice.objects.get(user=demo.user("manager"))
    assert device.confirmed is False
    with pytest.raises(CommandError, match="does not match"):
        call_command(
            "totp_enrol",
            "manager",
            "--confirm",
            "000000" if _code(device) != "000000" else "111111",
        )
    call_command("totp_enrol", "manager", "--confirm", _code(device), stdout=StringIO())
    device.refresh_from_db()
    assert device.confirmed is True


def test_totp_is_offered_to_managers_auditors_and_staff_only(demo) -> None:
    with pytest.raises(CommandError, match="offered to managers, auditors and admin users"):
        call_command("totp_enrol", "officer")
    with pytest.raises(CommandError, match="No user"):
        call_command("totp_enrol", "ghost")
