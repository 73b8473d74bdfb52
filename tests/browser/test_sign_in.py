"""A manager's first sign-in: password, then setting up an authenticator app from the QR
code page; the next sign-in asks for the app's code. Each page passes axe-core."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORD, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code_from_key(key: str) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    secret = key.replace(" ", "")
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    return f"{totp.token():06d}"


def test_a_manager_sets_up_an_authenticator_at_first_sign_in_then_signs_in_with_it(
    page: Any, people: Any
) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/set-up/**")
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator("code.app-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(_code_from_key(key))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()
    assert TOTPDevice.objects.get(user=people.manager).confirmed

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/code/")
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    assert_accessible(page)
