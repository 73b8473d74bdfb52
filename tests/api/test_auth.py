"""API sign-in: tokens, lockout after failed attempts, rate limits, TOTP, CSRF, the admin.

Token expiry, rotation and revocation, and the sign-in policy across pages, API and admin,
are in tests/auth/.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from partners.models import ApiToken
from partners.tokens import token_digest
from tests.personas import payload
from tests.support.signin import (
    confirmed_device,
    force_login_password_only,
    fresh_code,
    totp_code,
    wrong_code,
)

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "persona-pass-2026"
INVALID = "urn:csp-casework:problem:invalid-credentials"


def _sign_in(client: APIClient, username: str, password: str = PASSWORD, **extra: str):
    return client.post(
        TOKEN_URL, {"username": username, "password": password, **extra}, format="json"
    )


def test_a_token_from_sign_in_authenticates_and_revoking_it_ends_it(demo) -> None:
    response = _sign_in(APIClient(), "idva")
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=demo.user("idva")).digest == token_digest(token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.delete(TOKEN_URL).status_code == 204
    assert not ApiToken.objects.filter(user=demo.user("idva")).exists()
    assert client.get("/api/v1/cases/").status_code == 401


def test_the_key_is_never_stored_only_its_digest(demo) -> None:
    token = _sign_in(APIClient(), "idva").json()["token"]
    row = ApiToken.objects.filter(user=demo.user("idva")).values().get()
    assert all(token not in str(value) for value in row.values())
    assert (row["digest"], row["prefix"]) == (token_digest(token), token[:8])


def test_signing_in_records_the_last_login(demo) -> None:
    assert demo.user("idva").last_login is None
    _sign_in(APIClient(), "idva")
    demo.user("idva").refresh_from_db()
    assert demo.user("idva").last_login is not None


def test_a_wrong_password_is_a_400_that_does_not_say_which_part_was_wrong(demo) -> None:
    for username in ("idva", "nobody-at-all"):
        response = _sign_in(APIClient(), username, "wrong-password-123")
        assert response.status_code == 400
        assert response.json()["type"] == INVALID
        assert "check the username, the password" in response.json()["detail"]


def test_sign_in_rejects_unknown_fields_and_missing_ones(demo) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "idva", "pin": "1"}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"pin", "password"}


def test_repeated_failures_lock_the_username_at_that_address_even_with_the_right_password(
    demo, settings
) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "officer", "guess-123456").status_code == 400
    locked = _sign_in(client, "officer", "guess-123456")
    assert locked.status_code == 429
    assert locked.json()["type"] == "urn:csp-casework:problem:locked-out"
    assert int(locked.headers["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert _sign_in(client, "officer").status_code == 429
    # Another address, or another user at this one, is not locked.
    assert _sign_in(APIClient(REMOTE_ADDR="10.9.8.7"), "officer").status_code == 200
    assert _sign_in(client, "idva").status_code == 200


def test_a_successful_sign_in_resets_the_failure_count(demo, settings) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "officer", "guess-123456")
    assert _sign_in(client, "officer").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "officer", "guess-123456").status_code == 400


def test_sign_in_attempts_are_rate_limited_per_address(demo, settings) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "3/min"}
    client = APIClient()
    for username in ("officer", "idva", "probation"):
        assert _sign_in(client, username).status_code == 200
    limited = _sign_in(client, "caseworker")
    assert limited.status_code == 429
    assert limited.json()["type"] == "urn:csp-casework:problem:too-many-requests"
    assert int(limited.headers["Retry-After"]) > 0


def test_spraying_one_password_over_many_usernames_from_one_address_is_limited(
    demo, settings
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "5/min"}
    sprayer = APIClient(REMOTE_ADDR="203.0.113.9")
    answers = [_sign_in(sprayer, f"user-{n}", "Summer2026!").status_code for n in range(8)] + [
        _sign_in(sprayer, "idva").status_code
    ]
    assert answers == [400] * 5 + [429] * 4
    # Another address is not limited by it.
    assert _sign_in(APIClient(REMOTE_ADDR="198.51.100.7"), "idva").status_code == 200


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
    device = confirmed_device(demo.user("manager"))
    missing = _sign_in(APIClient(), "manager")
    assert missing.status_code == 400
    assert missing.json()["type"] == INVALID
    code = totp_code(device)
    signed_in = _sign_in(APIClient(), "manager", otp=code)
    assert signed_in.status_code == 200
    assert ApiToken.objects.get(user=demo.user("manager")).two_factor is True
    # A code works once, and a wrong one never.
    assert _sign_in(APIClient(), "manager", otp=code).status_code == 400
    assert _sign_in(APIClient(), "manager", otp=wrong_code(device)).status_code == 400


def test_a_right_password_without_or_with_a_wrong_code_answers_as_a_wrong_password(
    demo,
) -> None:
    device = confirmed_device(demo.user("manager"))

    def answer(**body: str) -> tuple[int, bytes, str]:
        response = _sign_in(APIClient(), "manager", **body)
        return response.status_code, response.content, response["Content-Type"]

    wrong_password = answer(password="wrong-password-123")
    assert wrong_password[0] == 400
    assert answer() == wrong_password
    assert answer(otp=wrong_code(device)) == wrong_password
    assert answer(password="wrong-password-123", otp=fresh_code(device)) == wrong_password


def test_a_missing_code_counts_towards_the_lockout_like_a_wrong_password(demo, settings):
    confirmed_device(demo.user("manager"))
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = _sign_in(client, "manager")
    assert last.status_code == 429


def test_wrong_totp_codes_count_towards_the_lockout(demo, settings) -> None:
    device = confirmed_device(demo.user("manager"))
    client = APIClient()
    wrong = wrong_code(device)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = _sign_in(client, "manager", otp=wrong)
    assert last.status_code == 429


def test_a_manager_without_an_authenticator_gets_no_token_and_is_told_to_enrol(demo) -> None:
    response = _sign_in(APIClient(), "manager")
    assert response.status_code == 403
    assert response.json()["type"] == "urn:csp-casework:problem:two-factor-enrolment-required"
    assert "set one up" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=demo.user("manager")).exists()


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
    user = demo.user("officer")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def test_the_admin_needs_a_session_signed_in_with_a_second_factor(demo) -> None:
    user = _staff(demo)
    enrolling = Client()
    force_login_password_only(enrolling, user)
    assert enrolling.get("/admin/")["Location"] == "/sign-in/set-up/?next=%2Fadmin%2F"
    confirmed_device(user)
    password_only = Client()
    force_login_password_only(password_only, user)
    # Signed out, to sign in again with the code.
    assert password_only.get("/admin/")["Location"] == "/sign-in/?next=/admin/"
    assert password_only.get("/api/v1/cases/").status_code in (401, 403)
    verified = Client()
    verified.force_login(user)
    assert verified.get("/admin/").status_code == 200


def test_the_admin_signs_in_through_the_service_sign_in(demo) -> None:
    assert Client().get("/admin/login/?next=/admin/")["Location"] == "/sign-in/?next=/admin/"
    page = Client().get("/admin/login/", follow=True)
    assert b'name="otp_token"' not in page.content
    assert b'action="/admin/login/"' not in page.content
    # Signed in, but not an admin user.
    client = Client()
    client.force_login(demo.user("idva"))
    assert client.get("/admin/login/").status_code == 403


def test_the_admin_takes_a_password_alone_when_staff_need_no_second_factor(demo, settings) -> None:
    settings.SIGN_IN_TWO_FACTOR_ROLES = ["manager", "auditor"]
    client = Client()
    force_login_password_only(client, _staff(demo))
    assert client.get("/admin/").status_code == 200


def test_totp_enrolment_by_command_then_confirmation_with_a_code(demo) -> None:
    out = StringIO()
    call_command("totp_enrol", "manager", stdout=out)
    assert "otpauth://totp/" in out.getvalue()
    device = TOTPDevice.objects.get(user=demo.user("manager"))
    assert device.confirmed is False
    with pytest.raises(CommandError, match="does not match"):
        call_command("totp_enrol", "manager", "--confirm", wrong_code(device))
    call_command("totp_enrol", "manager", "--confirm", fresh_code(device), stdout=StringIO())
    device.refresh_from_db()
    assert device.confirmed is True


def test_totp_is_for_the_roles_that_need_it_only(demo) -> None:
    with pytest.raises(CommandError, match="Two-factor sign-in is for manager, auditor, staff"):
        call_command("totp_enrol", "officer")
    with pytest.raises(CommandError, match="No user"):
        call_command("totp_enrol", "ghost")
